//! Writes the hostile inputs (`tests/support/hostile.rs`) into a folder:
//! `cargo run --example hostile -- DIR [CASE]`. With a case name, only that
//! case and the files pages name (the site stylesheet and image); `--list`
//! prints the names and the message each must get.

#[path = "../tests/support/hostile.rs"]
mod hostile;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases = hostile::cases(50);
    if args.first().map(String::as_str) == Some("--list") {
        for c in &cases {
            println!("{}\t{}", c.name, c.message.unwrap_or("-"));
        }
        return;
    }
    let Some(dir) = args.first() else {
        eprintln!("usage: hostile DIR [CASE] | --list");
        std::process::exit(2);
    };
    let chosen: Vec<hostile::Case> = match args.get(1) {
        Some(name) => cases
            .into_iter()
            .filter(|c| c.name == *name || hostile::SUPPORT.contains(&c.name))
            .collect(),
        None => cases,
    };
    if chosen.is_empty() {
        eprintln!("no such case; --list prints them");
        std::process::exit(2);
    }
    hostile::write(std::path::Path::new(dir), &chosen);
}

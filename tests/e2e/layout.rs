//! Images given their variants must not change a page's layout: a
//! Bootstrap 5 card page (the real `bootstrap.css` of the corpus, corpus
//! photos) with AdminLTE's selectors — `.card-img-top` sized by CSS width
//! alone, `.widget-user-image>img`, `.img-sm+.img-push` — looks the same in
//! Chromium as built with the defaults (`browser::check_site`: the same
//! requests, no new console error, the screenshots equal).

use crate::browser::check_site;
use crate::util::{corpus, TestDir};

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cards</title>
<link rel="stylesheet" href="css/bootstrap.css">
<style>
.widget-user-image > img { width: 90px; border: 3px solid #fff; border-radius: 50%; }
.img-sm { width: 30px; height: 30px; float: left; }
.img-sm + .img-push { margin-left: 40px; }
</style>
</head>
<body>
<div class="container py-3">
  <div class="row">
    <div class="col-4">
      <div class="card">
        <img class="card-img-top" src="img/garden.jpg" alt="A garden">
        <div class="card-body"><h5 class="card-title">Garden</h5><p class="card-text">Bootstrap sets this photo's width to 100%, and nothing else.</p></div>
      </div>
    </div>
    <div class="col-4">
      <div class="card">
        <img class="card-img-top" src="img/meadow.jpg" alt="A meadow">
        <div class="card-body"><h5 class="card-title">Meadow</h5><p class="card-text">A second card.</p></div>
      </div>
    </div>
    <div class="col-4">
      <div class="card">
        <div class="card-body">
          <div class="widget-user-image"><img src="img/flower.jpg" alt="A flower"></div>
          <div><img class="img-sm" src="img/aqua.jpg" alt="Water"><p class="img-push">Beside a small picture.</p></div>
        </div>
      </div>
    </div>
  </div>
</div>
</body>
</html>
"#;

#[test]
fn a_bootstrap_card_page_looks_the_same_with_its_image_variants() {
    let t = TestDir::new();
    let site = t.path("cards");
    t.write("cards/index.html", PAGE);
    let css = std::fs::read(corpus().join("css/bootstrap.css")).unwrap();
    t.write("cards/css/bootstrap.css", css);
    for (from, to) in [
        ("Garden.jpg", "garden.jpg"),
        ("GreenMeadow.jpg", "meadow.jpg"),
        ("FreshFlower.jpg", "flower.jpg"),
        ("Aqua.jpg", "aqua.jpg"),
    ] {
        let photo = std::fs::read(corpus().join("images/photos").join(from)).unwrap();
        t.write(&format!("cards/img/{to}"), photo);
    }
    let results = check_site("cards", &site);
    // The photos were given variants: the test is about them.
    let fetched = results[0]["built"]["ok"].to_string();
    assert!(
        fetched.contains(".webp"),
        "no variant was loaded: {fetched}"
    );
}

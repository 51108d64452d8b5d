//! A real nginx on 127.0.0.1, started by the tests with a prefix and pid file
//! of its own and stopped by its pid, and a minimal HTTP/1.1 client for it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::require_tool;

/// One `server {}` of the test nginx.
pub struct Site<'a> {
    /// Its document root.
    pub root: &'a Path,
    /// A snippet to include inside it (the one assetpress wrote).
    pub include: Option<&'a Path>,
    /// Served under this path (`/static/`) with `alias`, the snippet
    /// included in that location, instead of at the root.
    pub base: Option<&'a str>,
}

/// A running nginx; stopped (by its pid) when dropped.
pub struct Nginx {
    /// The port of each site, in the order given.
    pub ports: Vec<u16>,
    pid: i32,
    prefix: PathBuf,
}

/// Where Debian keeps nginx's dynamic modules.
const MODULES: &str = "/usr/lib/nginx/modules";

impl Nginx {
    /// Writes `nginx.conf` for `sites` under `prefix`, checks it with
    /// `nginx -t`, and starts nginx. `server_extra` goes into every server
    /// block before the include (settings a real server block would have).
    pub fn start(prefix: &Path, sites: &[Site], server_extra: &str) -> Nginx {
        require_tool(
            "nginx",
            "apt-get install nginx libnginx-mod-http-brotli-static",
        );
        let brotli = Path::new(MODULES).join("ngx_http_brotli_static_module.so");
        assert!(
            brotli.exists(),
            "{} is needed: apt-get install libnginx-mod-http-brotli-static (scripts/test does this)",
            brotli.display()
        );
        assert!(
            Path::new("/etc/nginx/mime.types").exists(),
            "/etc/nginx/mime.types is missing: apt-get install nginx"
        );
        std::fs::create_dir_all(prefix.join("tmp")).unwrap();
        let ports: Vec<u16> = sites.iter().map(|_| free_port()).collect();
        let p = prefix.display();
        let mut conf = format!(
            "load_module {brotli};\n\
             worker_processes 1;\n\
             pid {p}/nginx.pid;\n\
             error_log {p}/error.log;\n\
             {user}\
             events {{ worker_connections 64; }}\n\
             http {{\n\
             include /etc/nginx/mime.types;\n\
             default_type application/octet-stream;\n\
             access_log off;\n\
             client_body_temp_path {p}/tmp/body;\n\
             proxy_temp_path {p}/tmp/proxy;\n\
             fastcgi_temp_path {p}/tmp/fastcgi;\n\
             uwsgi_temp_path {p}/tmp/uwsgi;\n\
             scgi_temp_path {p}/tmp/scgi;\n",
            brotli = brotli.display(),
            // As root, workers would run as `nobody`, who cannot read a test's
            // temporary folders.
            user = if unsafe { libc::geteuid() } == 0 {
                "user root;\n"
            } else {
                ""
            },
        );
        for (site, port) in sites.iter().zip(&ports) {
            let include = site
                .include
                .map(|i| format!(" include {};\n", i.display()))
                .unwrap_or_default();
            let body = match site.base {
                None => format!(
                    " root {};\n index index.html;\n{include}",
                    site.root.display()
                ),
                Some(base) => format!(
                    " location ^~ {base} {{\n alias {}/;\n index index.html;\n{include} }}\n",
                    site.root.display()
                ),
            };
            conf.push_str(&format!(
                "server {{\n listen 127.0.0.1:{port};\n {server_extra}\n{body}}}\n"
            ));
        }
        conf.push_str("}\n");
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, &conf).unwrap();
        let run = |extra: &[&str]| {
            Command::new("nginx")
                .args(["-p", &p.to_string(), "-e", &format!("{p}/error.log"), "-c"])
                .arg(&conf_path)
                .args(extra)
                .output()
                .unwrap()
        };
        let t = run(&["-t"]);
        assert!(
            t.status.success(),
            "nginx -t rejects the configuration:\n{}\n{conf}",
            String::from_utf8_lossy(&t.stderr)
        );
        let s = run(&[]);
        assert!(
            s.status.success(),
            "nginx did not start: {}",
            String::from_utf8_lossy(&s.stderr)
        );
        // The master writes its pid file, then the workers accept.
        let pid_file = prefix.join("nginx.pid");
        let start = Instant::now();
        let pid = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|t| t.trim().parse::<i32>().ok())
            {
                break pid;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no pid file");
            std::thread::sleep(Duration::from_millis(20));
        };
        let nginx = Nginx {
            ports,
            pid,
            prefix: prefix.to_path_buf(),
        };
        for &port in &nginx.ports {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "nginx does not accept"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        nginx
    }

    /// nginx's error log so far.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.prefix.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SAFETY: plain signal sends to the pid nginx wrote.
        unsafe { libc::kill(self.pid, libc::SIGTERM) };
        let start = Instant::now();
        while unsafe { libc::kill(self.pid, 0) } == 0 && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names lowercased, in order, repeated ones kept.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of header `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The one value of header `name`: panics when it is missing or repeated.
    pub fn one(&self, name: &str) -> &str {
        let all = self.all(name);
        assert_eq!(all.len(), 1, "exactly one {name}: {:?}", self.headers);
        all[0]
    }
}

/// `GET path` from 127.0.0.1:`port` with extra request headers.
pub fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&b[..eol])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

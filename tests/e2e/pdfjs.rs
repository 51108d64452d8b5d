//! PDF.js (the `pdfjs-dist` package, pinned in tests/js-semantics/) set up
//! as its viewer components are: a page whose module script names the
//! worker, the character maps and the standard fonts by strings
//! (`workerSrc = "./build/pdf.worker.js"`, `cMapUrl: "./cmaps/"`), and
//! `pdf_viewer.css` with `url()`s in custom properties. Built with the
//! defaults it must still render a small PDF in Chromium, as it did before
//! (the page's title becomes `ok` once the page is drawn), with the same
//! requests and the same pixels.

use std::path::Path;

use crate::browser::check_site;
use crate::util::{node_tools, TestDir};

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>loading</title>
<link rel="stylesheet" href="web/pdf_viewer.css">
<style>#viewerContainer { position: absolute; inset: 0; overflow: auto; background: #ddd; }</style>
</head>
<body>
<div id="viewerContainer"><div id="viewer" class="pdfViewer"></div></div>
<script type="module" src="viewer.js"></script>
</body>
</html>
"#;

const VIEWER: &str = r#"import * as pdfjsLib from "./build/pdf.js";
pdfjsLib.GlobalWorkerOptions.workerSrc = "./build/pdf.worker.js";
const { EventBus, PDFLinkService, PDFViewer } = await import("./web/pdf_viewer.js");
const container = document.getElementById("viewerContainer");
const eventBus = new EventBus();
const linkService = new PDFLinkService({ eventBus });
const viewer = new PDFViewer({ container, eventBus, linkService });
linkService.setViewer(viewer);
eventBus.on("pagerendered", () => { document.title = "ok"; });
const pdf = await pdfjsLib.getDocument({
  url: "sample.pdf",
  cMapUrl: "./cmaps/",
  cMapPacked: true,
  standardFontDataUrl: "./standard_fonts/",
}).promise;
viewer.setDocument(pdf);
linkService.setDocument(pdf);
"#;

/// A one-page PDF: a blue band and a line of Helvetica.
fn sample_pdf() -> Vec<u8> {
    let content = "0.2 0.4 0.8 rg 20 20 260 60 re f BT /F1 24 Tf 30 120 Td (assetpress) Tj ET";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        pdf.extend(format!("{o:010} 00000 n \n").bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    pdf
}

/// Copies the folder `from` to `to`, files only.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn the_pdfjs_viewer_renders_a_pdf_after_the_build() {
    let dist = node_tools().join("node_modules/pdfjs-dist");
    assert!(
        dist.join("build/pdf.mjs").exists(),
        "pdfjs-dist is missing under {}: run scripts/test (it installs tests/js-semantics/package-lock.json)",
        dist.display()
    );
    let t = TestDir::new();
    let site = t.path("pdfjs");
    // `.js` names: nginx's own mime.types does not know `.mjs`, and the
    // original is served without the snippet.
    for (from, to) in [
        ("build/pdf.mjs", "build/pdf.js"),
        ("build/pdf.worker.mjs", "build/pdf.worker.js"),
        ("web/pdf_viewer.mjs", "web/pdf_viewer.js"),
        ("web/pdf_viewer.css", "web/pdf_viewer.css"),
    ] {
        t.write(
            &format!("pdfjs/{to}"),
            std::fs::read(dist.join(from)).unwrap(),
        );
    }
    for folder in ["web/images", "cmaps", "standard_fonts"] {
        copy_dir(&dist.join(folder), &site.join(folder));
    }
    t.write("pdfjs/index.html", PAGE);
    t.write("pdfjs/viewer.js", VIEWER);
    t.write("pdfjs/sample.pdf", sample_pdf());
    for page in check_site("pdfjs", &site) {
        for side in ["orig", "built"] {
            assert_eq!(page[side]["title"], "ok", "{side} did not render: {page}");
        }
    }
}

#!/usr/bin/env python3
"""An independent check of a build: no local reference that resolved in the
input fails to resolve in the output.

Usage: refcheck.py INPUT OUTPUT

It shares no code with assetpress: pages are read with Python's html.parser,
stylesheets (and <style> blocks and style attributes) with a small url() /
@import scanner, and outputs are matched to inputs through OUTPUT's
assetpress-manifest.json. For every page, stylesheet and SVG file of the
input, the set of input files its references reach must be reached by its
output too, and every reference of the output that does not resolve must
already have been broken, written the same way, in the input.

Exit status: 0 when everything holds, 1 with one line per problem otherwise.
"""

import html.parser
import json
import os
import re
import sys
import urllib.parse

URL_ATTRS = {
    "script": ["src"], "img": ["src", "srcset"], "source": ["src", "srcset"],
    "video": ["src", "poster"], "audio": ["src"], "track": ["src"],
    "embed": ["src"], "object": ["data"], "iframe": ["src"], "a": ["href"],
    "use": ["href", "xlink:href"], "image": ["href", "xlink:href"],
    "link": ["href", "imagesrcset"], "input": ["src"],
}
LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "manifest",
             "preload", "modulepreload", "prefetch", "mask-icon"}

COMMENT = re.compile(r"/\*.*?\*/", re.S)
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""")


def css_urls(text):
    text = COMMENT.sub("", text)
    out = []
    for rx in (CSS_URL, CSS_IMPORT):
        for m in rx.finditer(text):
            out.append(next(g for g in m.groups() if g is not None))
    return out


def srcset_urls(value):
    return [c.strip().split()[0] for c in value.split(",") if c.strip()]


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls, self.in_style, self.base = [], False, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "base" and self.base is None:
            self.base = a.get("href")
        if tag == "style":
            self.in_style = True
        if a.get("style"):
            self.urls += css_urls(a["style"])
        if tag == "link":
            rels = set((a.get("rel") or "").lower().split())
            if not rels & LINK_RELS:
                return
        for name in URL_ATTRS.get(tag, []):
            value = a.get(name)
            if value is None:
                continue
            if name.endswith("srcset"):
                self.urls += srcset_urls(value)
            else:
                self.urls.append(value)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.urls += css_urls(data)


def references(path):
    try:
        text = open(path, encoding="utf-8").read()
    except (UnicodeDecodeError, OSError):
        return [], None
    if path.endswith((".html", ".htm", ".svg")):
        p = Page()
        p.feed(text)
        return p.urls, p.base
    return css_urls(text), None


def resolve(root, referrer, url):
    """The file a local URL names inside root (relative to root), else None."""
    url = url.strip()
    if not url or url.startswith(("#", "?", "//")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
        return None
    path = urllib.parse.unquote(re.split(r"[?#]", url, maxsplit=1)[0])
    if path.startswith("/"):
        full = os.path.normpath(os.path.join(root, path.lstrip("/")))
    else:
        full = os.path.normpath(os.path.join(root, os.path.dirname(referrer), path))
    if not full.startswith(os.path.abspath(root) + os.sep):
        return False
    return os.path.relpath(full, root) if os.path.isfile(full) else False


def main(inp, out):
    inp, out = os.path.abspath(inp), os.path.abspath(out)
    assets = json.load(open(os.path.join(out, "assetpress-manifest.json")))["assets"]
    back = {e["file"]: orig for orig, e in assets.items()}
    problems, checked = [], 0
    for orig, entry in sorted(assets.items()):
        if not orig.endswith((".html", ".htm", ".css", ".svg")):
            continue
        before_urls, base = references(os.path.join(inp, orig))
        if base is not None:
            continue  # <base href> pages: resolution depends on the server
        after_urls, _ = references(os.path.join(out, entry["file"]))
        reached, broken_before = set(), set()
        for u in before_urls:
            r = resolve(inp, orig, u)
            if r:
                reached.add(r)
            elif r is False:
                broken_before.add(u.strip())
        reached_after = set()
        for u in after_urls:
            r = resolve(out, entry["file"], u)
            checked += 1
            if r:
                reached_after.add(back.get(r, r))
            elif r is False and u.strip() not in broken_before:
                problems.append(f"{entry['file']}: {u} does not resolve in the output")
        # Links to pages are not rewritten and count as reached if they were.
        for missing in sorted(reached - reached_after):
            problems.append(f"{orig}: reached {missing} in the input, not in the output")
    for p in problems:
        print(p)
    print(f"refcheck: {checked} references checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))

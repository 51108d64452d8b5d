#!/usr/bin/env python3
"""Generates a synthetic build folder of N files for scale tests and benchmarks.

    scripts/gen-site.py N DIR [--seed S]

The mix is that of a front-end build: 40% JavaScript modules, 20% stylesheets,
20% pages, 20% small PNG images, in folders of at most 100 files. Files refer
to each other the way real ones do: modules import two or three others and
load an image with `new URL(..., import.meta.url)` (a few imports form
small cycles), stylesheets `@import` one another and use images in `url()`, pages
load a stylesheet and a module, show an image and link two other pages.
Every reference resolves. The same N and seed give the same bytes.
"""

import argparse
import os
import random
import struct
import zlib


def png(width, height, rng):
    """A small RGB PNG with a few coloured bands (compressible, not trivial)."""
    rows = []
    colours = [bytes(rng.randrange(256) for _ in range(3)) for _ in range(4)]
    for y in range(height):
        c = colours[(y * len(colours)) // height]
        rows.append(b"\0" + c * width)
    raw = b"".join(rows)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def rel(from_path, to_path):
    """The relative URL from the file `from_path` to `to_path`."""
    r = os.path.relpath(to_path, os.path.dirname(from_path) or ".")
    return r if r.startswith(".") else "./" + r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of files")
    ap.add_argument("dir", help="folder to create (must not exist)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    n = max(args.n, 5)
    kinds = ["js"] * 4 + ["css"] * 2 + ["html"] * 2 + ["png"] * 2
    names = {"js": [], "css": [], "html": [], "png": []}
    for i in range(n):
        kind = kinds[i % len(kinds)]
        folder = f"d{i // 100:04d}"
        path = f"index.html" if i == 0 else f"{folder}/{kind}{i}.{kind}"
        names["html" if i == 0 else kind].append(path)
    # Pages need something to load.
    for kind in ("js", "css", "png"):
        if not names[kind]:
            names[kind].append(f"d0000/{kind}-extra.{kind}")
    os.makedirs(args.dir)

    def write(path, data):
        full = os.path.join(args.dir, path)
        os.makedirs(os.path.dirname(full) or args.dir, exist_ok=True)
        with open(full, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())

    def pick(kind, below=None):
        pool = names[kind][:below] if below else names[kind]
        return pool[rng.randrange(len(pool))] if pool else names[kind][0]

    for k, path in enumerate(names["png"]):
        write(path, png(rng.randrange(8, 65), rng.randrange(8, 65), rng))
    back = {}
    for k, path in enumerate(names["js"]):
        lines = []
        if k in back:
            lines.append(f"import {{ value as w }} from '{rel(path, names['js'][back[k]])}';")
        # Earlier modules; one in twenty also imports the next one, which
        # imports it back: small cycles, as real code has.
        for j in range(rng.randrange(2, 4)):
            if j == 0 and rng.random() < 0.05 and k + 1 < len(names["js"]):
                target = names["js"][k + 1]
                back[k + 1] = k
            elif k:
                target = pick("js", below=k)
            else:
                continue
            if target != path:
                lines.append(f"import {{ value as v{j} }} from '{rel(path, target)}';")
        lines.append(f"const icon = new URL('{rel(path, pick('png'))}', import.meta.url);")
        body = "\n".join(
            f"function helper{k}_{m}(items, factor) {{\n"
            f"  return items.map((item, index) => ({{ id: index, label: 'item-' + index, score: item * factor + {m} }}))\n"
            f"    .filter((entry) => entry.score % {m + 2} !== 0);\n}}"
            for m in range(rng.randrange(3, 12)))
        uses = " + ".join(line.split()[4] for line in lines if line.startswith("import")) or "0"
        lines.append(body)
        lines.append(f"export const value = {k} + ({uses});")
        lines.append(f"export function render(root) {{ root.dataset.icon = icon.href; "
                     f"return helper{k}_0([1, 2, 3], value); }}")
        write(path, "\n".join(lines) + "\n")
    for k, path in enumerate(names["css"]):
        out = []
        if k and rng.random() < 0.3:
            out.append(f"@import url('{rel(path, pick('css', below=k))}');")
        for m in range(rng.randrange(4, 16)):
            out.append(
                f".block-{k}-{m} {{\n  display: flex;\n  margin: 0 auto;\n  padding: {m}px {m * 2}px;\n"
                f"  color: #{rng.randrange(0x1000000):06x};\n"
                f"  background: url('{rel(path, pick('png'))}') no-repeat;\n}}")
        write(path, "\n".join(out) + "\n")
    for k, path in enumerate(names["html"]):
        links = " ".join(f"<a href=\"{rel(path, pick('html'))}\">next</a>" for _ in range(2))
        write(path, (
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>Page {k}</title>\n"
            f"<link rel=\"stylesheet\" href=\"{rel(path, pick('css'))}\">\n"
            f"<script type=\"module\" src=\"{rel(path, pick('js'))}\"></script>\n"
            "</head>\n<body>\n"
            f"<h1>Page {k}</h1>\n<img src=\"{rel(path, pick('png'))}\" alt=\"\">\n"
            f"<p>{links}</p>\n</body>\n</html>\n"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write the test apps' photo: a deterministic 640x400 RGB PNG.

A diagonal colour gradient with soft rings and a little seeded noise, so the
file is around 200 KB: big enough that no bundler inlines it as a data URL.
Pure Python (zlib only); the same bytes on every run.

Usage: python3 tests/apps/make-photo.py OUT.png
"""
import math
import struct
import sys
import zlib

W, H = 640, 400


def chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pixels() -> bytes:
    seed = 12345
    rows = bytearray()
    for y in range(H):
        row = bytearray()
        for x in range(W):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            noise = (seed >> 16) % 2
            d = math.hypot(x - W * 0.3, y - H * 0.6)
            ring = 24 * math.sin(d / 11.0)
            r = 40 + 180 * x // W + ring + noise
            g = 70 + 120 * y // H + ring / 2 + noise
            b = 200 - 120 * (x + y) // (W + H) - ring + noise
            row += bytes(max(0, min(255, int(v))) for v in (r, g, b))
        # PNG filter 1 (Sub): each byte minus the byte one pixel to its left.
        rows.append(1)
        rows += bytes((row[i] - (row[i - 3] if i >= 3 else 0)) & 0xFF for i in range(len(row)))
    return bytes(rows)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    header = struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)  # 8-bit RGB
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
           + chunk(b"IDAT", zlib.compress(pixels(), 9)) + chunk(b"IEND", b""))
    with open(sys.argv[1], "wb") as f:
        f.write(png)


if __name__ == "__main__":
    main()

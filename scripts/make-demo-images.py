#!/usr/bin/env python3
"""Generate the binary assets of the demo site in testdata/site/.

The demo site (a fictional trail guide called "Ridgeway") is checked in, but
its images and font are produced by this script so that they can be rebuilt
and inspected. Everything is deterministic: fixed seeds, no timestamps, so
running the script twice gives byte-identical files for a given Pillow,
NumPy and fontTools version.

Outputs (paths relative to testdata/site/):

    images/hero-valley.jpg        1600x1000 procedural landscape, JPEG q88
    images/badge.png              400x400 RGBA badge with soft edges and shadow
    images/icons/icon-192.png     web manifest icon
    images/icons/icon-512.png     web manifest icon
    favicon.ico                   16/32/48 px
    fonts/dejavu-sans-latin.woff2 Basic Latin subset of DejaVu Sans
    fonts/LICENSE-DejaVu.txt      the DejaVu font licence

The SVG files in images/ are written by hand and are not touched here.

Requirements: pip install pillow numpy fonttools brotli

Usage: python3 scripts/make-demo-images.py [--site DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SITE = REPO_ROOT / "testdata" / "site"

DEJAVU_TTF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD_TTF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
DEJAVU_LICENSE = Path("/usr/share/doc/fonts-dejavu-core/copyright")

# Brand palette, kept in sync with the custom properties in css/base.css.
FOREST = (31, 77, 58)
FOREST_DARK = (20, 52, 40)
MOSS = (111, 155, 84)
SAND = (244, 237, 222)
SUNSET = (232, 131, 58)
SNOW = (250, 250, 247)

# Glyphs included in the web font: Basic Latin plus a few typographic marks
# the pages use (non-breaking space, copyright sign, degree sign, middle dot,
# dashes, curly quotes, ellipsis).
FONT_UNICODES = (
    list(range(0x20, 0x7F))
    + [0xA0, 0xA9, 0xB0, 0xB7, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026]
)


# ---------------------------------------------------------------------------
# Noise helpers
# ---------------------------------------------------------------------------


def _upsample(grid: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bicubically resize a float grid to (height, width)."""
    img = Image.fromarray(grid.astype(np.float32), mode="F")
    return np.asarray(img.resize((width, height), Image.BICUBIC), dtype=np.float32)


def fractal_noise_2d(
    rng: np.random.Generator,
    width: int,
    height: int,
    base_cells: int = 4,
    octaves: int = 6,
    persistence: float = 0.55,
) -> np.ndarray:
    """Value noise summed over octaves, normalised to 0..1."""
    total = np.zeros((height, width), dtype=np.float32)
    amplitude = 1.0
    norm = 0.0
    cells = base_cells
    for _ in range(octaves):
        gw = cells + 3
        gh = max(2, round(cells * height / width)) + 3
        grid = rng.random((gh, gw), dtype=np.float32)
        total += amplitude * _upsample(grid, width, height)
        norm += amplitude
        amplitude *= persistence
        cells *= 2
    total /= norm
    lo, hi = float(total.min()), float(total.max())
    return (total - lo) / (hi - lo + 1e-9)


def fractal_noise_1d(
    rng: np.random.Generator,
    length: int,
    base_points: int = 4,
    octaves: int = 8,
    persistence: float = 0.5,
) -> np.ndarray:
    """1-D fractal noise in -1..1, used for ridge lines."""
    x = np.linspace(0.0, 1.0, length)
    total = np.zeros(length)
    amplitude = 1.0
    norm = 0.0
    points = base_points
    for _ in range(octaves):
        knots = rng.uniform(-1.0, 1.0, points + 1)
        # Smoothstep interpolation between knots.
        idx = np.minimum((x * points).astype(int), points - 1)
        t = x * points - idx
        t = t * t * (3 - 2 * t)
        total += amplitude * (knots[idx] * (1 - t) + knots[idx + 1] * t)
        norm += amplitude
        amplitude *= persistence
        points *= 2
    return total / norm


# ---------------------------------------------------------------------------
# Hero photo
# ---------------------------------------------------------------------------


def make_landscape(width: int = 1600, height: int = 1000, seed: int = 20240611) -> Image.Image:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    v = yy / (height - 1)  # 0 at the top, 1 at the bottom
    u = xx / (width - 1)

    # Sky: deep blue at the zenith to a warm haze at the horizon, plus a sun glow.
    zenith = np.array([52, 92, 150], dtype=np.float32)
    horizon = np.array([246, 204, 160], dtype=np.float32)
    t = np.clip(v / 0.62, 0, 1)[..., None] ** 1.4
    img = zenith * (1 - t) + horizon * t
    sun_x, sun_y = 0.72, 0.40
    d = np.sqrt(((u - sun_x) * width / height) ** 2 + (v - sun_y) ** 2)
    glow = np.exp(-d * 5.5)[..., None]
    img = img * (1 - 0.55 * glow) + np.array([255, 226, 170], dtype=np.float32) * 0.55 * glow
    core = np.clip(1.0 - d / 0.035, 0, 1)[..., None] ** 0.6
    img = img * (1 - core) + np.array([255, 247, 225], dtype=np.float32) * core

    # Clouds: thresholded fractal noise, stretched horizontally, fading towards the horizon.
    clouds = fractal_noise_2d(rng, width, height, base_cells=3, octaves=7, persistence=0.58)
    clouds = np.clip((clouds - 0.52) * 3.2, 0, 1) * np.clip(1 - v / 0.5, 0, 1)
    cloud_colour = np.array([250, 240, 232], dtype=np.float32)
    img = img * (1 - 0.75 * clouds[..., None]) + cloud_colour * 0.75 * clouds[..., None]

    # Mountain ranges from far to near: (baseline, amplitude, colour, haze, texture strength).
    ranges = [
        (0.50, 0.16, (120, 132, 168), 0.55, 10.0),
        (0.58, 0.14, (86, 104, 130), 0.38, 16.0),
        (0.68, 0.12, (58, 82, 84), 0.22, 22.0),
        (0.80, 0.08, (44, 70, 46), 0.08, 30.0),
        (0.92, 0.05, (34, 56, 30), 0.0, 36.0),
    ]
    haze_colour = np.array([214, 196, 182], dtype=np.float32)
    for i, (base, amp, colour, haze, texture) in enumerate(ranges):
        ridge = fractal_noise_1d(rng, width, base_points=3 + i, octaves=9, persistence=0.52)
        ridge_y = (base - amp * ridge) * height  # pixel row of the ridge per column
        # Soft, anti-aliased mask below the ridge.
        mask = np.clip(yy - ridge_y[None, :] + 0.5, 0, 1)
        tex = fractal_noise_2d(rng, width, height, base_cells=16 + 8 * i, octaves=7, persistence=0.62)
        depth = np.clip((yy - ridge_y[None, :]) / (height * 0.25), 0, 1)
        col = np.array(colour, dtype=np.float32)
        layer = col[None, None, :] + (tex[..., None] - 0.5) * texture
        # Bump shading from the texture: slopes facing the sun (to the right) are
        # lit and warmer, the others fall into shadow.
        gx = np.gradient(tex, axis=1)
        light = np.clip(gx * (900.0 + 500.0 * i), -1.0, 1.0)[..., None]
        layer += light * (10.0 + 5.0 * i) * np.array([1.0, 0.85, 0.6], dtype=np.float32)
        layer *= (1.0 - 0.25 * depth[..., None])
        # Snow on the high, far peaks.
        if i < 2:
            snow = np.clip((base * height - ridge_y[None, :] - amp * height * 0.25) / 20.0, 0, 1)
            snow = snow * np.clip(1 - (yy - ridge_y[None, :]) / 28.0, 0, 1) * (tex > 0.45)
            layer = layer * (1 - snow[..., None] * 0.8) + np.array(SNOW, dtype=np.float32) * snow[..., None] * 0.8
        layer = layer * (1 - haze) + haze_colour * haze
        img = img * (1 - mask[..., None]) + layer * mask[..., None]

    # A meadow path in the foreground.
    path_centre = 0.5 + 0.18 * np.sin((v - 0.9) * 14.0)
    path_half = 0.004 + (v - 0.86).clip(0) * 0.35
    on_path = np.clip(1 - np.abs(u - path_centre) / (path_half + 1e-6), 0, 1) * (v > 0.87)
    path_colour = np.array([176, 150, 112], dtype=np.float32)
    img = img * (1 - 0.8 * on_path[..., None]) + path_colour * 0.8 * on_path[..., None]

    # Sensor grain and a gentle vignette so the file behaves like a real photo.
    grain = rng.normal(0.0, 3.0, size=(height, width, 1)).astype(np.float32)
    img += grain
    vignette = 1.0 - 0.28 * (((u - 0.5) * 1.3) ** 2 + ((v - 0.5) * 1.1) ** 2)
    img *= vignette[..., None]

    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), mode="RGB")
    return out.filter(ImageFilter.UnsharpMask(radius=1.2, percent=40, threshold=2))


# ---------------------------------------------------------------------------
# Badge, icons, favicon
# ---------------------------------------------------------------------------


def _mountain_points(cx: float, cy: float, size: float) -> list[tuple[float, float]]:
    """Twin-peak mountain glyph centred on (cx, cy), `size` wide."""
    s = size / 2
    return [
        (cx - s, cy + s * 0.55),
        (cx - s * 0.35, cy - s * 0.45),
        (cx - s * 0.1, cy - s * 0.05),
        (cx + s * 0.25, cy - s * 0.7),
        (cx + s, cy + s * 0.55),
    ]


def _snow_cap(cx: float, cy: float, size: float) -> list[tuple[float, float]]:
    s = size / 2
    return [
        (cx + s * 0.25, cy - s * 0.7),
        (cx + s * 0.45, cy - s * 0.36),
        (cx + s * 0.34, cy - s * 0.28),
        (cx + s * 0.24, cy - s * 0.36),
        (cx + s * 0.14, cy - s * 0.27),
        (cx + s * 0.05, cy - s * 0.32),
    ]


def make_badge(size: int = 400, scale: int = 4) -> Image.Image:
    """Round badge with a soft drop shadow on a transparent background."""
    big = size * scale
    art = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(art)
    c = big / 2
    r_outer = big * 0.44
    r_ring = big * 0.40
    r_inner = big * 0.36
    draw.ellipse((c - r_outer, c - r_outer, c + r_outer, c + r_outer), fill=FOREST_DARK + (255,))
    draw.ellipse((c - r_ring, c - r_ring, c + r_ring, c + r_ring), fill=SAND + (255,))
    draw.ellipse((c - r_inner, c - r_inner, c + r_inner, c + r_inner), fill=FOREST + (255,))
    # Sun and mountains.
    sr = big * 0.07
    sx, sy = c + big * 0.12, c - big * 0.13
    draw.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=SUNSET + (255,))
    draw.polygon(_mountain_points(c, c + big * 0.03, big * 0.52), fill=MOSS + (255,))
    draw.polygon(_snow_cap(c, c + big * 0.03, big * 0.52), fill=SNOW + (255,))
    # Lettering.
    if DEJAVU_BOLD_TTF.exists():
        font = ImageFont.truetype(str(DEJAVU_BOLD_TTF), int(big * 0.075))
        draw.text((c, c + big * 0.24), "RIDGEWAY", font=font, fill=SAND + (255,), anchor="mm")
    art = art.resize((size, size), Image.LANCZOS)

    # Drop shadow: blurred, offset, semi-transparent copy of the alpha channel.
    shadow_alpha = art.getchannel("A").filter(ImageFilter.GaussianBlur(size * 0.03))
    shadow_alpha = shadow_alpha.point(lambda a: a * 0.45)
    shadow = Image.new("RGBA", (size, size), (10, 30, 20, 0))
    shadow.putalpha(shadow_alpha)
    shadow = shadow.transform(
        shadow.size, Image.AFFINE, (1, 0, -size * 0.0, 0, 1, -size * 0.025), resample=Image.BICUBIC
    )
    return Image.alpha_composite(shadow, art)


def make_app_icon(size: int, scale: int = 4) -> Image.Image:
    """Square icon (opaque, with a safe zone so it also works as maskable)."""
    big = size * scale
    art = Image.new("RGBA", (big, big), FOREST + (255,))
    draw = ImageDraw.Draw(art)
    c = big / 2
    sr = big * 0.09
    sx, sy = c + big * 0.14, c - big * 0.16
    draw.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=SUNSET + (255,))
    draw.polygon(_mountain_points(c, c + big * 0.06, big * 0.62), fill=MOSS + (255,))
    draw.polygon(_snow_cap(c, c + big * 0.06, big * 0.62), fill=SNOW + (255,))
    return art.resize((size, size), Image.LANCZOS)


def make_favicon_source(size: int = 48, scale: int = 8) -> Image.Image:
    """Rounded-square favicon; simpler shapes so it stays legible at 16 px."""
    big = size * scale
    art = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(art)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.2, fill=FOREST + (255,))
    c = big / 2
    pts = [
        (c - big * 0.38, c + big * 0.26),
        (c - big * 0.1, c - big * 0.2),
        (c + big * 0.05, c + big * 0.02),
        (c + big * 0.16, c - big * 0.12),
        (c + big * 0.38, c + big * 0.26),
    ]
    draw.polygon(pts, fill=SAND + (255,))
    return art.resize((size, size), Image.LANCZOS)


# ---------------------------------------------------------------------------
# Font
# ---------------------------------------------------------------------------


def make_font(site: Path) -> None:
    try:
        import logging

        from fontTools import subset

        # Quiet the "FFTM NOT subset; dropped" notice: dropping it is fine.
        logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    except ImportError:
        print("fontTools not installed; skipping the web font", file=sys.stderr)
        return
    if not DEJAVU_TTF.exists():
        print(f"{DEJAVU_TTF} not found; skipping the web font", file=sys.stderr)
        return
    fonts_dir = site / "fonts"
    fonts_dir.mkdir(parents=True, exist_ok=True)
    out = fonts_dir / "dejavu-sans-latin.woff2"
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # TrueType hinting roughly doubles the file size
    options.layout_features = ["kern", "liga"]
    options.name_IDs = ["*"]  # keep the copyright and licence name records
    font = subset.load_font(str(DEJAVU_TTF), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=FONT_UNICODES)
    subsetter.subset(font)
    subset.save_font(font, str(out), options)
    print(f"wrote {out.relative_to(site)} ({out.stat().st_size} bytes)")

    if DEJAVU_LICENSE.exists():
        shutil.copyfile(DEJAVU_LICENSE, fonts_dir / "LICENSE-DejaVu.txt")
        print("wrote fonts/LICENSE-DejaVu.txt")
    else:
        print(f"{DEJAVU_LICENSE} not found; fonts/LICENSE-DejaVu.txt not updated", file=sys.stderr)


# ---------------------------------------------------------------------------


def _save(img: Image.Image, path: Path, site: Path, **kwargs) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **kwargs)
    print(f"wrote {path.relative_to(site)} ({path.stat().st_size} bytes)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=DEFAULT_SITE, help="demo site folder")
    args = parser.parse_args()
    site: Path = args.site.resolve()
    images = site / "images"

    hero = make_landscape()
    _save(hero, images / "hero-valley.jpg", site, quality=88, optimize=True, progressive=False)

    _save(make_badge(), images / "badge.png", site, optimize=True)

    for px in (192, 512):
        _save(make_app_icon(px).convert("RGB"), images / "icons" / f"icon-{px}.png", site, optimize=True)

    _save(make_favicon_source(), site / "favicon.ico", site, sizes=[(16, 16), (32, 32), (48, 48)])

    make_font(site)
    return 0


if __name__ == "__main__":
    sys.exit(main())

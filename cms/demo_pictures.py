"""The demo's pictures, drawn with Pillow when the demo loads: nothing is downloaded and the
repository carries no image files.

Each picture is a function of nothing but its name (seeded randomness), so every load draws the
same one. Posts are 16:9 like the cards that show them, with what matters kept in the middle
(social cards crop to 1.9:1); products are square like the shop's cards, with the object in the
middle third. `focal_box` gives Wagtail the part every other crop must keep.

Type comes from the fonts a Debian machine with Chromium has (DejaVu, else Liberation); without
them, Pillow's own scalable font stands in, so a bare machine still loads the demo.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

Colour = tuple[int, int, int]
Box = tuple[int, int, int, int]

POST_SIZE = (1600, 900)
PRODUCT_SIZE = (1200, 1200)
PORTRAIT_SIZE = (600, 600)
SCALE = 2  # drawn at twice the size and reduced, which smooths every edge

_FONT_FILES = {
    "serif-bold": ["DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf"],
    "serif-italic": ["DejaVuSerif-Italic.ttf", "LiberationSerif-Italic.ttf"],
    "serif": ["DejaVuSerif.ttf", "LiberationSerif-Regular.ttf"],
    "sans-bold": ["DejaVuSansCondensed-Bold.ttf", "DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"],
    "sans": ["DejaVuSans.ttf", "LiberationSans-Regular.ttf"],
}


def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    """An installed font of this kind (Pillow searches the system's font folders), else
    Pillow's built-in one at the same size."""
    for name in _FONT_FILES[kind]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def fitted(kind: str, size: int, text: str, max_width: float) -> ImageFont.FreeTypeFont:
    """The font at `size`, or smaller until `text` fits `max_width` (fonts differ in width)."""
    chosen = font(kind, size)
    while size > 8 and chosen.getlength(text) > max_width:
        size = int(size * 0.94)
        chosen = font(kind, size)
    return chosen


@dataclass(frozen=True)
class DemoPicture:
    title: str
    alt: str
    draw: Callable[[], Image.Image]
    focal_box: Box | None = None  # in the final picture's pixels


def rgb(hex_colour: str) -> Colour:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def mix(a: Colour, b: Colour, t: float) -> Colour:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def gradient(size: tuple[int, int], stops: Sequence[tuple[float, str]]) -> Image.Image:
    """A vertical gradient through (position 0..1, colour) stops."""
    width, height = size
    column = Image.new("RGB", (1, height))
    colours = [(at, rgb(colour)) for at, colour in stops]
    for y in range(height):
        t = y / max(1, height - 1)
        for (a_at, a), (b_at, b) in zip(colours, colours[1:], strict=False):
            if a_at <= t <= b_at:
                column.putpixel((0, y), mix(a, b, (t - a_at) / max(1e-6, b_at - a_at)))
                break
    return column.resize((width, height))


def glow(canvas: Image.Image, centre: tuple[int, int], radius: int, colour: str, strength=0.6):
    """A soft light: a blurred disc laid over the canvas (blurred in its own small square)."""
    pad = radius * 2
    layer = Image.new("L", (pad * 2, pad * 2), 0)
    ImageDraw.Draw(layer).ellipse(
        [pad - radius, pad - radius, pad + radius, pad + radius], fill=255
    )
    layer = layer.filter(ImageFilter.GaussianBlur(radius / 2)).point(lambda v: int(v * strength))
    x, y = centre
    canvas.paste(Image.new("RGB", layer.size, colour), (x - pad, y - pad), mask=layer)


def grain(picture: Image.Image, amount: float = 0.06) -> Image.Image:
    """Film grain, so flat colour reads as printed or photographed rather than drawn. Seeded,
    so the same picture is drawn on every load."""
    width, height = picture.size
    noise = Image.frombytes(
        "L", picture.size, random.Random(width * height).randbytes(width * height)
    )
    return Image.blend(picture, noise.convert("RGB"), amount * 0.55)


def spaced_text(draw, xy, text, fnt, fill, spacing=0.0, anchor="mm"):
    """Text with extra letter spacing (in ems), centred on xy like anchor "mm"."""
    if not spacing:
        draw.text(xy, text, font=fnt, fill=fill, anchor=anchor)
        return
    extra = fnt.size * spacing
    widths = [draw.textlength(ch, font=fnt) for ch in text]
    total = sum(widths) + extra * (len(text) - 1)
    x = xy[0] - total / 2 if anchor[0] == "m" else xy[0]
    for ch, w in zip(text, widths, strict=True):
        draw.text((x, xy[1]), ch, font=fnt, fill=fill, anchor="l" + anchor[1])
        x += w + extra


def finish(canvas: Image.Image, size: tuple[int, int], grain_amount=0.05) -> Image.Image:
    return grain(canvas.resize(size, Image.Resampling.LANCZOS), grain_amount)


# Scenery shared by several pictures


def skyline(draw, width, base, scale, rng, ink, windows: str | None = None, lit=0.25):
    """Terraced roofs with chimney pots, two mill chimneys and a gasholder's frame."""
    s = scale
    # gasholder: guide columns, girder rings and the bell inside
    gx, gw, gh = int(width * 0.62), int(300 * s), int(330 * s)
    draw.rectangle([gx + 12 * s, base - gh * 0.72, gx + gw - 12 * s, base], fill=ink)
    draw.chord(
        [gx + 12 * s, base - gh * 0.8, gx + gw - 12 * s, base - gh * 0.64], 180, 360, fill=ink
    )
    for n in range(7):
        x = gx + n * gw / 6
        draw.rectangle([x - 4 * s, base - gh, x + 4 * s, base], fill=ink)
    for level in (0.0, 0.33, 0.66):
        y = base - gh + level * gh
        draw.rectangle([gx - 4 * s, y, gx + gw + 4 * s, y + 7 * s], fill=ink)
    for n in range(6):
        x0, x1 = gx + n * gw / 6, gx + (n + 1) * gw / 6
        for level in (0.0, 0.33):
            y0 = base - gh + level * gh
            y1 = y0 + gh * 0.33
            draw.line([x0, y0, x1, y1], fill=ink, width=int(3 * s))
            draw.line([x1, y0, x0, y1], fill=ink, width=int(3 * s))
    # mill chimneys
    for cx, ch in ((width * 0.18, 520 * s), (width * 0.9, 430 * s)):
        draw.polygon(
            [
                (cx - 20 * s, base),
                (cx - 12 * s, base - ch),
                (cx + 12 * s, base - ch),
                (cx + 20 * s, base),
            ],
            fill=ink,
        )
        draw.rectangle([cx - 16 * s, base - ch - 14 * s, cx + 16 * s, base - ch], fill=ink)
    # a mill block with rows of windows
    mx, mw, mh = int(width * 0.06), int(330 * s), int(250 * s)
    draw.rectangle([mx, base - mh, mx + mw, base], fill=ink)
    # terraces
    x = -20 * s
    while x < width:
        w = rng.randint(130, 190) * s
        h = rng.randint(120, 170) * s
        draw.polygon(
            [
                (x, base - h),
                (x + w / 2, base - h - 46 * s),
                (x + w, base - h),
                (x + w, base),
                (x, base),
            ],
            fill=ink,
        )
        for pot in (x + w * 0.25, x + w * 0.75):
            draw.rectangle(
                [pot - 9 * s, base - h - 50 * s, pot + 9 * s, base - h - 10 * s], fill=ink
            )
        if windows:
            for wy in (base - h + 30 * s, base - h + 80 * s):
                for wx in (x + 26 * s, x + w - 56 * s):
                    if rng.random() < lit:
                        draw.rectangle([wx, wy, wx + 28 * s, wy + 34 * s], fill=windows)
        x += w
    if windows:
        for row in range(4):
            for col in range(7):
                if rng.random() < lit:
                    wx, wy = mx + 22 * s + col * 44 * s, base - mh + 26 * s + row * 56 * s
                    draw.rectangle([wx, wy, wx + 24 * s, wy + 30 * s], fill=windows)


def canal_water(canvas, top, colours, rng, reflections: Sequence[tuple[int, str]] = ()):
    """Still water from `top` down: a darker copy of the sky with rippled light streaks."""
    width, height = canvas.size
    water = gradient((width, height - top), colours)
    draw = ImageDraw.Draw(water)
    for x, colour in reflections:
        for _ in range(9):
            y = rng.randint(0, max(1, (height - top) // 2))
            w = rng.randint(10, 40)
            draw.rectangle([x - w, y, x + w, y + rng.randint(3, 7)], fill=colour)
    for _ in range(120):
        y = rng.randint(0, height - top)
        x = rng.randint(0, width)
        draw.line(
            [x, y, x + rng.randint(40, 220), y],
            fill=mix(rgb(colours[0][1]), (255, 255, 255), 0.15),
            width=2,
        )
    canvas.paste(water, (0, top))


# Pictures


def gasworks_at_dusk(size=POST_SIZE, seed="gasworks", horizon_at=0.68) -> Image.Image:
    rng = random.Random(seed)
    w, h = size[0] * SCALE, size[1] * SCALE
    horizon = int(h * horizon_at)
    sky = gradient(
        (w, h),
        [
            (0, "#141a33"),
            (horizon_at * 0.5, "#3b3260"),
            (horizon_at * 0.85, "#a4506a"),
            (horizon_at, "#f0a25a"),
            (1, "#f0a25a"),
        ],
    )
    glow(sky, (int(w * 0.4), horizon), int(w * 0.35), "#ffc27a", 0.5)
    draw = ImageDraw.Draw(sky)
    for _ in range(40):  # first stars
        x, y = rng.randint(0, w), rng.randint(0, int(h * 0.3))
        r = rng.choice((2, 2, 3, 4))
        draw.ellipse([x - r, y - r, x + r, y + r], fill="#e8e4f0")
    skyline(draw, w, horizon, SCALE * w / 3200, rng, "#17131f", windows="#ffcf6e", lit=0.3)
    canal_water(
        sky,
        horizon,
        [(0, "#6b3b4e"), (0.4, "#2a2238"), (1, "#0f0d16")],
        rng,
        reflections=[(int(w * f), "#e9a55a") for f in (0.12, 0.3, 0.52, 0.78)],
    )
    draw = ImageDraw.Draw(sky)
    draw.rectangle([0, horizon - 6 * SCALE, w, horizon + 4 * SCALE], fill="#17131f")  # towpath edge
    return finish(sky, size)


def canal_scene(seed, palette, sun=False, heron=False, bridge=False, size=POST_SIZE):
    """A canal running away from the viewer, between a wall and the towpath, in mist."""
    rng = random.Random(seed)
    w, h = size[0] * SCALE, size[1] * SCALE
    horizon = int(h * 0.47)
    vx = int(w * 0.46)
    canvas = gradient(
        (w, h), [(0, palette["sky_top"]), (0.47, palette["sky_low"]), (1, palette["sky_low"])]
    )
    if sun:
        glow(canvas, (int(w * 0.58), horizon - 60 * SCALE), 260 * SCALE, palette["sun_glow"], 0.55)
        ImageDraw.Draw(canvas).ellipse(
            [
                int(w * 0.58) - 70 * SCALE,
                horizon - 130 * SCALE,
                int(w * 0.58) + 70 * SCALE,
                horizon + 10 * SCALE,
            ],
            fill=palette["sun"],
        )
    draw = ImageDraw.Draw(canvas)
    far = mix(rgb(palette["sky_low"]), rgb(palette["ink"]), 0.3)
    skyline(draw, w, horizon + 6, SCALE * 0.42, rng, far)
    # water, wall and towpath converge on the vanishing point
    water = [
        (vx - 30 * SCALE, horizon),
        (vx + 30 * SCALE, horizon),
        (int(w * 0.62), h),
        (int(w * 0.05), h),
    ]
    water_mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(water_mask).polygon(water, fill=255)
    reflection = gradient(
        (w, h), [(0, palette["sky_low"]), (0.47, palette["sky_low"]), (1, palette["water"])]
    )
    canvas.paste(reflection, mask=water_mask)
    for n in range(30):
        t = (n / 30) ** 1.7
        y = horizon + t * (h - horizon)
        half = 30 * SCALE + t * (w * 0.3)
        draw.line(
            [vx - half * 0.9, y, vx + half * 0.4, y],
            fill=palette["ripple"],
            width=max(2, int(4 * t * SCALE)),
        )
    draw.polygon(
        [
            (vx - 30 * SCALE, horizon),
            (int(w * 0.05), h),
            (0, h),
            (0, horizon - 30 * SCALE),
            (vx - 40 * SCALE, horizon - 6 * SCALE),
        ],
        fill=palette["wall"],
    )
    for n in range(14):  # courses of stone in the wall
        t = (n / 14) ** 1.6
        draw.line(
            [
                (0, horizon - 30 * SCALE + t * (h - horizon + 30 * SCALE)),
                (vx - 35 * SCALE, horizon - 4 * SCALE),
            ],
            fill=palette["wall_line"],
            width=int(2 * SCALE),
        )
    draw.polygon(
        [
            (vx + 30 * SCALE, horizon),
            (int(w * 0.62), h),
            (w, h),
            (w, horizon + 40 * SCALE),
            (vx + 60 * SCALE, horizon),
        ],
        fill=palette["path"],
    )
    draw.polygon(
        [
            (vx + 30 * SCALE, horizon),
            (int(w * 0.62), h),
            (int(w * 0.66), h),
            (vx + 34 * SCALE, horizon),
        ],
        fill=palette["kerb"],
    )
    if bridge:
        bx0, bx1, by = vx - 560 * SCALE, vx + 560 * SCALE, horizon - 190 * SCALE
        draw.rectangle([bx0, by, bx1, horizon + 30 * SCALE], fill=palette["bridge"])
        arch = [vx - 240 * SCALE, horizon - 150 * SCALE, vx + 240 * SCALE, horizon + 210 * SCALE]
        draw.chord(arch, 180, 360, fill=palette["sky_low"])
        draw.rectangle(
            [arch[0], horizon + 30 * SCALE - 1, arch[2], horizon + 30 * SCALE],
            fill=palette["sky_low"],
        )
        for course in range(by + 24 * SCALE, horizon + 30 * SCALE, 24 * SCALE):
            draw.line([bx0, course, bx1, course], fill=palette["bridge_top"], width=SCALE)
        draw.chord(arch, 180, 360, fill=palette["sky_low"])
        draw.arc(arch, 180, 360, fill=palette["bridge_top"], width=18 * SCALE)
        draw.rectangle(
            [bx0 - 10 * SCALE, by - 16 * SCALE, bx1 + 10 * SCALE, by], fill=palette["bridge_top"]
        )
    if heron:
        hx, hy = int(w * 0.2), int(h * 0.8)
        ink = palette["ink"]
        draw.ellipse(
            [hx - 70 * SCALE, hy - 150 * SCALE, hx + 40 * SCALE, hy - 80 * SCALE], fill=ink
        )
        draw.line(
            [
                hx + 20 * SCALE,
                hy - 130 * SCALE,
                hx + 55 * SCALE,
                hy - 220 * SCALE,
                hx + 40 * SCALE,
                hy - 260 * SCALE,
            ],
            fill=ink,
            width=int(16 * SCALE),
            joint="curve",
        )
        draw.ellipse(
            [hx + 22 * SCALE, hy - 282 * SCALE, hx + 62 * SCALE, hy - 250 * SCALE], fill=ink
        )
        draw.polygon(
            [
                (hx + 58 * SCALE, hy - 272 * SCALE),
                (hx + 130 * SCALE, hy - 262 * SCALE),
                (hx + 58 * SCALE, hy - 258 * SCALE),
            ],
            fill=ink,
        )
        draw.polygon(
            [
                (hx - 70 * SCALE, hy - 120 * SCALE),
                (hx - 130 * SCALE, hy - 90 * SCALE),
                (hx - 40 * SCALE, hy - 96 * SCALE),
            ],
            fill=ink,
        )
        for leg in (-14, 6):
            draw.line(
                [hx + leg * SCALE, hy - 86 * SCALE, hx + leg * SCALE, hy],
                fill=ink,
                width=int(5 * SCALE),
            )
    mist = Image.new("L", (w, h), 0)
    mist_draw = ImageDraw.Draw(mist)
    for _ in range(9):
        y = horizon + rng.randint(-120, 160) * SCALE
        x = rng.randint(-400, 1800) * SCALE
        mist_draw.ellipse(
            [x, y - 40 * SCALE, x + rng.randint(900, 1800) * SCALE, y + 40 * SCALE],
            fill=palette["mist_strength"],
        )
    mist = mist.filter(ImageFilter.GaussianBlur(40 * SCALE))
    canvas.paste(Image.new("RGB", (w, h), palette["mist"]), mask=mist)
    return finish(canvas, size)


DAWN = {
    "sky_top": "#8fa7c4",
    "sky_low": "#f4cfae",
    "sun": "#fff1d6",
    "sun_glow": "#ffd49a",
    "ink": "#2b2a33",
    "water": "#5f6f86",
    "ripple": "#d9c3b0",
    "wall": "#5d5456",
    "wall_line": "#4a4244",
    "path": "#8a7d72",
    "kerb": "#cfc2b3",
    "mist": "#f6e6d6",
    "mist_strength": 190,
    "bridge": "#6c6063",
    "bridge_top": "#574d50",
}
MIST = {
    "sky_top": "#9aa7a6",
    "sky_low": "#d5dad4",
    "sun": "#ffffff",
    "sun_glow": "#ffffff",
    "ink": "#323a3a",
    "water": "#55635f",
    "ripple": "#b2bcb7",
    "wall": "#4c5553",
    "wall_line": "#3d4543",
    "path": "#7c7f74",
    "kerb": "#b9bcb0",
    "mist": "#e7ebe6",
    "mist_strength": 230,
    "bridge": "#5e6664",
    "bridge_top": "#4c5553",
}


def newspaper_on_the_table(size=POST_SIZE) -> Image.Image:
    rng = random.Random("echo")
    w, h = size[0] * SCALE, size[1] * SCALE
    table = gradient((w, h), [(0, "#6f4a32"), (1, "#4a2f1f")])
    draw = ImageDraw.Draw(table)
    for _ in range(160):  # wood grain
        y = rng.randint(0, h)
        draw.line(
            [0, y, w, y + rng.randint(-30, 30)],
            fill=mix(rgb("#5a3a26"), rgb("#7e563b"), rng.random()),
            width=rng.randint(2, 6),
        )
    pw, ph = int(1000 * SCALE), int(1000 * SCALE)
    page = Image.new("RGB", (pw, ph), "#f1ece0")
    p = ImageDraw.Draw(page)
    s = SCALE
    p.text(
        (pw / 2, 80 * s),
        "Salford Evening Echo",
        font=fitted("serif-bold", 80 * s, "Salford Evening Echo", pw - 90 * s),
        fill="#1d1b18",
        anchor="mm",
    )
    p.line([40 * s, 140 * s, pw - 40 * s, 140 * s], fill="#1d1b18", width=4 * s)
    spaced_text(
        p,
        (pw / 2, 162 * s),
        "THURSDAY 19 NOVEMBER 2026 · 85p",
        font("sans", 22 * s),
        "#3b3833",
        0.12,
    )
    p.line([40 * s, 184 * s, pw - 40 * s, 184 * s], fill="#1d1b18", width=2 * s)
    headline, standfirst = (
        "CANTEEN: THE VERDICT",
        "Town hall kitchen gets four stars, and a fridge warning",
    )
    p.text(
        (pw / 2, 258 * s),
        headline,
        font=fitted("serif-bold", 84 * s, headline, pw - 90 * s),
        fill="#1d1b18",
        anchor="mm",
    )
    p.text(
        (pw / 2, 340 * s),
        standfirst,
        font=fitted("serif-italic", 34 * s, standfirst, pw - 90 * s),
        fill="#3b3833",
        anchor="mm",
    )
    p.rectangle([40 * s, 400 * s, 620 * s, 760 * s], fill="#9c968a")  # the photo
    p.rectangle([70 * s, 560 * s, 590 * s, 760 * s], fill="#7f796e")
    p.rectangle([300 * s, 470 * s, 360 * s, 560 * s], fill="#7f796e")
    for column in range(2):
        x0 = 650 * s + column * 170 * s
        for n in range(26):
            y = 410 * s + n * 24 * s
            p.rectangle([x0, y, x0 + rng.randint(120, 150) * s, y + 9 * s], fill="#b5afa3")
    for column in range(4):
        x0 = 40 * s + column * 235 * s
        for n in range(10):
            y = 800 * s + n * 24 * s
            p.rectangle([x0, y, x0 + rng.randint(180, 210) * s, y + 9 * s], fill="#b5afa3")
    shadow = Image.new("L", (w, h), 0)
    page = page.rotate(-4, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=(0, 0, 0))
    mask = page.convert("L").point(lambda v: 255 if v > 8 else 0)
    ox, oy = int(w * 0.1), 40 * s
    shadow.paste(mask, (ox + 24 * s, oy + 30 * s))
    table.paste(
        Image.new("RGB", (w, h), "#22150d"),
        mask=shadow.filter(ImageFilter.GaussianBlur(24 * s)).point(lambda v: int(v * 0.7)),
    )
    table.paste(page, (ox, oy), mask)
    # a mug of tea, from above
    draw = ImageDraw.Draw(table)
    mx, my, r = int(w * 0.84), int(h * 0.34), 150 * s
    draw.ellipse(
        [mx - r + 20 * s, my - r + 30 * s, mx + r + 20 * s, my + r + 30 * s], fill="#2c1c12"
    )
    draw.rounded_rectangle(
        [mx + r - 30 * s, my - 40 * s, mx + r + 80 * s, my + 40 * s],
        radius=40 * s,
        outline="#e8e2d4",
        width=26 * s,
    )
    draw.ellipse([mx - r, my - r, mx + r, my + r], fill="#e8e2d4")
    draw.ellipse(
        [mx - r + 26 * s, my - r + 26 * s, mx + r - 26 * s, my + r - 26 * s], fill="#8a5a36"
    )
    glow(table, (mx - 40 * s, my - 50 * s), 40 * s, "#c99a6c", 0.5)
    return finish(table, size, 0.04)


def corner_newsagent(size=POST_SIZE) -> Image.Image:
    rng = random.Random("newsagent")
    s = SCALE
    w, h = size[0] * s, size[1] * s
    street = gradient((w, h), [(0, "#1b2a4a"), (0.7, "#33476b"), (0.72, "#2a2f3a"), (1, "#14161c")])
    draw = ImageDraw.Draw(street)
    for row in range(0, int(h * 0.72), 22 * s):  # brick courses
        offset = (row // (22 * s)) % 2 * 30 * s
        for x in range(-60 * s + offset, w, 60 * s):
            draw.rectangle(
                [x, row, x + 56 * s, row + 19 * s],
                fill=mix(rgb("#5b3228"), rgb("#6e3d30"), rng.random()),
            )
    draw.rectangle([0, int(h * 0.72), w, h], fill="#23262e")  # wet pavement
    fx0, fx1 = 300 * s, 1300 * s
    draw.rectangle([fx0 - 20 * s, 110 * s, fx1 + 20 * s, 660 * s], fill="#1f3b2f")  # shopfront
    draw.rectangle([fx0, 130 * s, fx1, 230 * s], fill="#173126")
    spaced_text(
        draw,
        ((fx0 + fx1) / 2, 182 * s),
        "NEWS · TOBACCO · SWEETS",
        font("serif-bold", 52 * s),
        "#e9d9a8",
        0.08,
    )
    draw.rectangle([fx0 + 30 * s, 260 * s, fx0 + 640 * s, 600 * s], fill="#ffd98a")  # lit window
    glow(street, (fx0 + 330 * s, 430 * s), 360 * s, "#ffcf7a", 0.35)
    draw = ImageDraw.Draw(street)
    for shelf in range(3):
        y = 330 * s + shelf * 90 * s
        draw.rectangle([fx0 + 40 * s, y + 50 * s, fx0 + 630 * s, y + 58 * s], fill="#b07c3a")
        x = fx0 + 50 * s
        while x < fx0 + 600 * s:
            bw = rng.randint(24, 50) * s
            draw.rectangle(
                [x, y + rng.randint(0, 16) * s, x + bw, y + 50 * s],
                fill=rng.choice(["#c8452f", "#2f6a9a", "#e8b23a", "#4f8a4b", "#f2ead8"]),
            )
            x += bw + 6 * s
    for n in range(4):
        draw.line(
            [fx0 + 30 * s + n * 203 * s, 260 * s, fx0 + 30 * s + n * 203 * s, 600 * s],
            fill="#1f3b2f",
            width=8 * s,
        )
    draw.rectangle([fx0 + 700 * s, 260 * s, fx1 - 30 * s, 660 * s], fill="#0f2119")  # door
    draw.rectangle([fx0 + 730 * s, 290 * s, fx1 - 60 * s, 470 * s], fill="#e0b868")
    # the newspaper bill in its A-board, the news of the day in thick black capitals
    bx, by = 1030 * s, 560 * s
    draw.polygon(
        [(bx, by), (bx + 300 * s, by), (bx + 330 * s, 860 * s), (bx - 30 * s, 860 * s)],
        fill="#1a1a1a",
    )
    draw.rectangle([bx + 20 * s, by + 20 * s, bx + 280 * s, by + 250 * s], fill="#f4f0e4")
    draw.text(
        (bx + 150 * s, by + 52 * s),
        "ECHO",
        font=font("serif-bold", 40 * s),
        fill="#b3261e",
        anchor="mm",
    )
    for n, line in enumerate(["PLANNING", "ROW: FULL", "STORY"]):
        draw.text(
            (bx + 150 * s, by + 110 * s + n * 48 * s),
            line,
            font=font("sans-bold", 44 * s),
            fill="#111",
            anchor="mm",
        )
    # reflections on the wet pavement
    reflection = street.crop((0, int(h * 0.44), w, int(h * 0.72))).transpose(
        Image.Transpose.FLIP_TOP_BOTTOM
    )
    reflection = reflection.filter(ImageFilter.GaussianBlur(10 * s))
    mask = gradient((w, reflection.height), [(0, "#6e6e6e"), (1, "#000000")]).convert("L")
    street.paste(reflection, (0, int(h * 0.72)), mask)
    draw = ImageDraw.Draw(street)
    draw.rectangle([0, int(h * 0.72), w, int(h * 0.72) + 6 * s], fill="#3a3d45")  # kerb
    # a street lamp
    draw.rectangle([130 * s, 120 * s, 146 * s, int(h * 0.74)], fill="#111318")
    draw.polygon(
        [(104 * s, 120 * s), (172 * s, 120 * s), (156 * s, 80 * s), (120 * s, 80 * s)],
        fill="#111318",
    )
    glow(street, (138 * s, 140 * s), 140 * s, "#ffb968", 0.45)
    return finish(street, size)


def launch_night(size=POST_SIZE) -> Image.Image:
    rng = random.Random("launch")
    s = SCALE
    w, h = size[0] * s, size[1] * s
    room = gradient((w, h), [(0, "#2a1712"), (0.6, "#5c2f1d"), (1, "#24130d")])
    glow(room, (w // 2, int(h * 0.55)), 520 * s, "#d9823e", 0.45)
    for _ in range(26):  # out-of-focus lights behind the band
        x, y = rng.randint(0, w), rng.randint(int(h * 0.15), int(h * 0.6))
        glow(
            room,
            (x, y),
            rng.randint(18, 46) * s,
            rng.choice(["#ffcf80", "#ffb061", "#ffe2a8"]),
            0.35,
        )
    draw = ImageDraw.Draw(room)
    # festoon lights, two sagging strings
    for y0, sag in ((70 * s, 120 * s), (40 * s, 170 * s)):
        points = [(x, y0 + sag * math.sin(math.pi * x / w)) for x in range(0, w + 1, 8 * s)]
        draw.line(points, fill="#1a0f0b", width=3 * s)
        for x in range(60 * s, w, 130 * s):
            y = y0 + sag * math.sin(math.pi * x / w)
            glow(room, (x, int(y + 18 * s)), 34 * s, "#ffd27d", 0.55)
            ImageDraw.Draw(room).ellipse(
                [x - 10 * s, y + 6 * s, x + 10 * s, y + 32 * s], fill="#fff1c8"
            )
    draw = ImageDraw.Draw(room)
    ink = "#140b08"
    stage = int(h * 0.72)
    draw.rectangle([0, stage, w, h], fill="#2b160e")

    def player(cx, height, instrument):
        head = 34 * s
        top = stage - height
        draw.ellipse([cx - head, top, cx + head, top + 2 * head], fill=ink)
        draw.rounded_rectangle(
            [cx - 62 * s, top + 2 * head, cx + 62 * s, stage], radius=40 * s, fill=ink
        )
        if instrument == "guitar":
            draw.ellipse([cx - 90 * s, top + 230 * s, cx + 40 * s, top + 340 * s], fill=ink)
            draw.line([cx, top + 270 * s, cx + 190 * s, top + 150 * s], fill=ink, width=16 * s)
        elif instrument == "fiddle":
            draw.line(
                [cx + 20 * s, top + 90 * s, cx + 170 * s, top + 10 * s], fill=ink, width=6 * s
            )  # the bow
            draw.ellipse([cx - 80 * s, top + 70 * s, cx + 10 * s, top + 120 * s], fill=ink)
        elif instrument == "accordion":
            draw.rectangle([cx - 90 * s, top + 150 * s, cx + 90 * s, top + 280 * s], fill=ink)

    player(int(w * 0.3), 470 * s, "guitar")
    player(int(w * 0.5), 500 * s, "fiddle")
    player(int(w * 0.7), 450 * s, "accordion")
    mic = int(w * 0.44)
    draw.line([mic, stage, mic, stage - 300 * s], fill=ink, width=6 * s)
    draw.ellipse([mic - 14 * s, stage - 330 * s, mic + 14 * s, stage - 296 * s], fill=ink)
    for n in range(16):  # the crowd, heads and shoulders
        cx = int((n + rng.random() * 0.6) * w / 15)
        top = int(h * 0.8) + rng.randint(0, 60) * s
        draw.ellipse([cx - 44 * s, top, cx + 44 * s, top + 100 * s], fill="#0c0604")
        draw.rounded_rectangle(
            [cx - 100 * s, top + 86 * s, cx + 100 * s, h + 60 * s], radius=70 * s, fill="#0c0604"
        )
    return finish(room, size)


def book_cover(size=(800, 1200)) -> Image.Image:
    """The front cover of "Dirty Old Town": the gasworks at dusk under the title."""
    s = SCALE
    cover = gasworks_at_dusk(size=size, seed="cover", horizon_at=0.8).resize(
        (size[0] * s, size[1] * s), Image.Resampling.LANCZOS
    )
    w, h = cover.size
    draw = ImageDraw.Draw(cover)
    cream = "#f3e6c8"
    unit = w / 800
    title = fitted("serif-bold", int(132 * unit), "DIRTY", w * 0.8)
    for n, word in enumerate(["DIRTY", "OLD", "TOWN"]):
        spaced_text(draw, (w / 2, 170 * unit + n * 140 * unit), word, title, cream, 0.06)
    draw.line(
        [w / 2 - 110 * unit, 545 * unit, w / 2 + 110 * unit, 545 * unit],
        fill="#e9a55a",
        width=int(3 * unit),
    )
    subtitle = "Stories from the Salford canal side"
    draw.text(
        (w / 2, 595 * unit),
        subtitle,
        font=fitted("serif-italic", int(34 * unit), subtitle, w * 0.86),
        fill=cream,
        anchor="mm",
    )
    spaced_text(
        draw, (w / 2, h - 75 * unit), "RUTH CALDER", font("sans-bold", int(44 * unit)), cream, 0.3
    )
    return cover.resize(size, Image.Resampling.LANCZOS)


def studio(size, colours) -> Image.Image:
    """A plain backdrop with a soft floor, for product shots."""
    return gradient(size, [(0, colours[0]), (0.7, colours[1]), (1, colours[2])])


def drop_shadow(canvas, box, radius=30, offset=(24, 30), strength=0.45, rounded=0):
    mask = Image.new("L", canvas.size, 0)
    x0, y0, x1, y1 = box
    ImageDraw.Draw(mask).rounded_rectangle(
        [x0 + offset[0], y0 + offset[1], x1 + offset[0], y1 + offset[1]],
        radius=rounded,
        fill=int(255 * strength),
    )
    canvas.paste(
        Image.new("RGB", canvas.size, "#000000"), mask=mask.filter(ImageFilter.GaussianBlur(radius))
    )


def book_product_shot() -> Image.Image:
    size = PRODUCT_SIZE
    shot = studio(size, ["#d9cfc2", "#c9bba9", "#b3a38e"])
    cover = book_cover((600, 900))
    x, y = (size[0] - cover.width) // 2, (size[1] - cover.height) // 2
    drop_shadow(shot, (x, y, x + cover.width, y + cover.height))
    shot.paste(cover, (x, y))
    draw = ImageDraw.Draw(shot)
    draw.line([x + 10, y, x + 10, y + cover.height], fill="#0b0e1e", width=3)  # the hinge
    draw.line([x + 14, y, x + 14, y + cover.height], fill="#2d3560", width=2)
    return grain(shot, 0.03)


def tote_bag_shot() -> Image.Image:
    s = SCALE
    w, h = PRODUCT_SIZE[0] * s, PRODUCT_SIZE[1] * s
    shot = studio((w, h), ["#5f7f7a", "#557370", "#43605c"])
    draw = ImageDraw.Draw(shot)
    bx0, by0, bx1, by1 = 320 * s, 400 * s, 880 * s, 1060 * s
    for hx in (440 * s, 760 * s):  # handles
        draw.arc(
            [hx - 90 * s, 170 * s, hx + 90 * s, 560 * s], 180, 360, fill="#d8ccb0", width=30 * s
        )
        draw.line([hx - 90 * s, 365 * s, hx - 90 * s, 420 * s], fill="#d8ccb0", width=30 * s)
        draw.line([hx + 90 * s, 365 * s, hx + 90 * s, 420 * s], fill="#d8ccb0", width=30 * s)
    drop_shadow(shot, (bx0, by0, bx1, by1), radius=40 * s, offset=(20 * s, 30 * s), strength=0.4)
    draw = ImageDraw.Draw(shot)
    draw.polygon([(bx0, by0), (bx1, by0), (bx1 + 14 * s, by1), (bx0 - 14 * s, by1)], fill="#ebe1c9")
    for hx in (440 * s, 760 * s):  # stitched handle ends
        for side in (-90, 90):
            draw.rectangle(
                [hx + (side - 18) * s, by0, hx + (side + 18) * s, by0 + 60 * s], fill="#ddd1b6"
            )
    print_area = Image.new("RGB", (440 * s, 300 * s), "#ebe1c9")
    skyline(
        ImageDraw.Draw(print_area),
        print_area.width,
        print_area.height,
        0.5 * s,
        random.Random("tote"),
        "#2b2f3a",
    )
    shot.paste(print_area, (380 * s, 560 * s))
    draw.line([380 * s, 860 * s, 820 * s, 860 * s], fill="#2b2f3a", width=5 * s)
    spaced_text(
        draw, (600 * s, 925 * s), "DIRTY OLD TOWN", font("serif-bold", 56 * s), "#2b2f3a", 0.12
    )
    for n in range(60):  # the weave
        y = by0 + n * (by1 - by0) / 60
        draw.line([bx0 - 14 * s * n / 60, y, bx1 + 14 * s * n / 60, y], fill="#e3d8bf", width=1)
    return finish(shot, PRODUCT_SIZE, 0.04)


def t_shirt_shot() -> Image.Image:
    """A black T-shirt laid flat, the gasworks skyline printed across its chest."""
    s = SCALE
    w, h = PRODUCT_SIZE[0] * s, PRODUCT_SIZE[1] * s
    shot = studio((w, h), ["#c9b99a", "#bcab8a", "#a8966f"])
    outline = [  # collar, shoulders, sleeves, body: a flat lay seen from above
        (520, 250), (680, 250), (900, 320), (1040, 520), (900, 600), (860, 540),
        (860, 1080), (340, 1080), (340, 540), (300, 600), (160, 520), (300, 320),
    ]  # fmt: skip
    points = [(x * s, y * s) for x, y in outline]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    drop_shadow(shot, (min(xs), min(ys), max(xs), max(ys)), radius=40 * s, strength=0.35)
    draw = ImageDraw.Draw(shot)
    draw.polygon(points, fill="#23242a")
    draw.chord([520 * s, 200 * s, 680 * s, 330 * s], 0, 180, fill="#34353c")  # the collar
    print_area = Image.new("RGB", (380 * s, 220 * s), "#23242a")
    skyline(
        ImageDraw.Draw(print_area),
        print_area.width,
        print_area.height,
        0.42 * s,
        random.Random("t-shirt"),
        "#e9dfc8",
    )
    shot.paste(print_area, (410 * s, 470 * s))
    spaced_text(
        draw, (600 * s, 760 * s), "DIRTY OLD TOWN", font("serif-bold", 38 * s), "#e9dfc8", 0.1
    )
    return finish(shot, PRODUCT_SIZE, 0.04)


def cd_shot() -> Image.Image:
    s = SCALE
    w, h = PRODUCT_SIZE[0] * s, PRODUCT_SIZE[1] * s
    shot = studio((w, h), ["#8c3b2a", "#7a3323", "#5e2418"])
    draw = ImageDraw.Draw(shot)
    cx, cy, r = 720 * s, 600 * s, 300 * s  # the disc, half out of its sleeve
    drop_shadow(
        shot, (cx - r, cy - r, cx + r, cy + r), radius=30 * s, offset=(16 * s, 22 * s), rounded=r
    )
    draw = ImageDraw.Draw(shot)
    for n in range(30):
        shade = mix(rgb("#c9ccd3"), rgb("#f4f5f8"), 0.5 + 0.5 * math.sin(n / 2.2))
        rr = r - n * 7 * s
        draw.ellipse([cx - rr, cy - rr, cx + rr, cy + rr], fill=shade)
    draw.ellipse([cx - 140 * s, cy - 140 * s, cx + 140 * s, cy + 140 * s], fill="#f3e6c8")
    draw.ellipse([cx - 40 * s, cy - 40 * s, cx + 40 * s, cy + 40 * s], fill="#7a3323")
    sx0, sy0, size_ = 180 * s, 300 * s, 600 * s  # the sleeve
    drop_shadow(shot, (sx0, sy0, sx0 + size_, sy0 + size_), radius=30 * s, offset=(18 * s, 26 * s))
    sleeve = launch_night(size=(600 * s, 338 * s)).crop((0, 0, 600 * s, 338 * s))
    art = Image.new("RGB", (size_, size_), "#24130d")
    art.paste(
        sleeve.resize((size_, int(size_ * 0.5625)), Image.Resampling.LANCZOS),
        (0, int(size_ * 0.22)),
    )
    a = ImageDraw.Draw(art)
    a.rectangle([0, 0, size_, int(size_ * 0.23)], fill="#24130d")
    spaced_text(
        a, (size_ / 2, 70 * s), "SONGS FROM THE", font("sans-bold", 44 * s), "#f3e6c8", 0.18
    )
    a.text(
        (size_ / 2, 128 * s),
        "Launch Night",
        font=font("serif-bold", 64 * s),
        fill="#ffcf80",
        anchor="mm",
    )
    a.rectangle([0, int(size_ * 0.78), size_, size_], fill="#24130d")
    a.text(
        (size_ / 2, int(size_ * 0.89)),
        "live above the Crescent, Salford",
        font=font("serif-italic", 30 * s),
        fill="#f3e6c8",
        anchor="mm",
    )
    shot.paste(art, (sx0, sy0))
    return finish(shot, PRODUCT_SIZE, 0.03)


def map_print_shot() -> Image.Image:
    rng = random.Random("map")
    s = SCALE
    w, h = PRODUCT_SIZE[0] * s, PRODUCT_SIZE[1] * s
    shot = studio((w, h), ["#c8c4b8", "#bbb6a8", "#a8a291"])
    pw, ph = 620 * s, 877 * s  # A3, portrait
    px, py = (w - pw) // 2, (h - ph) // 2
    drop_shadow(
        shot, (px, py, px + pw, py + ph), radius=26 * s, offset=(14 * s, 20 * s), strength=0.35
    )
    sheet = Image.new("RGB", (pw, ph), "#f4eddc")
    d = ImageDraw.Draw(sheet)
    spaced_text(d, (pw / 2, 80 * s), "CANAL WALKS", font("serif-bold", 62 * s), "#26384a", 0.14)
    d.text(
        (pw / 2, 135 * s),
        "Six miles of towpath, lock by lock",
        font=font("serif-italic", 26 * s),
        fill="#4c5a66",
        anchor="mm",
    )
    for _ in range(26):  # blocks of streets
        x, y = rng.randint(40, 560) * s, rng.randint(200, 760) * s
        d.rectangle(
            [x, y, x + rng.randint(30, 80) * s, y + rng.randint(20, 60) * s], fill="#e6dcc6"
        )
    points = []
    for n in range(40):
        t = n / 39
        points.append((pw * (0.2 + 0.6 * t + 0.12 * math.sin(t * 7)), ph * (0.22 + 0.66 * t)))
    d.line(points, fill="#5d8fb0", width=22 * s, joint="curve")
    d.line(points, fill="#7fb0cc", width=10 * s, joint="curve")
    for x, y in points[::4]:  # dotted towpath
        d.ellipse([x + 24 * s, y - 3 * s, x + 30 * s, y + 3 * s], fill="#8a5a36")
    for lock, index in enumerate((6, 13, 20, 27, 34), start=1):
        x, y = points[index]
        d.line([x - 22 * s, y - 6 * s, x + 22 * s, y + 6 * s], fill="#26384a", width=5 * s)
        d.text(
            (x - 40 * s, y), f"Lock {lock}", font=font("sans", 22 * s), fill="#26384a", anchor="rm"
        )
    d.polygon(
        [(pw - 80 * s, 230 * s), (pw - 66 * s, 280 * s), (pw - 94 * s, 280 * s)], fill="#26384a"
    )  # north
    d.text((pw - 80 * s, 300 * s), "N", font=font("sans-bold", 24 * s), fill="#26384a", anchor="mm")
    d.rectangle([50 * s, ph - 70 * s, 250 * s, ph - 62 * s], outline="#26384a", width=2 * s)
    d.rectangle([50 * s, ph - 70 * s, 150 * s, ph - 62 * s], fill="#26384a")
    d.text((50 * s, ph - 40 * s), "1 mile", font=font("sans", 20 * s), fill="#26384a", anchor="lm")
    shot.paste(sheet, (px, py))
    draw = ImageDraw.Draw(shot)
    for tx, ty in ((px + 30 * s, py - 10 * s), (px + pw - 110 * s, py - 10 * s)):  # tape
        draw.rectangle([tx, ty, tx + 80 * s, ty + 34 * s], fill="#e9e1c7")
    return finish(shot, PRODUCT_SIZE, 0.03)


def writer_portrait() -> Image.Image:
    """An illustrated head and shoulders for the author box (no real person's photograph)."""
    s = SCALE
    w, h = PORTRAIT_SIZE[0] * s, PORTRAIT_SIZE[1] * s
    picture = gradient((w, h), [(0, "#e9b949"), (1, "#d49a2c")])
    d = ImageDraw.Draw(picture)
    d.ellipse([150 * s, 90 * s, 450 * s, 420 * s], fill="#6b2a17")  # hair, behind
    d.rounded_rectangle([60 * s, 430 * s, 540 * s, 760 * s], radius=180 * s, fill="#2f4a3a")  # coat
    d.polygon([(250 * s, 430 * s), (350 * s, 430 * s), (300 * s, 520 * s)], fill="#f1d7bf")
    d.rectangle([262 * s, 360 * s, 338 * s, 450 * s], fill="#e2b899")  # neck
    for n in range(4):  # striped scarf
        d.rounded_rectangle(
            [200 * s, 420 * s + n * 22 * s, 400 * s, 444 * s + n * 22 * s],
            radius=10 * s,
            fill=("#b3261e", "#f3e6c8")[n % 2],
        )
    d.ellipse([200 * s, 140 * s, 400 * s, 390 * s], fill="#f1cdae")  # face
    d.chord([180 * s, 100 * s, 420 * s, 300 * s], 180, 360, fill="#6b2a17")  # fringe
    d.polygon(
        [(180 * s, 200 * s), (205 * s, 200 * s), (200 * s, 360 * s), (160 * s, 360 * s)],
        fill="#6b2a17",
    )
    d.polygon(
        [(395 * s, 200 * s), (420 * s, 200 * s), (440 * s, 360 * s), (400 * s, 360 * s)],
        fill="#6b2a17",
    )
    for ex in (255 * s, 345 * s):  # glasses and eyes
        d.ellipse([ex - 34 * s, 232 * s, ex + 34 * s, 292 * s], outline="#1f1b16", width=7 * s)
        d.ellipse([ex - 7 * s, 255 * s, ex + 7 * s, 269 * s], fill="#1f1b16")
    d.line([289 * s, 258 * s, 311 * s, 258 * s], fill="#1f1b16", width=6 * s)
    d.arc([268 * s, 300 * s, 332 * s, 345 * s], 20, 160, fill="#9a4a3a", width=6 * s)  # a smile
    return finish(picture, PORTRAIT_SIZE, 0.03)


def _centre_box(size, fraction_w, fraction_h) -> Box:
    w, h = size
    bw, bh = int(w * fraction_w), int(h * fraction_h)
    return ((w - bw) // 2, (h - bh) // 2, (w + bw) // 2, (h + bh) // 2)


PICTURES = {
    picture.title: picture
    for picture in [
        DemoPicture(
            "Gasworks at dusk",
            "Gasholder frames and mill chimneys against an orange dusk sky, reflected in a canal",
            gasworks_at_dusk,
            _centre_box(POST_SIZE, 0.8, 0.5),
        ),
        DemoPicture(
            "Canal at dawn",
            "A heron at the water's edge as the sun rises over a misty canal and its towpath",
            lambda: canal_scene("dawn", DAWN, sun=True, heron=True),
            _centre_box(POST_SIZE, 0.7, 0.5),
        ),
        DemoPicture(
            "Towpath in the mist",
            "A canal towpath disappearing into morning mist under a stone bridge",
            lambda: canal_scene("mist", MIST, bridge=True),
            _centre_box(POST_SIZE, 0.5, 0.5),
        ),
        DemoPicture(
            "The Echo on the breakfast table",
            "The Salford Evening Echo's front page, “Canteen: the verdict”, beside a mug of tea",
            newspaper_on_the_table,
            _centre_box(POST_SIZE, 0.7, 0.5),
        ),
        DemoPicture(
            "Corner newsagent at night",
            "A lit corner newsagent at night, the Echo's bill board out on the wet pavement",
            corner_newsagent,
            _centre_box(POST_SIZE, 0.7, 0.6),
        ),
        DemoPicture(
            "Launch night above the pub",
            "A folk trio playing under festoon lights to a packed room above a pub",
            launch_night,
            _centre_box(POST_SIZE, 0.6, 0.6),
        ),
        DemoPicture(
            "Dirty Old Town, front cover",
            "The cover of Dirty Old Town by Ruth Calder: a gasworks at dusk beside a canal",
            book_product_shot,
            (300, 150, 900, 600),
        ),
        DemoPicture(
            "Dirty Old Town tote bag",
            "A natural cotton tote bag printed with the gasworks skyline and “Dirty Old Town”",
            tote_bag_shot,
            _centre_box(PRODUCT_SIZE, 0.5, 0.6),
        ),
        DemoPicture(
            "Gasworks skyline T-shirt",
            "A black T-shirt laid flat, printed with the gasworks skyline and “Dirty Old Town”",
            t_shirt_shot,
            _centre_box(PRODUCT_SIZE, 0.6, 0.6),
        ),
        DemoPicture(
            "Songs from the Launch Night CD",
            "The CD of Songs from the Launch Night, half out of its sleeve",
            cd_shot,
            _centre_box(PRODUCT_SIZE, 0.7, 0.5),
        ),
        DemoPicture(
            "Canal walks map print",
            "A hand-drawn map of the canal with its locks numbered one to five",
            map_print_shot,
            _centre_box(PRODUCT_SIZE, 0.5, 0.5),
        ),
        DemoPicture(
            "Ruth Calder",
            "Illustrated portrait of Ruth Calder",
            writer_portrait,
        ),
    ]
}


def jpeg(picture: Image.Image) -> io.BytesIO:
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=86, optimize=True, progressive=True)
    buffer.seek(0)
    return buffer

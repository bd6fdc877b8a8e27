"""Generated photos for the demo entries.

The demo data must load on a machine with no network and must not ship anyone's
real photos, so each demo photo is painted here from a seed: a sky, a skyline,
a road with runners and a km banner. Every JPEG also carries a fake GPS tag
(central Tokyo), so that loading the demo exercises the same metadata stripping
that real uploads go through.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFont

# (top of sky, horizon) per time of day; the light on the buildings follows the sky.
_SKIES = {
    "dawn": ((58, 72, 140), (250, 190, 150)),
    "noon": ((70, 140, 220), (200, 228, 250)),
    "dusk": ((40, 30, 80), (240, 120, 90)),
}
_SHIRTS = [(230, 60, 60), (40, 120, 220), (250, 200, 40), (60, 180, 110), (240, 120, 200)]
_SKIN = [(241, 204, 170), (214, 160, 120), (160, 110, 75), (100, 66, 45)]
# Seven-segment digits (a b c d e f g): no font file needed, and readable at any size.
_DIGITS = ["abcdef", "bc", "abged", "abgcd", "fgbc", "afgcd", "afgedc", "abc", "abcdefg", "abcdfg"]
_GPS_IFD = 0x8825


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _digit(draw: ImageDraw.ImageDraw, x: int, y: int, w: int, h: int, n: int, ink) -> None:
    t = max(2, w // 5)  # stroke thickness
    half = y + h // 2
    boxes = {
        "a": (x, y, x + w, y + t),
        "b": (x + w - t, y, x + w, half),
        "c": (x + w - t, half, x + w, y + h),
        "d": (x, y + h - t, x + w, y + h),
        "e": (x, half, x + t, y + h),
        "f": (x, y, x + t, half),
        "g": (x, half - t // 2, x + w, half + t // 2),
    }
    for seg in _DIGITS[n]:
        draw.rectangle(boxes[seg], fill=ink)


def _runner(draw: ImageDraw.ImageDraw, x: float, foot: float, size: float, shirt, rng) -> None:
    """A stick-figure runner mid-stride, `size` pixels tall, feet at `foot`."""
    w = max(2, round(size / 16))
    hip = (x, foot - size * 0.45)
    neck = (x + size * 0.06, foot - size * 0.82)
    stride = size * rng.uniform(0.18, 0.28)
    skin = rng.choice(_SKIN)
    for dx in (stride, -stride):  # legs, bent at the knee
        knee = (x + dx * 0.6, foot - size * 0.22)
        draw.line([hip, knee, (x + dx, foot)], fill=(40, 40, 50), width=w)
    for dx in (-stride, stride):  # arms swing opposite to the legs
        elbow = (neck[0] + dx * 0.5, neck[1] + size * 0.18)
        hand = (elbow[0] + size * 0.1, elbow[1] - size * 0.08)
        draw.line([neck, elbow, hand], fill=skin, width=w)
    draw.line([hip, neck], fill=shirt, width=round(w * 2.5))
    r = size * 0.07
    draw.ellipse((neck[0] - r, neck[1] - 2.2 * r, neck[0] + r, neck[1]), fill=skin)


def make_demo_photo(seed: int, *, width: int = 1600, height: int = 1200) -> bytes:
    """A JPEG (bytes) of a simple generated scene, different for each seed."""
    rng = random.Random(seed)
    time_of_day = rng.choice(sorted(_SKIES))
    top, bottom = _SKIES[time_of_day]
    horizon = round(height * rng.uniform(0.5, 0.6))
    # A one-pixel column stretched sideways is much faster than drawing 1200 lines;
    # cropping then extends the canvas below the horizon.
    column = Image.new("RGB", (1, horizon))
    column.putdata([_mix(top, bottom, y / horizon) for y in range(horizon)])
    img = column.resize((width, horizon)).crop((0, 0, width, height))
    draw = ImageDraw.Draw(img)

    sun_x, sun_r = rng.uniform(0.1, 0.9) * width, height * 0.06
    sun_y = horizon * (0.75 if time_of_day != "noon" else 0.25)
    draw.ellipse((sun_x - sun_r, sun_y - sun_r, sun_x + sun_r, sun_y + sun_r), fill=(255, 236, 190))

    # Two rows of blocks: the far row paler, like haze over the city.
    for depth, shade in ((0.35, 0.55), (0.2, 0.25)):
        x = -rng.randint(0, 60)
        colour = _mix((30, 35, 50), bottom, shade)
        while x < width:
            bw = rng.randint(width // 30, width // 10)
            bh = rng.randint(round(height * depth * 0.3), round(height * depth))
            draw.rectangle((x, horizon - bh, x + bw, horizon), fill=colour)
            if time_of_day == "dusk":
                for _ in range(bw * bh // 4000):
                    wx, wy = (
                        x + rng.randint(4, max(4, bw - 8)),
                        horizon - rng.randint(8, max(8, bh)),
                    )
                    draw.rectangle((wx, wy, wx + 5, wy + 7), fill=(255, 220, 130))
            x += bw + rng.randint(0, width // 60)

    # The road narrows towards a vanishing point on the horizon.
    vx = width * rng.uniform(0.4, 0.6)
    draw.rectangle((0, horizon, width, height), fill=(120, 150, 110))
    road = [(-width * 0.2, height), (vx - 8, horizon), (vx + 8, horizon), (width * 1.2, height)]
    draw.polygon(road, fill=(85, 85, 92))
    for i in range(12):  # centre dashes, longer and wider as they come closer
        t0, t1 = (i / 12) ** 2, ((i + 0.5) / 12) ** 2
        y0, y1 = horizon + (height - horizon) * t0, horizon + (height - horizon) * t1
        w0, w1 = 2 + 10 * t0, 2 + 10 * t1
        dash = [(vx - w0, y0), (vx + w0, y0), (vx + w1, y1), (vx - w1, y1)]
        draw.polygon(dash, fill=(240, 240, 230))

    def at(t: float, side: float) -> tuple[float, float]:
        """A point at depth t (0 horizon, 1 bottom) and side -1..1 across the road."""
        y = horizon + (height - horizon) * t
        half = 8 + (width * 0.7) * t
        return vx + side * half, y

    for t in (0.15, 0.3, 0.55, 0.9):  # cones on both edges
        for side in (-0.95, 0.95):
            cx, cy = at(t, side)
            s = 6 + 60 * t
            cone = [(cx - s / 2, cy), (cx + s / 2, cy), (cx, cy - s * 1.4)]
            draw.polygon(cone, fill=(245, 110, 30))

    # The km banner, spanning the road part-way down.
    bt = rng.uniform(0.18, 0.3)
    (lx, by), (rx, _) = at(bt, -1.05), at(bt, 1.05)
    top_y = by - (rx - lx) * 0.5
    draw.line([(lx, by), (lx, top_y)], fill=(230, 230, 230), width=6)
    draw.line([(rx, by), (rx, top_y)], fill=(230, 230, 230), width=6)
    bh = (by - top_y) * 0.4
    draw.rectangle((lx, top_y, rx, top_y + bh), fill=(200, 30, 50))
    km = str(rng.randint(1, 42))
    dh = round(bh * 0.7)
    dw = dh // 2
    x0 = round((lx + rx) / 2 - (len(km) * dw * 1.4) / 2)
    for i, ch in enumerate(km):
        _digit(draw, x0 + round(i * dw * 1.4), round(top_y + bh * 0.15), dw, dh, int(ch), "white")
    # Pillow's built-in font: scalable where FreeType is present, a small bitmap otherwise.
    label = ImageFont.load_default(size=max(10, round(bh * 0.35)))
    draw.text((x0 + len(km) * dw * 1.4, top_y + bh * 0.45), "km", fill="white", font=label)

    count = rng.randint(3, 7)
    runners = sorted((rng.uniform(bt + 0.05, 0.85), rng.uniform(-0.7, 0.7)) for _ in range(count))
    for t, side in runners:  # far ones first, so near ones overlap them
        x, y = at(t, side)
        _runner(draw, x, y, 30 + height * 0.3 * t, rng.choice(_SHIRTS), rng)

    exif = Image.Exif()
    exif[0x0131] = "Tasuki demo generator"  # Software
    # A fake position in central Tokyo: what the photo pipeline must remove.
    lat, lon = 35.68 + rng.uniform(-0.02, 0.02), 139.76 + rng.uniform(-0.03, 0.03)
    exif[_GPS_IFD] = {1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 2))

"""Server-rendered SVG charts for the dashboard: no CDN, no script.

Each chart is a plain SVG with a title and a description for screen readers,
drawn from a list of (label, value) pairs; the page shows the same numbers in
a table beside it, so nothing is only in the picture. Labels and titles are
escaped: they may come from data (country names, period names).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#b3261e"  # the site's red
GRID = "#d8d2c4"
LIGHT = "#8a8780"  # a second series (grey, still 3:1 against white)
TEXT = "#1c1b1a"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    rows: list[tuple[str, int]]
    svg: SafeString

    @property
    def total(self) -> int:
        return sum(v for _, v in self.rows)


def _nice_max(value: int) -> int:
    """A round top for the axis (1, 2, 5, 10, 20, 50 …) at or above ``value``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= max(value, 1):
                return step * factor
        step *= 10


def bars(key: str, title: str, rows: list[tuple[str, int]], *, width: int = 640) -> Chart:
    """Horizontal bars, one per row, with the value written at the bar's end."""
    row_height, label_width, pad = 26, 230, 8
    height = pad * 2 + row_height * max(len(rows), 1)
    top = _nice_max(max((v for _, v in rows), default=0))
    plot = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{key}-t">'
        f'<title id="{key}-t">{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(rows):
        y = pad + i * row_height
        length = 0 if top == 0 else round(plot * value / top)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" font-size="13" '
            f'fill="{TEXT}">{escape(label[:24])}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row_height - 8}" '
            f'fill="{BAR}"/>'
            f'<text x="{label_width + length + 6}" y="{y + 17}" font-size="13" '
            f'fill="{TEXT}">{value}</text>'
        )
    parts.append("</svg>")
    # Every piece of text in ``parts`` went through escape() above.
    return Chart(key, title, rows, mark_safe("".join(parts)))  # noqa: S308  # nosec


def columns(key: str, title: str, rows: list[tuple[str, int]], *, width: int = 720) -> Chart:
    """Vertical columns over time (e.g. entries per hour), labels every few columns."""
    height, bottom, left, pad = 220, 40, 40, 10
    top = _nice_max(max((v for _, v in rows), default=0))
    count = max(len(rows), 1)
    slot = (width - left - pad) / count
    plot_h = height - bottom - pad
    every = max(1, count // 8)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{key}-t">'
        f'<title id="{key}-t">{escape(title)}</title>'
        f'<line x1="{left}" y1="{pad + plot_h}" x2="{width - pad}" y2="{pad + plot_h}" '
        f'stroke="{GRID}"/>'
        f'<text x="{left - 6}" y="{pad + 10}" text-anchor="end" font-size="12" '
        f'fill="{TEXT}">{top}</text>'
        f'<text x="{left - 6}" y="{pad + plot_h}" text-anchor="end" font-size="12" '
        f'fill="{TEXT}">0</text>'
    ]
    for i, (label, value) in enumerate(rows):
        h = 0 if top == 0 else plot_h * value / top
        x = left + i * slot
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{pad + plot_h - h:.1f}" width="{max(slot - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{escape(label)}: {value}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                f'font-size="11" fill="{TEXT}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    # Every piece of text in ``parts`` went through escape() above.
    return Chart(key, title, rows, mark_safe("".join(parts)))  # noqa: S308  # nosec


def pairs(
    key: str,
    title: str,
    rows: list[tuple[str, int, int]],
    names: tuple[str, str],
    *,
    width: int = 640,
) -> Chart:
    """Two bars per row (e.g. flags still open and flags dismissed), each with its
    value written at its end, and a legend that names both in words. The second
    series is drawn lighter; the legend and the table beside it say which is which."""
    row_height, label_width, pad, legend = 40, 230, 8, 28
    height = legend + pad * 2 + row_height * max(len(rows), 1)
    top = _nice_max(max((max(a, b) for _, a, b in rows), default=0))
    plot = width - label_width - 60
    first, second = names
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{key}-t">'
        f'<title id="{key}-t">{escape(title)}</title>'
        f'<rect x="{label_width}" y="6" width="14" height="14" fill="{BAR}"/>'
        f'<text x="{label_width + 20}" y="18" font-size="13" fill="{TEXT}">{escape(first)}</text>'
        f'<rect x="{label_width + 240}" y="6" width="14" height="14" fill="{LIGHT}"/>'
        f'<text x="{label_width + 260}" y="18" font-size="13" fill="{TEXT}">{escape(second)}</text>'
    ]
    for i, (label, a, b) in enumerate(rows):
        y = legend + pad + i * row_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 21}" text-anchor="end" font-size="13" '
            f'fill="{TEXT}">{escape(label[:30])}</text>'
        )
        for j, (value, colour) in enumerate(((a, BAR), (b, LIGHT))):
            length = 0 if top == 0 else round(plot * value / top)
            bar_y = y + 3 + j * 16
            parts.append(
                f'<rect x="{label_width}" y="{bar_y}" width="{length}" height="14" '
                f'fill="{colour}"/>'
                f'<text x="{label_width + length + 6}" y="{bar_y + 12}" font-size="12" '
                f'fill="{TEXT}">{value}</text>'
            )
    parts.append("</svg>")
    # Every piece of text in ``parts`` went through escape() above.
    return Chart(key, title, [(label, a) for label, a, _ in rows], mark_safe("".join(parts)))  # noqa: S308  # nosec

"""Bar charts as SVG: one bar per category (a country, a programme, a year), one or two series
drawn over each other (a budget and the EU's part of it), with the values written at the bars.
Sizes are in pixels of a 640-wide drawing that scales with the page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
BAR = 18  # height of a bar, px
GAP = 6
LABEL = 170  # room for the category names, px
COLOURS = ("#9ecae1", "#08519c")  # a lighter series behind a darker one


@dataclass(frozen=True)
class Bar:
    """One category: its label, values (one per series) and page."""

    label: str
    values: tuple[float, ...]
    href: str | None = None


def _svg(height: float, title: str, desc: str, key: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'class="chart" role="img" aria-labelledby="{key}-title {key}-desc" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(desc)}</desc>',
    ]


def _cut(text: str, room: int) -> str:
    return text if len(text) <= room else text[: room - 1] + "\N{HORIZONTAL ELLIPSIS}"


def bars(
    items: Sequence[Bar],
    *,
    title: str,
    desc: str,
    series: Sequence[str],
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    key: str = "chart",
) -> str:
    """Horizontal bars, a row per item, the series drawn over each other (largest first)."""
    top = 24 if len(series) > 1 else 6
    height = top + len(items) * (BAR + GAP) + 6
    most = max((max(b.values, default=0) for b in items), default=0) or 1
    room = WIDTH - LABEL - 90  # the value's text after the bar
    out = _svg(height, title, desc, key)
    if len(series) > 1:
        x = LABEL
        for name, colour in zip(series, COLOURS, strict=False):
            out.append(
                f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                f'<text x="{x + 16}" y="16">{escape(name)}</text>'
            )
            x += 30 + 7 * len(name)
    for i, bar in enumerate(items):
        y = top + i * (BAR + GAP)
        parts = [
            f'<text x="{LABEL - 6}" y="{y + BAR * 0.7:.1f}" text-anchor="end">'
            f"{escape(_cut(bar.label, 26))}</text>"
        ]
        tips = "; ".join(f"{s}: {fmt(v)}" for s, v in zip(series, bar.values, strict=False))
        for value, colour in zip(bar.values, COLOURS, strict=False):
            w = max(room * value / most, 1 if value else 0)
            parts.append(
                f'<rect x="{LABEL}" y="{y}" width="{w:.1f}" height="{BAR}" fill="{colour}">'
                f"<title>{escape(bar.label)}: {escape(tips)}</title></rect>"
            )
        first = bar.values[0] if bar.values else 0
        parts.append(
            f'<text x="{LABEL + room * first / most + 4:.1f}" y="{y + BAR * 0.7:.1f}">'
            f"{escape(fmt(first))}</text>"
        )
        row = "".join(parts)
        out.append(f'<a href="{escape(bar.href)}">{row}</a>' if bar.href else row)
    out.append("</svg>")
    return "".join(out)


def columns(
    items: Sequence[Bar],
    *,
    title: str,
    desc: str,
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    key: str = "chart",
) -> str:
    """Vertical bars of one series, one per item in order (years), labelled below."""
    height, base, left = 220, 190, 10
    most = max((b.values[0] for b in items if b.values), default=0) or 1
    step = (WIDTH - 2 * left) / max(len(items), 1)
    width = max(step * 0.75, 1)
    out = _svg(height, title, desc, key)
    out.append(f'<line x1="{left}" y1="{base}" x2="{WIDTH - left}" y2="{base}" stroke="#999"/>')
    every = max(1, round(len(items) / 16))  # at most 16 labels under the axis
    for i, bar in enumerate(items):
        value = bar.values[0] if bar.values else 0
        h = (base - 24) * value / most
        x = left + i * step + (step - width) / 2
        out.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{width:.1f}" height="{h:.1f}" '
            f'fill="{COLOURS[1]}"><title>{escape(bar.label)}: {escape(fmt(value))}</title></rect>'
        )
        if i % every == 0:
            out.append(
                f'<text x="{x + width / 2:.1f}" y="{base + 16}" text-anchor="middle">'
                f"{escape(bar.label)}</text>"
            )
        if len(items) <= 24:
            out.append(
                f'<text x="{x + width / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" '
                f'font-size="10">{escape(fmt(value))}</text>'
            )
    out.append("</svg>")
    return "".join(out)

"""SVG maps of NUTS regions: a choropleth of a count per NUTS 2 region (the home and country
pages) and a locator that marks regions (a region's and a project's pages).

The outlines are Eurostat GISCO's NUTS 2024 regions at 1:60 million in ETRS89-LAEA
(EPSG:3035), in whole kilometres with y pointing down, so a path is written out as it is
stored. Every map is accessible: ``role="img"`` with a ``<title>`` and ``<desc>``, each region a
link with its own title; the page beside it gives the same numbers as a table.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path

OUTLINES = Path(__file__).with_name("outlines.json")
# Mainland Europe and the islands around it, in km (x, y down): the Canaries, the Azores and the
# overseas regions lie outside and are left to the table, as on Eurostat's own small maps.
EUROPE = (2500, -5450, 6600, -1350)
# ColorBrewer's 5-class Blues, lightest first; a region without any is grey.
SHADES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NONE = "#e8e8e8"
AROUND = "#f6f6f4"  # countries outside the NUTS area
MARK = "#d7301f"


@dataclass(frozen=True)
class Outlines:
    """The stored outlines: SVG path data and bounding box per NUTS 2 code, every NUTS code's
    label point, and the code of the map's version of retired NUTS 2 codes."""

    nuts2: dict[str, str]
    bbox: dict[str, list[int]]
    points: dict[str, list[int]]
    successor: dict[str, str]
    names: dict[str, str]  # official names of the NUTS 0 and 2 regions of the map
    source: str
    version: int
    countries: dict[str, str]  # path data of the countries around the NUTS area (bbox "country:X")

    def nuts2_of(self, code: str) -> str | None:
        """The NUTS 2 region of the map that a code of any level and version falls in."""
        if len(code) < 4:
            return None
        two = self.successor.get(code[:4], code[:4])
        return two if two in self.nuts2 else None


@functools.cache
def outlines() -> Outlines:
    """The outlines, read once per process."""
    data = json.loads(OUTLINES.read_text(encoding="utf-8"))
    return Outlines(
        data["nuts2"],
        data["bbox"],
        data["points"],
        data["successor"],
        data["names"],
        data["source"],
        data["version"],
        data["countries"],
    )


# NUTS country codes that are not ISO 3166-1 alpha-2.
_ISO_TO_NUTS = {"GR": "EL", "GB": "UK"}


def nuts0_of(iso2: str) -> str:
    """The NUTS code of a country by its ISO 3166-1 alpha-2 code (EL for GR, UK for GB)."""
    return _ISO_TO_NUTS.get(iso2, iso2)


def frame_of(codes: Iterable[str], margin: float = 0.08) -> tuple[int, int, int, int]:
    """A frame around the NUTS 2 regions of ``codes`` (NUTS codes of level 0 to 2: each
    stands for the NUTS 2 regions it holds), clipped to Europe's; all of Europe when none is
    on the map."""
    o = outlines()
    wanted = tuple(codes)
    boxes = [b for c, b in o.bbox.items() if c.startswith(wanted)] if wanted else []
    if not boxes:
        return EUROPE
    x0, y0 = max(min(b[0] for b in boxes), EUROPE[0]), max(min(b[1] for b in boxes), EUROPE[1])
    x1, y1 = min(max(b[2] for b in boxes), EUROPE[2]), min(max(b[3] for b in boxes), EUROPE[3])
    if x1 <= x0 or y1 <= y0:  # only outside Europe's frame (an overseas region)
        return EUROPE
    pad = max(x1 - x0, y1 - y0, 150) * margin
    return (round(x0 - pad), round(y0 - pad), round(x1 + pad), round(y1 + pad))


def classes(values: Iterable[int]) -> list[int]:
    """Upper bounds of up to five classes of the positive values, by quantiles, each bound a
    value that occurs, so each class holds regions."""
    ordered = sorted(v for v in values if v > 0)
    if not ordered:
        return []
    bounds: list[int] = []
    for k in range(1, len(SHADES) + 1):
        bound = ordered[min(len(ordered) - 1, math.ceil(k * len(ordered) / len(SHADES)) - 1)]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def _shade(value: int, bounds: list[int]) -> str:
    if value <= 0 or not bounds:
        return NONE
    for i, bound in enumerate(bounds):
        if value <= bound:
            return SHADES[i + len(SHADES) - len(bounds)]
    return SHADES[-1]


def _intersects(box: list[int], frame: tuple[int, int, int, int]) -> bool:
    return box[0] <= frame[2] and box[2] >= frame[0] and box[1] <= frame[3] and box[3] >= frame[1]


def _open(frame: tuple[int, int, int, int], title: str, desc: str, key: str) -> list[str]:
    x0, y0, x1, y1 = frame
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0} {y0} {x1 - x0} {y1 - y0}" '
        f'class="map" role="img" aria-labelledby="{key}-title {key}-desc" '
        f'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(desc)}</desc>',
        f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="#dfeaf2"/>',
        # Regions reach past the frame; a page may show the SVG wider than its frame.
        f'<clipPath id="{key}-frame"><rect x="{x0}" y="{y0}" width="{x1 - x0}" '
        f'height="{y1 - y0}"/></clipPath><g clip-path="url(#{key}-frame)">',
    ]


def _around(codes: Iterable[str], frame: tuple[int, int, int, int], stroke: float) -> str:
    """The NUTS 2 regions of the frame that are not ``codes``, and the countries outside the
    NUTS area, in one grey path."""
    o = outlines()
    skip = set(codes)
    d = "".join(p for c, p in o.nuts2.items() if c not in skip and _intersects(o.bbox[c], frame))
    d += "".join(p for c, p in o.countries.items() if _intersects(o.bbox["country:" + c], frame))
    return f'<path d="{d}" fill="{AROUND}" stroke="#ccc" stroke-width="{stroke:g}"/>' if d else ""


def _region(code: str, fill: str, label: str, href: str | None, stroke: float) -> str:
    d = outlines().nuts2[code]
    path = (
        f'<path d="{d}" fill="{fill}" stroke="#fff" stroke-width="{stroke:g}">'
        f"<title>{escape(label)}</title></path>"
    )
    return f'<a href="{escape(href)}">{path}</a>' if href else path


def _legend(frame: tuple[int, int, int, int], bounds: list[int], unit: str) -> list[str]:
    x0, _, x1, y1 = frame
    size = (x1 - x0) / 40
    rows = [("0", NONE)]
    low = 1
    for i, bound in enumerate(bounds):
        text = f"{low}" if low == bound else f"{low}\N{EN DASH}{bound}"
        rows.append((text, SHADES[i + len(SHADES) - len(bounds)]))
        low = bound + 1
    height = size * (len(rows) + 1.6)
    top = y1 - height - size * 0.5
    left = x0 + size * 0.5
    out = [
        f'<g class="legend" font-family="sans-serif" font-size="{size * 0.8:.1f}">',
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{size * 7:.1f}" height="{height:.1f}" '
        f'fill="#fff" fill-opacity="0.85" stroke="#999" stroke-width="{size / 20:.1f}"/>',
        f'<text x="{left + size * 0.4:.1f}" y="{top + size * 1.1:.1f}">{escape(unit)}</text>',
    ]
    for i, (text, fill) in enumerate(rows):
        y = top + size * (1.5 + i)
        out.append(
            f'<rect x="{left + size * 0.4:.1f}" y="{y:.1f}" width="{size * 0.9:.1f}" '
            f'height="{size * 0.8:.1f}" fill="{fill}" stroke="#999" '
            f'stroke-width="{size / 25:.1f}"/>'
            f'<text x="{left + size * 1.6:.1f}" y="{y + size * 0.7:.1f}">{text}</text>'
        )
    out.append("</g>")
    return out


def _credit(frame: tuple[int, int, int, int]) -> str:
    x0, _, x1, y1 = frame
    size = (x1 - x0) / 70
    return (
        f'<text x="{x1 - size * 0.5:.1f}" y="{y1 - size * 0.5:.1f}" text-anchor="end" '
        f'font-family="sans-serif" font-size="{size:.1f}" fill="#555">'
        "© EuroGeographics for the administrative boundaries</text>"
    )


def choropleth(
    counts: dict[str, int],
    *,
    title: str,
    desc: str,
    href: Callable[[str], str | None],
    within: str | None = None,
    unit: str = "Projects",
    key: str = "map",
) -> str:
    """An SVG map with each NUTS 2 region of the map shaded by ``counts`` (code -> number), and
    a legend; ``within`` a NUTS 0 code: that country's regions only, framed to it."""
    o = outlines()
    frame = frame_of([within]) if within else EUROPE
    stroke = (frame[2] - frame[0]) / 900
    codes = [c for c in o.nuts2 if (within is None or c.startswith(within))]
    codes = [c for c in codes if _intersects(o.bbox[c], frame)]
    bounds = classes(counts.get(c, 0) for c in codes)
    out = _open(frame, title, desc, key)
    # The neighbours unshaded (of a country map), and the countries outside the NUTS area.
    out.append(_around(codes if within else o.nuts2, frame, stroke))
    for code in codes:
        n = counts.get(code, 0)
        label = f"{o.names.get(code, code)} ({code}): {n} {unit.lower()}"
        out.append(_region(code, _shade(n, bounds), label, href(code), stroke))
    out.append("</g>")
    out += _legend(frame, bounds, unit)
    out.append(_credit(frame))
    out.append("</svg>")
    return "".join(out)


def locator(
    regions: Iterable[str],
    *,
    title: str,
    desc: str,
    href: Callable[[str], str | None],
    names: dict[str, str] | None = None,
    within: Iterable[str] = (),
    key: str = "map",
) -> str:
    """An SVG map that marks ``regions`` (NUTS codes of any level and version): the NUTS 2
    region each falls in shaded, a dot on each one's label point (named by ``names``, else the
    map's names). Framed to the NUTS 0 codes ``within`` (their regions drawn), else to the
    marked regions."""
    o = outlines()
    names = {**o.names, **(names or {})}
    marked = [c for c in dict.fromkeys(regions) if c in o.points]
    countries = sorted(set(within) | {c[:2] for c in marked})
    frame = frame_of(list(within) or [c for c in (o.nuts2_of(m) for m in marked) if c] or countries)
    stroke = (frame[2] - frame[0]) / 900
    shaded = {two for two in (o.nuts2_of(c) for c in marked) if two}
    drawn = [c for c in o.nuts2 if c[:2] in countries or c in shaded]
    out = _open(frame, title, desc, key)
    out.append(_around(drawn, frame, stroke))
    for code in drawn:
        fill = SHADES[2] if code in shaded else NONE
        label = f"{names.get(code, code)} ({code})"
        out.append(_region(code, fill, label, href(code), stroke))
    radius = (frame[2] - frame[0]) / 110
    for code in marked:
        x, y = o.points[code]
        label = f"{names.get(code, code)} ({code})"
        dot = (
            f'<circle cx="{x}" cy="{y}" r="{radius:.1f}" fill="{MARK}" stroke="#fff" '
            f'stroke-width="{radius / 4:.1f}"><title>{escape(label)}</title></circle>'
        )
        link = href(code)
        out.append(f'<a href="{escape(link)}">{dot}</a>' if link else dot)
    out.append("</g>")
    out.append(_credit(frame))
    out.append("</svg>")
    return "".join(out)

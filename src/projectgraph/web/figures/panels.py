"""The figures of each page: which map or chart, drawn from which named query's answer (the
build materializes them, so a figure costs a read of a few stored rows), with the same numbers
as a table and links to them as CSV and JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol
from urllib.parse import urlencode

from projectgraph.rdf.vocab import NUTS_CODE, PG, SKOS
from projectgraph.web.figures.charts import Bar, bars, columns
from projectgraph.web.figures.maps import choropleth, locator, nuts0_of, outlines
from projectgraph.web.linked_data.urls import Urls
from projectgraph.web.linked_data.view import Description, partners

TOP = 15  # bars in a chart by country or programme: the largest, the table has all


class Answers(Protocol):
    """What figures read: the rows of a named query (the named-query API gives them)."""

    async def rows(
        self, name: str, given: dict[str, str] | None = None
    ) -> list[dict[str, str]]: ...


Cell = tuple[str, str | None]  # text, link


@dataclass
class Figure:
    """A figure of a page: its SVG, a caption, its numbers as a table, and where to get them."""

    key: str
    svg: str
    caption: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)  # format -> URL of the numbers


def _number(text: str | None) -> Decimal:
    try:
        return Decimal(text or 0)
    except InvalidOperation:
        return Decimal(0)


def _euros(value: float) -> str:
    if value >= 1e9:
        return f"€{value / 1e9:,.2f} bn"
    if value >= 1e6:
        return f"€{value / 1e6:,.1f} M"
    return f"€{value:,.0f}"


def _data(urls: Urls, query: str, **given: str) -> dict[str, str]:
    params = urlencode(given)
    base = f"{urls.base.public}api/queries/{query}"
    return {fmt: f"{base}?{params + '&' if params else ''}format={fmt}" for fmt in ("csv", "json")}


def _region_link(urls: Urls) -> Callable[[str], str | None]:
    return lambda code: urls.page(NUTS_CODE + code)


async def _nuts2_counts(answers: Answers) -> tuple[dict[str, int], list[dict[str, str]]]:
    """Projects per NUTS 2 region of the map (retired codes counted in their successor)."""
    rows = await answers.rows("projects-by-nuts2-region")
    o = outlines()
    counts: dict[str, int] = {}
    for row in rows:
        code = o.nuts2_of(row.get("code", ""))
        if code:
            counts[code] = counts.get(code, 0) + int(_number(row.get("projects")))
    return counts, rows


def _map_table(rows: list[dict[str, str]], urls: Urls) -> list[list[Cell]]:
    return [
        [
            (r.get("name", ""), urls.page(r["region"]) if r.get("region") else None),
            (r.get("code", ""), None),
            (r.get("projects", "0"), None),
        ]
        for r in rows
    ]


async def home(answers: Answers, urls: Urls) -> list[Figure]:
    """The home page: projects per NUTS 2 region across Europe; budgets by country and by
    programme; projects by start year."""
    counts, rows = await _nuts2_counts(answers)
    total = sum(counts.values())
    off = sorted({r["code"] for r in rows if r.get("code") and not outlines().nuts2_of(r["code"])})
    figures = [
        Figure(
            "map",
            choropleth(
                counts,
                title="Projects per NUTS 2 region",
                desc=f"A map of Europe's NUTS 2 regions (NUTS {outlines().version}) shaded by the "
                f"number of projects with a partner in the region: {len(counts)} regions have at "
                f"least one, {total} region-project links in all."
                + (
                    f" {len(off)} regions with projects are not on the map ({', '.join(off)}): "
                    "NUTS 2024 has no such region."
                    if off
                    else ""
                )
                + " The table below gives the numbers.",
                href=_region_link(urls),
                key="home-map",
            ),
            "Projects with a partner in each NUTS 2 region",
            ["Region", "NUTS code", "Projects"],
            _map_table(rows, urls),
            _data(urls, "projects-by-nuts2-region"),
        )
    ]
    figures += await _funding(answers, urls, "funding-by-country", "country", "Country")
    figures += await _funding(answers, urls, "funding-by-programme", "programme", "Programme")
    figures += await _years(answers, urls, "projects-by-start-year", {}, "home-years")
    return [f for f in figures if f.rows]


async def _funding(
    answers: Answers, urls: Urls, query: str, column: str, heading: str
) -> list[Figure]:
    rows = await answers.rows(query)
    ordered = sorted(rows, key=lambda r: -_number(r.get("total_budget")))
    items = [
        Bar(
            r.get("name", ""),
            (float(_number(r.get("total_budget"))), float(_number(r.get("eu_contribution")))),
            urls.page(r[column]) if r.get(column) else None,
        )
        for r in ordered[:TOP]
    ]
    shown = f"the {len(items)} largest of {len(rows)}" if len(rows) > len(items) else "all"
    by = heading.lower()
    svg = bars(
        items,
        title=f"Total budget and EU contribution by {by}",
        desc=f"Bars of the summed total budgets of the projects of each {by}, with the EU "
        f"contribution drawn over them; {shown}. The table below gives every {by}.",
        series=("Total budget", "EU contribution"),
        fmt=_euros,
        key=f"{column}-funding",
    )
    table = [
        [
            (r.get("name", ""), urls.page(r[column]) if r.get(column) else None),
            (r.get("projects", ""), None),
            (_euros(float(_number(r.get("total_budget")))), None),
            (_euros(float(_number(r.get("eu_contribution")))), None),
        ]
        for r in ordered
    ]
    return [
        Figure(
            f"{column}-funding",
            svg,
            f"Total budget and EU contribution by {by}",
            [heading, "Projects", "Total budget", "EU contribution"],
            table,
            _data(urls, query),
        )
    ]


async def _years(
    answers: Answers, urls: Urls, query: str, given: dict[str, str], key: str
) -> list[Figure]:
    rows = [r for r in await answers.rows(query, given) if r.get("year")]
    items = [Bar(r["year"], (float(_number(r.get("projects"))),)) for r in rows]
    svg = columns(
        items,
        title="Projects by start year",
        desc=f"Bars of how many projects start in each year, {rows[0]['year']} to "
        f"{rows[-1]['year']}. The table below gives the numbers."
        if rows
        else "No project has a start date.",
        key=key,
    )
    table: list[list[Cell]] = [[(r["year"], None), (r.get("projects", "0"), None)] for r in rows]
    return [
        Figure(
            key,
            svg,
            "Projects by start year",
            ["Year", "Projects"],
            table,
            _data(urls, query, **given),
        )
    ]


async def page(
    kind: str, iri: str, d: Description, urls: Urls, answers: Answers | None
) -> list[Figure]:
    """The figures of the page about ``iri`` (a ``kind`` of resource)."""
    if kind == "region":
        return _region(iri, d, urls)
    if kind == "project":
        return _project(iri, d, urls)
    if answers is None:
        return []
    if kind == "country":
        return await _country(iri, d, urls, answers)
    if kind == "programme":
        given = {"programme": iri}
        return await _years(answers, urls, "programme-projects-by-year", given, "years")
    return []


def _region(iri: str, d: Description, urls: Urls) -> list[Figure]:
    code = d.text(iri, str(SKOS.notation)) or iri.removeprefix(NUTS_CODE)
    o = outlines()
    if code not in o.points:
        return []
    name = d.label(iri)
    svg = locator(
        [code],
        title=f"{name} ({code}) in its country",
        desc=f"A map of {o.names.get(code[:2], code[:2])} with its NUTS 2 regions, where "
        f"{name} is shaded and marked with a dot.",
        href=_region_link(urls),
        names={code: name},
        within=[code[:2]],
        key="region-map",
    )
    shaded = o.nuts2_of(code)
    rows: list[list[Cell]] = [
        [(name, None), (code, None), (o.names.get(shaded, "") if shaded else "", None)]
    ]
    header = ["Region", "Code", "On the map as"]
    return [Figure("region-map", svg, f"{name} on the map", header, rows)]


def _project(iri: str, d: Description, urls: Urls) -> list[Figure]:
    regions: dict[str, str] = {}  # code -> name
    for row in partners(d, iri):
        for region in row["regions"]:
            regions[region.removeprefix(NUTS_CODE)] = d.label(region)
    o = outlines()
    codes = [c for c in regions if c in o.points]
    if not codes:
        return []
    svg = locator(
        codes,
        title="Where the partners are",
        desc=f"A map of the {len(codes)} NUTS regions the project's partners are based in, "
        "each marked with a dot and its NUTS 2 region shaded. The table below lists them.",
        href=_region_link(urls),
        names=regions,
        key="project-map",
    )
    rows = [[(regions[c], urls.page(NUTS_CODE + c)), (c, None)] for c in sorted(codes)]
    caption = "Regions of the partners"
    dots = sorted(c for c in codes if not o.nuts2_of(c))
    if dots:  # the United Kingdom's, which the map's NUTS version does not have
        caption += (
            f"; {', '.join(dots)} {'is' if len(dots) == 1 else 'are'} not in "
            f"NUTS {o.version}, so only a dot marks {'it' if len(dots) == 1 else 'them'}"
        )
    return [Figure("project-map", svg, caption, ["Region", "Code"], rows)]


async def _country(iri: str, d: Description, urls: Urls, answers: Answers) -> list[Figure]:
    iso2 = d.text(iri, str(PG.isoAlpha2))
    figures: list[Figure] = []
    code = nuts0_of(iso2) if iso2 else ""
    if code and any(c.startswith(code) for c in outlines().nuts2):
        counts, rows = await _nuts2_counts(answers)
        mine = [r for r in rows if r.get("country") == iri]
        name = d.label(iri)
        svg = choropleth(
            {c: n for c, n in counts.items() if c.startswith(code)},
            title=f"Projects per NUTS 2 region of {name}",
            desc=f"A map of {name}'s NUTS 2 regions shaded by the number of projects with a "
            f"partner in the region; {len(mine)} regions have at least one. The table below "
            "gives the numbers.",
            href=_region_link(urls),
            within=code,
            key="country-map",
        )
        figures.append(
            Figure(
                "country-map",
                svg,
                f"Projects with a partner in each NUTS 2 region of {name}",
                ["Region", "NUTS code", "Projects"],
                _map_table(mine, urls),
                _data(urls, "projects-by-nuts2-region"),
            )
        )
    figures += await _years(answers, urls, "country-projects-by-year", {"country": iri}, "years")
    return [f for f in figures if f.rows or f.key == "country-map"]

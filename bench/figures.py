"""The maps and charts of the site at scale: how long the pages that draw them take.

    python -m bench.figures [--sizes 1000,10000] [--runs 20] [--work DIR]

For each size, a synthetic folder (``projectgraph synth --seed 1``, kept in ``--work``, default
/tmp/fig) is built once and served (``projectgraph serve --no-build``, default workers) on a free
127.0.0.1 port. As soon as the server answers a query, each page is fetched once (cold: the
server has neither the page nor, unless its background warm-up got there first, the named
query answers it draws from) and then ``--runs`` times (warm: the page is kept per build).
The pages: the home page (the NUTS 2 choropleth of Europe, two budget charts, the start-year
chart), a country page (choropleth of the country, start-year chart), a NUTS 2 region page and a
project page (locator maps). In-process, the choropleth of Europe is drawn ``--runs`` times
from the counts the home page uses, without HTTP, rendering or queries.

Each answer must be 200 and hold its figure; the size of the page and of its SVG is reported.
Writes bench/results/FIGURES.md and figures.json and prints the table.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.endpoint import Server, free_port, table

ROOT = Path(__file__).resolve().parent.parent
PG = [sys.executable, "-m", "projectgraph"]
RESULTS = ROOT / "bench" / "results"
SVG = re.compile(rb"<svg .*?</svg>", re.S)


def prepare(size: int, work: Path) -> Path:
    """The build of ``size`` synthetic projects (made once, reused)."""
    records, dist = work / f"records-{size}", work / f"dist-{size}"
    if not (dist / "build.json").is_file():
        if not records.is_dir():
            synth = ["synth", "--projects", str(size), "--seed", "1", "--out", str(records)]
            subprocess.run(
                [*PG, *synth, "--root", str(ROOT), "-q"],
                check=True,
                cwd=ROOT,
            )
        build = ["build", "--project", str(records), "--dist", str(dist)]
        subprocess.run(
            [*PG, *build, "--root", str(ROOT), "-q"],
            check=True,
            cwd=ROOT,
        )
    return dist


def pages(client: httpx.Client) -> list[tuple[str, str, str]]:
    """(label, path, figure id) of the pages measured, picked from the served data."""

    def first(query: str) -> str:
        r = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        r.raise_for_status()
        return r.text.splitlines()[1].strip()

    country = first(
        "PREFIX pg: <https://w3id.org/projectgraph/ontology#> SELECT ?c "
        "(COUNT(*) AS ?n) WHERE { ?s pg:country ?c } GROUP BY ?c ORDER BY DESC(?n) LIMIT 1"
    ).split(",")[0]
    region = first(
        "PREFIX pg: <https://w3id.org/projectgraph/ontology#> SELECT ?r "
        "(COUNT(*) AS ?n) WHERE { ?s pg:region ?r } GROUP BY ?r ORDER BY DESC(?n) LIMIT 1"
    ).split(",")[0]
    project = first(
        "PREFIX eurio: <http://data.europa.eu/s66#> "
        "SELECT ?p WHERE { ?p a eurio:Project } ORDER BY ?p LIMIT 1"
    )
    return [
        ("home", "/", "map"),
        (f"country {country.rsplit('/', 1)[1]}", "/page/country/" + country.rsplit("/", 1)[1],
         "country-map"),
        (f"region {region.rsplit('/', 1)[1]}", "/page/region/" + region.rsplit("/", 1)[1],
         "region-map"),
        ("project", "/page/project/" + project.rsplit("/", 1)[1], "project-map"),
    ]  # fmt: skip


def fetch(client: httpx.Client, path: str, figure: str) -> tuple[float, bytes]:
    began = time.perf_counter()
    r = client.get(path)
    seconds = time.perf_counter() - began
    if r.status_code != 200 or f'id="{figure}"'.encode() not in r.content:
        raise RuntimeError(f"{path}: {r.status_code}, figure {figure} missing")
    return seconds, r.content


def measure(size: int, work: Path, runs: int) -> dict[str, Any]:
    dist = prepare(size, work)
    manifest = json.loads((dist / "build.json").read_text())
    port = free_port()
    server = Server(
        f"{size}",
        [*PG, "serve", "--no-build", "--dist", str(dist), "--port", str(port), "--root", str(ROOT)],
        port,
        work / f"serve-{size}.log",
        ROOT,
    )
    server.start()
    rows: list[dict[str, Any]] = []
    try:
        with httpx.Client(base_url=server.base, timeout=300) as client:
            for label, path, figure in pages(client):
                cold, body = fetch(client, path, figure)
                warm = [fetch(client, path, figure)[0] for _ in range(runs)]
                svg = SVG.search(body.split(f'id="{figure}"'.encode(), 1)[1])
                rows.append(
                    {
                        "page": label,
                        "path": path,
                        "cold_ms": cold * 1000,
                        "warm_median_ms": statistics.median(warm) * 1000,
                        "page_bytes": len(body),
                        "svg_bytes": len(svg.group()) if svg else 0,
                    }
                )
            answer = client.get("/api/queries/projects-by-nuts2-region")
            answer.raise_for_status()
            drawn = draw(answer.json(), runs)
    finally:
        server.stop()
    return {
        "projects": size,
        "triples": manifest["triples"],
        "pages": rows,
        "draw_ms": drawn,
    }


def draw(rows: list[dict[str, Any]], runs: int) -> float:
    """Median milliseconds to draw the home choropleth from the rows of its query."""
    from projectgraph.web.figures.maps import choropleth, outlines

    counts: dict[str, int] = {}
    for row in rows:
        code = outlines().nuts2_of(str(row.get("code", "")))
        if code:
            counts[code] = counts.get(code, 0) + int(row.get("projects", 0))
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        choropleth(counts, title="t", desc="d", href=lambda c: f"/page/region/{c}")
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "# Maps and charts at scale",
        "",
        "`python -m bench.figures`: synthetic builds (`projectgraph synth --seed 1`), served by",
        "`projectgraph serve --no-build` with its defaults on 127.0.0.1; each page fetched once",
        "as soon as the server answers (cold) and then repeatedly (warm, median). Draw: the",
        "Europe choropleth alone, in-process, median. Machine: 2 cores, 24 GiB.",
        "",
    ]
    header = ["projects", "page", "cold ms", "warm ms", "page KB", "SVG KB"]
    body = []
    for result in results:
        for row in result["pages"]:
            body.append(
                [
                    f"{result['projects']:,}",
                    row["page"],
                    f"{row['cold_ms']:.0f}",
                    f"{row['warm_median_ms']:.1f}",
                    f"{row['page_bytes'] / 1000:.0f}",
                    f"{row['svg_bytes'] / 1000:.0f}",
                ]
            )
    lines.append(table(header, body, right={0, 2, 3, 4, 5}))
    lines.append("")
    for result in results:
        lines.append(
            f"- {result['projects']:,} projects ({result['triples']:,} triples): the choropleth "
            f"of Europe draws in {result['draw_ms']:.1f} ms."
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--work", type=Path, default=Path("/tmp/fig"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = [measure(int(s), args.work, args.runs) for s in args.sizes.split(",")]
    text = report(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "FIGURES.md").write_text(text)
    (RESULTS / "figures.json").write_text(json.dumps(results, indent=2) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Releases at scale: what a one-project change costs and weighs as a release, and how fast the
server answers for the releases (the feed, a memento many releases back).

    python -m bench.releases [--sizes 1000,10000] [--edits 11] [--add] [--work DIR] [--out DIR]

For each size (synthetic projects, ``synth --seed 1``, kept in ``--work``): a build from
scratch (release 1), then ``--edits`` builds, each after the middle project's title was
changed again (releases 2 to edits + 1); the record is put back at the end. Measured:

- the last release's patch: its size, and the time to make it from the two builds (in-process,
  the median of 3, as ``build`` does under the builds' lock once the build is switched to);
- with ``projectgraph serve --no-build`` on the last build (Oxigraph in memory): the median
  and 95th percentile of 300 requests, one at a time, to ``/changes.atom``, ``/changes.json``
  and the latest patch, and of 200 to the project's memento as of release 1 (``edits``
  releases back) and to the TimeGate; the memento is checked to give release 1's title.

Writes bench/results/RELEASES.md and releases.json (``--add`` keeps the other sizes' rows).
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bench.build import ROOT, fresh, records_for
from bench.suite import BenchRun, parse_sizes, slugs_of, timed_build
from projectgraph.publish.releases import _write_patch, read_releases, releases_dir

TITLE = re.compile(r'(eurio:title\s+")([^"\\]*)"')
TARGETS = {"patch_seconds": 10.0, "feed_ms": 20.0, "memento_ms": 50.0}


@dataclass
class Row:
    """One size's figures."""

    projects: int
    releases: int
    build_seconds: float
    rebuild_seconds: float  # the median of the edits' builds
    patch_bytes: int
    patch_seconds: float
    atom_ms: tuple[float, float]  # median, 95th percentile
    json_ms: tuple[float, float]
    patch_ms: tuple[float, float]
    memento_ms: tuple[float, float]  # release 1, ``releases - 1`` releases back
    timegate_ms: tuple[float, float]
    memento_right: bool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=(1_000, 10_000))
    parser.add_argument("--edits", type=int, default=11)
    parser.add_argument("--add", action="store_true", help="keep the other sizes' rows")
    parser.add_argument("--work", type=Path, default=Path("/tmp/pg-build-scale"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    this = BenchRun("bench.releases", argv)
    say = this.say

    rows = []
    for n in args.sizes:
        records, _ = records_for(args.work, n, 1, say)
        dist = args.work / f"dist-releases-{n}"
        fresh(dist)
        slug = slugs_of(records)[len(slugs_of(records)) // 2]
        path = records / f"{slug}.ttl"
        original = path.read_bytes()
        first_title = TITLE.search(original.decode())
        assert first_title is not None, path
        try:
            say(f"{n:,}: build (release 1)")
            build_seconds = timed_build(records, dist, ROOT)
            rebuilds = []
            for k in range(1, args.edits + 1):
                text = original.decode()
                path.write_text(TITLE.sub(rf'\g<1>Edit {k}: \g<2>"', text, count=1))
                rebuilds.append(timed_build(records, dist, ROOT))
                say(f"{n:,}: edit {k}, rebuilt in {rebuilds[-1]:.1f} s")
        finally:
            path.write_bytes(original)
        releases = read_releases(dist)
        last, before = releases[-1], releases[-2]
        assert last.patch is not None
        builds = dist.resolve().parent
        times = []
        for _ in range(3):
            began = time.perf_counter()
            _write_patch(
                args.work / "bench.rdfp.gz", builds / before.build_id, builds / last.build_id
            )
            times.append(time.perf_counter() - began)
        (args.work / "bench.rdfp.gz").unlink()
        say(f"{n:,}: serve")
        row = _serve(dist, n, slug, first_title[2], say)
        rows.append(
            Row(
                projects=n,
                releases=len(releases),
                build_seconds=build_seconds,
                rebuild_seconds=statistics.median(rebuilds) if rebuilds else 0.0,
                patch_bytes=int(last.patch["bytes"]),
                patch_seconds=statistics.median(times),
                **row,
            )
        )
        say(f"{n:,}: {rows[-1]}")
        assert releases_dir(dist).is_dir()
        fresh(dist)
    run = this.text()
    store = args.out / "releases.json"
    runs, kept = [run], []
    if args.add and store.is_file():
        earlier = json.loads(store.read_text())
        runs = [*earlier["runs"], run]
        kept = [r for r in earlier["rows"] if r["projects"] not in args.sizes]
    every = sorted([*kept, *(asdict(r) for r in rows)], key=lambda r: r["projects"])
    args.out.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps({"runs": runs, "rows": every}, indent=1) + "\n")
    text = report(runs, every)
    (args.out / "RELEASES.md").write_text(text)
    print(text)
    return 0


def _serve(dist: Path, n: int, slug: str, first_title: str, say: object) -> dict[str, object]:
    """Serve ``dist`` as it is and time what answers for the releases."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [sys.executable, "-m", "projectgraph", "serve", "--root", str(ROOT), "--no-build"]
    argv += ["--dist", str(dist), "--host", "127.0.0.1", "--port", str(port), "--quiet"]
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            releases = json.loads(client.get("/changes.json").content)["entries"]
            latest = releases[0]["release"]
            memento = f"/memento/1/project/{slug}"
            body = client.get(memento).text
            gate_header = {"Accept-Datetime": "Thu, 01 Jan 2026 00:00:00 GMT"}
            return {
                "atom_ms": _timed(client, "/changes.atom", 300),
                "json_ms": _timed(client, "/changes.json", 300),
                "patch_ms": _timed(client, f"/dumps/changes/{latest}.rdfp.gz", 300),
                "memento_ms": _timed(client, memento, 200),
                "timegate_ms": _timed(client, f"/timegate/project/{slug}", 200, gate_header),
                "memento_right": f'"{first_title}"' in body and "Edit " not in body,
            }
    finally:
        server.terminate()
        server.wait(timeout=60)


def _timed(
    client: httpx.Client, path: str, count: int, headers: dict[str, str] | None = None
) -> tuple[float, float]:
    """Median and 95th percentile milliseconds of ``count`` requests to ``path``, after 10."""
    for _ in range(10):
        client.get(path, headers=headers)
    times = []
    for _ in range(count):
        began = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code in (200, 302), (path, response.status_code)
    times.sort()
    return round(statistics.median(times), 2), round(times[int(len(times) * 0.95)], 2)


def report(runs: list[str], rows: list[dict[str, object]]) -> str:
    """The Markdown report."""
    lines = [
        "# Releases: a one-project change as a release, and the server's answers about releases",
        "",
        "Written by " + "; then ".join(runs) + ". Method in `bench/releases.py`'s docstring."
        " 2 cores, 24 GiB; one build or server at a time.",
        "",
        "| projects | releases | build | rebuild (median) | last patch | made in"
        f" (target < {TARGETS['patch_seconds']:.0f} s) | /changes.atom | /changes.json | patch"
        f" | memento, release 1 (target < {TARGETS['memento_ms']:.0f} ms) | TimeGate |"
        " memento right |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]

    def ms(pair: object) -> str:
        median, p95 = pair  # type: ignore[misc]
        return f"{median:.2f} ms (p95 {p95:.2f})"

    for r in rows:
        lines.append(
            f"| {r['projects']:,} | {r['releases']} | {r['build_seconds']:.1f} s"
            f" | {r['rebuild_seconds']:.1f} s | {r['patch_bytes']:,} bytes"
            f" | {r['patch_seconds']:.2f} s | {ms(r['atom_ms'])} | {ms(r['json_ms'])}"
            f" | {ms(r['patch_ms'])} | {ms(r['memento_ms'])} ({int(r['releases']) - 1} releases"  # type: ignore[call-overload]
            f" back) | {ms(r['timegate_ms'])} | {'yes' if r['memento_right'] else 'NO'} |"
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

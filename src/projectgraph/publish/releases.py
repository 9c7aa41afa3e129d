"""Releases: every published build that differs from the one before it is a release, with a
number, its build id, the time it was published, and its difference from the release before
as an RDF Patch (https://afs.github.io/rdf-patch/) of the named graphs' quads.

A build folder holds the same bytes for the same inputs, so what is about time and history
is kept beside the builds, in ``.<dist>-builds/releases/``:

- ``releases.json``: every release, in order (number, build id, date, totals, its patch);
- ``<n>.json``: release ``n`` with its summary per named graph (triples added and removed;
  projects and organisations added, changed and removed);
- ``changes/<n>.rdfp.gz``: the quads release ``n`` removed (``D``) and added (``A``), graph
  by graph, in the N-Quads dump's order. Release 1 has none: its dump is where replaying
  starts. Builds are pruned; the patches are kept, so a harvester (or ``projectgraph diff``)
  goes from any release to any other.

Quads are compared as the lines of the N-Quads dump, which a build writes canonically (one
line per quad, blank nodes labelled stably), and only in the graphs whose digest changed.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from projectgraph.build.assemble import quad_key
from projectgraph.errors import ProjectGraphError
from projectgraph.files import write_atomic
from projectgraph.publish.dist import MANIFEST, builds_dir
from projectgraph.rdf.packed import read_frame
from projectgraph.rdf.serialize import parse_own
from projectgraph.rdf.vocab import EURIO, ORG, RDF
from projectgraph.store.embedded import DATASET_DUMP

FOLDER = "releases"
INDEX = "releases.json"
CHANGES = "changes"
HISTORY = "history.sqlite"
PATCH_MEDIA_TYPE = "application/rdf-patch"
# The dataset dump of builds made before it was compressed: the previous release may be one.
_PLAIN_DUMP = "projectgraph.nq"
_TYPE = f"<{RDF.type}>".encode()
# What a release counts by kind: the classes whose instances it names.
KINDS = {
    "projects": (f"<{EURIO.Project}>".encode(),),
    "organisations": (f"<{EURIO.Organisation}>".encode(), f"<{ORG.Organization}>".encode()),
}


class ReleaseError(ProjectGraphError):
    """A release or a patch that is not there or cannot be read."""


@dataclass(frozen=True)
class Release:
    """One release: a published build and how it differs from the release before."""

    number: int
    build_id: str
    issued: str  # ISO 8601, UTC, to the second
    previous: int | None
    totals: dict[str, Any]  # graphs, triples, projects, organisations: added/changed/removed
    patch: dict[str, Any] | None  # file (relative to the releases folder), sha256, bytes
    note: str = ""  # why there is no patch, when there is none

    def to_json(self) -> dict[str, Any]:
        """The release as ``releases.json`` lists it."""
        return asdict(self)


def release_line(release: Release) -> str:
    """One line saying what ``release`` changed: ``release 3 (2026-12-05T10:00:00+00:00): 1
    graph changed, +2 -1 triples; projects +0 ~1 -0; organisations +1 ~0 -0``."""
    t = release.totals
    if release.patch is None:
        return f"release {release.number} ({release.issued}): no patch: {release.note}"
    graphs = ", ".join(f"{n} graph{'s' * (n != 1)} {way}" for way, n in t["graphs"].items() if n)
    kinds = "; ".join(
        f"{kind} +{t[kind]['added']} ~{t[kind]['changed']} -{t[kind]['removed']}" for kind in KINDS
    )
    triples = f"+{t['triples']['added']} -{t['triples']['removed']} triples"
    return f"release {release.number} ({release.issued}): {graphs}, {triples}; {kinds}"


def releases_dir(dist: Path) -> Path:
    """Where the releases of the builds behind ``dist`` are kept."""
    return builds_dir(dist) / FOLDER


def releases_beside(build: Path) -> Path:
    """Where the releases are kept of the build folder ``build`` (one of the builds behind a
    ``dist`` link; a build copied elsewhere has none there)."""
    return build.parent / FOLDER


def read_releases(dist: Path) -> list[Release]:
    """Every release of ``dist``, oldest first (none before the first build)."""
    return releases_in(releases_dir(dist))


def releases_in(folder: Path) -> list[Release]:
    """Every release kept in the releases folder ``folder``, oldest first."""
    path = folder / INDEX
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as e:
        raise ReleaseError(f"{path}: cannot read the releases: {e}") from None
    return [Release(**entry) for entry in data["releases"]]


def release_summary(dist: Path, number: int) -> dict[str, Any]:
    """Release ``number`` of ``dist`` with its summary per named graph (``<n>.json``)."""
    return summary_in(releases_dir(dist), number)


def summary_in(folder: Path, number: int) -> dict[str, Any]:
    """Release ``number`` with its summary per named graph, from the releases folder
    ``folder``."""
    path = folder / f"{number}.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ReleaseError(f"no release {number} (see projectgraph releases)") from None
    except (OSError, ValueError) as e:
        raise ReleaseError(f"{path}: cannot read release {number}: {e}") from None


def record_release(
    dist: Path, previous: Path | None, final: Path, manifest: dict[str, Any] | None = None
) -> Release | None:
    """Record the build in ``final``, just published in place of ``previous`` (the build
    folder ``dist`` pointed to before, if any), as the next release; None when it is the
    release already recorded last (the same build again). Called under the builds' lock;
    ``manifest`` is the manifest of ``final`` when the caller has it (25 MB of JSON at 100,000
    projects, 0.4 s to read again).

    A build ``dist`` pointed to that is not recorded yet (one published before releases were
    kept, or by a build stopped between its switch and this) is recorded first, with a patch
    from the last release when that release's build is still there."""
    folder = releases_dir(dist)
    known = read_releases(dist)
    if known and known[-1].build_id == final.name:
        return None
    if previous == final:
        previous = None
    if previous is not None and previous.name != _last_id(known):
        last = final.parent / known[-1].build_id if known else None
        there = last is not None and (last / MANIFEST).is_file()
        known.append(_release(folder, len(known) + 1, last if there else None, previous, True))
    _index_earlier(folder, known)
    release = _release(folder, len(known) + 1, previous, final, manifest=manifest)
    known.append(release)
    _write_json(folder / INDEX, {"releases": [r.to_json() for r in known]})
    return release


def _last_id(known: Sequence[Release]) -> str | None:
    return known[-1].build_id if known else None


def _release(
    folder: Path,
    number: int,
    previous: Path | None,
    final: Path,
    late: bool = False,
    manifest: dict[str, Any] | None = None,
) -> Release:
    """Make release ``number``, of the build in ``final`` (whose manifest is ``manifest``,
    when given): its patch from the build in ``previous`` (none without one) and its summary
    file. A build recorded ``late`` is dated by its manifest file."""
    graphs: dict[str, dict[str, Any]] = {}
    patch: dict[str, Any] | None = None
    note = ""
    if previous is None:
        note = (
            "the first release: its N-Quads dump is where replaying starts"
            if number == 1
            else f"release {number - 1}'s build was gone: no patch from it"
        )
    else:
        name = f"{CHANGES}/{number}.rdfp.gz"
        patch, graphs, subjects = _write_patch(folder / name, previous, final, manifest)
        patch["file"] = name
        _record_touched(folder, number, subjects)
    when = datetime.fromtimestamp((final / MANIFEST).stat().st_mtime, UTC) if late else None
    release = Release(
        number=number,
        build_id=final.name,
        issued=(when or datetime.now(UTC)).replace(microsecond=0).isoformat(),
        previous=number - 1 if number > 1 else None,
        totals=_totals(graphs),
        patch=patch,
        note=note,
    )
    _write_json(folder / f"{number}.json", {**release.to_json(), "graphs": graphs})
    return release


def _record_touched(
    folder: Path, number: int, subjects: Iterable[str], newest: bool = True
) -> None:
    """Keep that release ``number`` touched ``subjects`` (a statement about each was removed
    or added), in ``history.sqlite``: a resource's history and its state as of a release are
    read from the patches of the releases that touched it only. Rows left by a release
    number recorded before and not kept (a build stopped before ``releases.json``) go, with
    those of any later number when this is the ``newest`` release."""
    with contextlib.closing(sqlite3.connect(folder / HISTORY)) as db:
        db.executescript(
            "CREATE TABLE IF NOT EXISTS touched (subject TEXT NOT NULL, release INTEGER NOT "
            "NULL, PRIMARY KEY (subject, release)) WITHOUT ROWID;"
            "CREATE TABLE IF NOT EXISTS indexed (release INTEGER PRIMARY KEY);"
        )
        gone = ">=" if newest else "="
        with db:
            db.execute(f"DELETE FROM touched WHERE release {gone} ?", (number,))
            db.execute(f"DELETE FROM indexed WHERE release {gone} ?", (number,))
            db.executemany(
                "INSERT INTO touched VALUES (?, ?)", ((s, number) for s in sorted(subjects))
            )
            db.execute("INSERT INTO indexed VALUES (?)", (number,))


def _index_earlier(folder: Path, known: Sequence[Release]) -> None:
    """Index the releases with a patch that ``history.sqlite`` does not know (recorded by a
    version that kept no history): their patches are read once."""
    path = folder / HISTORY
    indexed: set[int] = set()
    if path.is_file():
        with (
            contextlib.closing(sqlite3.connect(path)) as db,
            contextlib.suppress(sqlite3.OperationalError),  # no table yet
        ):
            indexed = {int(r[0]) for r in db.execute("SELECT release FROM indexed")}
    for release in known:
        if release.patch is not None and release.number not in indexed:
            subjects = {
                _subject(line)
                for _, line in read_patch(folder / release.patch["file"])
                if line[:1] == b"<"
            }
            _record_touched(folder, release.number, subjects, newest=False)


def touched_by(folder: Path, subject: str) -> list[int]:
    """The releases (kept in the releases folder ``folder``) that removed or added a statement
    about ``subject``, oldest first."""
    path = folder / HISTORY
    if not path.is_file():
        return []
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "SELECT release FROM touched WHERE subject = ? ORDER BY release", (subject,)
            ).fetchall()
    except sqlite3.Error as e:
        raise ReleaseError(f"{path}: cannot read the history: {e}") from None
    return [int(r[0]) for r in rows]


def _totals(graphs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, Any] = {
        "graphs": {"added": 0, "changed": 0, "removed": 0},
        "triples": {"added": 0, "removed": 0},
        **{kind: {"added": 0, "changed": 0, "removed": 0} for kind in KINDS},
    }
    for summary in graphs.values():
        totals["graphs"][summary["change"]] += 1
        for way in ("added", "removed"):
            totals["triples"][way] += summary["triples"][way]
        for kind in KINDS:
            for way, names in summary[kind].items():
                totals[kind][way] += len(names)
    return totals


def _graph_lines(
    folder: Path, manifest: dict[str, Any] | None = None
) -> tuple[dict[str, tuple[str, int, int]], Path]:
    """Each named graph of the build in ``folder`` (whose manifest is ``manifest``, or read):
    (digest, offset, length) of its lines in the dataset dump; and the dump (the plain
    N-Quads of a build made before the dump was compressed, see :func:`_read_range`)."""
    try:
        if manifest is None:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        graphs = {
            name: (info["digest"], *info["nquads"]) for name, info in manifest["graphs"].items()
        }
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ReleaseError(f"{folder / MANIFEST}: cannot read its graphs: {e}") from None
    dump = folder / DATASET_DUMP
    if not dump.exists() and (folder / _PLAIN_DUMP).exists():
        dump = folder / _PLAIN_DUMP
    return graphs, dump


def _write_patch(
    path: Path, previous: Path, final: Path, manifest: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], set[str]]:
    """Write the patch from the build in ``previous`` to the one in ``final`` (whose manifest
    is ``manifest``, when given); its file's checksum and size, the summary of each graph
    it touches, and the IRIs of the subjects of the quads it removes and adds."""
    old, old_dump = _graph_lines(previous)
    new, new_dump = _graph_lines(final, manifest)
    graphs: dict[str, dict[str, Any]] = {}
    subjects: set[str] = set()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with (
            old_dump.open("rb") as before,
            new_dump.open("rb") as after,
            tmp.open("wb") as raw,
            # Neither the temporary file's name nor the time in the gzip header: the same
            # change gives the same bytes.
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out,
        ):
            out.write(b"H id <urn:projectgraph:build:%s> .\n" % final.name.encode())
            out.write(b"H prev <urn:projectgraph:build:%s> .\n" % previous.name.encode())
            out.write(b"TX .\n")
            for name in sorted(old.keys() | new.keys()):
                if name in old and name in new and old[name][0] == new[name][0]:
                    continue
                gone = _read_range(before, old[name][1:]) if name in old else []
                came = _read_range(after, new[name][1:]) if name in new else []
                came_set, gone_set = set(came), set(gone)
                removed = [line for line in gone if line not in came_set]
                added = [line for line in came if line not in gone_set]
                out.writelines(b"D " + line for line in removed)
                out.writelines(b"A " + line for line in added)
                subjects.update(_subject(line) for line in (*removed, *added) if line[:1] == b"<")
                change = "changed" if name in old and name in new else "added"
                graphs[name] = {
                    "change": change if name in new else "removed",
                    "triples": {"added": len(added), "removed": len(removed)},
                    **_kinds(gone, came, removed + added),
                }
            out.write(b"TC .\n")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    data = path.read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}, graphs, subjects


def _read_range(dump: Any, where: Sequence[int]) -> list[bytes]:
    offset, length = where
    if dump.name.endswith(_PLAIN_DUMP):
        dump.seek(offset)
        return dump.read(length).splitlines(keepends=True)
    return read_frame(dump, offset, length).splitlines(keepends=True)


def _kinds(
    gone: Sequence[bytes], came: Sequence[bytes], touched: Sequence[bytes]
) -> dict[str, dict[str, list[str]]]:
    """The projects and organisations a graph's change added, changed and removed: typed so in
    the graph after (added: not before), before (removed: not after), or both with a quad of
    theirs added or removed (changed)."""
    subjects = {_subject(line) for line in touched}
    out: dict[str, dict[str, list[str]]] = {}
    for kind, classes in KINDS.items():
        before, after = _typed(gone, classes), _typed(came, classes)
        out[kind] = {
            "added": sorted(after - before),
            "changed": sorted((before & after) & subjects),
            "removed": sorted(before - after),
        }
    return out


def _typed(lines: Iterable[bytes], classes: tuple[bytes, ...]) -> set[str]:
    found = set()
    for line in lines:
        subject, rest = line.split(b" ", 1)
        if rest.startswith(_TYPE) and rest[len(_TYPE) + 1 :].split(b" ", 1)[0] in classes:
            found.add(subject[1:-1].decode())
    return found


def _subject(line: bytes) -> str:
    return line.split(b" ", 1)[0][1:-1].decode()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


# --- a resource's history, and the resource as it was ---


def changes_about(
    folder: Path, releases: Sequence[Release], subject: str
) -> list[tuple[Release, list[bytes], list[bytes]]]:
    """Each release of ``releases`` (kept in ``folder``) that touched ``subject``, oldest
    first, with the N-Quads lines about it that the release removed and added."""
    known = {r.number: r for r in releases}
    out = []
    for number in touched_by(folder, subject):
        release = known.get(number)
        if release is None or release.patch is None:
            continue
        removed: list[bytes] = []
        added: list[bytes] = []
        prefix = f"<{subject}> ".encode()
        for op, line in read_patch(folder / release.patch["file"]):
            if line.startswith(prefix):
                (added if op == b"A" else removed).append(line)
        out.append((release, removed, added))
    return out


def as_of(
    folder: Path, releases: Sequence[Release], subject: str, now: Iterable[bytes], number: int
) -> list[bytes]:
    """The N-Quads lines about ``subject`` in release ``number``, from ``now``, its lines in
    the last of ``releases``: the changes to it of every later release undone, newest first
    (only the patches of releases that touched it are read)."""
    lines = set(now)
    for release, removed, added in reversed(changes_about(folder, releases, subject)):
        if release.number <= number:
            break
        lines.difference_update(added)
        lines.update(removed)
    return sorted(lines, key=_line_key)


# --- reading patches, and going from one release to another ---


def read_patch(path: Path) -> Iterator[tuple[bytes, bytes]]:
    """The changes of an RDF Patch file as (``A`` or ``D``, N-Quads line); an error names the
    file and line of anything else but its header and transaction lines."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            for number, line in enumerate(f, start=1):
                op = line[:2]
                if op in (b"A ", b"D "):
                    yield op[:1], line[2:]
                elif not (line.startswith((b"H ", b"TX", b"TC", b"TA", b"#")) or not line.strip()):
                    raise ReleaseError(f"{path}:{number}: not an RDF Patch line: {line[:60]!r}")
    except (OSError, EOFError) as e:
        raise ReleaseError(f"{path}: cannot read the patch: {e}") from None


def patch_text(removed: Iterable[bytes], added: Iterable[bytes]) -> Iterator[bytes]:
    """An RDF Patch (one transaction) removing the N-Quads lines ``removed`` and adding
    ``added``."""
    yield b"TX .\n"
    yield from (b"D " + line for line in removed)
    yield from (b"A " + line for line in added)
    yield b"TC .\n"


def difference(dist: Path, start: int, end: int) -> tuple[list[bytes], list[bytes]]:
    """The quads (N-Quads lines) to remove from release ``start``'s dump and to add to it to
    make release ``end``'s, either way round: the patches between them, composed."""
    known = read_releases(dist)
    if not known:
        raise ReleaseError(f"{dist}: no releases yet (each build that changes something is one)")
    for number in (start, end):
        if not 1 <= number <= len(known):
            raise ReleaseError(f"no release {number}: there are {len(known)} (1 to {len(known)})")
    low, high = sorted((start, end))
    removed: dict[bytes, None] = {}
    added: dict[bytes, None] = {}
    for release in known[low:high]:  # releases low+1 .. high
        if release.patch is None:
            raise ReleaseError(
                f"release {release.number} has no patch ({release.note}): "
                f"releases {low} and {high} cannot be compared"
            )
        for op, line in read_patch(releases_dir(dist) / release.patch["file"]):
            if op == b"D":
                if line in added:
                    del added[line]
                else:
                    removed[line] = None
            elif line in removed:
                del removed[line]
            else:
                added[line] = None
    if start > end:
        removed, added = added, removed
    return list(removed), list(added)


def replay(nquads: bytes, removed: Iterable[bytes], added: Iterable[bytes]) -> bytes:
    """The N-Quads dump ``nquads`` with ``removed`` taken out and ``added`` put in, in the order
    a build writes its dump (graph by graph, by name; within a graph, as
    :func:`~projectgraph.build.assemble.quad_key` sorts)."""
    graphs: dict[bytes, list[bytes]] = {}
    for line in nquads.splitlines(keepends=True):
        graphs.setdefault(_graph(line), []).append(line)
    gone = set(removed)
    touched: set[bytes] = set()
    for line in gone:
        touched.add(_graph(line))
    for line in added:
        graphs.setdefault(_graph(line), []).append(line)
        touched.add(_graph(line))
    for name in touched:
        lines = [line for line in graphs.get(name, []) if line not in gone]
        graphs[name] = sorted(lines, key=_line_key)
    return b"".join(b"".join(graphs[name]) for name in sorted(graphs, key=_graph_name))


def _graph(line: bytes) -> bytes:
    """The graph name of an N-Quads line (its last term: an IRI here)."""
    return line[line.rfind(b" <", 0, len(line.rstrip()) - 2) + 1 : line.rstrip().rfind(b" ")]


def _graph_name(graph: bytes) -> str:
    return graph[1:-1].decode()


def _line_key(line: bytes) -> tuple[str, str, int, str, str]:
    (quad,) = parse_own(line, ox.RdfFormat.N_QUADS)
    return quad_key(quad)

"""Publish a validated graph: dumps, JSON-LD context, VoID/DCAT, the named queries' answers,
checksums and a manifest."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from projectgraph import __version__
from projectgraph.build.assemble import triple_key
from projectgraph.build.prepare import Prepared
from projectgraph.build.sources import Source, shape_sources
from projectgraph.files import read_sha256
from projectgraph.publish.answers import SEARCH, Written, write_answers
from projectgraph.publish.dist import MANIFEST, prune_ahead, publish_atomically, sync_files
from projectgraph.publish.dumps import (
    DumpLayout,
    MergedSegments,
    NamedGraphSegments,
    write_dumps,
    write_file,
)
from projectgraph.publish.parts import Stats
from projectgraph.publish.releases import Release, ReleaseError, record_release
from projectgraph.publish.void import describe
from projectgraph.rdf.serialize import turtle, used_prefixes
from projectgraph.rdf.vocab import DESCRIPTION_PREFIXES
from projectgraph.settings import Settings
from projectgraph.sparql.named import load_queries
from projectgraph.validate.report import Report

# Bump when what a build writes changes, so servers rebuild a dist made by older code.
OUTPUT_LAYOUT = 7  # 3: answers.sqlite; 4: with the search index; 5: answers layout 3; 6: a
# file per query, and search.sqlite; 7: the dataset dump Zstandard-compressed
CHECKSUMS = "SHA256SUMS"
CONTEXT = "context.jsonld"
VOID_FILE = "void.ttl"


@dataclass(frozen=True)
class Published:
    """What a build published."""

    build_id: str
    folder: Path
    manifest: dict[str, object]
    release: Release | None = None  # None: the same build as the last release
    release_error: str = ""  # why the build was published but not recorded as a release
    layout: DumpLayout = field(default_factory=DumpLayout)  # where the dumps' pieces are
    copied: int = 0  # bytes of the dumps copied from the build served before
    dumped: int = 0  # bytes of the dumps


def manifest_text(manifest: dict[str, object], graphs_block: str | None = None) -> str:
    """``build.json``'s text: JSON indented by two spaces, keys sorted, but each graph's entry
    on one line. One line a graph reads as well, and is written by ``json``'s C encoder: its
    indenting encoder is Python's, 4 s for 100,000 graphs against 0.5 s. ``graphs_block`` is
    :func:`graphs_text` of its graphs, when made already."""
    graphs = manifest["graphs"]
    assert isinstance(graphs, dict)
    block = graphs_text(graphs) if graphs_block is None else graphs_block
    text = json.dumps({**manifest, "graphs": _MARK}, indent=2, sort_keys=True)
    return text.replace(json.dumps(_MARK), block, 1) + "\n"


_MARK = "\u0001graphs"  # no other value holds a control character: build ids, names, digests


def graphs_text(graphs: dict[str, Any]) -> str:
    """The graphs' entries as :func:`manifest_text` writes them, one a line."""
    lines = [
        f"    {json.dumps(g)}: {json.dumps(e, sort_keys=True)}" for g, e in sorted(graphs.items())
    ]
    return "{\n" + ",\n".join(lines) + "\n  }" if lines else "{}"


def _sorted_json(manifest: dict[str, Any], graphs_json: str) -> str:
    """``json.dumps(manifest, sort_keys=True)``, its graphs given as that text already."""
    return json.dumps({**manifest, "graphs": _MARK}, sort_keys=True).replace(
        json.dumps(_MARK), graphs_json, 1
    )


def read_manifest(dist: Path) -> dict[str, object] | None:
    """The manifest of the build ``dist`` points to, or None if there is none (or it is
    unreadable, as after a crash in an older layout)."""
    try:
        return json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_context(settings: Settings) -> dict[str, object]:
    """The JSON-LD context the JSON-LD dump is compacted with (the ``@context`` object)."""
    with settings.context.open(encoding="utf-8") as f:
        return json.load(f)["@context"]


def inputs_digest(
    sources: list[Source], settings: Settings, sha256: Callable[[Path], str] = read_sha256
) -> str:
    """A digest of everything that shapes the output: sources, shapes, context, the named
    queries (the build answers them), settings. ``sha256`` gives a file's digest (remembered
    ones: :class:`~projectgraph.files.FileDigests`)."""
    h = hashlib.sha256()
    files = [s.path for s in sources] + [s.path for s in shape_sources(settings)]
    files.append(settings.context)
    files += sorted(settings.queries_dir.glob("*.rq")) if settings.queries_dir.is_dir() else []
    # Names relative to the project's root, cut as strings: pathlib's is_relative_to took 1 s
    # of a rebuild at 100,000 projects.
    root = str(settings.root).rstrip(os.sep) + os.sep
    for path in files:
        name = str(path)
        h.update((name[len(root) :] if name.startswith(root) else name).encode())
        h.update(bytes.fromhex(sha256(path)))
    h.update(repr((settings.base_iri, settings.dataset, __version__, OUTPUT_LAYOUT)).encode())
    return h.hexdigest()


def publish(
    sources: Sequence[Source],
    prepared: Sequence[Prepared],
    graphs: Callable[[], Iterable[NamedGraphSegments]],
    merged: Callable[[], Iterable[MergedSegments]],
    prefixes: dict[str, str],
    report: Report,
    settings: Settings,
    stats: Callable[[], Stats],
    lap: Callable[[str], None] = lambda stage: None,
    answers: Callable[[], Written] | None = None,
    sha256: Callable[[Path], str] = read_sha256,
    earlier: tuple[Path, DumpLayout] | None = None,
) -> Published:
    """Write the build into a fresh folder and switch ``dist`` to it atomically.

    ``graphs`` reads the named graphs (their N-Quads and TriG pieces) in graph-name order,
    ``merged`` the parts of the merged graph (see :mod:`projectgraph.publish.parts`), read
    first, and ``stats`` gives their statistics together once they have been read; both
    stream, so the build never holds a whole dump in memory. Pieces found in ``earlier``
    (the served build's folder and where its pieces are) are copied from there.
    ``lap(stage)`` is called as each stage ends (``--timings``). ``answers`` waits for the
    named queries' answers computed elsewhere (the build starts them early); without it they
    are computed here, from the dump.
    ``sha256`` gives an input file's digest.
    """
    sources_sha256 = {s.graph: sha256(s.path) for s in sources}
    graph_sizes = {p.graph: p.quads for p in prepared}
    contents = {p.graph: p.graph_digest for p in prepared}
    manifest: dict[str, object] = {}
    written_dumps: dict[str, Any] = {}

    def write(folder: Path) -> str:
        context = load_context(settings)
        dumps = write_dumps(folder, graphs(), merged(), prefixes, context, earlier)
        files, ranges = dumps.files, dumps.ranges
        written_dumps.update(
            layout=dumps.layout,
            copied=dumps.copied,
            dumped=sum(f.size for f in files.values()),
        )
        files["context"] = write_file(
            folder / CONTEXT,
            (json.dumps({"@context": context}, indent=2, ensure_ascii=False) + "\n").encode(),
        )
        description = describe(stats(), sources, graph_sizes, settings, files, sources_sha256)
        files["void"] = write_file(
            folder / VOID_FILE,
            turtle(
                sorted(description, key=triple_key),
                used_prefixes(description, DESCRIPTION_PREFIXES),
            ),
        )
        lap("dumps + describe")
        # To the disk while the answers are awaited, not after them: the switch syncs every
        # file, and after a rebuild's copies gigabytes of the dumps are still in memory.
        sync_files(f.path for f in files.values())
        # And what does not depend on the answers, made while they are awaited: after them
        # the build does nothing else (1.4 s of a rebuild at 100,000 projects).
        inputs = inputs_digest(list(sources), settings, sha256)
        entries = {
            s.graph: {
                "source": s.path.name,
                "kind": s.kind,
                "sha256": sources_sha256[s.graph],
                "quads": graph_sizes[s.graph],
                # What the graph holds, and where its lines are in the N-Quads dump:
                # a server updates its store by the graphs that changed.
                "digest": contents[s.graph],
                "nquads": list(ranges[s.graph]),
            }
            for s in sources
        }
        graphs_block, graphs_json = graphs_text(entries), json.dumps(entries, sort_keys=True)
        prune_ahead(settings.dist_dir)
        if answers is None:  # computed from the merged graph's dump
            written = write_answers(
                folder, load_queries(settings.queries_dir), settings.base_iri, stats().triples
            )
        else:  # computed while the dumps were written: moved into the build
            written = answers().move_to(folder)
        lap("answers")
        # The answers are checked and in the build id, but not published files.
        checked = [(f.path.name, f.sha256) for f in files.values()]
        checked += [(name, sha256) for name, (sha256, _) in written.files.items()]
        sums = "".join(f"{sha256}  {name}\n" for name, sha256 in sorted(checked))
        write_file(folder / CHECKSUMS, sums.encode())
        manifest.update(
            {
                "projectgraph": __version__,
                "base_iri": settings.base_iri,
                "inputs_sha256": inputs,
                "triples": stats().triples,
                "quads": sum(p.quads for p in prepared),
                "entailed": sum(p.entailed for p in prepared),
                "validation": {k.lower(): v for k, v in report.counts.items()},
                "graphs": entries,
                "files": {
                    f.path.name: {"sha256": f.sha256, "bytes": f.size}
                    for f in sorted(files.values(), key=lambda f: f.path.name)
                },
                "answers": {
                    "files": {
                        name: {"sha256": sha256, "bytes": size}
                        for name, (sha256, size) in sorted(written.files.items())
                    },
                    # Rows, or why not: no times (nor whether the rows, or the search
                    # index's facts, came from the build before) here, so the same inputs
                    # give the same id.
                    "queries": {
                        name: {k: v for k, v in result.items() if k not in ("seconds", "copied")}
                        for name, result in sorted(written.queries.items())
                    },
                    "search": {
                        k: v
                        for k, v in written.search.items()
                        if k not in ("seconds", "facts_kept", "items_kept", "patched")
                    },
                },
            }
        )
        # The id covers every byte of the build (the checksums and the rest of the manifest),
        # so an existing folder with this id holds exactly these files; but the search index
        # by what it holds (its "content" digest, in the manifest): a rebuild updates a copy
        # of the index served now, a file with other bytes than one written anew.
        identity = "".join(
            line for line in sums.splitlines(keepends=True) if not line.endswith(f"  {SEARCH}\n")
        ) + _sorted_json(_without_search_file(manifest), graphs_json)
        manifest["build_id"] = hashlib.sha256(identity.encode()).hexdigest()[:16]
        write_file(folder / MANIFEST, manifest_text(manifest, graphs_block).encode())
        return str(manifest["build_id"])

    recorded: dict[str, Any] = {}

    def release(previous: Path | None, final: Path) -> None:
        # The build is live by now: a release that cannot be recorded is said, not fatal (the
        # next build records this one late).
        try:
            recorded["release"] = record_release(settings.dist_dir, previous, final, manifest)
        except (ReleaseError, OSError) as e:
            recorded["release_error"] = f"not recorded as a release: {e}"

    folder = publish_atomically(settings.dist_dir, write, release)
    return Published(
        build_id=str(manifest["build_id"]),
        folder=folder,
        manifest=manifest,
        **recorded,
        **written_dumps,
    )


def _without_search_file(manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` without the search index's bytes and checksum (see the build id)."""
    answers = manifest["answers"]
    files = {k: v for k, v in answers["files"].items() if k != SEARCH}
    return {**manifest, "answers": {**answers, "files": files}}

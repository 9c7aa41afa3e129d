"""Publish a validated graph: dumps, JSON-LD context, VoID/DCAT, checksums and a manifest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from projectgraph import __version__
from projectgraph.assemble import Assembled, triple_key
from projectgraph.publish.describe import describe
from projectgraph.publish.dist import publish_atomically
from projectgraph.publish.dumps import WrittenFile, turtle, used_prefixes, write_dumps, write_file
from projectgraph.report import Report
from projectgraph.settings import Settings
from projectgraph.sources import shape_sources
from projectgraph.vocab import STANDARD_PREFIXES, all_prefixes

MANIFEST = "build.json"
CHECKSUMS = "SHA256SUMS"
CONTEXT = "context.jsonld"
VOID_FILE = "void.ttl"
_DESCRIBE_PREFIXES = {
    **STANDARD_PREFIXES,
    "filetype": "http://publications.europa.eu/resource/authority/file-type/",
    "licence": "http://publications.europa.eu/resource/authority/licence/",
    "theme": "http://publications.europa.eu/resource/authority/data-theme/",
}


@dataclass(frozen=True)
class Published:
    """What a build published."""

    build_id: str
    folder: Path
    manifest: dict[str, object]


def load_context(settings: Settings) -> dict[str, object]:
    """The JSON-LD context the JSON-LD dump is compacted with (the ``@context`` object)."""
    with settings.context.open(encoding="utf-8") as f:
        return json.load(f)["@context"]


def inputs_digest(assembled: Assembled, settings: Settings) -> str:
    """A digest of everything that shapes the output: sources, shapes, context, settings."""
    h = hashlib.sha256()
    files = [
        *(s.path for s in assembled.sources),
        *(s.path for s in shape_sources(settings)),
        settings.context,
    ]
    for path in files:
        h.update(
            str(
                path.relative_to(settings.root) if path.is_relative_to(settings.root) else path
            ).encode()
        )
        h.update(hashlib.sha256(path.read_bytes()).digest())
    h.update(repr((settings.base_iri, settings.dataset, __version__)).encode())
    return h.hexdigest()


def publish(
    assembled: Assembled,
    report: Report,
    settings: Settings,
    step: Callable[[str], None] | None = None,
) -> Published:
    """Write the build into a fresh folder and switch ``dist`` to it atomically."""
    sources_sha256 = {s.graph: s.sha256() for s in assembled.sources}
    manifest: dict[str, object] = {}

    def write(folder: Path) -> str:
        if step:
            step("writing dumps")
        context = load_context(settings)
        files: dict[str, WrittenFile] = write_dumps(
            assembled, folder, all_prefixes(settings.base_iri), context
        )
        files["context"] = write_file(
            folder / CONTEXT,
            (json.dumps({"@context": context}, indent=2, ensure_ascii=False) + "\n").encode(),
        )
        if step:
            step("describing the dataset (VoID, DCAT)")
        description = describe(assembled, settings, files, sources_sha256)
        files["void"] = write_file(
            folder / VOID_FILE,
            turtle(
                sorted(description, key=triple_key), used_prefixes(description, _DESCRIBE_PREFIXES)
            ),
        )
        sums = "".join(
            f"{f.sha256}  {f.path.name}\n"
            for f in sorted(files.values(), key=lambda f: f.path.name)
        )
        checksums = write_file(folder / CHECKSUMS, sums.encode())
        build_id = checksums.sha256[:16]
        manifest.update(
            {
                "build_id": build_id,
                "projectgraph": __version__,
                "base_iri": settings.base_iri,
                "inputs_sha256": inputs_digest(assembled, settings),
                "triples": len(assembled.triples),
                "quads": len(assembled.quads),
                "entailed": assembled.entailed,
                "validation": {k.lower(): v for k, v in report.counts.items()},
                "graphs": {
                    s.graph: {
                        "source": s.path.name,
                        "kind": s.kind,
                        "sha256": sources_sha256[s.graph],
                    }
                    for s in assembled.sources
                },
                "files": {
                    f.path.name: {"sha256": f.sha256, "bytes": f.size}
                    for f in sorted(files.values(), key=lambda f: f.path.name)
                },
            }
        )
        write_file(
            folder / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
        )
        return build_id

    folder = publish_atomically(settings.dist_dir, write)
    return Published(build_id=str(manifest["build_id"]), folder=folder, manifest=manifest)

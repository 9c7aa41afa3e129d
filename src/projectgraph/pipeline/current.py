"""The build to serve or query: ``dist`` when it is current, else a fresh build, else the last
good one. Used by ``serve`` and ``query`` alike, so the query command needs no server code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from projectgraph.build.sources import discover
from projectgraph.errors import ProjectGraphError, SourceError
from projectgraph.pipeline.run import build
from projectgraph.publish.dist import file_digests
from projectgraph.publish.manifest import CONTEXT, VOID_FILE, inputs_digest, read_manifest
from projectgraph.settings import Settings
from projectgraph.store.embedded import DATASET_DUMP
from projectgraph.store.loading import ServedBuild

# What the server reads from a build besides its manifest (the other dumps are only offered).
SERVED_FILES = (DATASET_DUMP, VOID_FILE, CONTEXT)


def is_stale(settings: Settings, manifest: dict[str, object] | None) -> bool:
    """True when ``dist`` is missing or was built from other inputs than the current ones."""
    if manifest is None:
        return True
    with file_digests(settings.dist_dir) as digests:
        current = inputs_digest(discover(settings), settings, digests.sha256)
    return manifest.get("inputs_sha256") != current


def ensure_build(
    settings: Settings, quiet: bool, say: Callable[[str], None], rebuild: bool = True
) -> ServedBuild:
    """The build to serve: ``dist`` if it is current, else a fresh build; if building fails,
    the previous good build (the last good build keeps being served). With ``rebuild=False``
    ``dist`` is served as it is, e.g. a build made on another machine."""
    dist = settings.dist_dir
    manifest = read_manifest(dist)
    if not rebuild:
        if manifest is None:
            raise ProjectGraphError(f"{dist}: no build to serve (no {dist}/build.json)")
        missing = [name for name in SERVED_FILES if not (Path(dist) / name).is_file()]
        if missing:
            raise ProjectGraphError(
                f"{dist}: not a complete build, {', '.join(missing)} missing "
                "(make it with projectgraph build)"
            )
        return ServedBuild(folder=Path(dist).resolve(), manifest=manifest)
    try:
        stale = is_stale(settings, manifest)
    except SourceError:  # a source vanished or is unreadable: the build below reports it
        stale = True
    if stale:
        try:
            result = build(settings, quiet=quiet)
            say(f"built {result.published.build_id} ({result.report.summary()})")
        except ProjectGraphError as e:
            if manifest is None:
                raise
            say(
                f"warning: the build failed, serving the previous build {manifest['build_id']}: {e}"
            )
    manifest = read_manifest(dist)
    assert manifest is not None
    return ServedBuild(folder=Path(dist).resolve(), manifest=manifest)

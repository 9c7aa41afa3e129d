"""Old builds are removed as a build is published: the served one, the new one and the newest
before them stay (three in all), whether they go before the switch (while the answers are
awaited) or after it."""

from __future__ import annotations

from pathlib import Path

from projectgraph.pipeline.run import build
from projectgraph.publish.dist import BUILD_ID, KEEP_BUILDS, builds_dir
from projectgraph.settings import load_settings
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO


def test_a_build_keeps_the_one_served_before_and_the_newest_others(tmp_path: Path) -> None:
    records = tmp_path / "records"
    synthesize(records, 6, 3, load_settings(REPO), workers=1)
    dist = tmp_path / "dist"
    settings = load_settings(REPO, {"project_dirs": (records,), "dist_dir": dist})
    record = sorted(records.glob("*.ttl"))[0]
    text = record.read_text()
    made = []
    for edition in range(5):
        record.write_text(text.replace('eurio:title "', f'eurio:title "Edition {edition} ', 1))
        served = dist.resolve() if dist.exists() else None
        build(settings, quiet=True, workers=1)
        made.append(dist.resolve())
        kept = {p for p in builds_dir(dist).iterdir() if BUILD_ID.match(p.name)}
        assert dist.resolve() in kept and (served is None or served in kept)
        assert kept == set(made[-KEEP_BUILDS:]), (edition, sorted(p.name for p in kept))

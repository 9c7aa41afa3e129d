"""The subjects several sources describe go to the shared parts, a chunk of subjects each
(cut by the subjects: see projectgraph.publish.parts.shared_chunks), made by the dump workers.
An edited shared description remakes the part of its own chunk only, and the rebuild writes
the bytes a build of the same records from scratch writes."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from projectgraph.pipeline.cache import CACHE_FILE
from projectgraph.pipeline.dump_parts import SHARED_PART
from projectgraph.pipeline.run import build
from projectgraph.publish import parts
from projectgraph.publish.dist import builds_dir
from projectgraph.publish.dumps import DUMP_FORMATS
from projectgraph.settings import Settings
from projectgraph.settings.load import load_settings
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO, build_from_scratch, records_settings

DUMPS = [f.filename for f in DUMP_FORMATS]
_ORGANISATION = re.compile(r"^(organisation:\S+) a eurio:Organisation", re.MULTILINE)


def _shared_parts(settings: Settings) -> set[tuple[str, str]]:
    """The (key, fingerprint) of the shared parts in the build cache."""
    with sqlite3.connect(builds_dir(settings.dist_dir) / CACHE_FILE) as db:
        rows = db.execute(
            "SELECT key, fingerprint FROM parts WHERE key LIKE ?", (f"{SHARED_PART} %",)
        )
        return set(rows)


def _cut_every_four(keys: list[str]) -> list[int]:
    """Small chunks, so that 15 records' shared subjects make several parts."""
    return [*range(4, len(keys), 4), len(keys)]


@pytest.mark.parametrize("cut", [_cut_every_four, parts.chunk_ends], ids=["small", "real"])
def test_an_edited_shared_description_remakes_its_own_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: object
) -> None:
    monkeypatch.setattr(parts, "chunk_ends", cut)
    records = tmp_path / "records"
    synthesize(records, 15, 11, load_settings(REPO), workers=1)
    settings = records_settings(records)
    build(settings, quiet=True)
    before = _shared_parts(settings)
    if cut is _cut_every_four:
        assert len(before) >= 4
    # An organisation several records describe: its label changed in each of them.
    files = sorted(records.glob("*.ttl"))
    described = Counter(m for f in files for m in set(_ORGANISATION.findall(f.read_text())))
    organisation, count = described.most_common(1)[0]
    assert count >= 2
    for f in files:
        text = f.read_text(encoding="utf-8")
        if organisation in _ORGANISATION.findall(text):
            block = text.index(f"{organisation} a eurio:Organisation")
            label = text.index("skos:prefLabel", block)
            f.write_text(
                text[:label] + 'skos:prefLabel "Renamed" ;\n' + text[text.index("\n", label) + 1 :]
            )
    rebuilt = build(settings, quiet=True)
    after = _shared_parts(settings)
    # The same chunks (keys); one part made anew, none left over from the build before.
    assert {key for key, _ in after} == {key for key, _ in before}
    assert len(after - before) == 1
    dumps = {name: (rebuilt.published.folder / name).read_bytes() for name in DUMPS}
    assert b'"Renamed"' in dumps["projectgraph.ttl"]
    scratch = build_from_scratch(settings)
    for name in DUMPS:
        assert (scratch.published.folder / name).read_bytes() == dumps[name], name
    assert scratch.published.build_id == rebuilt.published.build_id
    assert _shared_parts(settings) == after

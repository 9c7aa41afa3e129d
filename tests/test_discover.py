"""Which files of a records folder become sources: hidden folders and linked folders are not
read, a linked file is read from where it points, and the order is the paths' order."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from projectgraph.build.sources import discover
from projectgraph.settings.load import load_settings

REPO = Path(__file__).resolve().parent.parent
RECORD = "<https://example.org/a> <https://example.org/p> <https://example.org/b> .\n"


def test_records_found_as_rglob_found_them(tmp_path: Path) -> None:
    records = tmp_path / "records"
    (records / "b" / "c").mkdir(parents=True)
    (records / "b-x").mkdir()  # after b/ as paths sort part by part ("-" sorts before "/")
    (records / ".hidden").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    for path in (
        records / "z.ttl",
        records / "a.ttl",
        records / "b" / "c" / "d.ttl",
        records / "b-x" / "g.ttl",
        records / ".hidden" / "e.ttl",
        records / "b" / "notes.txt",
        outside / "linked.ttl",
        outside / "f.ttl",
    ):
        path.write_text(RECORD)
    (records / "b" / "linked.ttl").symlink_to(outside / "linked.ttl")
    (records / "folder").symlink_to(outside, target_is_directory=True)
    (records / "broken.ttl").symlink_to(tmp_path / "missing.ttl")
    settings = load_settings(REPO, {"project_dirs": (records,)})

    sources = [s for s in discover(settings) if s.kind == "project"]
    found = [s.path for s in sources]

    real = records.resolve()
    assert found == [
        real / "a.ttl",
        real / "b" / "c" / "d.ttl",
        outside.resolve() / "linked.ttl",
        real / "b-x" / "g.ttl",
        real / "z.ttl",
    ]
    # Outside the project's root, a record is named by its folder and name.
    assert [s.key for s in sources] == [
        "external/records/a",
        "external/c/d",
        "external/outside/linked",
        "external/b-x/g",
        "external/records/z",
    ]


def test_a_record_below_the_root_is_named_by_its_path(tmp_path: Path) -> None:
    (tmp_path / "records" / "2024").mkdir(parents=True)
    (tmp_path / "records" / "2024" / "a.b.ttl").write_text(RECORD)
    shipped = load_settings(REPO, {"project_dirs": (tmp_path / "records",)})
    settings = dataclasses.replace(shipped, root=tmp_path.resolve())
    [source] = [s for s in discover(settings) if s.kind == "project"]
    assert source.key == "records/2024/a.b"
    assert source.graph.endswith("/graph/records/2024/a.b")

"""Every published build that changes something is a release, with an RDF Patch from the
release before: real record edits on a synthetic set, real builds, the real CLI.

Done when (issue 19): three builds with edits (a project added, an organisation renamed, a
partner removed) give three releases whose patches replay exactly to each release's N-Quads
dump, from the first release on.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard

from projectgraph.pipeline.run import build
from projectgraph.publish.releases import (
    Release,
    ReleaseError,
    difference,
    read_patch,
    read_releases,
    release_summary,
    releases_dir,
    replay,
)
from projectgraph.settings import Settings, load_settings
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO, dataset_nquads

RENAMED = "Quarzwerk Forschungsstiftung"


def _settings(tmp_path: Path) -> Settings:
    """20 synthetic records in ``tmp_path/records``, published to ``tmp_path/dist``."""
    folder = tmp_path / "records"
    if not folder.is_dir():
        synthesize(folder, 20, 3, load_settings(REPO), workers=1)
    return load_settings(REPO, {"project_dirs": (folder,), "dist_dir": tmp_path / "dist"})


def _build(settings: Settings) -> tuple[Release | None, bytes]:
    """Build; the release the build made (None: none) and the N-Quads dump it published."""
    published = build(settings, quiet=True, workers=1).published
    return published.release, dataset_nquads(published.folder)


def _records(settings: Settings) -> list[Path]:
    return sorted(settings.project_dirs[0].glob("*.ttl"))


def _describers(settings: Settings) -> dict[str, list[Path]]:
    """Each organisation's slug, and the records that describe it (give it a name)."""
    found: dict[str, list[Path]] = {}
    for record in _records(settings):
        for slug in set(re.findall(r"organisation:(\S+) [^.]*?skos:prefLabel", record.read_text())):
            found.setdefault(slug, []).append(record)
    return found


def _add_project(settings: Settings, tmp_path: Path) -> str:
    """Copy a record of another synthetic set in; its project's slug."""
    more = tmp_path / "more"
    synthesize(more, 3, 11, load_settings(REPO), workers=1)
    added = sorted(more.glob("*.ttl"))[0]
    shutil.copy(added, settings.project_dirs[0] / f"zz-{added.name}")
    return added.stem


def _rename(settings: Settings, slug: str) -> list[Path]:
    """Give organisation ``slug`` another name in every record that describes it."""
    pattern = rf'(organisation:{re.escape(slug)} [^.]*?skos:prefLabel )"[^"\\]*"'
    records = _describers(settings)[slug]
    for record in records:
        text = record.read_text(encoding="utf-8")
        record.write_text(re.sub(pattern, rf'\1"{RENAMED}"', text, flags=re.S), encoding="utf-8")
    return records


def _remove_partner(record: Path) -> str:
    """Take the record's last participation out (never its coordinator's, the first); the
    participation's IRI."""
    text = record.read_text(encoding="utf-8")
    (listed,) = re.findall(r"eurio:hasInvolvedParty ([^;]+);", text)
    last = listed.split(",")[-1].strip()
    text = text.replace(f" , {last}", "")
    text = re.sub(rf"\n{re.escape(last)} a [^\n]*\n(?:\t[^\n]*\n)*", "\n", text)
    assert last not in text
    record.write_text(text, encoding="utf-8")
    return last.split(":", 1)[1]


def test_three_edits_give_three_releases_whose_patches_replay_exactly(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first, dump1 = _build(settings)
    assert first is not None and first.number == 1 and first.patch is None
    dumps = [dump1]

    project = _add_project(settings, tmp_path)
    added, dump = _build(settings)
    dumps.append(dump)
    assert added is not None and added.number == 2
    graphs = release_summary(settings.dist_dir, 2)["graphs"]
    assert [g["change"] for g in graphs.values()] == ["added"]
    (summary,) = graphs.values()
    assert [p.rsplit("/", 1)[1] for p in summary["projects"]["added"]] == [project]
    assert summary["triples"]["removed"] == 0 and summary["triples"]["added"] > 20

    slug = sorted((s, r) for s, r in _describers(settings).items() if len(r) >= 2)[0][0]
    describing = _rename(settings, slug)
    renamed, dump = _build(settings)
    dumps.append(dump)
    assert renamed is not None and renamed.number == 3
    graphs = release_summary(settings.dist_dir, 3)["graphs"]
    assert len(graphs) == len(describing) >= 2
    assert all(g["change"] == "changed" for g in graphs.values())
    assert {
        o.rsplit("/", 1)[1] for g in graphs.values() for o in g["organisations"]["changed"]
    } == {slug}
    assert renamed.totals["organisations"]["changed"] == len(describing)

    record = _records(settings)[2]
    participation = _remove_partner(record)
    removed, dump = _build(settings)
    dumps.append(dump)
    assert removed is not None and removed.number == 4
    assert removed.totals["graphs"] == {"added": 0, "changed": 1, "removed": 0}
    assert removed.totals["triples"]["added"] == 0 < removed.totals["triples"]["removed"]
    patch = releases_dir(settings.dist_dir) / removed.patch["file"]  # type: ignore[index]
    assert {op for op, _ in read_patch(patch)} == {b"D"}
    assert all(participation in line.decode() for op, line in read_patch(patch))

    # Each patch takes its release's dump from the one before, exactly.
    for number in range(2, 5):
        gone, came = difference(settings.dist_dir, number - 1, number)
        assert replay(dumps[number - 2], gone, came) == dumps[number - 1]
    # Composed, from the first release to the last, and back.
    assert replay(dumps[0], *difference(settings.dist_dir, 1, 4)) == dumps[3]
    assert replay(dumps[3], *difference(settings.dist_dir, 4, 1)) == dumps[0]
    assert replay(dumps[1], *difference(settings.dist_dir, 2, 4)) == dumps[3]
    # The patch files say what they say as RDF Patch: a header naming the builds, one
    # transaction, and their checksums are the release's.
    data = patch.read_bytes()
    assert data[3] == 0 and data[4:8] == bytes(4), "a file name or a time in the gzip header"
    text = gzip.decompress(data).decode()
    assert text.startswith(f"H id <urn:projectgraph:build:{removed.build_id}> .\n")
    assert f"H prev <urn:projectgraph:build:{renamed.build_id}> .\n" in text
    assert text.count("TX .\n") == 1 and text.endswith("TC .\n")
    listed = read_releases(settings.dist_dir)
    assert [r.number for r in listed] == [1, 2, 3, 4]
    assert [r.build_id for r in listed][-1] == settings.dist_dir.resolve().name


def _as_before_compression(folder: Path) -> None:
    """Make the build in ``folder`` look as builds did before the dataset dump was compressed:
    a plain ``projectgraph.nq``, with each graph's range in it in the manifest."""
    manifest_path = folder / "build.json"
    manifest = json.loads(manifest_path.read_text())
    packed = (folder / "projectgraph.nq.zst").read_bytes()
    plain = b""
    for name in sorted(manifest["graphs"]):
        offset, length = manifest["graphs"][name]["nquads"]
        lines = zstandard.ZstdDecompressor().decompress(packed[offset : offset + length])
        manifest["graphs"][name]["nquads"] = [len(plain), len(lines)]
        plain += lines
    (folder / "projectgraph.nq").write_bytes(plain)
    (folder / "projectgraph.nq.zst").unlink()
    manifest_path.write_text(json.dumps(manifest))


def test_the_release_after_a_build_with_a_plain_dump_is_diffed_from_it(tmp_path: Path) -> None:
    """A build made by code before the dump was compressed is the build before the first build
    of the new code: its plain N-Quads dump is read, and the patch is what it would be."""
    settings = _settings(tmp_path)
    _, before = _build(settings)
    _as_before_compression(settings.dist_dir.resolve())
    slug = next(s for s, records in _describers(settings).items() if len(records) >= 2)
    _rename(settings, slug)
    renamed, after = _build(settings)
    assert renamed is not None and renamed.number == 2
    gone, came = difference(settings.dist_dir, 1, 2)
    assert len(gone) == len(came) > 0
    assert replay(before, gone, came) == after


def test_the_same_build_again_is_no_new_release(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first, _ = _build(settings)
    again, _ = _build(settings)
    assert first is not None and again is None
    assert len(read_releases(settings.dist_dir)) == 1


def test_a_build_published_before_releases_were_kept_is_recorded_late(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _, before = _build(settings)
    shutil.rmtree(releases_dir(settings.dist_dir))  # as a dist made by an earlier version
    record = _records(settings)[0]
    record.write_text(record.read_text().replace('eurio:title "', 'eurio:title "New: ', 1))
    release, after = _build(settings)
    assert release is not None and release.number == 2 and release.patch is not None
    (late, _) = read_releases(settings.dist_dir)
    assert late.number == 1 and late.patch is None and "first release" in late.note
    assert replay(before, *difference(settings.dist_dir, 1, 2)) == after


def test_the_cli_lists_releases_and_prints_a_patch_or_a_clear_error(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _build(settings)
    record = _records(settings)[1]
    record.write_text(record.read_text().replace('eurio:title "', 'eurio:title "New: ', 1))
    _build(settings)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        where = ["--root", str(REPO), "--dist", str(settings.dist_dir)]
        return subprocess.run(
            [sys.executable, "-m", "projectgraph", *args, *where],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    listed = cli("releases")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and "release 2" in lines[1] and "1 graph changed" in lines[1]
    assert "+1 -1 triples" in lines[1] and "projects +0 ~1 -0" in lines[1]
    as_json = json.loads(cli("releases", "--json").stdout)
    assert [r["number"] for r in as_json] == [1, 2]
    assert as_json[1]["patch"]["file"] == "changes/2.rdfp.gz"

    patch = cli("diff", "1", "2")
    assert patch.returncode == 0, patch.stderr
    assert patch.stdout.splitlines()[1:] == [
        "TX .",
        *(line for line in patch.stdout.splitlines() if line.startswith("D ")),
        *(line for line in patch.stdout.splitlines() if line.startswith("A ")),
        "TC .",
    ]
    assert '"New: ' in patch.stdout and "1 quads removed, 1 added" in patch.stderr

    missing = cli("diff", "1", "7")
    assert missing.returncode == 2 and "no release 7: there are 2 (1 to 2)" in missing.stderr
    file = releases_dir(settings.dist_dir) / "changes" / "2.rdfp.gz"
    file.write_bytes(gzip.compress(b"TX .\nX <a> <b> <c> <d> .\n"))
    damaged = cli("diff", "2", "1")
    assert damaged.returncode == 2 and f"{file}:2: not an RDF Patch line" in damaged.stderr


def test_a_release_without_a_patch_cannot_be_crossed(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _build(settings)
    index = releases_dir(settings.dist_dir) / "releases.json"
    record = _records(settings)[3]
    record.write_text(record.read_text().replace('eurio:title "', 'eurio:title "New: ', 1))
    _build(settings)
    data = json.loads(index.read_text())
    data["releases"][1].update(patch=None, note="lost")
    index.write_text(json.dumps(data))
    with pytest.raises(ReleaseError, match=r"release 2 has no patch \(lost\)"):
        difference(settings.dist_dir, 1, 2)


def test_an_edit_undone_is_a_release_and_composes_to_no_change(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first, dump = _build(settings)
    record = _records(settings)[5]
    text = record.read_text()
    record.write_text(text.replace('eurio:title "', 'eurio:title "New: ', 1))
    _build(settings)
    record.write_text(text)
    undone, again = _build(settings)
    # The build of release 1 again (the same bytes, the same id), as release 3.
    assert first is not None and undone is not None and undone.number == 3
    assert undone.build_id == first.build_id and again == dump
    assert undone.totals["triples"] == {"added": 1, "removed": 1}
    assert difference(settings.dist_dir, 1, 3) == ([], [])
    assert difference(settings.dist_dir, 3, 2) == difference(settings.dist_dir, 1, 2)

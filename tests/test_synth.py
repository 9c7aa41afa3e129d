"""The synthetic data set (``projectgraph.synth.generate``): records are written, the same
seed gives the same bytes and another seed other bytes, the report's counts equal a SPARQL count
over the files, every organisation is described identically wherever it appears, the records
validate without violations or warnings, the distributions look like the CORDIS export's, and
bad arguments are refused."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.build.assemble import assemble
from projectgraph.errors import ProjectGraphError
from projectgraph.rdf.vocab import parse_base
from projectgraph.settings import Settings
from projectgraph.synth.generate import SynthError, SynthReport, synthesize
from projectgraph.validate.shacl import validate

PREFIXES = """
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
"""


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def store_of(folder: Path, settings: Settings) -> ox.Store:
    store = ox.Store()
    for path in sorted(folder.glob("*.ttl")):
        store.load(path=path, format=ox.RdfFormat.TURTLE, base_iri=parse_base(settings.base_iri))
    return store


def select(store: ox.Store, query: str) -> list[tuple]:
    """The rows of a SELECT query, each term's value (None where unbound)."""
    return [
        tuple(None if term is None else term.value for term in row)
        for row in store.query(PREFIXES + query)  # type: ignore[union-attr]
    ]


def count(store: ox.Store, query: str) -> int:
    return int(select(store, query)[0][0])


@pytest.fixture(scope="module")
def small(
    tmp_path_factory: pytest.TempPathFactory, repo_settings: Settings
) -> tuple[Path, SynthReport]:
    out = tmp_path_factory.mktemp("synth") / "fifty"
    return out, synthesize(out, 50, 1, repo_settings, workers=1)


@pytest.fixture(scope="module")
def large(
    tmp_path_factory: pytest.TempPathFactory, repo_settings: Settings
) -> tuple[ox.Store, SynthReport, list[int]]:
    """2,000 projects, written by two worker processes."""
    out = tmp_path_factory.mktemp("synth") / "two-thousand"
    calls: list[int] = []
    report = synthesize(out, 2000, 7, repo_settings, workers=2, progress=calls.append)
    return store_of(out, repo_settings), report, calls


def test_files_are_written_one_per_project(small: tuple[Path, SynthReport]) -> None:
    out, report = small
    files = sorted(out.iterdir())
    assert len(files) == 50 == report.projects == report.files_written
    assert all(p.suffix == ".ttl" and p.stat().st_size > 1000 for p in files)
    assert report.seconds > 0
    text = files[0].read_text(encoding="utf-8")
    assert text.startswith("# ") and "projectgraph synth --projects 50 --seed 1" in text


def test_same_seed_same_bytes_other_seed_other_bytes(
    small: tuple[Path, SynthReport], tmp_path: Path, repo_settings: Settings
) -> None:
    out, _ = small
    again = synthesize(tmp_path / "again", 50, 1, repo_settings, workers=1)
    assert contents(tmp_path / "again") == contents(out)
    assert again.participations == small[1].participations
    synthesize(tmp_path / "other", 50, 2, repo_settings, workers=1)
    other = contents(tmp_path / "other")
    assert len(other) == 50
    assert other != contents(out)
    assert set(other) != set(contents(out))  # other acronyms, not only other values


def test_an_unchanged_file_is_not_rewritten(tmp_path: Path, repo_settings: Settings) -> None:
    out = tmp_path / "out"
    synthesize(out, 20, 3, repo_settings, workers=1)
    victim = sorted(out.iterdir())[0]
    untouched = sorted(out.iterdir())[1]
    original = victim.read_bytes()
    victim.write_bytes(b"# edited by hand\n")
    stamp = untouched.stat().st_mtime_ns
    report = synthesize(out, 20, 3, repo_settings, workers=1)
    assert report.files_written == 1
    assert victim.read_bytes() == original
    assert untouched.stat().st_mtime_ns == stamp
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_records_do_not_depend_on_the_number_of_workers(
    tmp_path: Path, repo_settings: Settings
) -> None:
    # More than one chunk of records, so two processes really share the work.
    one = synthesize(tmp_path / "one", 450, 5, repo_settings, workers=1)
    two = synthesize(tmp_path / "two", 450, 5, repo_settings, workers=2)
    assert contents(tmp_path / "one") == contents(tmp_path / "two")
    assert (one.participations, one.organisations) == (two.participations, two.organisations)


def test_report_counts_equal_sparql_counts(
    small: tuple[Path, SynthReport], repo_settings: Settings
) -> None:
    out, report = small
    store = store_of(out, repo_settings)
    assert count(store, "SELECT (COUNT(?p) AS ?n) { ?p a eurio:Project }") == report.projects
    assert (
        count(store, "SELECT (COUNT(?m) AS ?n) { ?m a org:Membership ; org:member ?o }")
        == report.participations
    )
    assert (
        count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?o a eurio:Organisation }")
        == report.organisations
    )
    assert report.participations > report.projects  # there are consortia
    assert report.organisations < report.participations  # organisations are shared


def test_an_organisation_is_described_identically_in_every_record(
    small: tuple[Path, SynthReport], repo_settings: Settings
) -> None:
    out, _ = small
    descriptions: dict[str, set[frozenset[tuple[str, str]]]] = defaultdict(set)
    appearances: Counter[str] = Counter()
    for path in sorted(out.glob("*.ttl")):
        triples = list(
            ox.parse(
                path=path, format=ox.RdfFormat.TURTLE, base_iri=parse_base(repo_settings.base_iri)
            )
        )
        orgs = {t.subject.value for t in triples if "/id/organisation/" in t.subject.value}
        for iri in orgs:
            appearances[iri] += 1
            descriptions[iri].add(
                frozenset(
                    (t.predicate.value, str(t.object)) for t in triples if t.subject.value == iri
                )
            )
    shared = [iri for iri, n in appearances.items() if n > 1]
    assert shared, "no organisation takes part in two projects"
    assert all(len(descriptions[iri]) == 1 for iri in appearances)


def test_the_records_validate_without_violations_or_warnings(
    small: tuple[Path, SynthReport], repo_settings: Settings
) -> None:
    out, _ = small
    report = validate(assemble(repo_settings, [out]), repo_settings)
    assert report.conforms, report.to_text()
    assert report.counts["Warning"] == 0, report.to_text()


def test_progress_is_reported_for_every_project(
    large: tuple[ox.Store, SynthReport, list[int]],
) -> None:
    _, report, calls = large
    assert sum(calls) == report.projects == 2000
    assert len(calls) > 1


def test_every_project_has_exactly_one_coordinator(
    large: tuple[ox.Store, SynthReport, list[int]],
) -> None:
    store, _, _ = large
    rows = select(
        store,
        """SELECT ?p (COUNT(?m) AS ?n) {
            ?p a eurio:Project .
            OPTIONAL { ?m org:organization ?p ; org:role ?role . FILTER(STRENDS(STR(?role), "/role/coordinator")) }
        } GROUP BY ?p""",
    )
    assert len(rows) == 2000
    assert {int(n) for _, n in rows} == {1}


def test_partners_per_project_look_like_the_cordis_export(
    large: tuple[ox.Store, SynthReport, list[int]],
) -> None:
    store, report, _ = large
    sizes = [
        int(n)
        for (n,) in select(
            store,
            "SELECT (COUNT(?m) AS ?n) { ?p a eurio:Project . ?m org:organization ?p } GROUP BY ?p",
        )
    ]
    assert len(sizes) == 2000 and sum(sizes) == report.participations
    assert 4.0 <= sum(sizes) / len(sizes) <= 6.0
    assert 0.30 <= sizes.count(1) / len(sizes) <= 0.50
    assert max(sizes) >= 20


def test_popular_organisations_take_part_in_many_projects(
    large: tuple[ox.Store, SynthReport, list[int]],
) -> None:
    store, report, _ = large
    per_org = [
        int(n)
        for (n,) in select(
            store,
            "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?m org:member ?o ; org:organization ?p } GROUP BY ?o",
        )
    ]
    assert len(per_org) == report.organisations
    assert max(per_org) >= 10
    assert per_org.count(1) > 0  # and a tail that appears once
    # at most once per project: participations equal (organisation, project) pairs
    assert sum(per_org) == report.participations


def test_values_are_within_their_documented_ranges(
    large: tuple[ox.Store, SynthReport, list[int]],
) -> None:
    store, _, _ = large
    rows = select(
        store,
        """SELECT ?p ?start ?end ?months ?total ?eu ?programme {
            ?p a eurio:Project ; eurio:startDate ?start ; eurio:endDate ?end ; eurio:duration ?months ;
               eurio:hasTotalCost/eurio:value ?total ; eurio:isFundedBy/eurio:hasFundingAmount/eurio:value ?eu ;
               eurio:isFundedBy/eurio:hasFundingSchemeProgramme ?programme }""",
    )
    assert len(rows) == 2000
    programmes: Counter[str] = Counter()
    for _, start, end, months, total, eu, programme in rows:
        assert 2014 <= dt.date.fromisoformat(start).year <= 2021
        assert dt.date.fromisoformat(start) < dt.date.fromisoformat(end)
        assert 12 <= int(months) <= 60
        assert Decimal(0) < Decimal(eu) <= Decimal(total)
        programmes[programme.rsplit("/", 1)[-1]] += 1
    assert programmes["horizon-2020"] > programmes["interreg-europe"] > 0
    topics = [
        int(n)
        for (n,) in select(
            store,
            "SELECT (COUNT(?t) AS ?n) { ?p a eurio:Project OPTIONAL { ?p dct:subject ?t } } GROUP BY ?p",
        )
    ]
    assert max(topics) <= 3 and min(topics) == 0


def test_countries_regions_and_cluster_flags(
    large: tuple[ox.Store, SynthReport, list[int]], repo_settings: Settings
) -> None:
    store, report, _ = large
    assert (
        count(
            store,
            "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?o a eurio:Organisation FILTER NOT EXISTS { ?o eurio:hasSite/pg:country ?c } }",
        )
        == 0
    )
    by_country = Counter(
        {
            c.rsplit("/", 1)[-1]: int(n)
            for c, n in select(
                store,
                "SELECT ?c (COUNT(?m) AS ?n) { ?m org:member/eurio:hasSite/pg:country ?c } GROUP BY ?c",
            )
        }
    )
    assert by_country.most_common(1)[0][0] in {"DEU", "GBR", "ESP", "ITA", "FRA"}
    assert len(by_country) >= 20
    # Regions are real NUTS 3 regions of the reference list, in the organisation's own country.
    regions = ox.Store()
    regions.load(path=repo_settings.reference_dir / "nuts.ttl", format=ox.RdfFormat.TURTLE)
    region_country = dict(select(regions, "SELECT ?r ?c { ?r pg:nutsLevel 3 ; pg:inCountry ?c }"))
    placed = select(store, "SELECT ?r ?c { ?o eurio:hasSite [ pg:region ?r ; pg:country ?c ] }")
    assert len(placed) > report.organisations / 2
    assert all(region_country[r] == c for r, c in placed)
    assert len({r for r, _ in placed}) > 50  # drawn from the whole list, not a handful
    flags = Counter(
        f
        for (f,) in select(
            store,
            "SELECT ?f { ?o a eurio:Organisation OPTIONAL { ?o pg:isClusterOrganisation ?f } }",
        )
    )
    assert flags["false"] > flags["true"] > 0
    assert flags[None] > 0  # some without the flag
    assert sum(flags.values()) == report.organisations


@pytest.mark.parametrize("projects", [0, -3])
def test_fewer_than_one_project_is_refused(
    projects: int, tmp_path: Path, repo_settings: Settings
) -> None:
    with pytest.raises(SynthError, match="number of projects"):
        synthesize(tmp_path / "out", projects, 1, repo_settings)
    assert not (tmp_path / "out").exists()


def test_an_existing_file_as_output_is_refused(tmp_path: Path, repo_settings: Settings) -> None:
    target = tmp_path / "records.ttl"
    target.write_text("# not a folder\n", encoding="utf-8")
    with pytest.raises(ProjectGraphError, match="is a file, not a folder") as caught:
        synthesize(target, 5, 1, repo_settings)
    assert isinstance(caught.value, SynthError) and caught.value.exit_code == 2
    assert target.read_text(encoding="utf-8") == "# not a folder\n"


@pytest.mark.parametrize(("seed", "workers", "message"), [(-1, 2, "seed"), (1, 0, "workers")])
def test_bad_seed_or_workers_are_refused(
    seed: int, workers: int, message: str, tmp_path: Path, repo_settings: Settings
) -> None:
    with pytest.raises(SynthError, match=message):
        synthesize(tmp_path / "out", 5, seed, repo_settings, workers=workers)

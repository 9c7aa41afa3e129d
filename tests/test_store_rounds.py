"""Above ``answers_memory_triples``, the answers child holds its in-memory store to the bound
a round at a time (see :mod:`projectgraph.publish.store_rounds`): the plan of the rounds, a
store that never holds more than a round, and the same build, byte for byte, as one store for
everything (a real build of synthetic records, answered in the child process)."""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest
import zstandard

from projectgraph.build.partition import RDF_TYPE_TERM, predicate_of
from projectgraph.pipeline.run import BuildResult, build
from projectgraph.publish import answers
from projectgraph.publish.answers import DumpGraph
from projectgraph.publish.search_index import fact_selections
from projectgraph.publish.store_rounds import counted, covers, plan_rounds
from projectgraph.settings import load_settings
from projectgraph.sparql.grouped import plan
from projectgraph.sparql.named import load_queries
from projectgraph.store.embedded import DATASET_DUMP, MERGED_DUMP
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO, answer_files

TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
COUNTS = {"a": 10, "b": 20, "c": 30, "d": 40, f"{TYPE} X": 5, TYPE: 50}


def _reads(job: frozenset[str]) -> frozenset[str]:
    return job


def test_facts_share_rounds_in_their_order_and_jobs_fill_the_rounds_largest_first() -> None:
    facts = [frozenset({"a"}), frozenset({"a", "b"}), frozenset({"c"}), frozenset({"d"})]
    jobs = [frozenset({"a"}), frozenset({"d", f"{TYPE} X"}), frozenset({"b", "c"})]
    planned = plan_rounds(facts, jobs, _reads, COUNTS, limit=60)
    assert planned is not None
    rounds, ordered = planned
    # a+b (30) then c (60 with them: fits), d alone: consecutive facts while they fit.
    assert rounds.rounds[:2] == (frozenset({"a", "b", "c"}), frozenset({"d", f"{TYPE} X", "a"}))
    # The largest job (b+c, 50) fits with no round from the facts' last on: a round of its own;
    # d+X (45) fits beside d; a (10) too.
    assert rounds.rounds[2:] == (frozenset({"b", "c"}),)
    assert ordered == [jobs[0], jobs[1], jobs[2]]
    assert all(rounds.fits(r) for r in rounds.rounds)
    for fact in facts:  # each fact read by a round of the facts'
        assert any(covers(r, fact) for r in rounds.rounds[:2])
    for job in jobs:  # each job by a round from the facts' last on
        assert any(covers(r, job) for r in rounds.rounds[1:])


def test_a_fact_or_a_job_over_the_bound_by_itself_means_no_rounds() -> None:
    assert plan_rounds([frozenset({"d"})], [], _reads, COUNTS, limit=39) is None
    assert plan_rounds([], [frozenset({"c", "b"})], _reads, COUNTS, limit=49) is None
    assert plan_rounds([frozenset({"d"})], [frozenset({"c"})], _reads, COUNTS, 40) is not None


def test_counts_take_a_class_within_all_types_once() -> None:
    assert counted(frozenset({TYPE, f"{TYPE} X", "a"}), COUNTS) == 60
    assert counted(frozenset({f"{TYPE} X", "a"}), COUNTS) == 15
    assert covers(frozenset({TYPE}), frozenset({f"{TYPE} X"}))
    assert not covers(frozenset({f"{TYPE} X"}), frozenset({TYPE}))


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rounds") / "records"
    synthesize(folder, 25, 9, load_settings(REPO), workers=1)
    return folder


def _built(records: Path, dist: Path, bound: int) -> BuildResult:
    dist.parent.mkdir()
    settings = load_settings(
        REPO, {"project_dirs": (records,), "dist_dir": dist, "answers_memory_triples": bound}
    )
    return build(settings, quiet=True, workers=1)


def _counts(lines: Iterable[bytes]) -> Counter[str]:
    """Lines per selection entry (a predicate, or rdf:type and a class)."""
    found: Counter[str] = Counter()
    for line in lines:
        predicate = predicate_of(line)
        found[predicate[1:-1].decode()] += 1
        if predicate == RDF_TYPE_TERM:
            found[f"{TYPE} {line.split(b' ')[2][1:-1].decode()}"] += 1
    return found


def _merged_counts(folder: Path) -> Counter[str]:
    """What a store of each entry holds: the merged graph's triples."""
    with gzip.open(folder / MERGED_DUMP, "rb") as lines:
        return _counts(lines)


def _source_counts(folder: Path) -> Counter[str]:
    """What the build counts for each entry: the sources' quads (the N-Quads dump has a frame
    per source's graph, a shared description once per source that has it)."""
    with (
        (folder / DATASET_DUMP).open("rb") as f,
        zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True) as frames,
    ):
        return _counts(frames.read().splitlines())


def _units() -> tuple[list[frozenset[str]], list[answers._Job]]:
    settings = load_settings(REPO)
    plans = [plan(q, settings.base_iri) for q in load_queries(settings.queries_dir)]
    jobs = [answers._job(i, p) for i, p in enumerate(plans, start=1) if p.materialized]
    return fact_selections(None), jobs


def _tightest(counts: Counter[str]) -> int:
    """The largest count of a fact or a query by itself: the lowest bound with rounds."""
    facts, jobs = _units()
    return max(counted(u, counts) for u in [*facts, *(j.reads or frozenset() for j in jobs)])


def test_a_store_in_rounds_holds_one_round_at_most(records: Path, tmp_path: Path) -> None:
    folder = _built(records, tmp_path / "whole" / "dist", 10**9).published.folder
    counts, exact = _source_counts(folder), _merged_counts(folder)
    facts, jobs = _units()
    bound = _tightest(counts)
    planned = plan_rounds(facts, jobs, lambda j: j.reads or frozenset(), counts, bound)
    assert planned is not None
    rounds, ordered = planned
    assert len(rounds.rounds) > 2, rounds.rounds
    store = answers._Loading(DumpGraph(folder / MERGED_DUMP), rounds=rounds)
    stores = set()
    for unit in [*facts, *(j.reads or frozenset() for j in ordered)]:
        held = store.load(unit)
        stores.add(id(held))
        assert store.loaded is not None and covers(store.loaded, unit)
        # Every triple of what is loaded is there (counted exactly, from the merged graph),
        # and no more than the bound allows.
        assert len(held) == counted(store.loaded, exact) <= bound
    assert len(stores) > 1  # dropped for a new one


def test_no_query_runs_ahead_on_a_store_the_next_round_drops(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's thread answers ahead only the queries next in order that the store holds:
    when a round's store is made, every query answered ahead has been taken, and the rows
    are the engine's on one store."""
    folder = _built(records, tmp_path / "whole" / "dist", 10**9).published.folder
    counts = _source_counts(folder)
    facts, jobs = _units()
    planned = plan_rounds(facts, jobs, lambda j: j.reads or frozenset(), counts, _tightest(counts))
    assert planned is not None
    rounds, ordered = planned
    graph = DumpGraph(folder / MERGED_DUMP)
    store = answers._Loading(graph, rounds=rounds)
    for fact in facts:  # the index's reads, as the child makes them before the queries
        store.load(fact)
    # Rounds taken in turns, not one after the other: the store is dropped while later
    # queries that it holds are still to come.
    ordered = ordered[::2] + ordered[1::2]
    whole = answers._Loading(graph)  # the rows to compare with: one store, everything
    made = answers._Loading._new
    pending: list[int] = []

    def new(loading: answers._Loading) -> object:
        if loading is store:  # not the store compared with
            pending.append(len(ahead._answered))
        return made(loading)

    monkeypatch.setattr(answers._Loading, "_new", new)
    with answers._Ahead(store, ordered, rounds=True) as ahead:
        for job in ordered:
            assert ahead.lines(store, job) == answers._lines(whole, job), job.name
    assert pending and not any(pending), pending  # nothing ahead when a store was made


def test_answers_in_rounds_are_the_answers_of_one_store(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "IN_PROCESS", 0)  # in the answers child
    whole = _built(records, tmp_path / "whole" / "dist", 10**9)
    counted_whole, on_disk = whole.reused["answers store"]
    assert not on_disk and "answers rounds" not in whole.reused
    bound = _tightest(_source_counts(whole.published.folder))
    assert bound < counted_whole
    rounded = _built(records, tmp_path / "rounds" / "dist", bound)
    assert rounded.reused["answers store"] == (counted_whole, 0)
    assert rounded.reused["answers rounds"][0] > 1
    assert rounded.published.build_id == whole.published.build_id
    assert answer_files(rounded.published.folder) == answer_files(whole.published.folder)
    # One below: the largest fact or query does not fit by itself, so the store is on disk.
    below = _built(records, tmp_path / "disk" / "dist", bound - 1)
    assert below.reused["answers store"] == (counted_whole, 1)
    assert "answers rounds" not in below.reused
    assert below.published.build_id == whole.published.build_id

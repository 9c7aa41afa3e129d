"""Rendering and writing planned synthetic records: each plan becomes a project record, written
as the importers write theirs, here or in worker processes."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Callable, Sequence
from decimal import Decimal

from projectgraph.files import write_atomic
from projectgraph.importers.record import Organisation, Partner, ProjectRecord, record_turtle
from projectgraph.rdf.vocab import EURIO
from projectgraph.synth.draws import add_months
from projectgraph.synth.plan import Context, ProjectPlan


class Renderer:
    """Turns plans into records and writes them; keeps the pool's organisations made once."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.organisations: dict[int, Organisation] = {}

    def organisation(self, index: int) -> Organisation:
        found = self.organisations.get(index)
        if found is None:
            o = self.context.pool[index]
            found = Organisation(
                slug=o.slug,
                name=o.name,
                country=self.context.countries[o.country],
                region=self.context.regions[o.region] if o.region >= 0 else None,
                cluster=o.cluster,
                identifier=o.identifier,
            )
            self.organisations[index] = found
        return found

    def record(self, plan: ProjectPlan) -> ProjectRecord:
        c = self.context
        partners = []
        for index, role in plan.partners:
            concept, function = c.roles[role]
            partners.append(Partner(self.organisation(index), concept, function))
        countries = len({self.organisation(i).country for i, _ in plan.partners})
        lead = self.organisation(plan.partners[0][0]).name
        subject = plan.title.split(" for ", 1)[0].lower()
        if len(partners) == 1:
            abstract = f"{plan.acronym} is a single-beneficiary grant to {lead} for {subject}."
        else:
            abstract = (
                f"{plan.acronym} brings together {len(partners)} organisations from "
                f"{countries} {'country' if countries == 1 else 'countries'}, led by {lead}, "
                f"to develop {subject}."
            )
        total = Decimal(plan.total_cents).scaleb(-2)
        contribution = Decimal(plan.contribution_cents).scaleb(-2)
        return ProjectRecord(
            acronym=plan.acronym,
            title=plan.title,
            programme=c.programmes[plan.programme],
            start=plan.start,
            end=add_months(plan.start, plan.months) - dt.timedelta(days=1),
            total_cost=total,
            eu_contribution=contribution,
            texts={str(EURIO.abstract): abstract},
            topics=[c.topics[t] for t in plan.topics],
            partners=partners,
            source=c.source,
        )

    def write(self, plans: Sequence[ProjectPlan]) -> int:
        """Write the records of ``plans``; the number of files written (not unchanged)."""
        written = 0
        for plan in plans:
            record = self.record(plan)
            header = self.context.header.replace("{acronym}", plan.acronym)
            data = record_turtle(record, self.context.base_iri, header)
            path = self.context.out / f"{record.slug}.ttl"
            try:
                if path.read_bytes() == data:
                    continue
            except FileNotFoundError:
                pass
            # No fsync per file (it was 40 % of the time, 1-2 ms a file): synthetic records can
            # be made again, and a run after a crash rewrites every file not as planned.
            write_atomic(path, data, durable=False)
            written += 1
        return written


def write_all(
    context: Context,
    chunks: list[list[ProjectPlan]],
    workers: int,
    progress: Callable[[int], None] | None,
) -> int:
    """Write every chunk, here or in ``workers`` processes; the number of files written.

    Workers are forked where the platform can (they start at once, with the context already
    in memory, and need no ``if __name__ == "__main__"`` guard in the caller's main module);
    they only render and write files, never print or take the parent's locks, so forking a
    parent whose progress display runs a thread is safe. Elsewhere they are spawned.
    """
    written = 0
    if workers == 1 or len(chunks) == 1:
        renderer = Renderer(context)
        for chunk in chunks:
            written += renderer.write(chunk)
            if progress:
                progress(len(chunk))
        return written
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    processes = multiprocessing.get_context(method)
    with processes.Pool(min(workers, len(chunks)), _init_worker, (context,)) as pool:
        for done, count in pool.imap_unordered(_write_chunk, chunks):
            written += done
            if progress:
                progress(count)
    return written


_WORKER: Renderer | None = None


def _init_worker(context: Context) -> None:
    """Make the renderer of a worker process (once: the pool is large)."""
    global _WORKER
    _WORKER = Renderer(context)


def _write_chunk(plans: list[ProjectPlan]) -> tuple[int, int]:
    """In a worker: write ``plans``; (files written, records done)."""
    assert _WORKER is not None, "the worker was not initialised"
    return _WORKER.write(plans), len(plans)

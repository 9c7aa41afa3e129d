"""What one build keeps in memory for the next build in the same process (``build --watch``).

A build from the command line reads every source's preparation and the partition back from
the build cache, 4 s of a one-record rebuild at 100,000 projects. A process that builds again
and again keeps the last build's instead. Each is taken only where the cache would give the
same: a preparation by its source's key and fingerprint (what it was made from), the
partition for the same sources with the same check that it still holds
(:func:`~projectgraph.build.partition.unchanged`). So a build with this state publishes the
same bytes as one without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from projectgraph.build.partition import Partition
from projectgraph.build.prepare import Prepared
from projectgraph.publish.answers import Warm

# Each chunk of shared descriptions' part: its subjects, cache key and fingerprint.
SharedParts = list[tuple[list[str], str, str]]
T = TypeVar("T")


@dataclass
class OfPartition(Generic[T]):
    """Something a build made of one partition object in one context: given back only for
    the same object (so the same units and shared descriptions) and the same context."""

    made: tuple[Partition, str, T] | None = None

    def get(self, partition: Partition, context: str) -> T | None:
        """What was made of ``partition`` in ``context``, if this was."""
        if self.made is None or self.made[0] is not partition or self.made[1] != context:
            return None
        return self.made[2]

    def keep(self, partition: Partition, context: str, value: T) -> None:
        """Keep ``value``, made of ``partition`` in ``context``, in place of the last."""
        self.made = (partition, context, value)


@dataclass
class Resident:
    """What the last build kept for the next build of the process."""

    # Each preparation by (source key, fingerprint): the last build's only, so a source
    # edited again and again does not pile up its old versions.
    prepared: dict[tuple[str, str], Prepared] = field(default_factory=dict)
    # The partition of the last build, with its sources (kind and key, in order) and the
    # fingerprints it was checked against, as BuildCache.partition gives them.
    partition: tuple[list[str], list[str], Partition] | None = None
    # Made of that partition: the validation units' fingerprints by their members'
    # fingerprints (see unit_fingerprints), and the dump parts' by source fingerprint (with
    # the subjects each leaves to the shared parts) and the shared parts' (see DumpParts).
    unit_prints: OfPartition[dict[tuple[str, ...], str]] = field(default_factory=OfPartition)
    part_prints: OfPartition[tuple[dict[str, tuple[frozenset[str], str]], SharedParts]] = field(
        default_factory=OfPartition
    )
    # The answers process of the last build, with its store (see Warm).
    answers: Warm = field(default_factory=Warm)

    def preparations(self, sources: Sequence[tuple[str, str | None]]) -> list[Prepared | None]:
        """The kept preparation of each (key, fingerprint), None where there is none."""
        return [None if fp is None else self.prepared.get((key, fp)) for key, fp in sources]

    def keep_preparations(self, prepared: Sequence[Prepared]) -> None:
        """Keep ``prepared`` (a whole build's) in place of the last build's."""
        self.prepared = {(p.key, p.fingerprint): p for p in prepared}

    def kept_partition(self, sources: list[str]) -> tuple[list[str], Partition] | None:
        """The last partition, with the fingerprints it holds for, if of the same sources."""
        if self.partition is None or self.partition[0] != sources:
            return None
        return self.partition[1], self.partition[2]

    def keep_partition(self, sources: list[str], prints: list[str], parts: Partition) -> None:
        """Keep the partition a build used, of ``sources`` with fingerprints ``prints``."""
        self.partition = (sources, prints, parts)

    def close(self) -> None:
        """Stop what is kept running (the answers process)."""
        self.answers.close()

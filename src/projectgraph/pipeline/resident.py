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

from projectgraph.build.partition import Partition
from projectgraph.build.prepare import Prepared
from projectgraph.publish.answers import Warm

# Each chunk of shared descriptions' part: its subjects, cache key and fingerprint.
SharedParts = list[tuple[list[str], str, str]]


@dataclass
class Resident:
    """What the last build kept for the next build of the process."""

    # Each preparation by (source key, fingerprint): the last build's only, so a source
    # edited again and again does not pile up its old versions.
    prepared: dict[tuple[str, str], Prepared] = field(default_factory=dict)
    # The partition of the last build, with its sources (kind and key, in order) and the
    # fingerprints it was checked against, as BuildCache.partition gives them.
    partition: tuple[list[str], list[str], Partition] | None = None
    # Made from that partition and a context (see unit_prints and part_prints): the same
    # object, so the same units and shared descriptions.
    units: tuple[Partition, str, dict[tuple[str, ...], str]] | None = None
    parts: tuple[Partition, str, dict[str, tuple[frozenset[str], str]], SharedParts] | None = None
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

    def unit_prints(self, partition: Partition, context: str) -> dict[tuple[str, ...], str]:
        """The units' fingerprints the last build made, by their members' fingerprints, if
        made of ``partition`` (the same object) in ``context``; else none."""
        if self.units is None or self.units[0] is not partition or self.units[1] != context:
            return {}
        return self.units[2]

    def keep_unit_prints(
        self, partition: Partition, context: str, prints: dict[tuple[str, ...], str]
    ) -> None:
        """Keep the units' fingerprints a build made of ``partition`` in ``context``."""
        self.units = (partition, context, prints)

    def part_prints(
        self, partition: Partition, context: str
    ) -> tuple[dict[str, tuple[frozenset[str], str]], SharedParts | None]:
        """The dump parts' fingerprints the last build made, by source fingerprint (with the
        subjects each left to the shared parts), and its shared parts' keys and fingerprints,
        if made of ``partition`` (the same object) in ``context``; else none."""
        if self.parts is None or self.parts[0] is not partition or self.parts[1] != context:
            return {}, None
        return self.parts[2], self.parts[3]

    def keep_part_prints(
        self,
        partition: Partition,
        context: str,
        by_source: dict[str, tuple[frozenset[str], str]],
        shared: SharedParts,
    ) -> None:
        """Keep the dump parts' fingerprints a build made of ``partition`` in ``context``."""
        self.parts = (partition, context, by_source, shared)

    def close(self) -> None:
        """Stop what is kept running (the answers process)."""
        self.answers.close()

"""The plan of a synthetic data set: the organisation pool and, for every project, who takes part
with which role and every value of its record, all drawn in order from one random generator
(see :mod:`projectgraph.synth.distributions` for the tables they follow)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass
from pathlib import Path

from projectgraph.errors import ProjectGraphError
from projectgraph.importers.record import SourceInput, organisation_slug
from projectgraph.importers.reference import Concept, Reference
from projectgraph.synth.distributions import (
    CLUSTER_SHARES,
    CONSORTIUM_LOG_MU,
    CONSORTIUM_LOG_SIGMA,
    CONSORTIUM_MIN,
    CONSORTIUM_PROGRAMME_WEIGHTS,
    COST_MEDIANS,
    COST_SIGMAS,
    COUNTRY_WEIGHTS,
    DEFAULT_START_YEARS,
    DURATION_WEIGHTS,
    HEAD_KINDS,
    HEAD_SHARE,
    HORIZON_RATES,
    INTERREG_RATE,
    MAX_COST,
    MAX_PARTNERS,
    MIN_COST,
    MIN_POOL,
    POOL_PER_PROJECT,
    REGION_SHARE,
    ROLE_FUNCTIONS,
    ROLE_SHARES,
    SINGLE_PROGRAMME_WEIGHTS,
    SINGLE_SHARE,
    START_YEARS,
    TAIL_KINDS,
    TOPIC_COUNT_WEIGHTS,
    items,
    zipf_weights,
)
from projectgraph.synth.words import acronym, organisation_name, title


class SynthError(ProjectGraphError):
    """The synthetic data set cannot be made with these arguments."""


@dataclass(frozen=True, slots=True)
class PoolOrganisation:
    """One organisation of the shared pool: indices into the context's concept lists."""

    slug: str
    name: str
    identifier: str
    country: int
    region: int  # -1: none
    cluster: bool | None


@dataclass(frozen=True, slots=True)
class ProjectPlan:
    """Everything about project k that its record needs, decided in the parent."""

    acronym: str
    title: str
    programme: int
    start: dt.date
    months: int
    total_cents: int
    contribution_cents: int
    topics: tuple[int, ...]
    partners: tuple[tuple[int, int], ...]  # (pool index, role index), the coordinator first


@dataclass(frozen=True)
class Context:
    """What rendering needs besides the plans; sent once to each worker."""

    out: Path
    base_iri: str
    header: str  # with {acronym} to fill in
    source: SourceInput
    programmes: tuple[Concept, ...]
    roles: tuple[tuple[Concept, str], ...]  # role concept, function as written
    topics: tuple[Concept, ...]
    countries: tuple[Concept, ...]
    regions: tuple[Concept, ...]
    pool: tuple[PoolOrganisation, ...]


def plan(
    reference: Reference,
    base_iri: str,
    out: Path,
    projects: int,
    seed: int,
    source: SourceInput,
    header: str,
) -> tuple[Context, list[ProjectPlan]]:
    """The context (with the records' ``source`` and ``header``) and the plan of every
    project, from one random generator."""
    rng = random.Random(seed)
    places = _places(reference)
    programmes = tuple(sorted(reference.programmes.concepts.values(), key=lambda c: c.iri))
    if not programmes:
        raise SynthError(f"the reference data ({reference.base}) has no programmes")
    topics = tuple(sorted(reference.topics.concepts.values(), key=lambda c: c.iri))
    roles, choices = _roles(reference)
    pool = _pool(rng, max(MIN_POOL, round(POOL_PER_PROJECT * projects)), seed, places)
    cumulative = list(itertools.accumulate(zipf_weights(len(pool))))
    ranks = range(len(pool))
    slugs = [_programme_slug(p) for p in programmes]
    single_weights = _weights(slugs, SINGLE_PROGRAMME_WEIGHTS, horizon_only=True)
    consortium_weights = _weights(slugs, CONSORTIUM_PROGRAMME_WEIGHTS, horizon_only=False)
    topic_counts, topic_count_weights = items(TOPIC_COUNT_WEIGHTS)
    durations = {kind: items(table) for kind, table in DURATION_WEIGHTS.items()}
    rates, rate_weights = items(HORIZON_RATES)
    plans: list[ProjectPlan] = []
    for k in range(projects):
        single = rng.random() < SINGLE_SHARE
        if single:
            size = 1
        else:
            extra = round(rng.lognormvariate(CONSORTIUM_LOG_MU, CONSORTIUM_LOG_SIGMA))
            size = min(MAX_PARTNERS, CONSORTIUM_MIN + extra)
        size = min(size, len(pool))
        weights = single_weights if single else consortium_weights
        programme = rng.choices(range(len(programmes)), weights=weights)[0]
        slug = slugs[programme]
        family = _family(slug)
        members = _draw_members(rng, ranks, cumulative, size)
        choice = choices[family]
        partners = [(members[0], choice.coordinator)]
        for member in members[1:]:
            partners.append((member, rng.choices(choice.others, weights=choice.weights)[0]))
        kind = "single" if single else family
        first, last = START_YEARS.get(slug, DEFAULT_START_YEARS)
        start = dt.date(rng.randint(first, last), rng.randint(1, 12), 1)
        months = rng.choices(durations[kind][0], weights=durations[kind][1])[0]
        median = COST_MEDIANS[kind] * (size if kind == "horizon" else 1)
        cost = rng.lognormvariate(math.log(median), COST_SIGMAS[kind])
        total_cents = round(min(MAX_COST, max(MIN_COST, cost)) * 100)
        if family == "interreg":
            rate = INTERREG_RATE
        elif single:
            rate = 100
        else:
            rate = rng.choices(rates, weights=rate_weights)[0]
        count = rng.choices(topic_counts, weights=topic_count_weights)[0]
        chosen = sorted(rng.sample(range(len(topics)), min(count, len(topics))))
        plans.append(
            ProjectPlan(
                acronym=acronym(rng, k),
                title=title(rng),
                programme=programme,
                start=start,
                months=months,
                total_cents=total_cents,
                contribution_cents=total_cents * rate // 100,
                topics=tuple(chosen),
                partners=tuple(partners),
            )
        )
    context = Context(
        out=out,
        base_iri=base_iri,
        header=header,
        source=source,
        programmes=programmes,
        roles=roles,
        topics=topics,
        countries=places.countries,
        regions=places.regions,
        pool=pool,
    )
    return context, plans


@dataclass(frozen=True)
class _Places:
    """The countries organisations are drawn from, with their weights and ISO codes, and the
    reference regions (with the indices of each country's)."""

    countries: tuple[Concept, ...]
    weights: list[float]
    codes: list[str]  # ISO 3166-1 alpha-2, as the keys of COUNTRY_WEIGHTS
    regions: tuple[Concept, ...]
    regions_of: list[list[int]]


def _places(reference: Reference) -> _Places:
    """The weighted countries the reference table has, and the reference regions."""
    countries: list[Concept] = []
    weights: list[float] = []
    codes: list[str] = []
    for iso2, weight in COUNTRY_WEIGHTS.items():
        concept = reference.country(iso2)
        if concept is not None and concept not in countries:
            countries.append(concept)
            weights.append(weight)
            codes.append(iso2)
    if not countries:
        raise SynthError(
            "the reference countries table has none of the countries synthetic organisations "
            f"are drawn from ({', '.join(COUNTRY_WEIGHTS)})"
        )
    regions = _small_regions(reference)
    regions_of = [[j for j, r in enumerate(regions) if r.country == c.iri] for c in countries]
    return _Places(tuple(countries), weights, codes, regions, regions_of)


def _small_regions(reference: Reference) -> tuple[Concept, ...]:
    """The real NUTS regions organisations are placed in: the deepest level of the newest NUTS
    version the reference data has at that level (NUTS 3 of 2024: 1,333 regions), as CORDIS
    places its participants."""
    concepts = list(reference.regions.concepts.values())
    if not concepts:
        return ()
    deepest = max(c.level for c in concepts)
    at_level = [c for c in concepts if c.level == deepest]
    newest = max((v for c in at_level for v in c.versions), default=None)
    chosen = [c for c in at_level if newest is None or newest in c.versions]
    return tuple(sorted(chosen, key=lambda c: c.iri))


@dataclass(frozen=True)
class _RoleChoice:
    """The roles of one programme family, as indices into the context's roles."""

    coordinator: int
    others: list[int]  # the usual role first
    weights: list[float]


def _roles(
    reference: Reference,
) -> tuple[tuple[tuple[Concept, str], ...], dict[str, _RoleChoice]]:
    """The roles used (concept and function as written) and, per programme family, the
    coordinator's and the choices for the other partners."""
    roles: list[tuple[Concept, str]] = []
    choices: dict[str, _RoleChoice] = {}

    def slot(notation: str, family: str) -> int | None:
        concept = reference.roles.find(notation)
        if concept is None:
            return None
        entry = (concept, ROLE_FUNCTIONS[family][notation])
        if entry not in roles:
            roles.append(entry)
        return roles.index(entry)

    for family, main, fallback in (
        ("horizon", "participant", "partner"),
        ("interreg", "partner", "participant"),
    ):
        coordinator = slot("coordinator", family)
        if coordinator is None:
            raise SynthError("the reference roles table has no coordinator role")
        usual = slot(main, family)
        usual = usual if usual is not None else slot(fallback, family)
        if usual is None:
            raise SynthError("the reference roles table has neither a partner nor a participant")
        others, weights = [usual], [1.0]
        for notation, share in ROLE_SHARES[family].items():
            index = slot(notation, family)
            if index is not None:
                others.append(index)
                weights.append(share)
                weights[0] -= share
        choices[family] = _RoleChoice(coordinator, others, weights)
    return tuple(roles), choices


def _pool(
    rng: random.Random,
    size: int,
    seed: int,
    places: _Places,
) -> tuple[PoolOrganisation, ...]:
    """The shared organisations, most popular first, each with fixed fields."""
    cluster_values, cluster_weights = items(CLUSTER_SHARES)
    head_kinds, head_weights = items(HEAD_KINDS)
    tail_kinds, tail_weights = items(TAIL_KINDS)
    head = max(1, round(HEAD_SHARE * size))
    countries = range(len(places.countries))
    names: set[str] = set()
    pool: list[PoolOrganisation] = []
    for i in range(size):
        country = rng.choices(countries, weights=places.weights)[0]
        region = -1
        if places.regions_of[country] and rng.random() < REGION_SHARE:
            region = rng.choice(places.regions_of[country])
        cluster = rng.choices(cluster_values, weights=cluster_weights)[0]
        if i < head:  # the most popular are universities, institutes, ..., not clusters
            cluster = False if cluster else cluster
            kind = rng.choices(head_kinds, weights=head_weights)[0]
        elif cluster:
            kind = "cluster"
        else:
            kind = rng.choices(tail_kinds, weights=tail_weights)[0]
        name = organisation_name(rng, kind, places.codes[country], names)
        names.add(name)
        identifier = f"{seed}-{i + 1:06d}"
        pool.append(
            PoolOrganisation(
                slug=organisation_slug(name, identifier, "synth"),
                name=name,
                identifier=f"SYNTH-{identifier}",
                country=country,
                region=region,
                cluster=cluster,
            )
        )
    return tuple(pool)


def _draw_members(
    rng: random.Random, ranks: range, cumulative: list[float], size: int
) -> list[int]:
    """``size`` distinct pool indices, Zipf-weighted, in the order drawn."""
    members: list[int] = []
    seen: set[int] = set()
    for _ in range(20):
        for index in rng.choices(ranks, cum_weights=cumulative, k=size - len(members)):
            if index not in seen:
                seen.add(index)
                members.append(index)
        if len(members) == size:
            return members
    # A consortium nearly as large as a tiny pool: the rest in rank order.
    members += [r for r in ranks if r not in seen][: size - len(members)]
    return members


def _programme_slug(programme: Concept) -> str:
    return programme.iri.rstrip("/").rsplit("/", 1)[-1]


def _family(programme_slug: str) -> str:
    """Which rules a programme follows: Interreg's or (any other) Horizon's."""
    return "interreg" if "interreg" in programme_slug else "horizon"


def _weights(slugs: list[str], table: dict[str, float], *, horizon_only: bool) -> list[float]:
    """Weights of the reference programmes (in the order of ``slugs``) from ``table``: a
    programme neither weight table names gets the smallest weight of ``table``; with
    ``horizon_only``, Interreg programmes get none."""
    named = set(CONSORTIUM_PROGRAMME_WEIGHTS) | set(SINGLE_PROGRAMME_WEIGHTS)
    default = min(table.values())
    weights = []
    for slug in slugs:
        if horizon_only and _family(slug) == "interreg":
            weights.append(0.0)
        elif slug in table:
            weights.append(table[slug])
        else:
            weights.append(0.0 if slug in named else default)
    if not any(weights):  # e.g. a table of Interreg programmes only: single grants there too
        weights = [1.0] * len(slugs)
    return weights

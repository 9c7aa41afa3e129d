"""A synthetic build shaped like the real data, for benchmarks: the shipped project record
replicated until the graph has the wanted number of triples.

    python -m bench.synthetic --triples 1000000 --out /tmp/pg-synthetic [--seed 7]

The real build (``projectgraph build``) is made first; its reference and ontology graphs are
copied once, and the project graph K times. In copy *k* every IRI that contains the record's
slug (``clusters3``) gets a distinct slug (``p000123``), and so do the organisations, which
the real record names without the slug (``.../id/organisation/p000123-piedmont-region``); each
copy goes into its own named graph (``.../graph/data/projects/p000123``). A seeded random
generator varies, per copy, what aggregates look at: the partners' countries (drawn from the
EU authority countries of ``countries.ttl``, with a skewed distribution; a NUTS region is kept
only where the country did not change), the cluster-organisation flag, the budget (total cost
and EU co-financing rate), the start date and duration, and the topics. The same arguments
always give the same files.

The folder written holds ``projectgraph.nq``, ``build.json`` with the keys ``projectgraph
serve --no-build`` reads (``build_id``, ``triples``, ``quads``, ``graphs``), and the seed's
``context.jsonld`` and ``void.ttl``, so it can be served as it is, in memory or with
``--store``. The VoID file is the seed's as it is: its statistics describe the seed build,
not the copies (no benchmark reads them).
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import json
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import zstandard

from projectgraph.pipeline.run import build
from projectgraph.publish.manifest import CONTEXT, VOID_FILE
from projectgraph.settings import load_settings
from projectgraph.store.embedded import DATASET_DUMP
from projectgraph.synth.distributions import DURATION_WEIGHTS, zipf_weights

DUMP = "projectgraph.nq"
MANIFEST = "build.json"
COPIED = (CONTEXT, VOID_FILE)  # taken from the seed build as they are

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_CONCEPT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept")
EURIO = "http://data.europa.eu/s66#"
EURIO_COUNTRY = ox.NamedNode(EURIO + "Country")
EURIO_PROJECT = ox.NamedNode(EURIO + "Project")
PG = "https://w3id.org/projectgraph/ontology#"
# An organisation's country and region are on its site (<organisation#site>), and entailed as
# eurio:hasGeographicalLocation too.
COUNTRY_CODE = ox.NamedNode(PG + "country")
NUTS_CODE = ox.NamedNode(PG + "region")
LOCATION = ox.NamedNode(EURIO + "hasGeographicalLocation")
VALUE = ox.NamedNode(EURIO + "value")
START = ox.NamedNode(EURIO + "startDate")
END = ox.NamedNode(EURIO + "endDate")
DURATION = ox.NamedNode(EURIO + "duration")
SHORT_FORM = ox.NamedNode(EURIO + "shortForm")
SUBJECT = ox.NamedNode("http://purl.org/dc/terms/subject")
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")
XSD_DATE = ox.NamedNode(XSD + "date")
XSD_DECIMAL = ox.NamedNode(XSD + "decimal")
XSD_NON_NEGATIVE = ox.NamedNode(XSD + "nonNegativeInteger")

# The durations of Horizon consortia (months), drawn uniformly: a copy varies the seed project.
_DURATIONS = tuple(DURATION_WEIGHTS["horizon"])

COUNTRIES_GRAPH_SUFFIX = "/graph/data/reference/countries"
TOPICS_GRAPH_SUFFIX = "/graph/data/reference/topics"


@dataclass(frozen=True)
class SyntheticBuild:
    """A synthetic build folder and what a benchmark needs to know about it."""

    folder: Path
    manifest: dict[str, object]
    projects: tuple[str, ...]  # the project IRIs, in copy order

    @property
    def dump(self) -> Path:
        return self.folder / DUMP

    @property
    def triples(self) -> int:
        return int(self.manifest["triples"])  # type: ignore[call-overload]

    @property
    def quads(self) -> int:
        return int(self.manifest["quads"])  # type: ignore[call-overload]


def seed_build(root: Path, into: Path) -> Path:
    """Build the real data of the repository at ``root`` into ``into`` and return the build
    folder (it holds ``projectgraph.nq`` and ``build.json``)."""
    settings = load_settings(root, {"dist_dir": into})
    build(settings, quiet=True)
    return into.resolve()


@dataclass(frozen=True)
class _Template:
    """One project graph of the seed, ready to be copied."""

    graph: str
    slug: str  # the record's slug in IRIs: clusters3
    acronym: str  # its acronym in literals: CLUSTERS3
    quads: tuple[ox.Quad, ...]
    project: ox.NamedNode
    organisations: tuple[ox.NamedNode, ...]
    org_prefix: str  # {base}/id/organisation/


class _Copier:
    """Makes copy *k* of a project template, with its deterministic variations."""

    def __init__(
        self,
        template: _Template,
        countries: list[ox.NamedNode],
        topics: list[ox.NamedNode],
        seed: int,
    ) -> None:
        self.t = template
        self.topics = topics
        self.seed = seed
        # A skewed country distribution (a few countries take part much more than others:
        # the synthetic records' Zipf-like popularity), the same for every copy.
        order = list(countries)
        random.Random(seed).shuffle(order)
        self.countries = order
        self.weights = zipf_weights(len(order))
        self.original_country = {
            q.subject: q.object for q in template.quads if q.predicate == COUNTRY_CODE
        }
        iris = {
            term.value
            for q in template.quads
            for term in (q.subject, q.predicate, q.object, q.graph_name)
            if isinstance(term, ox.NamedNode)
        }
        self.renamed_iris = sorted(
            v
            for v in iris
            if template.slug in v or template.acronym in v or v.startswith(template.org_prefix)
        )
        self.renamed_literals = sorted(
            {
                q.object
                for q in template.quads
                if isinstance(q.object, ox.Literal)
                and (template.slug in q.object.value or template.acronym in q.object.value)
            },
            key=str,
        )

    def slug(self, k: int) -> str:
        return f"p{k:06d}"

    def copy(self, k: int) -> tuple[str, ox.NamedNode, list[ox.Quad]]:
        """The graph IRI, project IRI and quads of copy ``k``."""
        t = self.t
        rng = random.Random(self.seed * 1_000_003 + k)
        slug = self.slug(k)
        mapping: dict[object, object] = {}
        for value in self.renamed_iris:
            if t.slug in value or t.acronym in value:
                new = value.replace(t.slug, slug).replace(t.acronym, slug.upper())
            else:
                new = t.org_prefix + slug + "-" + value[len(t.org_prefix) :]
            mapping[ox.NamedNode(value)] = ox.NamedNode(new)
        for lit in self.renamed_literals:
            text = lit.value.replace(t.acronym, slug.upper()).replace(t.slug, slug)
            mapping[lit] = (
                ox.Literal(text, language=lit.language)
                if lit.language
                else (ox.Literal(text, datatype=lit.datatype))
            )

        # The variations: countries, cluster flags, budget, dates, topics.
        country = {
            org: rng.choices(self.countries, self.weights)[0] for org in self.original_country
        }
        cluster = {org: rng.random() < 0.75 for org in t.organisations}
        total = rng.randrange(400_000, 6_000_000)
        eu = round(total * rng.choice((0.75, 0.80, 0.85)))
        amounts = {"total-cost": total, "eu-contribution": eu}
        year, month = rng.randint(2008, 2023), rng.randint(1, 12)
        months = rng.choice(_DURATIONS)
        end_year, end_month = divmod(year * 12 + month - 1 + months - 1, 12)
        end_month += 1
        end_day = calendar.monthrange(end_year, end_month)[1]
        topics = rng.sample(self.topics, rng.randint(1, min(4, len(self.topics))))

        def term(x: object) -> object:
            return mapping.get(x, x)

        out: list[ox.Quad] = []
        for q in t.quads:
            s, p, o = q.subject, q.predicate, q.object
            moved = s in country and country[s] != self.original_country[s]
            if p == COUNTRY_CODE or (p == LOCATION and o == self.original_country.get(s)):
                o = country[s]
            elif p in (NUTS_CODE, LOCATION) and moved:
                continue  # the region belongs to the country the organisation no longer has
            elif p.value.endswith("#isClusterOrganisation") and s in cluster:
                o = ox.Literal("true" if cluster[s] else "false", datatype=XSD_BOOLEAN)
            elif s == t.project and p == SUBJECT:
                continue  # replaced by this copy's topics below
            elif s == t.project and p == START:
                o = ox.Literal(f"{year:04d}-{month:02d}-01", datatype=XSD_DATE)
            elif s == t.project and p == END:
                o = ox.Literal(f"{end_year:04d}-{end_month:02d}-{end_day:02d}", datatype=XSD_DATE)
            elif s == t.project and p == DURATION:
                o = ox.Literal(str(months), datatype=XSD_NON_NEGATIVE)
            elif isinstance(s, ox.NamedNode) and s.value.rsplit("#", 1)[-1] in amounts:
                amount = amounts[s.value.rsplit("#", 1)[-1]]
                if p == VALUE:
                    o = ox.Literal(f"{amount}.00", datatype=XSD_DECIMAL)
                elif p == RDFS_LABEL:
                    o = ox.Literal("€" + f"{amount:,}".replace(",", "."))
            out.append(ox.Quad(term(s), p, term(o), term(q.graph_name)))  # type: ignore[arg-type]
        graph = term(ox.NamedNode(t.graph))
        project = term(t.project)
        out.extend(ox.Quad(project, SUBJECT, topic, graph) for topic in topics)  # type: ignore[arg-type]
        return graph.value, project, out  # type: ignore[attr-defined,return-value]


def _templates(quads: list[ox.Quad], graphs: dict[str, dict[str, object]]) -> list[_Template]:
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        by_graph[q.graph_name.value].append(q)  # type: ignore[union-attr]
    templates = []
    for iri, info in sorted(graphs.items()):
        if info["kind"] != "project":
            continue
        own = by_graph[iri]
        slug = iri.rstrip("/").rsplit("/", 1)[-1]
        project = next(
            (q.subject for q in own if q.predicate == RDF_TYPE and q.object == EURIO_PROJECT),
            None,
        )
        if project is None:  # curated additions to a project: kept once, as they are
            continue
        acronym = next((q.object.value for q in own if q.predicate == SHORT_FORM), slug.upper())
        organisations = sorted(
            {
                q.subject
                for q in own
                if q.predicate == COUNTRY_CODE or "/id/organisation/" in q.subject.value
            },  # type: ignore[union-attr]
            key=str,
        )
        org_prefix = iri.split("/graph/", 1)[0] + "/id/organisation/"
        templates.append(
            _Template(
                graph=iri,
                slug=slug,
                acronym=acronym,
                quads=tuple(own),
                project=project,  # type: ignore[arg-type]
                organisations=tuple(o for o in organisations if isinstance(o, ox.NamedNode)),
                org_prefix=org_prefix,
            )
        )
    if not templates:
        raise ValueError("the seed build has no project graph to replicate")
    return templates


def _subjects_of_type(quads: list[ox.Quad], graph_suffix: str, cls: ox.NamedNode) -> list:
    return sorted(
        {
            q.subject
            for q in quads
            if q.graph_name.value.endswith(graph_suffix)  # type: ignore[union-attr]
            and q.predicate == RDF_TYPE
            and q.object == cls
        },
        key=str,
    )


def make(
    triples: int,
    out: Path,
    root: Path | None = None,
    seed: int = 7,
    seed_folder: Path | None = None,
) -> SyntheticBuild:
    """Write a synthetic build of at least ``triples`` distinct triples into ``out``."""
    root = root or Path.cwd()
    with tempfile.TemporaryDirectory(prefix="pg-seed-") as tmp:
        folder = seed_folder or seed_build(root, Path(tmp) / "seed")
        seed_manifest = json.loads((folder / MANIFEST).read_text())
        quads = list(ox.parse(path=folder / DUMP, format=ox.RdfFormat.N_QUADS))
        out.mkdir(parents=True, exist_ok=True)
        for name in COPIED:
            (out / name).write_bytes((folder / name).read_bytes())
    graphs_info: dict[str, dict[str, object]] = seed_manifest["graphs"]
    templates = _templates(quads, graphs_info)
    countries = _subjects_of_type(quads, COUNTRIES_GRAPH_SUFFIX, EURIO_COUNTRY)
    topics = _subjects_of_type(quads, TOPICS_GRAPH_SUFFIX, SKOS_CONCEPT)
    copiers = [_Copier(t, countries, topics, seed) for t in templates]
    project_graphs = {t.graph for t in templates}

    distinct: set[ox.Triple] = set()
    graphs: dict[str, dict[str, object]] = {}
    projects: list[str] = []
    count = 0

    def shared() -> Iterator[ox.Quad]:
        for q in quads:
            iri = q.graph_name.value  # type: ignore[union-attr]
            if iri not in project_graphs:
                yield q

    def everything() -> Iterator[ox.Quad]:
        nonlocal count
        for q in shared():
            iri = q.graph_name.value  # type: ignore[union-attr]
            info = graphs.setdefault(
                iri,
                {
                    "source": graphs_info[iri]["source"],
                    "kind": graphs_info[iri]["kind"],
                    "quads": 0,
                },
            )
            info["quads"] = int(info["quads"]) + 1  # type: ignore[call-overload]
            distinct.add(q.triple)
            count += 1
            yield q
        k = 0
        while len(distinct) < triples:
            copier = copiers[k % len(copiers)]
            graph, project, copy = copier.copy(k)
            graphs[graph] = {
                "source": f"{copier.slug(k)}.ttl",
                "kind": "project",
                "quads": len(copy),
            }
            projects.append(project.value)
            for q in copy:
                distinct.add(q.triple)
            count += len(copy)
            yield from copy
            k += 1

    dump = out / DUMP
    with dump.open("wb") as f:
        ox.serialize(everything(), output=f, format=ox.RdfFormat.N_QUADS)
    digest = hashlib.sha256()
    # The plain dump for the peers; the compressed one, as a build publishes it, for projectgraph.
    with (
        dump.open("rb") as plain,
        (out / DATASET_DUMP).open("wb") as packed,
        zstandard.ZstdCompressor().stream_writer(packed, closefd=False) as compressed,
    ):
        for block in iter(lambda: plain.read(1 << 20), b""):
            digest.update(block)
            compressed.write(block)
    manifest: dict[str, object] = {
        "build_id": digest.hexdigest()[:16],
        "base_iri": seed_manifest.get("base_iri"),
        "synthetic": {"seed": seed, "copies": len(projects), "from": seed_manifest["build_id"]},
        "triples": len(distinct),
        "quads": count,
        "graphs": dict(sorted(graphs.items())),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return SyntheticBuild(folder=out.resolve(), manifest=manifest, projects=tuple(projects))


def load(folder: Path) -> SyntheticBuild:
    """A synthetic build written earlier by :func:`make`."""
    manifest = json.loads((folder / MANIFEST).read_text())
    projects = []
    for iri, info in manifest["graphs"].items():
        if info["kind"] == "project":
            base, slug = iri.split("/graph/", 1)[0], iri.rsplit("/", 1)[-1]
            projects.append(f"{base}/id/project/{slug}")
    return SyntheticBuild(folder=folder.resolve(), manifest=manifest, projects=tuple(projects))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args()
    started = time.perf_counter()
    result = make(args.triples, args.out, root=args.root, seed=args.seed)
    print(
        f"{result.triples} triples, {result.quads} quads, {len(result.projects)} projects "
        f"in {len(result.manifest['graphs'])} graphs -> {result.dump} "  # type: ignore[arg-type]
        f"({time.perf_counter() - started:.1f} s)"
    )


if __name__ == "__main__":
    main()

"""The settings table: each field of :class:`Settings` declares one setting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from projectgraph.settings.declare import (
    CLIENTS,
    DATA,
    QUERIES,
    SERVER,
    Kind,
    Setting,
    check_base_iri,
    check_cluster,
    check_endpoints,
    check_graph,
    check_host_patterns,
    check_store,
    setting,
    trimmed,
)


@dataclass(frozen=True)
class DatasetInfo:
    """What VoID and DCAT say about the published dataset (``[dataset]`` in the TOML file)."""

    title: str = "projectgraph: EU cooperation projects"
    description: str = (
        "EU-funded cooperation projects, their partners, roles, regions, topics, events and "
        "publications, as linked data."
    )
    publisher_name: str = "projectgraph"
    publisher_url: str = "https://w3id.org/projectgraph"
    licence: str = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    issued: str = "2026-11-24"
    language: str = "http://publications.europa.eu/resource/authority/language/ENG"
    keywords: tuple[str, ...] = ("EU projects", "Interreg", "cluster policy", "regional policy")
    themes: tuple[str, ...] = (
        "http://publications.europa.eu/resource/authority/data-theme/REGI",
        "http://publications.europa.eu/resource/authority/data-theme/ECON",
    )


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Resolved settings: absolute paths, a normalised base IRI, checked limits.

    This class body is the settings table: each field whose metadata ``setting`` makes declares
    one setting (its name is the field's name). The other fields are derived or not settings.
    """

    root: Path  # the project folder: where projectgraph.toml is and relative paths start

    # Data and build
    base_iri: str = field(
        metadata=setting(
            Kind.TEXT,
            "https://w3id.org/projectgraph",
            "Canonical base IRI: resources are minted as {base}/id/{type}/{slug}.",
            DATA,
            flag="base-iri",
            check=check_base_iri,
            rule="an absolute http(s) IRI without query or fragment",
        )
    )
    ontology: Path = field(
        metadata=setting(Kind.PATH, "ontology/projectgraph.ttl", "The ontology file.", DATA)
    )
    context: Path = field(
        metadata=setting(
            Kind.PATH, "ontology/context.jsonld", "The JSON-LD context of the JSON-LD dump.", DATA
        )
    )
    shapes_dir: Path = field(
        metadata=setting(Kind.PATH, "shapes", "Folder of SHACL shape files (*.ttl).", DATA)
    )
    reference_dir: Path = field(
        metadata=setting(
            Kind.PATH,
            "data/reference",
            "Folder of reference data: roles, topics, countries, regions, programmes.",
            DATA,
        )
    )
    project_dirs: tuple[Path, ...] = field(
        metadata=setting(
            Kind.PATHS,
            ("data/projects", "data/curated"),
            "Folders of project records (one file per project, as imported) and of curated "
            "statements about them.",
            DATA,
        )
    )
    dist_dir: Path = field(
        metadata=setting(
            Kind.PATH,
            "dist",
            "Where the build publishes dumps (a link to the current build).",
            DATA,
            flag="dist",
            rule="not the project folder",
        )
    )
    queries_dir: Path = field(
        metadata=setting(Kind.PATH, "queries", "Folder of named SPARQL queries (*.rq).", DATA)
    )
    answers_memory_triples: int = field(
        metadata=setting(
            Kind.INT,
            25_000_000,
            "The named queries' answers and the search index are made from the triples they "
            "read loaded in memory (about 400 bytes for each one counted), at most this many "
            "at a time (a description several records share counts once per record: "
            "synthetic data counts 7.6 million of its 14.8 million quads at 100,000 "
            "projects). When they pass it together, the store is loaded in rounds, each with "
            "what the next search facts or queries read (one pass over the graph each); when "
            "one fact or query by itself passes it, they go into a temporary on-disk store "
            "instead, several times slower (0: always on disk). The answers are the same "
            "bytes either way.",
            DATA,
            low=0,
            high=10_000_000_000,
        )
    )
    cluster: str = field(
        metadata=setting(
            Kind.TEXT,
            "",
            "Address of a Dask scheduler (tcp://host:8786) whose workers run the stages of "
            "build and validate (docs/cluster.md); empty: processes on this machine.",
            DATA,
            flag="cluster",
            check=check_cluster,
            rule="a Dask scheduler address such as tcp://host:8786 (a host alone: port 8786)",
        )
    )

    # Server
    host: str = field(
        metadata=setting(
            Kind.TEXT, "127.0.0.1", "Address the server listens on.", SERVER, flag="host"
        )
    )
    port: int = field(
        metadata=setting(
            Kind.INT, 8000, "Port the server listens on.", SERVER, low=1, high=65535, flag="port"
        )
    )
    trusted_proxies: tuple[str, ...] = field(
        metadata=setting(
            Kind.TEXTS,
            ("127.0.0.1", "::1"),
            "Proxies whose X-Forwarded-Host/Proto/Prefix headers are believed.",
            SERVER,
            check=trimmed,
        )
    )
    allowed_hosts: tuple[str, ...] = field(
        metadata=setting(
            Kind.TEXTS,
            (),
            "Host names the server answers for, such as data.example.org or *.example.org "
            "(empty: any). Others get 400: links are written for the host asked.",
            SERVER,
            check=check_host_patterns,
            rule="host names or *.domain, read lower-cased",
        )
    )
    store: Path | None = field(
        metadata=setting(
            Kind.TEXT,
            "",
            "Folder of the on-disk Oxigraph store, reused across restarts, or the http(s) URL of a "
            "remote SPARQL store's query endpoint (see publish); empty: in memory up to "
            "memory_store_triples, else on disk in .{dist}-store beside the dist folder.",
            SERVER,
            flag="store",
            check=check_store,
            rule="a folder or an http(s) URL with a host",
        )
    )
    memory_store_triples: int = field(
        metadata=setting(
            Kind.INT,
            250_000,
            "With no store given: a build of up to this many triples is loaded in memory by each "
            "worker at every start; a larger one goes into an on-disk store beside the dist "
            "folder, loaded once, opened in milliseconds by every worker and restart (0: always "
            "on disk).",
            SERVER,
            low=0,
            high=10_000_000_000,
        )
    )
    store_url: str | None = None  # derived: a remote store's query endpoint (then store is None)
    store_graph: str = field(
        metadata=setting(
            Kind.TEXT,
            "",
            "With a remote store: the dataset graph whose pointer names each build's version graph "
            "(empty: {base_iri}/graph/published).",
            SERVER,
            flag="graph",
            check=check_graph,
            rule="an absolute http(s) or urn IRI",
        )
    )
    page_size: int = field(
        metadata=setting(
            Kind.INT,
            100,
            "Entries a page of the site lists: the links to a resource on its page and in its "
            "data document (a country's organisations), and the resources of a browse list.",
            SERVER,
            low=1,
            high=10_000,
        )
    )

    # Queries
    workers: int = field(
        metadata=setting(
            Kind.INT,
            2,
            "Query worker processes (each runs one query at a time).",
            QUERIES,
            low=1,
            high=256,
            flag="workers",
        )
    )
    max_queued: int = field(
        metadata=setting(
            Kind.INT,
            100,
            "Queries that may wait for a busy worker; more are refused at once (503, Retry-After).",
            QUERIES,
            low=0,
            high=100_000,
        )
    )
    worker_memory: int = field(
        metadata=setting(
            Kind.INT,
            4096,
            "MiB a query may take in its worker beyond the open store (0: no limit); past it 503.",
            QUERIES,
            low=0,
            high=10_000_000,
        )
    )
    service_allow: tuple[str, ...] = field(
        metadata=setting(
            Kind.TEXTS,
            (),
            "SPARQL endpoints a query may call with SERVICE; empty: SERVICE is refused and the "
            "query workers have no network at all.",
            QUERIES,
            check=lambda values: check_endpoints(trimmed(values)),
            rule="absolute http(s) IRIs",
        )
    )
    query_timeout: float = field(
        metadata=setting(
            Kind.FLOAT,
            30.0,
            "Seconds a query may run before it is stopped (503).",
            QUERIES,
            low=0.001,
            high=86_400,
            flag="timeout",
        )
    )
    max_query_length: int = field(
        metadata=setting(
            Kind.INT,
            100_000,
            "Longest query text accepted, in characters.",
            QUERIES,
            low=1,
            high=100_000_000,
            flag="max-query-length",
        )
    )
    max_rows: int = field(
        metadata=setting(
            Kind.INT,
            10_000,
            "Most rows a SELECT returns (0: no limit); cuts are signalled.",
            QUERIES,
            low=0,
            high=1_000_000_000,
            flag="max-rows",
        )
    )

    # Clients and cache
    access_log: bool = field(
        metadata=setting(
            Kind.BOOL,
            True,
            "Log each request as one JSON line (time, client, path, status, bytes, ms, query_ms).",
            CLIENTS,
        )
    )
    rate_limit: float = field(
        metadata=setting(
            Kind.FLOAT,
            20.0,
            "Requests per second one client may make after its burst (0: no limit); more get 429.",
            CLIENTS,
            low=0,
            high=1_000_000,
        )
    )
    rate_burst: int = field(
        metadata=setting(
            Kind.INT,
            100,
            "Requests one client may make at once before the rate applies.",
            CLIENTS,
            low=1,
            high=1_000_000,
        )
    )
    rate_limit_loopback: bool = field(
        metadata=setting(
            Kind.BOOL,
            False,
            "Also limit loopback clients (off: local development and a local proxy are not "
            "limited).",
            CLIENTS,
        )
    )
    retry_after: int = field(
        metadata=setting(
            Kind.INT,
            5,
            "Seconds a refused client is told to wait (Retry-After of 503/429).",
            CLIENTS,
            low=1,
            high=86_400,
        )
    )
    cache_entries: int = field(
        metadata=setting(
            Kind.INT,
            512,
            "Named-query results kept in memory per server process (0: no cache).",
            CLIENTS,
            low=0,
            high=10_000_000,
        )
    )
    cache_megabytes: int = field(
        metadata=setting(
            Kind.INT,
            64,
            "Memory the cached named-query results may take, in MiB.",
            CLIENTS,
            low=0,
            high=1_000_000,
        )
    )

    dataset: DatasetInfo = field(default_factory=DatasetInfo)
    # where each setting's value came from: default, the TOML file, a variable, a flag
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)


SETTINGS: tuple[Setting, ...] = tuple(
    replace(f.metadata["setting"], name=f.name) for f in fields(Settings) if "setting" in f.metadata
)
BY_NAME = {s.name: s for s in SETTINGS}

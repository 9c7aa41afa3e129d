"""One settings object for every command, read once and passed down explicitly.

Each setting is declared once in :data:`SETTINGS` (name, default, help). Values come from, in
increasing priority: the defaults, ``projectgraph.toml`` in the project root, environment
variables ``PROJECTGRAPH_<NAME>``, and command-line flags. The ``[dataset]`` table of the TOML
file describes the published dataset (title, licence, publisher, ...) for VoID and DCAT.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from projectgraph.errors import SettingsError
from projectgraph.rdf.vocab import normalise_base

CONFIG_FILE = "projectgraph.toml"
ENV_PREFIX = "PROJECTGRAPH_"


@dataclass(frozen=True)
class Setting:
    """The declaration of one setting."""

    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return ENV_PREFIX + self.name.upper()

    def cast(self, raw: str) -> Any:
        """Convert an environment variable's text to the setting's type."""
        if isinstance(self.default, tuple):
            return tuple(p for p in raw.split(",") if p)
        if isinstance(self.default, bool):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(self.default, int):
            return int(raw)
        if isinstance(self.default, float):
            return float(raw)
        return raw


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "base_iri",
        "https://w3id.org/projectgraph",
        "Canonical base IRI: resources are minted as {base}/id/{type}/{slug}.",
    ),
    Setting("ontology", "ontology/projectgraph.ttl", "The ontology file."),
    Setting("context", "ontology/context.jsonld", "The JSON-LD context of the JSON-LD dump."),
    Setting("shapes_dir", "shapes", "Folder of SHACL shape files (*.ttl)."),
    Setting(
        "reference_dir",
        "data/reference",
        "Folder of reference data: roles, topics, countries, regions, programmes.",
    ),
    Setting(
        "project_dirs",
        ("data/projects", "data/curated"),
        "Folders of project records (one file per project, as imported) and of curated "
        "statements about them (comma-separated in env).",
    ),
    Setting("dist_dir", "dist", "Where the build publishes dumps (a link to the current build)."),
    Setting("queries_dir", "queries", "Folder of named SPARQL queries (*.rq)."),
    Setting("host", "127.0.0.1", "Address the server listens on."),
    Setting("port", 8000, "Port the server listens on."),
    Setting(
        "trusted_proxies",
        ("127.0.0.1", "::1"),
        "Proxies whose X-Forwarded-Host/Proto/Prefix headers are believed (comma-separated).",
    ),
    Setting(
        "allowed_hosts",
        (),
        "Host names the server answers for, such as data.example.org or *.example.org "
        "(comma-separated; empty: any). Others get 400: links are written for the host asked.",
    ),
    Setting(
        "store",
        "",
        "Folder of the on-disk Oxigraph store, or the http(s) URL of a remote SPARQL store's "
        "query endpoint; empty: an in-memory store loaded at start.",
    ),
    Setting(
        "store_graph",
        "",
        "The dataset graph in a remote store, whose pointer names each build's version graph "
        "(default: <base IRI>/graph/published).",
    ),
    Setting("workers", 2, "Query worker processes (each runs one query at a time)."),
    Setting(
        "max_queued",
        100,
        "Queries that may wait for a busy worker; more are refused at once (503, Retry-After).",
    ),
    Setting(
        "worker_memory",
        4096,
        "MiB a query may take in its worker beyond the open store (0: no limit); past it 503.",
    ),
    Setting(
        "service_allow",
        (),
        "SPARQL endpoints a query may call with SERVICE (comma-separated in env); empty: SERVICE "
        "is refused and the query workers have no network at all.",
    ),
    Setting(
        "access_log",
        True,
        "Log each request as one JSON line (time, client, path, status, bytes, ms, query_ms).",
    ),
    Setting(
        "rate_limit",
        20.0,
        "Requests per second one client may make after its burst (0: no limit); more get 429.",
    ),
    Setting("rate_burst", 100, "Requests one client may make at once before the rate applies."),
    Setting(
        "rate_limit_loopback",
        False,
        "Also limit loopback clients (off: local development and a local proxy are not limited).",
    ),
    Setting("retry_after", 5, "Seconds a refused client is told to wait (Retry-After of 503/429)."),
    Setting("query_timeout", 30.0, "Seconds a query may run before it is stopped (503)."),
    Setting("max_query_length", 100_000, "Longest query text accepted, in characters."),
    Setting("max_rows", 10_000, "Most rows a SELECT returns (0: no limit); cuts are signalled."),
    Setting(
        "cache_entries",
        512,
        "Named-query results kept in memory per server process (0: no cache).",
    ),
    Setting("cache_megabytes", 64, "Bytes of named-query results kept, in MiB, at most."),
)
_BY_NAME = {s.name: s for s in SETTINGS}
_PATH_SETTINGS = ("ontology", "context", "shapes_dir", "reference_dir", "dist_dir", "queries_dir")


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


@dataclass(frozen=True)
class Settings:
    """Resolved settings: absolute paths, a normalised base IRI, checked limits."""

    root: Path
    base_iri: str
    ontology: Path
    context: Path
    shapes_dir: Path
    reference_dir: Path
    project_dirs: tuple[Path, ...]
    dist_dir: Path
    queries_dir: Path
    host: str
    port: int
    trusted_proxies: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    store: Path | None
    store_url: str | None  # a remote store's query endpoint (then ``store`` is None)
    store_graph: str
    workers: int
    max_queued: int
    worker_memory: int
    service_allow: tuple[str, ...]
    access_log: bool
    rate_limit: float
    rate_burst: int
    rate_limit_loopback: bool
    retry_after: int
    query_timeout: float
    max_query_length: int
    max_rows: int
    cache_entries: int
    cache_megabytes: int
    dataset: DatasetInfo = field(default_factory=DatasetInfo)


def load_settings(
    root: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings for the project at ``root`` (default: the working directory).

    ``overrides`` are command-line values; ``None`` values are ignored so unset flags fall
    through to the environment, the TOML file and the defaults.
    """
    root = (root or Path.cwd()).resolve()
    environ = os.environ if environ is None else environ
    toml = _read_toml(root / CONFIG_FILE)
    toml_settings = {k: v for k, v in toml.items() if k != "dataset"}
    unknown = set(toml_settings) - set(_BY_NAME)
    if unknown:
        raise SettingsError(
            f"{root / CONFIG_FILE}: unknown setting(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(_BY_NAME)}"
        )
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    for name, value in toml_settings.items():
        values[name] = _typed(name, value, _BY_NAME[name].default, root / CONFIG_FILE)
    for s in SETTINGS:
        if s.env in environ:
            try:
                values[s.name] = s.cast(environ[s.env])
            except ValueError:
                raise SettingsError(f"{s.env}={environ[s.env]!r} is not a valid {s.name}") from None
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})

    base = _check_base_iri(str(values["base_iri"]))
    paths = {name: _resolve(root, values[name]) for name in _PATH_SETTINGS}
    dist = paths["dist_dir"].absolute()
    if dist == root or dist in root.parents or str(values["dist_dir"]).strip() in ("", "."):
        raise SettingsError(
            f"dist_dir {values['dist_dir']!r} would replace the project folder itself"
        )
    project_dirs = values["project_dirs"]
    if isinstance(project_dirs, str | Path):
        project_dirs = (project_dirs,)
    store = str(values["store"] or "")
    store_url = store if re.match(r"https?://", store, re.IGNORECASE) else None
    if store_url:
        store = ""
    return Settings(
        root=root,
        base_iri=base,
        project_dirs=tuple(_resolve(root, p) for p in project_dirs),
        host=str(values["host"]),
        port=_bounded(values, "port", int, 1, 65535),
        trusted_proxies=tuple(str(p) for p in values["trusted_proxies"]),
        allowed_hosts=_host_patterns(values["allowed_hosts"]),
        store=_resolve(root, store) if store else None,
        store_url=check_url(store_url) if store_url else None,
        store_graph=_check_graph(
            str(values["store_graph"]) or f"{base.rstrip('/')}/graph/published"
        ),
        workers=_bounded(values, "workers", int, 1, 256),
        max_queued=_bounded(values, "max_queued", int, 0, 100_000),
        retry_after=_bounded(values, "retry_after", int, 1, 86_400),
        worker_memory=_bounded(values, "worker_memory", int, 0, 10_000_000),
        service_allow=_endpoints(values["service_allow"]),
        access_log=bool(values["access_log"]),
        rate_limit=_bounded(values, "rate_limit", float, 0, 1_000_000),
        rate_burst=_bounded(values, "rate_burst", int, 1, 1_000_000),
        rate_limit_loopback=bool(values["rate_limit_loopback"]),
        query_timeout=_bounded(values, "query_timeout", float, 0.001, 86_400),
        max_query_length=_bounded(values, "max_query_length", int, 1, 100_000_000),
        max_rows=_bounded(values, "max_rows", int, 0, 1_000_000_000),
        cache_entries=_bounded(values, "cache_entries", int, 0, 10_000_000),
        cache_megabytes=_bounded(values, "cache_megabytes", int, 0, 1_000_000),
        dataset=_dataset_info(toml.get("dataset", {}), root / CONFIG_FILE),
        **paths,
    )


def _endpoints(value: object) -> tuple[str, ...]:
    """The SERVICE allow-list: absolute http(s) IRIs."""
    items = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
    endpoints = tuple(str(v).strip() for v in items if str(v).strip())
    for endpoint in endpoints:
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", endpoint):
            raise SettingsError(f"service_allow: {endpoint!r} is not an absolute http(s) IRI")
    return endpoints


def check_url(url: str) -> str:
    """A remote store's endpoint: an http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"store {url!r} is not an http(s) URL with a host")
    return url


def _check_graph(iri: str) -> str:
    """A graph IRI: absolute, http(s) or urn, with nothing a SPARQL IRI cannot hold."""
    if not re.fullmatch(r"(?:https?://[^\s<>\"{}|\\^`]+|urn:[^\s<>\"{}|\\^`]+)", iri):
        raise SettingsError(f"store_graph {iri!r} is not an absolute http(s) or urn IRI")
    return iri


def _bounded(values: dict[str, Any], name: str, kind: type, low: float, high: float) -> Any:
    try:
        value = kind(values[name])
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number, not {values[name]!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, not {value}")
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: {e}") from None


def _resolve(root: Path, value: str | Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def _check_base_iri(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(
            f"base_iri {value!r} must be an absolute http(s) IRI without query or fragment, "
            "e.g. https://data.example.org/projects"
        )
    return normalise_base(value)


def _typed(name: str, value: Any, default: Any, where: Path) -> Any:
    """A TOML value checked against the type of the setting's default."""
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{where}: {name} must be a list of strings, not {value!r}")
        return tuple(value)
    expected: tuple[type, ...] = (int, float) if isinstance(default, float) else (type(default),)
    if (isinstance(value, bool) and bool not in expected) or not isinstance(value, expected):
        kind = {int: "whole number", float: "number", str: "string"}.get(
            expected[0], expected[0].__name__
        )
        raise SettingsError(f"{where}: {name} must be a {kind}, not {value!r}")
    return value


_IRI_FIELDS = ("publisher_url", "licence", "language")


def _dataset_info(table: Mapping[str, Any], where: Path) -> DatasetInfo:
    defaults = DatasetInfo()
    known = set(DatasetInfo.__dataclass_fields__)
    unknown = set(table) - known
    if unknown:
        raise SettingsError(f"{where}: unknown [dataset] key(s) {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "issued" and isinstance(value, date):
            value = value.isoformat()  # a TOML date: 2026-11-24 without quotes
        values[key] = _typed(f"[dataset] {key}", value, getattr(defaults, key), where)
    info = DatasetInfo(**{**defaults.__dict__, **values})
    try:
        date.fromisoformat(info.issued)
    except ValueError:
        raise SettingsError(
            f"{where}: [dataset] issued {info.issued!r} is not a date (YYYY-MM-DD)"
        ) from None
    for key in (*_IRI_FIELDS, "themes"):
        for iri in (getattr(info, key),) if key != "themes" else info.themes:
            parts = urlsplit(iri)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise SettingsError(f"{where}: [dataset] {key} {iri!r} must be an http(s) IRI")
    return info


def _host_patterns(values: object) -> tuple[str, ...]:
    """``allowed_hosts``: names, lower-cased, each a host name or ``*.`` and a domain."""
    patterns = tuple(str(v).strip().lower() for v in values or () if str(v).strip())  # type: ignore[attr-defined]
    for pattern in patterns:
        name = pattern.removeprefix("*.")
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\]", name):
            raise SettingsError(f"allowed_hosts: {pattern!r} is not a host name or *.domain")
    return patterns

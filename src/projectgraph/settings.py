"""One settings object for every command, read once and passed down explicitly.

Each setting is declared once, as a field of :class:`Settings`: its name (also its key in
``projectgraph.toml``), type, default, bounds, help and, where it has one, its command-line flag.
:data:`SETTINGS` lists those declarations; the environment variables, the bound checks, the CLI's
flags and ``--set``, ``docs/settings.md`` and the commented block of ``projectgraph.toml`` are
all derived from it. Values come from, in increasing priority: the defaults,
``projectgraph.toml`` in the project root, environment variables ``PROJECTGRAPH_<NAME>``, and
the command line (a setting's flag or ``--set name=value``). The ``[dataset]`` table of the TOML
file describes the published dataset (title, licence, publisher, ...) for VoID and DCAT.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import textwrap
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from projectgraph.errors import SettingsError
from projectgraph.rdf.vocab import normalise_base

CONFIG_FILE = "projectgraph.toml"
ENV_PREFIX = "PROJECTGRAPH_"
DEFAULT = "default"  # the place of a value nobody set


class Kind(StrEnum):
    """The type of a setting's value, named as the reference page names it."""

    TEXT = "string"
    PATH = "path"
    INT = "integer"
    FLOAT = "number"
    BOOL = "boolean"
    TEXTS = "list of strings"
    PATHS = "list of paths"

    @property
    def many(self) -> bool:
        """Whether the value is a list (comma-separated in the environment and --set)."""
        return self in (Kind.TEXTS, Kind.PATHS)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Setting:
    """The declaration of one setting: a row of the settings table."""

    kind: Kind
    default: Any
    help: str
    group: str
    name: str = ""  # filled in from the Settings field that declares it
    low: float | None = None
    high: float | None = None
    flag: str | None = None  # the command-line flag, without its dashes
    check: Callable[[Any], Any] | None = None  # a check beyond type and bounds
    rule: str = ""  # what ``check`` accepts, for the reference page

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return ENV_PREFIX + self.name.upper()

    @property
    def option(self) -> str | None:
        """The command-line flag, with its dashes (``--max-rows``)."""
        return f"--{self.flag}" if self.flag else None

    @property
    def bounds(self) -> str:
        """The bounds and rules the value must keep, in words."""
        parts = []
        if self.low is not None and self.high is not None:
            parts.append(f"{_number(self.low)} to {_number(self.high)}")
        if self.rule:
            parts.append(self.rule)
        return "; ".join(parts)

    def parse(self, raw: str) -> Any:
        """The value written as text (an environment variable, ``--set``); ValueError if bad."""
        if self.kind.many:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if self.kind is Kind.BOOL:
            word = raw.strip().lower()
            if word not in _TRUE + _FALSE:
                raise ValueError(f"{self.name} must be true or false, not {raw!r}")
            return word in _TRUE
        if self.kind in (Kind.INT, Kind.FLOAT):
            try:
                return (int if self.kind is Kind.INT else float)(raw.strip())
            except ValueError:
                raise ValueError(f"{self.name} must be {_A[self.kind]}, not {raw!r}") from None
        return raw

    def from_toml(self, value: Any) -> Any:
        """A TOML value, checked against the setting's type; ValueError if it is another."""
        if self.kind.many:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{self.name} must be a list of strings, not {value!r}")
            return tuple(value)
        expected: tuple[type, ...] = {
            Kind.INT: (int,),
            Kind.FLOAT: (int, float),
            Kind.BOOL: (bool,),
        }.get(self.kind, (str,))
        if (isinstance(value, bool) and bool not in expected) or not isinstance(value, expected):
            raise ValueError(f"{self.name} must be {_A[self.kind]}, not {value!r}")
        return value

    def accept(self, value: Any) -> Any:
        """The value as ``Settings`` holds it: converted, within bounds, checked.

        Raises ValueError or SettingsError with a message naming the setting.
        """
        if self.kind.many:
            items = (value,) if isinstance(value, str | Path) else tuple(value)
            value = tuple(Path(v) if self.kind is Kind.PATHS else str(v) for v in items)
        elif self.kind is Kind.BOOL:
            value = bool(value)
        elif self.kind in (Kind.INT, Kind.FLOAT):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError(f"{self.name} must be {_A[self.kind]}, not {value!r}")
            value = self.parse(value) if isinstance(value, str) else value
            if self.kind is Kind.INT and not float(value).is_integer():
                raise ValueError(f"{self.name} must be a whole number, not {value!r}")
            value = int(value) if self.kind is Kind.INT else float(value)
            if (
                self.low is not None
                and self.high is not None
                and not self.low <= value <= self.high
            ):
                raise ValueError(
                    f"{self.name} must be between {_number(self.low)} and "
                    f"{_number(self.high)}, not {value}"
                )
        elif self.kind is Kind.PATH:
            value = Path(value)
        else:
            value = str(value)
        return self.check(value) if self.check else value


_A = {
    Kind.TEXT: "a string",
    Kind.PATH: "a path",
    Kind.INT: "a whole number",
    Kind.FLOAT: "a number",
    Kind.BOOL: "true or false",
    Kind.TEXTS: "a list of strings",
    Kind.PATHS: "a list of paths",
}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _setting(kind: Kind, default: Any, help: str, group: str, **more: Any) -> dict[str, Setting]:
    """The metadata that makes a field of :class:`Settings` a setting (see :class:`Setting`)."""
    return {"setting": Setting(kind, default, help, group, **more)}


def _check_base_iri(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(
            f"base_iri {value!r} must be an absolute http(s) IRI without query or fragment, "
            "e.g. https://data.example.org/projects"
        )
    return normalise_base(value)


def check_url(url: str) -> str:
    """A remote store's endpoint: an http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"store {url!r} is not an http(s) URL with a host")
    return url


def _check_graph(iri: str) -> str:
    """A graph IRI: absolute, http(s) or urn, with nothing a SPARQL IRI cannot hold."""
    if iri and not re.fullmatch(r"(?:https?://[^\s<>\"{}|\\^`]+|urn:[^\s<>\"{}|\\^`]+)", iri):
        raise SettingsError(f"store_graph {iri!r} is not an absolute http(s) or urn IRI")
    return iri


def _endpoints(endpoints: tuple[str, ...]) -> tuple[str, ...]:
    """The SERVICE allow-list: absolute http(s) IRIs."""
    for endpoint in endpoints:
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", endpoint):
            raise SettingsError(f"service_allow: {endpoint!r} is not an absolute http(s) IRI")
    return endpoints


def _host_patterns(values: tuple[str, ...]) -> tuple[str, ...]:
    """``allowed_hosts``: names, lower-cased, each a host name or ``*.`` and a domain."""
    patterns = tuple(v.strip().lower() for v in values if v.strip())
    for pattern in patterns:
        name = pattern.removeprefix("*.")
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\]", name):
            raise SettingsError(f"allowed_hosts: {pattern!r} is not a host name or *.domain")
    return patterns


def _trimmed(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for v in values if v.strip())


def _store(value: str) -> str:
    if re.match(r"https?://", value, re.IGNORECASE):
        check_url(value)
    return value


DATA, SERVER, QUERIES, CLIENTS = "Data and build", "Server", "Queries", "Clients and cache"


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

    This class body is the settings table: each field whose metadata ``_setting`` makes declares
    one setting (its name is the field's name). The other fields are derived or not settings.
    """

    root: Path  # the project folder: where projectgraph.toml is and relative paths start

    # Data and build
    base_iri: str = field(
        metadata=_setting(
            Kind.TEXT,
            "https://w3id.org/projectgraph",
            "Canonical base IRI: resources are minted as {base}/id/{type}/{slug}.",
            DATA,
            flag="base-iri",
            check=_check_base_iri,
            rule="an absolute http(s) IRI without query or fragment",
        )
    )
    ontology: Path = field(
        metadata=_setting(Kind.PATH, "ontology/projectgraph.ttl", "The ontology file.", DATA)
    )
    context: Path = field(
        metadata=_setting(
            Kind.PATH, "ontology/context.jsonld", "The JSON-LD context of the JSON-LD dump.", DATA
        )
    )
    shapes_dir: Path = field(
        metadata=_setting(Kind.PATH, "shapes", "Folder of SHACL shape files (*.ttl).", DATA)
    )
    reference_dir: Path = field(
        metadata=_setting(
            Kind.PATH,
            "data/reference",
            "Folder of reference data: roles, topics, countries, regions, programmes.",
            DATA,
        )
    )
    project_dirs: tuple[Path, ...] = field(
        metadata=_setting(
            Kind.PATHS,
            ("data/projects", "data/curated"),
            "Folders of project records (one file per project, as imported) and of curated "
            "statements about them.",
            DATA,
        )
    )
    dist_dir: Path = field(
        metadata=_setting(
            Kind.PATH,
            "dist",
            "Where the build publishes dumps (a link to the current build).",
            DATA,
            flag="dist",
            rule="not the project folder",
        )
    )
    queries_dir: Path = field(
        metadata=_setting(Kind.PATH, "queries", "Folder of named SPARQL queries (*.rq).", DATA)
    )

    # Server
    host: str = field(
        metadata=_setting(
            Kind.TEXT, "127.0.0.1", "Address the server listens on.", SERVER, flag="host"
        )
    )
    port: int = field(
        metadata=_setting(
            Kind.INT, 8000, "Port the server listens on.", SERVER, low=1, high=65535, flag="port"
        )
    )
    trusted_proxies: tuple[str, ...] = field(
        metadata=_setting(
            Kind.TEXTS,
            ("127.0.0.1", "::1"),
            "Proxies whose X-Forwarded-Host/Proto/Prefix headers are believed.",
            SERVER,
            check=_trimmed,
        )
    )
    allowed_hosts: tuple[str, ...] = field(
        metadata=_setting(
            Kind.TEXTS,
            (),
            "Host names the server answers for, such as data.example.org or *.example.org "
            "(empty: any). Others get 400: links are written for the host asked.",
            SERVER,
            check=_host_patterns,
            rule="host names or *.domain, read lower-cased",
        )
    )
    store: Path | None = field(
        metadata=_setting(
            Kind.TEXT,
            "",
            "Folder of the on-disk Oxigraph store, reused across restarts, or the http(s) URL of a "
            "remote SPARQL store's query endpoint (see publish); empty: an in-memory store loaded "
            "at start.",
            SERVER,
            flag="store",
            check=_store,
            rule="a folder or an http(s) URL with a host",
        )
    )
    store_url: str | None = None  # derived: a remote store's query endpoint (then store is None)
    store_graph: str = field(
        metadata=_setting(
            Kind.TEXT,
            "",
            "With a remote store: the dataset graph whose pointer names each build's version graph "
            "(empty: {base_iri}/graph/published).",
            SERVER,
            flag="graph",
            check=_check_graph,
            rule="an absolute http(s) or urn IRI",
        )
    )

    # Queries
    workers: int = field(
        metadata=_setting(
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
        metadata=_setting(
            Kind.INT,
            100,
            "Queries that may wait for a busy worker; more are refused at once (503, Retry-After).",
            QUERIES,
            low=0,
            high=100_000,
        )
    )
    worker_memory: int = field(
        metadata=_setting(
            Kind.INT,
            4096,
            "MiB a query may take in its worker beyond the open store (0: no limit); past it 503.",
            QUERIES,
            low=0,
            high=10_000_000,
        )
    )
    service_allow: tuple[str, ...] = field(
        metadata=_setting(
            Kind.TEXTS,
            (),
            "SPARQL endpoints a query may call with SERVICE; empty: SERVICE is refused and the "
            "query workers have no network at all.",
            QUERIES,
            check=lambda values: _endpoints(_trimmed(values)),
            rule="absolute http(s) IRIs",
        )
    )
    query_timeout: float = field(
        metadata=_setting(
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
        metadata=_setting(
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
        metadata=_setting(
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
        metadata=_setting(
            Kind.BOOL,
            True,
            "Log each request as one JSON line (time, client, path, status, bytes, ms, query_ms).",
            CLIENTS,
        )
    )
    rate_limit: float = field(
        metadata=_setting(
            Kind.FLOAT,
            20.0,
            "Requests per second one client may make after its burst (0: no limit); more get 429.",
            CLIENTS,
            low=0,
            high=1_000_000,
        )
    )
    rate_burst: int = field(
        metadata=_setting(
            Kind.INT,
            100,
            "Requests one client may make at once before the rate applies.",
            CLIENTS,
            low=1,
            high=1_000_000,
        )
    )
    rate_limit_loopback: bool = field(
        metadata=_setting(
            Kind.BOOL,
            False,
            "Also limit loopback clients (off: local development and a local proxy are not "
            "limited).",
            CLIENTS,
        )
    )
    retry_after: int = field(
        metadata=_setting(
            Kind.INT,
            5,
            "Seconds a refused client is told to wait (Retry-After of 503/429).",
            CLIENTS,
            low=1,
            high=86_400,
        )
    )
    cache_entries: int = field(
        metadata=_setting(
            Kind.INT,
            512,
            "Named-query results kept in memory per server process (0: no cache).",
            CLIENTS,
            low=0,
            high=10_000_000,
        )
    )
    cache_megabytes: int = field(
        metadata=_setting(
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
_BY_NAME = {s.name: s for s in SETTINGS}


def load_settings(
    root: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    places: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings for the project at ``root`` (default: the working directory).

    ``overrides`` are command-line values; ``None`` values are ignored so unset flags fall
    through to the environment, the TOML file and the defaults. ``places`` says where an
    override was given (``--set port=8001``); by default its setting's flag. An error names the
    place of the value it refuses: the TOML file, the variable, the flag.
    """
    root = (root or Path.cwd()).resolve()
    environ = os.environ if environ is None else environ
    config = root / CONFIG_FILE
    toml = _read_toml(config)
    toml_settings = {k: v for k, v in toml.items() if k != "dataset"}
    unknown = set(toml_settings) - set(_BY_NAME)
    if unknown:
        raise SettingsError(
            f"{config}: unknown setting(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(_BY_NAME)}"
        )
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    origins = dict.fromkeys(values, DEFAULT)
    for name, value in toml_settings.items():
        values[name] = _at(str(config), _BY_NAME[name].from_toml, value)
        origins[name] = str(config)
    for s in SETTINGS:
        if s.env in environ:
            values[s.name] = _at(f"{s.env}={environ[s.env]!r}", s.parse, environ[s.env])
            origins[s.name] = s.env
    for name, value in (overrides or {}).items():
        if name not in _BY_NAME:
            raise SettingsError(f"no setting {name!r}")
        if value is not None:
            values[name] = value
            origins[name] = (places or {}).get(name) or _BY_NAME[name].option or "override"

    resolved = {s.name: _at(origins[s.name], s.accept, values[s.name]) for s in SETTINGS}
    for name in ("ontology", "context", "shapes_dir", "reference_dir", "dist_dir", "queries_dir"):
        resolved[name] = _resolve(root, resolved[name])
    resolved["project_dirs"] = tuple(_resolve(root, p) for p in resolved["project_dirs"])
    dist = resolved["dist_dir"].absolute()
    if dist == root or dist in root.parents or str(values["dist_dir"]).strip() in ("", "."):
        raise SettingsError(
            f"{origins['dist_dir']}: dist_dir {str(values['dist_dir'])!r} would replace the "
            "project folder itself"
        )
    store = resolved["store"]
    remote = bool(re.match(r"https?://", store, re.IGNORECASE))
    resolved["store"] = _resolve(root, store) if store and not remote else None
    resolved["store_graph"] = (
        resolved["store_graph"] or f"{resolved['base_iri'].rstrip('/')}/graph/published"
    )
    return Settings(
        root=root,
        store_url=store if remote else None,
        dataset=_dataset_info(toml.get("dataset", {}), config),
        origins=origins,
        **resolved,
    )


def parse_assignments(assignments: Iterable[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """``--set name=value`` items: the values by setting, and where each was given.

    Raises SettingsError naming the item: an unknown setting (with the likeliest one meant),
    no ``=``, a value the setting's type cannot read, or the same setting set twice.
    """
    values: dict[str, Any] = {}
    places: dict[str, str] = {}
    for item in assignments:
        place = f"--set {item}"
        name, equals, raw = item.partition("=")
        name = name.strip().replace("-", "_")
        if not equals:
            raise SettingsError(f"{place}: write it as name=value, e.g. --set max_rows=500")
        if name not in _BY_NAME:
            near = difflib.get_close_matches(name, _BY_NAME, n=1)
            hint = f"did you mean {near[0]}? " if near else ""
            raise SettingsError(
                f"{place}: no setting {name!r}; {hint}see projectgraph settings for the list"
            )
        if name in values:
            raise SettingsError(f"{place}: {name} is already set by {places[name]}")
        values[name] = _at(place, _BY_NAME[name].parse, raw)
        places[name] = place
    return values, places


def _at(place: str, convert: Callable[[Any], Any], value: Any) -> Any:
    """``convert(value)``, its error prefixed with the place the value came from."""
    try:
        return convert(value)
    except (ValueError, SettingsError) as error:
        raise SettingsError(f"{place}: {error}") from None


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


def _typed(name: str, value: Any, default: Any, where: Path) -> Any:
    """A ``[dataset]`` TOML value checked against the type of its default."""
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{where}: {name} must be a list of strings, not {value!r}")
        return tuple(value)
    if not isinstance(value, str):
        raise SettingsError(f"{where}: {name} must be a string, not {value!r}")
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


def effective(settings: Settings) -> list[tuple[Setting, Any, str]]:
    """Each setting, its value in ``settings`` and where that value came from."""
    rows = []
    for s in SETTINGS:
        value = getattr(settings, s.name)
        if s.name == "store":
            value = settings.store_url or settings.store or ""
        rows.append((s, value, settings.origins.get(s.name, DEFAULT)))
    return rows


def shown(value: Any) -> str:
    """A value as the command line would write it: ``dist``, ``8000``, ``a,b``, ``true``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(shown(v) for v in value)
    if isinstance(value, float):
        return _number(value)
    return str(value)


def toml_literal(value: Any) -> str:
    """A default as TOML writes it: ``"dist"``, ``8000``, ``["a", "b"]``, ``true``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string: the same escapes
    return repr(value)


GENERATED = "Generated from the settings table (the Settings class in src/projectgraph/settings.py)"


def toml_block() -> str:
    """The commented block of every setting and its default that opens ``projectgraph.toml``."""
    lines = [
        "# projectgraph settings, each with its default: uncomment a line (or add one below this",
        "# block) to change it. Environment variables PROJECTGRAPH_<NAME> and the command line",
        "# (a flag, or --set name=value) take precedence; `projectgraph settings` shows the values",
        "# in effect and where each came from, docs/settings.md describes every setting.",
        f"# {GENERATED}",
        "# by `projectgraph settings --toml`; tests/test_settings.py checks that it is current.",
    ]
    for group in _groups():
        lines += ["", f"# -- {group} --"]
        for s in SETTINGS:
            if s.group == group:
                lines += ["", *_wrapped(s.help, "# ")]
                lines.append(f"# {s.name} = {toml_literal(s.default)}")
    return "\n".join(lines) + "\n"


def reference_markdown(flag_commands: Mapping[str, Iterable[str]]) -> str:
    """The settings reference page (``docs/settings.md``).

    ``flag_commands`` names, by setting, the commands on which its flag is given.
    """
    lines = [
        "# Settings",
        "",
        f"<!-- {GENERATED} by",
        "     `projectgraph settings --markdown > docs/settings.md`; do not edit it by hand:",
        "     tests/test_settings.py fails when it is out of date. -->",
        "",
        "Each setting takes its value from, in increasing priority: its default, its key in",
        "`projectgraph.toml` (in the project folder, or the folder given with `--root`), its",
        "environment variable and the command line: its flag, on the commands named, or",
        "`--set name=value` (repeatable) on every command that reads settings. Lists are TOML",
        "arrays in the file and comma-separated in variables and `--set`; booleans are `true` or",
        "`false` (also `1`/`0`, `yes`/`no`, `on`/`off` in variables and `--set`).",
        "`projectgraph settings` prints the value in effect of each and where it came from.",
        "A value out of its bounds is refused (exit 2) with the place that gave it.",
    ]
    for group in _groups():
        lines += ["", f"## {group}"]
        for s in SETTINGS:
            if s.group != group:
                continue
            commands = ", ".join(flag_commands.get(s.name, ()))
            flag = f"`{s.option}` ({commands})" if s.option and commands else "`--set` only"
            lines += [
                "",
                f"### `{s.name}`",
                "",
                *_wrapped(s.help, ""),
                "",
                f"- toml key: `{s.name}`; environment variable: `{s.env}`; flag: {flag}",
                f"- type: {s.kind.value}; default: `{toml_literal(s.default)}`"
                + (f"; bounds: {s.bounds}" if s.bounds else ""),
            ]
    return "\n".join(lines) + "\n"


def _groups() -> list[str]:
    return list(dict.fromkeys(s.group for s in SETTINGS))


def _wrapped(text: str, prefix: str) -> list[str]:
    return textwrap.wrap(text, 100 - len(prefix), initial_indent=prefix, subsequent_indent=prefix)

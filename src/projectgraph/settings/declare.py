"""How a setting is declared: its kind, bounds, help and flag, and how a value given as
text, TOML or Python is read and checked; the checks of the settings that need more."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
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
            parts.append(f"{number_text(self.low)} to {number_text(self.high)}")
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
                    f"{self.name} must be between {number_text(self.low)} and "
                    f"{number_text(self.high)}, not {value}"
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


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def setting(kind: Kind, default: Any, help: str, group: str, **more: Any) -> dict[str, Setting]:
    """The metadata that makes a field of :class:`Settings` a setting (see :class:`Setting`)."""
    return {"setting": Setting(kind, default, help, group, **more)}


def check_base_iri(value: str) -> str:
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


def check_graph(iri: str) -> str:
    """A graph IRI: absolute, http(s) or urn, with nothing a SPARQL IRI cannot hold."""
    if iri and not re.fullmatch(r"(?:https?://[^\s<>\"{}|\\^`]+|urn:[^\s<>\"{}|\\^`]+)", iri):
        raise SettingsError(f"store_graph {iri!r} is not an absolute http(s) or urn IRI")
    return iri


def check_endpoints(endpoints: tuple[str, ...]) -> tuple[str, ...]:
    """The SERVICE allow-list: absolute http(s) IRIs."""
    for endpoint in endpoints:
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", endpoint):
            raise SettingsError(f"service_allow: {endpoint!r} is not an absolute http(s) IRI")
    return endpoints


def check_host_patterns(values: tuple[str, ...]) -> tuple[str, ...]:
    """``allowed_hosts``: names, lower-cased, each a host name or ``*.`` and a domain."""
    patterns = tuple(v.strip().lower() for v in values if v.strip())
    for pattern in patterns:
        name = pattern.removeprefix("*.")
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\]", name):
            raise SettingsError(f"allowed_hosts: {pattern!r} is not a host name or *.domain")
    return patterns


def trimmed(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for v in values if v.strip())


def check_cluster(address: str) -> str:
    """A Dask scheduler's address, or empty; ``host`` is read as ``tcp://host:8786`` (Dask's
    default scheme and port)."""
    given = address = address.strip()
    if not address:
        return address
    if "://" not in address:
        address = f"tcp://{address}"
    parts = urlsplit(address)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        not re.fullmatch(r"[a-z][a-z0-9+.-]*", parts.scheme)
        or not parts.hostname
        or port == -1
        or parts.path.strip("/")
    ):
        raise SettingsError(
            f"cluster {given!r} is not a Dask scheduler address such as tcp://host:8786"
        )
    return address if port is not None else f"{address.rstrip('/')}:8786"


def check_store(value: str) -> str:
    if re.match(r"https?://", value, re.IGNORECASE):
        check_url(value)
    return value


DATA, SERVER, QUERIES, CLIENTS = "Data and build", "Server", "Queries", "Clients and cache"

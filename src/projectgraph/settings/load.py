"""Resolve the settings of a project: defaults, ``projectgraph.toml``, ``PROJECTGRAPH_*``
variables and the command line (flags, ``--set name=value``), each error naming its place."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from projectgraph.errors import SettingsError
from projectgraph.settings.declare import CONFIG_FILE, DEFAULT
from projectgraph.settings.table import BY_NAME, SETTINGS, DatasetInfo, Settings


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
    unknown = set(toml_settings) - set(BY_NAME)
    if unknown:
        raise SettingsError(
            f"{config}: unknown setting(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(BY_NAME)}"
        )
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    origins = dict.fromkeys(values, DEFAULT)
    for name, value in toml_settings.items():
        values[name] = _at(str(config), BY_NAME[name].from_toml, value)
        origins[name] = str(config)
    for s in SETTINGS:
        if s.env in environ:
            values[s.name] = _at(f"{s.env}={environ[s.env]!r}", s.parse, environ[s.env])
            origins[s.name] = s.env
    for name, value in (overrides or {}).items():
        if name not in BY_NAME:
            raise SettingsError(f"no setting {name!r}")
        if value is not None:
            values[name] = value
            origins[name] = (places or {}).get(name) or BY_NAME[name].option or "override"

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
        if name not in BY_NAME:
            near = difflib.get_close_matches(name, BY_NAME, n=1)
            hint = f"did you mean {near[0]}? " if near else ""
            raise SettingsError(
                f"{place}: no setting {name!r}; {hint}see projectgraph settings for the list"
            )
        if name in values:
            raise SettingsError(f"{place}: {name} is already set by {places[name]}")
        values[name] = _at(place, BY_NAME[name].parse, raw)
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

"""The settings as people read them: the values in effect and their origin, the reference
page (``docs/settings.md``) and the commented block that opens ``projectgraph.toml``."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from projectgraph.settings.declare import DEFAULT, Setting, number_text
from projectgraph.settings.table import SETTINGS, Settings


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
        return number_text(value)
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


GENERATED = (
    "Generated from the settings table (the Settings class in src/projectgraph/settings/table.py)"
)


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

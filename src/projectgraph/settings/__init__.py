"""One settings object for every command, read once and passed down explicitly.

Each setting is declared once, as a field of :class:`Settings`: its name (also its key in
``projectgraph.toml``), type, default, bounds, help and, where it has one, its command-line flag.
:data:`SETTINGS` lists those declarations; the environment variables, the bound checks, the CLI's
flags and ``--set``, ``docs/settings.md`` and the commented block of ``projectgraph.toml`` are
all derived from it. Values come from, in increasing priority: the defaults,
``projectgraph.toml`` in the project root, environment variables ``PROJECTGRAPH_<NAME>``, and
the command line (a setting's flag or ``--set name=value``). The ``[dataset]`` table of the TOML
file describes the published dataset (title, licence, publisher, ...) for VoID and DCAT.

The package: :mod:`.declare` (how a setting is declared and read), :mod:`.table` (the
:class:`Settings` table), :mod:`.load` (resolving a project's settings), :mod:`.reference` (the
values in effect, the reference page and the TOML block).
"""

from projectgraph.settings.declare import CONFIG_FILE, Kind, Setting, check_url
from projectgraph.settings.load import load_settings, parse_assignments
from projectgraph.settings.reference import effective, reference_markdown, shown, toml_block
from projectgraph.settings.table import SETTINGS, DatasetInfo, Settings

__all__ = [
    "CONFIG_FILE",
    "SETTINGS",
    "DatasetInfo",
    "Kind",
    "Setting",
    "Settings",
    "check_url",
    "effective",
    "load_settings",
    "parse_assignments",
    "reference_markdown",
    "shown",
    "toml_block",
]

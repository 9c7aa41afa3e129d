"""projectgraph: a linked-data publisher for EU-funded cooperation projects."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("projectgraph")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

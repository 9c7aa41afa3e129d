"""``python -m projectgraph``: the same CLI as the ``projectgraph`` script."""

from projectgraph.cli import app

app(prog_name="projectgraph")

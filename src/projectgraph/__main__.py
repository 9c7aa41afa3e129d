"""``python -m projectgraph``: the same CLI as the ``projectgraph`` script."""

from projectgraph.cli import app

if __name__ == "__main__":  # not when a worker process imports this module
    app(prog_name="projectgraph")

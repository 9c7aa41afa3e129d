"""Build: read the sources, entail, assemble and partition the graph."""

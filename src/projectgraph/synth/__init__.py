"""Synthetic project data at the size of real publishers, for tests and benchmarks."""

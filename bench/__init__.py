"""Benchmarks: each prints a table; none runs as part of the tests."""

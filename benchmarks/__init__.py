"""Reproducible performance measurements; see benchmarks/README.md."""

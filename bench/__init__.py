"""Benchmarks: `make bench` (or `python -m bench [name ...]`). Each prints its figures and
their ratio to a floor measured in the same run on the same machine."""

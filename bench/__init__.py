"""Benchmark data and the benchmark harness (issue #8): `python -m bench.generate`, `bench.run`."""

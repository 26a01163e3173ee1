"""Benchmarks of the hiring pipeline against baselines measured in the same run: `python -m benchmarks`.

See BENCHMARKS.md for the method and the latest figures."""

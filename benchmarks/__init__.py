"""Benchmarks of the paropt optimisers; run them with ``make bench``, not with the tests."""

"""Benchmarks of the paropt optimisers and of the service, which ``make bench`` and
``make bench-service`` run and the tests do not."""

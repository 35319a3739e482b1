"""The benchmark suite: every problem by name, built on demand."""

from __future__ import annotations

import functools

from benchmarks.problems import Problem
from benchmarks.real_tools import REAL_TOOLS, load_cache, real_problem
from benchmarks.synthetic import SYNTHETIC_PROBLEMS

PROBLEM_NAMES = [*SYNTHETIC_PROBLEMS, *REAL_TOOLS]


@functools.cache
def load_problem(name: str) -> Problem:
    """Build problem ``name``; a real tool's problem reads the measurement cache.

    Raises:
        KeyError: ``name`` is no problem, or a real tool has no cached measurements.
    """
    if name in SYNTHETIC_PROBLEMS:
        return SYNTHETIC_PROBLEMS[name]()
    if name in REAL_TOOLS:
        cache = load_cache()
        if name not in cache:
            raise KeyError(f"no cached measurements of {name!r}; measure them with make bench")
        return real_problem(name, cache[name])
    raise KeyError(f"unknown problem {name!r}; expected one of {PROBLEM_NAMES}")

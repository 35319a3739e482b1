"""Synthetic tools: cost models of tuning problems with a known optimum and lognormal noise.

Each model is a made-up but plausible cost in seconds. The numeric parts are written
with NumPy functions, so the same code evaluates one configuration or, broadcast over
arrays, a whole slice of the space when the exact optimum is computed.
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
from scipy.optimize import minimize_scalar

from benchmarks.problems import Problem, lognormal_noise, make_spec
from paropt.optimizers import Configuration
from paropt.specs import ExperimentSpec

# Spread of the multiplicative measurement noise: exp(N(0, sigma^2)).
NOISE_SIGMA = 0.03
# Exhaustive search for the optimum is used for finite spaces up to this size.
ENUMERATION_LIMIT = 10_000


def _minimum_by_enumeration(spec: ExperimentSpec, cost) -> float:  # noqa: ANN001
    size = spec.space_size()
    if size is None or size > ENUMERATION_LIMIT:
        raise ValueError(f"{spec.tool_name}: {size} configurations are too many to enumerate")
    axes = [parameter.grid_values(parameter.size()) for parameter in spec.parameters]
    names = [parameter.name for parameter in spec.parameters]
    return min(cost(dict(zip(names, values, strict=True))) for values in itertools.product(*axes))


# --- build: interactions between jobs, link-time optimisation and profile-guided optimisation.

BUILD_CORES = 8
BUILD_MEMORY_GB = 8.0
COMPILE_CPU_SECONDS = {"O0": 200.0, "O1": 300.0, "O2": 400.0, "O3": 480.0, "Os": 360.0}
TEST_SECONDS = {"O0": 900.0, "O1": 520.0, "O2": 420.0, "O3": 400.0, "Os": 470.0}


def build_cost(configuration: Configuration) -> float:
    """Return the seconds to compile, link and run the test suite of a C++ project.

    More jobs than cores add scheduling overhead. With LTO each compiler process
    needs 1.2 GB instead of 0.5 GB, so beyond 6 jobs the build swaps, which makes
    the best job count depend on ``lto``. PGO compiles twice and adds a training
    run, and pays off only through faster tests.
    """
    jobs = configuration["jobs"]
    level = configuration["opt_level"]
    lto = configuration["lto"]
    pgo = configuration["pgo"]
    used_cores = min(jobs, BUILD_CORES)
    compile_seconds = COMPILE_CPU_SECONDS[level] * (1.4 if pgo else 1.0) / used_cores
    compile_seconds *= 1 + 0.03 * max(0, jobs - BUILD_CORES)
    resident_gb = jobs * (1.2 if lto else 0.5)
    compile_seconds *= 1 + 0.15 * max(0.0, resident_gb - BUILD_MEMORY_GB)
    link_seconds = 8.0 + (90.0 / used_cores if lto else 0.0)
    test_seconds = TEST_SECONDS[level]
    training_seconds = 0.0
    if lto:
        test_seconds *= 0.85
    if pgo:
        test_seconds *= 0.88
        training_seconds = 10.0
    return compile_seconds + link_seconds + test_seconds + training_seconds


def build_problem() -> Problem:
    """Create the build problem: 640 configurations, interactions, exact optimum by enumeration."""
    spec = make_spec(
        "make",
        [
            {"name": "jobs", "type": "int", "minimum": 1, "maximum": 32},
            {"name": "opt_level", "type": "categorical", "values": list(COMPILE_CPU_SECONDS)},
            {"name": "lto", "type": "bool"},
            {"name": "pgo", "type": "bool"},
        ],
    )
    return Problem(
        name="build",
        kind="synthetic",
        summary="C++ build and tests: jobs, -O level, LTO, PGO; LTO memory moves the best -j.",
        spec=spec,
        cost=build_cost,
        measure=lognormal_noise(build_cost, NOISE_SIGMA),
        best_known=_minimum_by_enumeration(spec, build_cost),
    )


# --- cache: plateaus and cliffs.

# Cache sizes in MB at which the next level of the working set fits, and the miss
# rate below the first, between, and above the last.
CACHE_TIERS_MB = (16.0, 128.0, 1024.0)
CACHE_MISS_RATES = (0.9, 0.5, 0.25, 0.05)


def cache_cost(configuration: Configuration) -> float:
    """Return the seconds of a data-processing job with a block cache.

    The miss rate is a staircase in the cache size, so the cost is flat between
    the tiers and drops at each one. Threads help up to 6 and hurt above 12, and
    prefetching helps up to a depth of 4, so both have plateaus. Memory costs a
    little, so the optimum sits on the edge of the last step.
    """
    cache_mb = configuration["cache_mb"]
    threads = configuration["threads"]
    prefetch = configuration["prefetch"]
    tier = sum(cache_mb >= edge for edge in CACHE_TIERS_MB)
    compute = 40.0 / min(threads, 6) + 0.4 * max(0, threads - 12)
    io = 60.0 * CACHE_MISS_RATES[tier] * (1.0 - 0.5 * min(prefetch, 4) / 4)
    return compute + io + 0.1 * cache_mb / 1024


def cache_problem() -> Problem:
    """Create the cache problem: numeric only, plateaus, optimum at the edge of a step."""
    spec = make_spec(
        "cachedjob",
        [
            {"name": "cache_mb", "type": "float", "minimum": 1, "maximum": 4096, "log": True},
            {"name": "threads", "type": "int", "minimum": 1, "maximum": 32},
            {"name": "prefetch", "type": "int", "minimum": 0, "maximum": 16},
        ],
    )
    # Within a tier the cost rises with the cache size, so each tier's minimum lies
    # at its lower edge: the range minimum or one of the tier edges.
    edges = (1.0, *CACHE_TIERS_MB)
    best = min(
        cache_cost({"cache_mb": cache_mb, "threads": threads, "prefetch": prefetch})
        for cache_mb in edges
        for threads in range(1, 33)
        for prefetch in range(17)
    )
    return Problem(
        name="cache_plateau",
        kind="synthetic",
        summary="Block cache (log MB), threads, prefetch: flat steps, optimum on a cliff edge.",
        spec=spec,
        cost=cache_cost,
        measure=lognormal_noise(cache_cost, NOISE_SIGMA),
        best_known=best,
    )


# --- narrow: a narrow dip in a log-scaled float next to a broad basin.

# log10 of alpha at the centre of the dip, and its standard deviation in decades.
NARROW_CENTRE = -2.7
NARROW_WIDTH = 0.08


def _narrow_alpha_term(log_alpha: float) -> float:
    basin = 10.0 + 1.5 * (log_alpha + 1.0) ** 2 / 4
    dip = 3.5 * math.exp(-0.5 * ((log_alpha - NARROW_CENTRE) / NARROW_WIDTH) ** 2)
    return basin - dip


def narrow_cost(configuration: Configuration) -> float:
    """Return the seconds of a solver run with a sensitive tolerance ``alpha``.

    A broad basin around alpha = 0.1 reaches 10 s, but a dip 0.08 decades wide
    around alpha = 2e-3 reaches about 7.6 s. Depth and ratio add independent bowls.
    """
    log_alpha = math.log10(configuration["alpha"])
    depth = configuration["depth"]
    ratio = configuration["ratio"]
    return _narrow_alpha_term(log_alpha) + 0.02 * (depth - 7) ** 2 + 2.0 * (ratio - 0.3) ** 2


def narrow_problem() -> Problem:
    """Create the narrow problem: numeric only, a narrow optimum 24 % below the broad basin."""
    spec = make_spec(
        "solver",
        [
            {"name": "alpha", "type": "float", "minimum": 1e-4, "maximum": 1.0, "log": True},
            {"name": "depth", "type": "int", "minimum": 1, "maximum": 20},
            {"name": "ratio", "type": "float", "minimum": 0.0, "maximum": 1.0},
        ],
    )
    # The terms are independent: depth 7 and ratio 0.3 add nothing, and the alpha term's
    # minimum is found on a fine grid over the whole range and polished near the best point.
    grid = np.linspace(-4.0, 0.0, 40_001)
    start = float(grid[int(np.argmin([_narrow_alpha_term(x) for x in grid]))])
    polished = minimize_scalar(
        _narrow_alpha_term, bounds=(start - 1e-4, start + 1e-4), method="bounded"
    )
    return Problem(
        name="narrow",
        kind="synthetic",
        summary="Solver tolerance (log float), depth, ratio: optimum in a dip 0.08 decades wide.",
        spec=spec,
        cost=narrow_cost,
        measure=lognormal_noise(narrow_cost, NOISE_SIGMA),
        best_known=float(polished.fun),
    )


# --- flat_categorical: six allocators, five of them (glibc included) within 2 % of glibc.

ALLOCATOR_FACTORS = {
    "glibc": 1.0,
    "jemalloc": 0.985,
    "tcmalloc": 0.99,
    "mimalloc": 0.98,
    "hoard": 1.01,
    "scalloc": 1.12,
}


def _allocation_seconds(batch: np.ndarray | int, workers: np.ndarray | int) -> np.ndarray:
    batch_seconds = 20.0 * (1.0 + 0.35 * (np.log2(batch) - 8.0) ** 2 / 16)
    worker_seconds = 30.0 / np.minimum(workers, 8) + 0.3 * workers
    return batch_seconds + worker_seconds


def allocator_cost(configuration: Configuration) -> float:
    """Return the seconds of a server benchmark under a memory allocator.

    The allocator scales the time by 0.98 to 1.01, except scalloc (1.12), so the
    categorical effect is mostly flat. Batch size (best at 256) and workers (best
    at 8) matter far more.
    """
    factor = ALLOCATOR_FACTORS[configuration["allocator"]]
    return float(factor * _allocation_seconds(configuration["batch"], configuration["workers"]))


def allocator_problem() -> Problem:
    """Create the allocator problem: a mostly flat 6-way categorical next to two numeric bowls."""
    spec = make_spec(
        "server",
        [
            {"name": "allocator", "type": "categorical", "values": list(ALLOCATOR_FACTORS)},
            {"name": "batch", "type": "int", "minimum": 1, "maximum": 4096, "log": True},
            {"name": "workers", "type": "int", "minimum": 1, "maximum": 16},
        ],
    )
    batch, workers = np.meshgrid(np.arange(1, 4097), np.arange(1, 17))
    best = min(ALLOCATOR_FACTORS.values()) * float(np.min(_allocation_seconds(batch, workers)))
    return Problem(
        name="flat_categorical",
        kind="synthetic",
        summary="Allocator (6 values, 5 within 2 % of glibc), batch (log int), workers.",
        spec=spec,
        cost=allocator_cost,
        measure=lognormal_noise(allocator_cost, NOISE_SIGMA),
        best_known=best,
    )


# --- high_dim: a 6-parameter ingest pipeline.

COMPRESSION_CPU_FACTORS = {"none": 1.0, "lz4": 1.15, "zstd": 1.4, "gzip": 2.5}
COMPRESSION_OUTPUT_RATIOS = {"none": 1.0, "lz4": 0.55, "zstd": 0.4, "gzip": 0.42}
# Direct I/O is fast only with batches of at least this many records.
DIRECT_IO_MIN_BATCH = 512
# Page-cache size in MB beyond which more memory no longer speeds up buffered I/O.
PAGE_CACHE_MB = 8192.0


def _pipeline_cpu_seconds(threads: np.ndarray | int, batch: np.ndarray | int) -> np.ndarray:
    compute = 60.0 / np.minimum(threads, 16) * (1.0 + 0.02 * np.maximum(0, threads - 16))
    # About 2^14 records in flight fit the CPU caches, and more or fewer cost time.
    in_flight_penalty = 0.25 * (np.log2(threads * batch) - 14.0) ** 2
    return compute + in_flight_penalty + 100.0 / batch


def _queue_divisor(queue_depth: np.ndarray | int) -> np.ndarray:
    return 1.0 + 0.4 * np.log2(np.minimum(queue_depth, 64))


def _queue_latency(queue_depth: np.ndarray | int) -> np.ndarray:
    return 0.05 * np.sqrt(np.maximum(0, queue_depth - 64))


def _io_factor(direct_io: bool, large_batch: bool, memory_mb: float) -> float:
    if direct_io:
        return 0.7 if large_batch else 1.3
    return 1.0 - 0.25 * min(1.0, memory_mb / PAGE_CACHE_MB)


def ingest_cost(configuration: Configuration) -> float:
    """Return the seconds to compress and write 10 GB through an ingest pipeline.

    CPU time depends on threads (best at 16), on records in flight (threads times
    batch, best near 2^14) and on the codec. I/O time depends on the codec's
    output size, the queue depth (best at 64), and either direct I/O, which helps
    only with batches of at least 512, or the page cache, which grows with memory
    up to 8 GB. Memory costs 0.0001 s per MB.
    """
    codec = configuration["compression"]
    batch = configuration["batch"]
    cpu = COMPRESSION_CPU_FACTORS[codec] * _pipeline_cpu_seconds(configuration["threads"], batch)
    io_factor = _io_factor(
        configuration["direct_io"], batch >= DIRECT_IO_MIN_BATCH, configuration["memory_mb"]
    )
    io = 40.0 * COMPRESSION_OUTPUT_RATIOS[codec] * io_factor
    io = io / _queue_divisor(configuration["queue_depth"])
    io += _queue_latency(configuration["queue_depth"])
    memory = 0.0001 * configuration["memory_mb"]
    return float(cpu + io + memory)


def _ingest_minimum() -> float:
    # The cost splits into terms that share only the codec, direct_io and whether the
    # batch reaches DIRECT_IO_MIN_BATCH, so each term is minimised exactly per
    # combination of those. Between 64 MB and PAGE_CACHE_MB the cost is linear in
    # memory and above it increasing, so the best memory is 64 or 8192 MB.
    threads, batch = np.meshgrid(np.arange(1, 65), np.arange(1, 65_537))
    cpu_seconds = _pipeline_cpu_seconds(threads, batch)
    cpu_minimum = {
        False: float(np.min(cpu_seconds[batch < DIRECT_IO_MIN_BATCH])),
        True: float(np.min(cpu_seconds[batch >= DIRECT_IO_MIN_BATCH])),
    }
    depths = np.arange(1, 1025)
    best = math.inf
    for codec, direct_io, large_batch, memory_mb in itertools.product(
        COMPRESSION_CPU_FACTORS, (False, True), (False, True), (64.0, PAGE_CACHE_MB)
    ):
        cpu = COMPRESSION_CPU_FACTORS[codec] * cpu_minimum[large_batch]
        io_base = 40.0 * COMPRESSION_OUTPUT_RATIOS[codec]
        io_base *= _io_factor(direct_io, large_batch, memory_mb)
        io = float(np.min(io_base / _queue_divisor(depths) + _queue_latency(depths)))
        best = min(best, cpu + io + 0.0001 * memory_mb)
    return best


def ingest_problem() -> Problem:
    """Create the 6-parameter problem: mixed types, log ranges and cross-group interactions."""
    spec = make_spec(
        "ingest",
        [
            {"name": "threads", "type": "int", "minimum": 1, "maximum": 64},
            {"name": "batch", "type": "int", "minimum": 1, "maximum": 65536, "log": True},
            {"name": "queue_depth", "type": "int", "minimum": 1, "maximum": 1024, "log": True},
            {"name": "memory_mb", "type": "float", "minimum": 64, "maximum": 65536, "log": True},
            {"name": "compression", "type": "categorical", "values": list(COMPRESSION_CPU_FACTORS)},
            {"name": "direct_io", "type": "bool"},
        ],
    )
    return Problem(
        name="high_dim",
        kind="synthetic",
        summary="Ingest pipeline, 6 parameters: int, 2 log ints, log float, codec, bool.",
        spec=spec,
        cost=ingest_cost,
        measure=lognormal_noise(ingest_cost, NOISE_SIGMA),
        best_known=_ingest_minimum(),
    )


# --- valley: a curved valley between workers and chunk size, and a flat timeout.


def _transfer_seconds(workers: np.ndarray | int, chunk_kb: np.ndarray | int) -> np.ndarray:
    # About 2^17 KB (128 MB) of chunks in flight fit the buffer memory.
    in_flight = 0.75 * (np.log2(workers * chunk_kb) - 17.0) ** 2
    throughput = 100.0 / np.minimum(workers, 24) ** 0.8 + 0.05 * workers
    return throughput + in_flight + 500.0 / chunk_kb


def transfer_cost(configuration: Configuration) -> float:
    """Return the seconds of a parallel upload.

    Workers times chunk size should stay near 128 MB, which makes a curved valley
    across a linear and a log-scaled int. A timeout below 30 s causes retries, and
    any timeout from 30 s to 600 s costs the same.
    """
    retries = 5.0 * max(0.0, 1.0 - configuration["timeout_s"] / 30.0)
    transfer = _transfer_seconds(configuration["workers"], configuration["chunk_kb"])
    return float(transfer + retries)


def transfer_problem() -> Problem:
    """Create the valley problem: numeric only, a curved valley and a wide plateau."""
    spec = make_spec(
        "uploader",
        [
            {"name": "workers", "type": "int", "minimum": 1, "maximum": 64},
            {"name": "chunk_kb", "type": "int", "minimum": 4, "maximum": 65536, "log": True},
            {"name": "timeout_s", "type": "float", "minimum": 1, "maximum": 600},
        ],
    )
    workers, chunk_kb = np.meshgrid(np.arange(1, 65), np.arange(4, 65_537))
    return Problem(
        name="valley",
        kind="synthetic",
        summary="Upload workers, chunk size (log int), timeout: curved valley, flat timeout.",
        spec=spec,
        cost=transfer_cost,
        measure=lognormal_noise(transfer_cost, NOISE_SIGMA),
        best_known=float(np.min(_transfer_seconds(workers, chunk_kb))),
    )


# --- small_space: 36 configurations, fewer than the trial budget.

SMALL_NOISE_SIGMA = 0.05


def archive_cost(configuration: Configuration) -> float:
    """Return the seconds to compress 40 MB with a parallel compressor and send it at 100 Mbit/s.

    Higher levels cost exponentially more CPU time and shrink the output less and
    less, so a middle level is best. Threads help up to the 2 cores and cost a
    little each beyond them.
    """
    level = configuration["level"]
    threads = configuration["threads"]
    cpu_seconds = 0.4 * 1.45 ** (level - 1)
    compress = cpu_seconds / min(threads, 2) ** 0.9 + 0.15 * max(0, threads - 2)
    output_mb = 40.0 * (0.25 + 0.35 / level)
    return compress + output_mb / 12.5


def archive_problem() -> Problem:
    """Create the small problem: 36 configurations, so every method gets 36 trials at most."""
    spec = make_spec(
        "pcompress",
        [
            {"name": "level", "type": "int", "minimum": 1, "maximum": 9},
            {"name": "threads", "type": "int", "minimum": 1, "maximum": 4},
        ],
    )
    return Problem(
        name="small_space",
        kind="synthetic",
        summary="Compress-and-send: level 1-9, threads 1-4; 36 configurations, 5 % noise.",
        spec=spec,
        cost=archive_cost,
        measure=lognormal_noise(archive_cost, SMALL_NOISE_SIGMA),
        best_known=_minimum_by_enumeration(spec, archive_cost),
    )


SYNTHETIC_PROBLEMS = {
    "build": build_problem,
    "cache_plateau": cache_problem,
    "narrow": narrow_problem,
    "flat_categorical": allocator_problem,
    "high_dim": ingest_problem,
    "valley": transfer_problem,
    "small_space": archive_problem,
}


def _candidate_values(problem: Problem, name: str, current: object) -> list:
    parameter = problem.spec.parameter(name)
    size = parameter.size()
    if size is not None and size <= 2048:
        return parameter.grid_values(size)
    values = [parameter.from_unit(step / 400) for step in range(401)]
    if parameter.type == "int":
        values += [parameter.cast(current + offset) for offset in range(-3, 4)]
    else:
        position = parameter.to_unit(current)
        values += [parameter.from_unit(position + offset * 1e-4) for offset in range(-5, 6)]
    return values


def check_optimum(problem: Problem, rng: np.random.Generator, samples: int = 3000) -> None:
    """Search for a configuration below ``problem.best_known`` and raise if one is found.

    The search draws ``samples`` random configurations, then runs coordinate descent
    over candidate values from the three best. It is a check of the exact
    computation in each problem's constructor, not a proof.

    Raises:
        RuntimeError: A configuration costs less than the stated optimum.
    """
    parameters = problem.spec.parameters
    sampler = random.Random(int(rng.integers(2**31)))
    drawn = [{p.name: p.sample(sampler) for p in parameters} for _ in range(samples)]
    drawn.sort(key=problem.cost)
    tolerance = 1e-9 * abs(problem.best_known)
    for start in drawn[:3]:
        current = dict(start)
        current_cost = problem.cost(current)
        improved = True
        while improved:
            improved = False
            for parameter in parameters:
                for value in _candidate_values(problem, parameter.name, current[parameter.name]):
                    candidate = {**current, parameter.name: value}
                    candidate_cost = problem.cost(candidate)
                    if candidate_cost < current_cost - tolerance:
                        current, current_cost, improved = candidate, candidate_cost, True
        if current_cost < problem.best_known - tolerance:
            raise RuntimeError(
                f"problem {problem.name}: {current} costs {current_cost:.6g}, below the "
                f"stated optimum {problem.best_known:.6g}"
            )

"""Real tools on this machine: every configuration measured once with run_trial, then cached.

Measuring each trial of every benchmark run for real would take hours, so every
configuration of a small discrete space is run once with
:func:`paropt.runner.trial.run_trial` (``REPEATS`` repeats, in a shuffled order),
and the measurements are stored in ``results/real_tools.json``. A benchmark run
then draws each outcome from those measurements: one of the repeats, chosen at
random, so the spread between repeats is the noise.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import platform
import random
import shlex
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks.problems import Problem, make_spec
from paropt.optimizers import Configuration, configuration_key
from paropt.runner.job import render_scripts
from paropt.runner.trial import run_trial
from paropt.specs import ExperimentSpec
from paropt.specs.objective import last_line_json

logger = logging.getLogger(__name__)

CACHE_PATH = Path(__file__).parent / "results" / "real_tools.json"
REPEATS = 3
# Seconds each script of a measurement may run before run_trial kills it.
SCRIPT_TIMEOUT_SECONDS = 300.0
# Upload speed that turns the size of xz's output into seconds: 4 Mbit/s.
LINK_BYTES_PER_SECOND = 500_000.0
# Bump when a tool's input generator changes, so that stale measurements are redone.
INPUT_VERSION = 1


def write_text(path: Path, size_bytes: int, seed: int) -> None:
    """Write about ``size_bytes`` of English-like text: Zipf-distributed made-up words."""
    rng = random.Random(seed)
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    letter_weights = [len(letters) - index for index in range(len(letters))]
    vocabulary = [
        "".join(rng.choices(letters, weights=letter_weights, k=rng.randint(1, 11)))
        for _ in range(20_000)
    ]
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocabulary))))
    written = 0
    with path.open("w") as handle:
        while written < size_bytes:
            words = rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(6, 16))
            if rng.random() < 0.2:
                words.insert(rng.randrange(len(words)), str(rng.randrange(100_000)))
            line = " ".join(words) + ".\n"
            handle.write(line)
            written += len(line)


def write_records(path: Path, lines: int, seed: int) -> None:
    """Write ``lines`` records of a hex key, a number and a word, in random order."""
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"]
    with path.open("w") as handle:
        for _ in range(lines):
            key = rng.getrandbits(48)
            handle.write(f"{key:012x}\t{rng.randrange(10**9)}\t{rng.choice(words)}\n")


@dataclass(frozen=True)
class RealTool:
    """A real command-line tool, its discrete search space and its input.

    Attributes:
        name: Problem name.
        summary: One sentence on the tool and on the objective.
        parameters: Parameter bodies as the API accepts them.
        command: Bash template of the timed command.
        finish: Bash template that runs after each repeat, untimed, or ``None``.
        write_input: Function that writes the input file, deterministically.
        repeat_cost: Function that turns one repeat's wall time in seconds and output
            into the cost in seconds.
    """

    name: str
    summary: str
    parameters: list[dict]
    command: str
    finish: str | None
    write_input: Callable[[Path], None]
    repeat_cost: Callable[[float, dict], float]

    def spec(self, input_path: str) -> ExperimentSpec:
        """Return the experiment whose setup copies ``input_path`` into the trial directory."""
        templates = {
            "setup_template_string": f"cp {shlex.quote(input_path)} input.txt",
            "command_template_string": self.command,
        }
        if self.finish is not None:
            templates["finish_template_string"] = self.finish
        return make_spec(self.name, self.parameters, **templates)

    def fingerprint(self) -> str:
        """Return a digest of the space, the templates and the input version."""
        return f"{self.spec('input').content_hash()[:16]}-input{INPUT_VERSION}"


XZ_COMMAND = """\
options="-${level} --threads=${threads} --check=${check}"
if [ "${extreme}" = true ]; then options="$options --extreme"; fi
xz $options --keep --stdout input.txt > input.txt.xz
"""
XZ_FINISH = """printf '{"output_bytes": %d}\\n' "$(stat -c %s input.txt.xz)"\n"""

SORT_COMMAND = """\
options="--parallel=${parallel} --buffer-size=$((1 << (2 * ${buffer_step})))M"
if [ "${stable}" = true ]; then options="$options --stable"; fi
if [ "${compress}" != none ]; then options="$options --compress-program=${compress}"; fi
LC_ALL=C sort $options --temporary-directory=. --output=sorted.txt input.txt
"""


def _xz_cost(runtime: float, output: dict) -> float:
    return runtime + output["output_bytes"] / LINK_BYTES_PER_SECOND


def _runtime_cost(runtime: float, output: dict) -> float:
    return runtime


REAL_TOOLS = {
    "xz": RealTool(
        name="xz",
        summary=(
            "xz on 2.5 MB of generated text; cost = compression wall time + upload of "
            "the output at 4 Mbit/s. 160 configurations."
        ),
        parameters=[
            {"name": "level", "type": "int", "minimum": 0, "maximum": 9},
            {"name": "extreme", "type": "bool"},
            {"name": "threads", "type": "int", "minimum": 1, "maximum": 2},
            {
                "name": "check",
                "type": "categorical",
                "values": ["none", "crc32", "crc64", "sha256"],
            },
        ],
        command=XZ_COMMAND,
        finish=XZ_FINISH,
        write_input=lambda path: write_text(path, 2_500_000, seed=7),
        repeat_cost=_xz_cost,
    ),
    "sort": RealTool(
        name="sort",
        summary=(
            "GNU sort of 1.2 million records (about 34 MB); cost = wall time. "
            "--parallel 1-4, --buffer-size 1-256 MiB, --stable, temporary-file "
            "compression (none, lz4, gzip). 120 configurations."
        ),
        parameters=[
            {"name": "parallel", "type": "int", "minimum": 1, "maximum": 4},
            # --buffer-size is 4^buffer_step MiB: 1, 4, 16, 64 or 256.
            {"name": "buffer_step", "type": "int", "minimum": 0, "maximum": 4},
            {"name": "stable", "type": "bool"},
            {"name": "compress", "type": "categorical", "values": ["none", "lz4", "gzip"]},
        ],
        command=SORT_COMMAND,
        finish=None,
        write_input=lambda path: write_records(path, 1_200_000, seed=11),
        repeat_cost=_runtime_cost,
    ),
}


def _all_configurations(spec: ExperimentSpec) -> list[Configuration]:
    axes = [parameter.grid_values(parameter.size()) for parameter in spec.parameters]
    names = [parameter.name for parameter in spec.parameters]
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*axes)]


def measure_tool(tool: RealTool, repeats: int = REPEATS) -> dict:
    """Run every configuration of ``tool`` with run_trial and return the measurements.

    The configurations run in a seeded random order, so that a slow drift of the
    machine does not line up with one parameter.

    Raises:
        RuntimeError: A trial failed; the message contains its reason and output.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"paropt-bench-{tool.name}-") as directory:
        input_path = Path(directory) / "input.txt"
        tool.write_input(input_path)
        spec = tool.spec(str(input_path))
        configurations = _all_configurations(spec)
        random.Random(0).shuffle(configurations)
        records = []
        for number, configuration in enumerate(configurations, start=1):
            result = run_trial(
                render_scripts(spec, configuration),
                timeout=SCRIPT_TIMEOUT_SECONDS,
                repeats=repeats,
            )
            if result.status != "succeeded":
                raise RuntimeError(
                    f"{tool.name} trial {configuration} {result.status}: {result.reason}; "
                    f"output: {result.output_tail[-2000:]}"
                )
            outputs = [last_line_json(output) or {} for output in result.outputs]
            records.append(
                {"parameters": configuration, "runtimes": list(result.runtimes), "outputs": outputs}
            )
            if number % 20 == 0:
                logger.info("%s: measured %d of %d", tool.name, number, len(configurations))
        input_bytes = input_path.stat().st_size
    return {
        "fingerprint": tool.fingerprint(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "repeats": repeats,
        "input_bytes": input_bytes,
        "seconds": round(time.perf_counter() - started, 1),
        "configurations": records,
    }


def load_cache(path: Path = CACHE_PATH) -> dict:
    """Return the cached measurements by tool name, or an empty dict without a cache file."""
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def ensure_measured(names: list[str], *, remeasure: bool = False, path: Path = CACHE_PATH) -> dict:
    """Measure the tools in ``names`` whose cache entry is missing or stale, and save the cache.

    Args:
        names: Names of real tools in ``REAL_TOOLS``.
        remeasure: Whether to measure every tool in ``names`` again.
        path: Cache file.

    Returns:
        The whole cache, by tool name.
    """
    cache = load_cache(path)
    for name in names:
        tool = REAL_TOOLS[name]
        entry = cache.get(name)
        if not remeasure and entry is not None and entry["fingerprint"] == tool.fingerprint():
            continue
        logger.info("measuring every configuration of %s (%d repeats)", name, REPEATS)
        cache[name] = measure_tool(tool)
        logger.info("measured %s in %.0f s", name, cache[name]["seconds"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
    return cache


def real_problem(name: str, entry: dict) -> Problem:
    """Build the problem of tool ``name`` from its cache entry.

    The cost of a configuration is the mean cost of its repeats, and a measurement
    returns one of the repeats, drawn uniformly.
    """
    tool = REAL_TOOLS[name]
    spec = tool.spec("input")
    costs: dict[tuple, list[float]] = {}
    for record in entry["configurations"]:
        key = configuration_key(spec, record["parameters"])
        pairs = zip(record["runtimes"], record["outputs"], strict=True)
        costs[key] = [tool.repeat_cost(runtime, output) for runtime, output in pairs]
    means = {key: statistics.fmean(values) for key, values in costs.items()}

    def cost(configuration: Configuration) -> float:
        return means[configuration_key(spec, configuration)]

    def measure(configuration: Configuration, rng: np.random.Generator) -> float:
        repeats = costs[configuration_key(spec, configuration)]
        return repeats[int(rng.integers(len(repeats)))]

    return Problem(
        name=name,
        kind="real",
        summary=tool.summary,
        spec=spec,
        cost=cost,
        measure=measure,
        best_known=min(means.values()),
    )

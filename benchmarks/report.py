"""Markdown report of the optimiser benchmark, and its place in docs/benchmarks.md."""

from __future__ import annotations

import math
import platform
import subprocess
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from benchmarks.metrics import (
    EARLY_TRIALS,
    WITHIN,
    AutoShortfall,
    MethodResult,
    SuiteResult,
)
from benchmarks.problems import Problem

SECTION_HEADING = "## Optimiser quality"
BEGIN_MARKER = "<!-- BEGIN optimiser-quality: written by make bench (benchmarks/report.py) -->"
END_MARKER = "<!-- END optimiser-quality -->"
DOCUMENT_HEADER = "# Benchmarks\n\nMeasured numbers of paropt service, one section per benchmark.\n"
PACKAGES = ["bayesian-optimization", "optuna", "scikit-learn", "numpy", "scipy"]

METHOD_DESCRIPTIONS = {
    "grid": "paropt `grid`, counts per numeric parameter grown in turn while the grid fits "
    "the budget; categorical and bool values all enumerated",
    "random": "paropt `random`",
    "bayesopt": "paropt `bayesopt`, `n_init` 5, defaults otherwise (UCB, kappa 2.576)",
    "tpe": "paropt `tpe`, defaults (`n_startup_trials` 5)",
    "coordinate": "paropt `coordinate`",
    "auto": "paropt `auto` with `n_trials` set to the budget",
    "peer_random": "peer: independent uniform (log-uniform for log parameters) draws "
    "with replacement, written directly on NumPy",
    "peer_gp_ucb": "peer: the previous service's method, bayes_opt 3.4 "
    "`BayesianOptimization` with `acquisition.UpperConfidenceBound(kappa=2.5)`, 5 random "
    "points from bayes_opt's sampler, then `suggest`/`register`, with bools as ints 0 and 1 "
    "and log parameters on the log scale",
    "peer_optuna_tpe": "peer: Optuna `TPESampler(seed=seed)` with default settings "
    "(10 random start-up trials) through `study.ask`/`study.tell`",
}


@dataclass(frozen=True)
class RunInfo:
    """Settings, date and duration of one benchmark run.

    Attributes:
        command: Command line of the run.
        date: UTC date and time at the start of the run.
        seconds: Wall time of the whole run, measurements of real tools included.
        seeds: Seeds per method and problem.
        trials: Trial budget per run.
        workers: Worker processes that ran the runs.
        measurements: Cache entry of each real tool in the run, by name.
    """

    command: str
    date: str
    seconds: float
    seeds: int
    trials: int
    workers: int
    measurements: dict[str, dict]


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"({' '.join(command)} failed: {exc})"


def machine_description() -> str:
    """Return the cores (``nproc``), total memory (``free -g``), CPU model and versions."""
    cores = _command_output(["nproc"]).strip()
    memory = "unknown"
    for line in _command_output(["free", "-g"]).splitlines():
        if line.startswith("Mem:"):
            memory = f"{line.split()[1]} GiB"
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    packages = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    return (
        f"{cores} cores (`nproc`), {memory} memory (`free -g`), {model}; "
        f"Python {platform.python_version()}, {packages}"
    )


def format_trials(value: float, budget: int) -> str:
    """Return a median trial count, or ``>budget`` when it is infinite."""
    if math.isinf(value):
        return f">{budget}"
    return f"{value:g}"


def format_regret(value: float) -> str:
    """Return a relative regret as a percentage with one decimal."""
    if math.isinf(value):
        return "no trial"
    return f"{100 * value:.1f} %"


def _problem_table(problems: list[Problem], results: dict, trials: int) -> list[str]:
    lines = [
        "| problem | kind | parameters | configurations | trials | best known (s) | auto chose |",
        "|---|---|---|---|---|---|---|",
    ]
    for problem in problems:
        types = ", ".join(
            f"{p.name} ({p.type}{' log' if getattr(p, 'log', False) else ''})"
            for p in problem.spec.parameters
        )
        size = problem.spec.space_size()
        chosen = (
            ", ".join(results[problem.name]["auto"].chosen)
            if "auto" in results[problem.name]
            else "-"
        )
        lines.append(
            f"| {problem.name} | {problem.kind} | {types} | "
            f"{'continuous' if size is None else size} | {problem.trial_budget(trials)} | "
            f"{problem.best_known:.4g} | {chosen} |"
        )
    lines.append("")
    for problem in problems:
        lines.append(f"- `{problem.name}`: {problem.summary}")
    return lines


def _real_tools_paragraph(info: RunInfo) -> list[str]:
    if not info.measurements:
        return []
    parts = []
    for name, entry in info.measurements.items():
        parts.append(
            f"`{name}`: {len(entry['configurations'])} configurations, {entry['repeats']} "
            f"repeats each, {entry['input_bytes']:,} bytes of input, measured "
            f"{entry['measured_at']} in {entry['seconds'] / 60:.1f} min"
        )
    return [
        "The real tools run for real once, not in every trial. `benchmarks/real_tools.py` "
        "measured every configuration of each small discrete space with "
        "`paropt.runner.trial.run_trial`, in a seeded random order. For each configuration "
        "the setup copies a generated input file into the trial directory, and the timed "
        "command runs 3 times. The measurements are cached in "
        "`benchmarks/results/real_tools.json`. "
        "The optimisers then draw each outcome from those real measurements: one of the "
        "configuration's 3 repeats, chosen at random, so the spread between repeats is the "
        "noise. A configuration's noiseless cost is the mean of its repeats, and the best "
        f"known value is the best mean. {'; '.join(parts)}.",
    ]


def _method_table(results: dict[str, MethodResult], budget: int) -> list[str]:
    lines = [
        f"| method | trials to within {WITHIN:.0%} | reached | regret after {EARLY_TRIALS} "
        f"| regret after {budget} | distinct configs | s per run | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for method, result in results.items():
        lines.append(
            f"| {method} | {format_trials(result.trials_to_within, budget)} | "
            f"{result.reached}/{result.runs} | {format_regret(result.early_regret)} | "
            f"{format_regret(result.final_regret)} | {result.mean_distinct:.1f} of "
            f"{result.mean_trials:.1f} | {result.median_seconds:.2f} | {len(result.errors)} |"
        )
    return lines


def _suite_table(suite: dict[str, SuiteResult], problems: int, trials: int) -> list[str]:
    lines = [
        f"| method | trials to within {WITHIN:.0%} | problems reached | "
        f"regret after {EARLY_TRIALS} | regret after the budget |",
        "|---|---|---|---|---|",
    ]
    for method, result in suite.items():
        lines.append(
            f"| {method} | {format_trials(result.trials_to_within, trials)} | "
            f"{result.problems_reached}/{problems} | {format_regret(result.early_regret)} | "
            f"{format_regret(result.final_regret)} |"
        )
    return lines


def _format_value(metric: str, value: float, trials: int) -> str:
    if metric.startswith("trials"):
        return format_trials(value, trials)
    return format_regret(value)


def _gap(metric: str, auto_value: float, reference_value: float) -> str:
    if not metric.startswith("trials"):
        return f"{100 * (auto_value - reference_value):.1f} points"
    if math.isinf(auto_value):
        return "not reached"
    return f"{auto_value - reference_value:g} trials"


def _shortfall_lines(shortfalls: list[AutoShortfall], budgets: dict[str, int]) -> list[str]:
    if not shortfalls:
        return ["`auto` meets the goal in this run: no shortfall on any metric."]
    lines = [
        "`auto` misses the goal in these places. Lower is better for every metric, and the "
        "gap is auto's value minus the reference value (percentage points for regrets).",
        "",
        "| where | metric | auto | reference | reference value | gap |",
        "|---|---|---|---|---|---|",
    ]
    for shortfall in shortfalls:
        where = "suite median" if shortfall.where == "suite" else shortfall.where
        metric = shortfall.metric
        trials = budgets.get(shortfall.where, max(budgets.values()))
        lines.append(
            f"| {where} | {metric} | {_format_value(metric, shortfall.auto_value, trials)} | "
            f"{shortfall.reference} | "
            f"{_format_value(metric, shortfall.reference_value, trials)} | "
            f"{_gap(metric, shortfall.auto_value, shortfall.reference_value)} |"
        )
    return lines


def render_section(
    problems: list[Problem],
    results: dict[str, dict[str, MethodResult]],
    suite: dict[str, SuiteResult],
    shortfalls: list[AutoShortfall],
    info: RunInfo,
) -> str:
    """Return the generated part of the "Optimiser quality" section as Markdown."""
    methods = list(suite)
    lines = [
        BEGIN_MARKER,
        "",
        f"Command: `{info.command}` (`make bench` runs the whole suite; `--seeds`, "
        "`--trials`, `--problems` and `--methods` select a part of it).",
        "",
        f"Run on {info.date} with {info.workers} worker processes; the run took "
        f"{info.seconds / 60:.1f} min.",
        "",
        f"Machine: {machine_description()}.",
        "",
        f"Every method ran on every problem with {info.seeds} seeds and a budget of "
        f"{info.trials} trials per run (fewer only where the space has fewer "
        "configurations). A seed sets the method's own seed and the noise stream, which is "
        "the same for every method.",
        "",
        "### Problems",
        "",
        *_problem_table(problems, results, info.trials),
        "",
        "The synthetic tools are cost models in `benchmarks/synthetic.py`. Each measurement "
        "multiplies the noiseless cost by a lognormal factor `exp(N(0, s^2))` with s = 0.03 "
        "(0.05 for `small_space`). The best known value is the exact optimum of the "
        "noiseless model, computed by enumeration or, for float parameters, from the "
        "model's separable structure, and the run checks it with a random search and "
        "coordinate descent before it starts.",
        "",
        *_real_tools_paragraph(info),
        "",
        "### Methods",
        "",
        *[f"- `{method}`: {METHOD_DESCRIPTIONS[method]}." for method in methods],
        "",
        "### Metrics",
        "",
        f"- Trials to within {WITHIN:.0%}: the number of the first trial whose noiseless "
        f"cost is at most {1 + WITHIN:g} times the best known value, as the median over "
        "seeds. It is shown as `>N` when half the runs or more never got there in N "
        "trials, and `reached` counts the runs that did.",
        "- Regret after k trials: (lowest noiseless cost among the first k trials - best "
        "known) / best known, the median over seeds. It scores the best configuration "
        "tried, not the one with the best noisy outcome. A run that ended early (a grid "
        "smaller than the budget) counts with the trials it made.",
        "- Distinct configs: mean distinct configurations per run, of the mean trials per "
        "run. The peers may repeat a configuration, and each repeat costs a trial.",
        "- s per run: median wall time of one run, which is the method's own computation "
        "because measurements are drawn, not run.",
        "",
        "### Results per problem",
        "",
    ]
    for problem in problems:
        budget = problem.trial_budget(info.trials)
        lines += [f"#### {problem.name}", "", *_method_table(results[problem.name], budget), ""]
        for method, result in results[problem.name].items():
            for error in sorted(set(result.errors)):
                count = result.errors.count(error)
                lines.append(f"- `{method}` crashed in {count} runs: `{error}`")
        if any(result.errors for result in results[problem.name].values()):
            lines.append("")
    lines += [
        "### Suite summary",
        "",
        "Each value is the median over the problems of the method's per-problem median.",
        "",
        *_suite_table(suite, len(problems), info.trials),
        "",
        "### The goal for `auto`",
        "",
        "Goal: on each suite median `auto` is at least as good as the best peer "
        "(`peer_random`, `peer_gp_ucb`, `peer_optuna_tpe`), and on every problem it is no "
        "worse than random search (`random` and `peer_random`) on any of the three "
        "metrics.",
        "",
        *_shortfall_lines(shortfalls, {p.name: p.trial_budget(info.trials) for p in problems}),
        "",
        END_MARKER,
    ]
    return "\n".join(lines) + "\n"


def update_document(path: Path, generated: str) -> None:
    """Write ``generated`` into the "Optimiser quality" section of the Markdown file ``path``.

    Only the text between the section's markers is replaced, so other sections and
    hand-written text in this section stay. Without markers the section is appended.
    """
    text = path.read_text() if path.exists() else DOCUMENT_HEADER
    if BEGIN_MARKER in text and END_MARKER in text:
        before = text[: text.index(BEGIN_MARKER)]
        after = text[text.index(END_MARKER) + len(END_MARKER) :].lstrip("\n")
        text = before + generated + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + f"\n\n{SECTION_HEADING}\n\n{generated}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)

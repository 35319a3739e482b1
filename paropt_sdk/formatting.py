"""Text, CSV and JSON forms of experiments, trials, jobs and best results for the CLI."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import Any, TextIO

from paropt_sdk.models import Best, Experiment, Job, Trial

# Trial fields in CSV order. The ``parameters.<name>`` and ``metrics.<name>``
# columns go between the fourth field (outcome) and the fifth (spread).
TRIAL_CSV_FIELDS = (
    "trial_number",
    "run_number",
    "status",
    "outcome",
    "spread",
    "tool_seconds",
    "exit_code",
    "reason",
    "job_id",
    "started_at",
    "ended_at",
)
MAX_REASON_CHARS = 60


def format_value(value: Any) -> str:
    """Format a parameter value or outcome for a table cell."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Align ``rows`` under ``header`` in columns separated by two spaces."""
    widths = [len(title) for title in header]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = []
    for row in [list(header), *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def parameter_names(experiment: Experiment | None, trials: Sequence[Trial]) -> list[str]:
    """Return the parameter names in the experiment's order, then any others the trials have."""
    names = [parameter["name"] for parameter in (experiment or {}).get("parameters", [])]
    for trial in trials:
        for name in trial.get("parameters") or {}:
            if name not in names:
                names.append(name)
    return names


def trials_table(trials: Sequence[Trial], names: Sequence[str]) -> str:
    """Render trials as a table: number, run, parameters, status, outcome and reason."""
    header = ["#", "run", *names, "status", "outcome", "reason"]
    rows = []
    for trial in trials:
        parameters = trial.get("parameters") or {}
        reason = trial.get("reason") or ""
        if len(reason) > MAX_REASON_CHARS:
            reason = reason[: MAX_REASON_CHARS - 3] + "..."
        rows.append(
            [
                str(trial.get("trial_number")),
                str(trial.get("run_number")),
                *[format_value(parameters.get(name)) for name in names],
                str(trial.get("status")),
                format_value(trial.get("outcome")),
                reason,
            ]
        )
    return render_table(header, rows)


def write_trials_csv(trials: Sequence[Trial], names: Sequence[str], stream: TextIO) -> None:
    """Write trials as CSV with ``parameters.<name>`` and ``metrics.<name>`` columns."""
    metric_names: list[str] = []
    for trial in trials:
        for name in trial.get("metrics") or {}:
            if name not in metric_names:
                metric_names.append(name)
    columns = [
        *TRIAL_CSV_FIELDS[:4],
        *[f"parameters.{name}" for name in names],
        *[f"metrics.{name}" for name in metric_names],
        *TRIAL_CSV_FIELDS[4:],
    ]
    writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for trial in trials:
        row: dict[str, Any] = {field: trial.get(field) for field in TRIAL_CSV_FIELDS}
        for name, value in (trial.get("parameters") or {}).items():
            row[f"parameters.{name}"] = json.dumps(value) if isinstance(value, bool) else value
        for name, value in (trial.get("metrics") or {}).items():
            row[f"metrics.{name}"] = value
        writer.writerow(row)


def to_json(value: Any) -> str:
    """Render API objects as indented JSON."""
    return json.dumps(value, indent=2, sort_keys=False)


def describe_parameters(parameters: dict[str, Any] | None) -> str:
    """Render a configuration as ``name=value, ...``."""
    return ", ".join(f"{name}={format_value(value)}" for name, value in (parameters or {}).items())


def describe_experiment(experiment: Experiment) -> str:
    """Render an experiment as a few lines: id, tool, parameters, compute and state."""
    parameters = []
    for parameter in experiment.get("parameters", []):
        kind = parameter.get("type")
        if kind in ("int", "float"):
            span = f"{parameter.get('minimum')}..{parameter.get('maximum')}"
            if parameter.get("log"):
                span += " log"
        elif kind == "categorical":
            span = ", ".join(format_value(value) for value in parameter.get("values", []))
        elif kind == "constant":
            span = format_value(parameter.get("value"))
        else:
            span = "true, false"
        parameters.append(f"  {parameter.get('name')} ({kind}): {span}")
    active = experiment.get("active_job_id")
    fields = [
        ("tool", experiment.get("tool_name")),
        ("objective", objective_label(experiment.get("objective"))),
        ("compute", (experiment.get("compute") or {}).get("type")),
        ("created at", experiment.get("created_at")),
        ("active job", active or "none"),
    ]
    lines = [f"experiment {experiment.get('experiment_id')}"]
    lines += [f"{label + ':':<12}{value}" for label, value in fields]
    lines += ["parameters:", *parameters]
    return "\n".join(lines)


def experiments_table(experiments: Sequence[Experiment]) -> str:
    """Render experiments as a table: id, tool, parameter count, created and active job."""
    header = ["experiment_id", "tool", "parameters", "created_at", "active_job"]
    rows = [
        [
            str(item.get("experiment_id")),
            str(item.get("tool_name")),
            str(len(item.get("parameters", []))),
            str(item.get("created_at")),
            item.get("active_job_id") or "-",
        ]
        for item in experiments
    ]
    return render_table(header, rows)


def objective_label(objective: dict[str, Any] | None) -> str:
    """Describe an objective, such as ``runtime (s, minimize)``."""
    objective = objective or {"type": "runtime"}
    kind = objective.get("type", "runtime")
    if kind == "runtime":
        return "runtime (s, minimize)"
    direction = objective.get("direction", "minimize")
    if kind == "json":
        return f"{objective.get('key')} ({direction})"
    return f"{kind} objective ({direction})"


def describe_job(job: Job) -> str:
    """Render a job as a few lines: status, progress, best trial and any error."""
    progress = job.get("progress") or {}
    planned = progress.get("trials_planned") or "?"
    fields = [
        ("experiment", job.get("experiment_id")),
        ("status", job.get("status")),
        ("optimizer", describe_optimizer(job)),
        ("run", job.get("run_number")),
        (
            "trials",
            f"{progress.get('trials_done', 0)} of {planned} done, "
            f"{progress.get('trials_failed', 0)} failed",
        ),
    ]
    best = job.get("best")
    if best:
        fields.append(
            (
                "best",
                f"{format_value(best.get('outcome'))} at trial {best.get('trial_number')} "
                f"({describe_parameters(best.get('parameters'))})",
            )
        )
    fields += [
        ("created at", job.get("created_at")),
        ("started at", job.get("started_at")),
        ("ended at", job.get("ended_at")),
        ("end reason", job.get("stop_reason")),
    ]
    if job.get("error") or job.get("cause"):
        fields.append(("error", f"{job.get('error')}: {job.get('cause')}"))
    lines = [f"job {job.get('job_id')}"]
    lines += [f"{label + ':':<12}{value}" for label, value in fields if value is not None]
    return "\n".join(lines)


def describe_optimizer(job: Job) -> str:
    """Return the optimiser's type, with the one that ``auto`` chose."""
    kind = (job.get("optimizer") or {}).get("type", "?")
    used = job.get("optimizer_used")
    return f"{kind} (chose {used})" if used and used != kind else str(kind)


def jobs_table(jobs: Sequence[Job]) -> str:
    """Render jobs as a table: id, experiment, status, optimiser, progress and best outcome."""
    header = ["job_id", "experiment_id", "status", "optimizer", "trials", "best", "created_at"]
    rows = []
    for job in jobs:
        progress = job.get("progress") or {}
        best = job.get("best") or {}
        rows.append(
            [
                str(job.get("job_id")),
                str(job.get("experiment_id")),
                str(job.get("status")),
                describe_optimizer(job),
                f"{progress.get('trials_done', 0)}/{progress.get('trials_planned') or '?'}",
                format_value(best.get("outcome")),
                str(job.get("created_at")),
            ]
        )
    return render_table(header, rows)


def describe_best(best: Best) -> str:
    """Render the best configuration, its outcome, spread and trial number."""
    outcome = format_value(best.get("outcome"))
    lines = [
        f"best of experiment {best.get('experiment_id')}: trial {best.get('trial_number')}",
        f"outcome:   {outcome} ({objective_label(best.get('objective'))})",
    ]
    if best.get("spread") is not None:
        lines.append(f"spread:    {format_value(best.get('spread'))}")
    lines.append("parameters:")
    lines.extend(
        f"  {name} = {format_value(value)}"
        for name, value in (best.get("parameters") or {}).items()
    )
    return "\n".join(lines)

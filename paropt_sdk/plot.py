"""Plotting an experiment's trials to a PNG file with matplotlib's Agg backend."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paropt_sdk.formatting import objective_label
from paropt_sdk.models import Experiment, Trial

FAILED_COLOR = "tab:red"
TRIAL_COLOR = "tab:blue"
BEST_COLOR = "tab:orange"
PANEL_COLUMNS = 3


def running_best(outcomes: Sequence[float | None], *, maximize: bool) -> list[float | None]:
    """Return the best outcome so far at each position; ``None`` before the first success."""
    best: float | None = None
    result: list[float | None] = []
    for outcome in outcomes:
        if outcome is not None and (
            best is None or (outcome > best if maximize else outcome < best)
        ):
            best = outcome
        result.append(best)
    return result


def _mark_failed(axes: Any, positions: Sequence[float], *, maximize: bool) -> None:
    """Mark failed trials with red crosses along the edge of ``axes`` away from the best outcomes.

    A failed trial has no outcome, so the crosses sit at the top edge when the
    objective is minimised and at the bottom edge when it is maximised.
    """
    if not positions:
        return
    # The blended transform puts x in data units and y in axes units (0 is the
    # bottom edge, 1 the top edge).
    edge = 0.03 if maximize else 0.97
    axes.scatter(
        positions,
        [edge] * len(positions),
        marker="x",
        color=FAILED_COLOR,
        transform=axes.get_xaxis_transform(),
        clip_on=False,
        label="failed",
        zorder=3,
    )
    # Autoscaling ignores points drawn with a non-data transform, so the x range
    # is widened to the crosses here. The y value is within the current range.
    y_inside = axes.dataLim.y0 if axes.dataLim.height >= 0 else 0.0
    axes.update_datalim([(position, y_inside) for position in positions], updatey=False)
    axes.autoscale_view()


def _plot_history(axes: Any, trials: Sequence[Trial], *, maximize: bool, label: str) -> None:
    numbers = [trial["trial_number"] for trial in trials]
    outcomes = [
        trial.get("outcome") if trial.get("status") == "succeeded" else None for trial in trials
    ]
    succeeded = [(n, o) for n, o in zip(numbers, outcomes, strict=True) if o is not None]
    if succeeded:
        axes.scatter(*zip(*succeeded, strict=True), color=TRIAL_COLOR, label="trial", zorder=2)
    best = running_best(outcomes, maximize=maximize)
    best_points = [(n, b) for n, b in zip(numbers, best, strict=True) if b is not None]
    if best_points:
        axes.step(
            *zip(*best_points, strict=True),
            where="post",
            color=BEST_COLOR,
            label="best so far",
        )
    failed = [n for n, o in zip(numbers, outcomes, strict=True) if o is None]
    _mark_failed(axes, failed, maximize=maximize)
    _integer_ticks(axes)
    axes.set_xlabel("trial number")
    axes.set_ylabel(label)
    axes.set_title("objective by trial")
    axes.legend(loc="best", fontsize="small")


def _category_positions(parameter: dict[str, Any], trials: Sequence[Trial]) -> list[Any] | None:
    """Return the ordered categories of a non-numeric parameter, or ``None`` for a numeric one."""
    kind = parameter.get("type")
    if kind in ("int", "float"):
        return None
    if kind == "bool":
        return [False, True]
    if kind == "categorical":
        return list(parameter.get("values", []))
    values: list[Any] = []
    for trial in trials:
        value = (trial.get("parameters") or {}).get(parameter["name"])
        if value not in values:
            values.append(value)
    return values


def _integer_ticks(axes: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _plot_parameter(
    axes: Any, parameter: dict[str, Any], trials: Sequence[Trial], *, label: str, maximize: bool
) -> None:
    name = parameter["name"]
    categories = _category_positions(parameter, trials)
    succeeded_x, succeeded_y, failed_x = [], [], []
    for trial in trials:
        value = (trial.get("parameters") or {}).get(name)
        if value is None:
            continue
        if categories is not None:
            if value not in categories:
                categories.append(value)
            value = categories.index(value)
        if trial.get("status") == "succeeded" and trial.get("outcome") is not None:
            succeeded_x.append(value)
            succeeded_y.append(trial["outcome"])
        else:
            failed_x.append(value)
    axes.scatter(succeeded_x, succeeded_y, color=TRIAL_COLOR, zorder=2)
    _mark_failed(axes, failed_x, maximize=maximize)
    if categories is not None:
        axes.set_xticks(range(len(categories)))
        axes.set_xticklabels([str(value) for value in categories])
        axes.set_xlim(-0.5, len(categories) - 0.5)
    elif parameter.get("log"):
        axes.set_xscale("log")
    elif parameter.get("type") == "int":
        _integer_ticks(axes)
    axes.set_xlabel(name)
    axes.set_ylabel(label)


def plot_trials(experiment: Experiment, trials: Sequence[Trial], path: Path) -> Path:
    """Draw the trials of an experiment into a PNG file and return its path.

    The top panel shows each trial's outcome by trial number with the running best
    as a step line. Below it one panel per searched parameter shows the outcome
    against that parameter's value. Failed and timed-out trials have no outcome and
    are marked with red crosses at the top edge of each panel (the bottom edge
    when the objective is maximised).

    Raises:
        ValueError: The experiment has no trials to plot.
    """
    if not trials:
        raise ValueError(f"experiment {experiment.get('experiment_id')} has no trials to plot")
    # The figure gets its own Agg canvas, which draws without a display and leaves
    # pyplot's global backend alone. matplotlib is imported here only so that
    # other commands do not pay for its import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    objective = experiment.get("objective") or {"type": "runtime"}
    maximize = objective.get("direction") == "maximize"
    label = objective_label(objective)
    searched = [p for p in experiment.get("parameters", []) if p.get("type") != "constant"]
    panel_rows = math.ceil(len(searched) / PANEL_COLUMNS)
    columns = min(max(len(searched), 1), PANEL_COLUMNS)
    figure = Figure(figsize=(4.2 * columns, 3.4 * (1 + panel_rows)), layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(1 + panel_rows, columns)
    _plot_history(figure.add_subplot(grid[0, :]), trials, maximize=maximize, label=label)
    for index, parameter in enumerate(searched):
        row, column = divmod(index, PANEL_COLUMNS)
        axes = figure.add_subplot(grid[1 + row, column])
        _plot_parameter(axes, parameter, trials, label=label, maximize=maximize)
    figure.suptitle(
        f"{experiment.get('tool_name')}: experiment {str(experiment.get('experiment_id'))[:8]}, "
        f"{len(trials)} trials"
    )
    path = Path(path)
    figure.savefig(path, dpi=100, format="png")
    return path

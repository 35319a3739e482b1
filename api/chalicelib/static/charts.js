// Charts drawn with Chart.js (the global `Chart` of static/chart.umd.min.js): the
// objective by trial with the running best, and the objective against one parameter.
// Failed and timed-out trials have no outcome, so they are red crosses on a hidden
// axis along the bottom of the plot.

import { formatNumber, formatValue } from "./format.js";

const COLORS = {
  trial: "rgba(31, 78, 121, 0.75)",
  best: "#d9480f",
  failed: "#c92a2a",
};
// Height of the failed trials' crosses on their hidden 0–1 axis.
const FAILED_ROW = 0.04;

export function chartsAvailable() {
  return typeof window.Chart === "function";
}

/** Return whether `a` is a better outcome than `b` in the objective's direction. */
export function isBetter(a, b, direction) {
  return direction === "maximize" ? a > b : a < b;
}

/** Return the best outcome after each successful trial, in trial order. */
export function runningBest(trials, direction) {
  const points = [];
  let best = null;
  for (const trial of [...trials].sort((a, b) => a.trial_number - b.trial_number)) {
    if (trial.status !== "succeeded" || trial.outcome === null) continue;
    if (best === null || isBetter(trial.outcome, best, direction)) best = trial.outcome;
    points.push({ x: trial.trial_number, y: best });
  }
  return points;
}

function tooltipLabel(context) {
  const point = context.raw;
  if (point.status && point.status !== "succeeded") {
    return `trial ${point.trial} ${point.status.replace("_", " ")}${point.reason ? `: ${point.reason}` : ""}`;
  }
  if (point.trial === undefined) return `best so far: ${formatNumber(point.y)}`;
  return `trial ${point.trial}: ${formatNumber(point.y)}`;
}

function commonOptions(xScale, yTitle) {
  return {
    animation: false,
    maintainAspectRatio: false,
    scales: {
      x: xScale,
      y: { title: { display: true, text: yTitle } },
      failed: { display: false, min: 0, max: 1 },
    },
    plugins: {
      legend: { position: "bottom", labels: { usePointStyle: true, boxHeight: 6 } },
      tooltip: { callbacks: { label: tooltipLabel } },
    },
  };
}

function failedDataset(label) {
  return {
    label,
    data: [],
    yAxisID: "failed",
    pointStyle: "crossRot",
    pointRadius: 6,
    borderWidth: 2,
    borderColor: COLORS.failed,
    backgroundColor: COLORS.failed,
    clip: false,
  };
}

function trialPoint(trial, x) {
  if (trial.status === "succeeded" && trial.outcome !== null) {
    return { x, y: trial.outcome, trial: trial.trial_number, status: trial.status };
  }
  return { x, y: FAILED_ROW, trial: trial.trial_number, status: trial.status, reason: trial.reason };
}

/** The objective of each trial by trial number, with the best outcome so far as a step line. */
export class ObjectiveChart {
  constructor(canvas, direction, yTitle) {
    this.direction = direction;
    this.chart = new window.Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          { label: "trial", data: [], backgroundColor: COLORS.trial, pointRadius: 4, clip: false },
          {
            label: "best so far",
            data: [],
            showLine: true,
            stepped: "before",
            borderColor: COLORS.best,
            backgroundColor: COLORS.best,
            borderWidth: 2,
            pointRadius: 0,
            pointHitRadius: 4,
          },
          failedDataset("failed or timed out"),
        ],
      },
      options: commonOptions(
        // "data" bounds start the axis at the first trial, not at a rounder number such as 0.
        { type: "linear", bounds: "data", title: { display: true, text: "trial" }, ticks: { precision: 0 } },
        yTitle,
      ),
    });
  }

  update(trials) {
    const [points, best, failed] = this.chart.data.datasets;
    const all = trials.map((trial) => trialPoint(trial, trial.trial_number));
    points.data = all.filter((point) => point.status === "succeeded");
    failed.data = all.filter((point) => point.status !== "succeeded");
    best.data = runningBest(trials, this.direction);
    this.chart.update("none");
  }

  destroy() {
    this.chart.destroy();
  }
}

function parameterScale(parameter) {
  const title = { display: true, text: parameter.name };
  if (parameter.type === "categorical" || parameter.type === "bool") {
    const labels = parameter.type === "bool" ? ["false", "true"] : parameter.values.map(formatValue);
    return { type: "category", labels, offset: true, title };
  }
  const scale = { type: parameter.log ? "logarithmic" : "linear", title };
  if (parameter.minimum < parameter.maximum) {
    scale.suggestedMin = parameter.minimum;
    scale.suggestedMax = parameter.maximum;
  }
  if (parameter.type === "int") scale.ticks = { precision: 0 };
  return scale;
}

/** The objective of each trial against the value of one parameter. */
export class ParameterChart {
  constructor(canvas, parameter, yTitle) {
    this.parameter = parameter;
    this.categorical = parameter.type === "categorical" || parameter.type === "bool";
    this.chart = new window.Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          { label: "trial", data: [], backgroundColor: COLORS.trial, pointRadius: 4, clip: false },
          failedDataset("failed or timed out"),
        ],
      },
      options: commonOptions(parameterScale(parameter), yTitle),
    });
  }

  update(trials) {
    const [points, failed] = this.chart.data.datasets;
    const all = trials
      .filter((trial) => trial.parameters && this.parameter.name in trial.parameters)
      .map((trial) => {
        const value = trial.parameters[this.parameter.name];
        return trialPoint(trial, this.categorical ? formatValue(value) : value);
      });
    points.data = all.filter((point) => point.status === "succeeded");
    failed.data = all.filter((point) => point.status !== "succeeded");
    this.chart.update("none");
  }

  destroy() {
    this.chart.destroy();
  }
}

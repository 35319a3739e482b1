// Parallel coordinates in SVG: one vertical axis per searched parameter and one for
// the objective, and one line per trial. Lines are shaded from worst (light) to best
// (dark), and the best trial is orange. Failed and timed-out trials are dashed red
// lines that end in a "failed" row below the objective axis.

import { replaceChildren, svg } from "./dom.js";
import { formatNumber, formatValue } from "./format.js";

// Sizes in SVG units; the drawing scales to the width of its container.
const WIDTH = 1100;
const MARGIN = { top: 34, right: 90, bottom: 44, left: 90 };
const PLOT_HEIGHT = 250;
const FAILED_OFFSET = 24;
const LIGHT = [197, 211, 224];
const DARK = [31, 78, 121];

function mix(share) {
  const channel = (index) => Math.round(LIGHT[index] + (DARK[index] - LIGHT[index]) * share);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

function categoricalAxis(name, labels) {
  const position = (value) => {
    const index = labels.indexOf(formatValue(value));
    if (index < 0) return null;
    return labels.length === 1 ? 0.5 : index / (labels.length - 1);
  };
  return { name, position, ticks: labels.map((label) => ({ label, share: position(label) })) };
}

function numericAxis(name, low, high, log) {
  const transform = log ? Math.log10 : (value) => value;
  const [start, end] = [transform(low), transform(high)];
  const position = (value) => {
    if (typeof value !== "number" || !Number.isFinite(value)) return null;
    return end === start ? 0.5 : (transform(value) - start) / (end - start);
  };
  const ticks = low === high ? [{ label: formatNumber(low), share: 0.5 }] : [low, high].map((value) => ({ label: formatNumber(value), share: position(value) }));
  return { name, position, ticks };
}

/** Return the axis of one parameter from its spec, or null for a constant. */
export function parameterAxis(parameter) {
  switch (parameter.type) {
    case "int":
    case "float":
      return numericAxis(parameter.name, parameter.minimum, parameter.maximum, Boolean(parameter.log));
    case "categorical":
      return categoricalAxis(parameter.name, parameter.values.map(formatValue));
    case "bool":
      return categoricalAxis(parameter.name, ["false", "true"]);
    default:
      return null;
  }
}

export class ParallelCoordinates {
  constructor(container, parameters, direction, objectiveTitle) {
    this.container = container;
    this.parameterAxes = parameters.map(parameterAxis).filter(Boolean);
    this.parameterNames = this.parameterAxes.map((axis) => axis.name);
    this.direction = direction;
    this.objectiveTitle = objectiveTitle;
  }

  update(trials) {
    const outcomes = trials
      .filter((trial) => trial.status === "succeeded" && trial.outcome !== null)
      .map((trial) => trial.outcome);
    const low = outcomes.length ? Math.min(...outcomes) : 0;
    const high = outcomes.length ? Math.max(...outcomes) : 1;
    const objectiveAxis = numericAxis(this.objectiveTitle, low, high, false);
    // Without a successful trial the objective has no range to label.
    if (outcomes.length === 0) objectiveAxis.ticks = [];
    const axes = [...this.parameterAxes, objectiveAxis];
    const height = MARGIN.top + PLOT_HEIGHT + MARGIN.bottom;
    const spacing = (WIDTH - MARGIN.left - MARGIN.right) / Math.max(axes.length - 1, 1);
    const x = (index) => MARGIN.left + spacing * index;
    const y = (share) => MARGIN.top + PLOT_HEIGHT * (1 - share);
    const failedY = MARGIN.top + PLOT_HEIGHT + FAILED_OFFSET;

    // The best trial gets share 1, the worst 0, in the objective's direction.
    const goodness = (outcome) => {
      if (high === low) return 1;
      const share = (outcome - low) / (high - low);
      return this.direction === "maximize" ? share : 1 - share;
    };
    const bestShare = outcomes.length ? Math.max(...outcomes.map(goodness)) : null;

    const lines = trials.map((trial) => {
      const succeeded = trial.status === "succeeded" && trial.outcome !== null;
      const points = [];
      this.parameterAxes.forEach((axis, index) => {
        const share = axis.position(trial.parameters?.[axis.name]);
        if (share !== null) points.push(`${x(index)},${y(share)}`);
      });
      const lastX = x(axes.length - 1);
      points.push(`${lastX},${succeeded ? y(objectiveAxis.position(trial.outcome)) : failedY}`);

      const values = this.parameterNames.map((name) => `${name}=${formatValue(trial.parameters?.[name])}`).join(", ");
      // Lines are drawn in ascending order: failed ones, then the others from worst to best.
      let order = 0;
      let className = "pc-line pc-failed";
      let stroke = null;
      let result = trial.status.replace("_", " ");
      if (succeeded) {
        const share = goodness(trial.outcome);
        const best = share === bestShare;
        order = (best ? 2 : 1) + share;
        className = best ? "pc-line pc-best" : "pc-line";
        stroke = best ? null : mix(share);
        result = formatNumber(trial.outcome);
      }

      return {
        order,
        node: svg(
          "polyline",
          {
            points: points.join(" "),
            class: className,
            stroke,
            "data-trial-number": trial.trial_number,
          },
          svg("title", {}, `trial ${trial.trial_number}: ${values} → ${result}`),
        ),
      };
    });
    lines.sort((a, b) => a.order - b.order);

    const axisNodes = axes.map((axis, index) =>
      svg(
        "g",
        { class: "pc-axis" },
        svg("line", { x1: x(index), x2: x(index), y1: y(0), y2: y(1) }),
        svg("text", { x: x(index), y: MARGIN.top - 14, class: "pc-axis-title" }, axis.name),
        axis.ticks.map((tick) =>
          svg("text", { x: x(index) - 6, y: y(tick.share) + 4, class: "pc-tick" }, tick.label),
        ),
      ),
    );
    const anyFailed = trials.some((trial) => trial.status !== "succeeded" || trial.outcome === null);
    const failedLabel = anyFailed
      ? svg("text", { x: x(axes.length - 1) + 8, y: failedY + 4, class: "pc-failed-label" }, "failed")
      : null;

    const chart = svg(
      "svg",
      {
        viewBox: `0 0 ${WIDTH} ${height}`,
        class: "parallel",
        role: "img",
        "aria-label": `Parallel coordinates of ${trials.length} trials`,
      },
      lines.map((line) => line.node),
      axisNodes,
      failedLabel,
    );
    replaceChildren(this.container, chart);
  }
}

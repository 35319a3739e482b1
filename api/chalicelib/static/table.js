// The trials table: one row per trial, sortable by any column. Failed and timed-out
// trials are marked by row class and status label, the best trial by row class.

import { h, replaceChildren } from "./dom.js";
import { statusBadge } from "./experiments.js";
import { formatNumber, formatTime, formatValue } from "./format.js";

function isMissing(value) {
  return value === null || value === undefined;
}

// Compare two cell values in the given order (1 ascending, -1 descending). Missing
// values, such as the outcome of a failed trial, come last in both orders.
function compare(a, b, sign) {
  if (isMissing(a) || isMissing(b)) return Number(isMissing(a)) - Number(isMissing(b));
  if (typeof a === "number" && typeof b === "number") return sign * (a - b);
  return sign * String(a).localeCompare(String(b), undefined, { numeric: true });
}

export class TrialsTable {
  /**
   * @param {object[]} parameters the experiment's parameter specs
   * @param {string} objectiveHeading heading of the outcome column
   */
  constructor(parameters, objectiveHeading) {
    this.columns = [
      { key: "trial_number", label: "#", value: (trial) => trial.trial_number, numeric: true },
      { key: "run_number", label: "Run", value: (trial) => trial.run_number, numeric: true },
      ...parameters.map((parameter) => ({
        key: `parameter:${parameter.name}`,
        label: parameter.name,
        value: (trial) => trial.parameters?.[parameter.name],
        format: formatValue,
        numeric: parameter.type === "int" || parameter.type === "float",
      })),
      { key: "status", label: "Status", value: (trial) => trial.status, format: statusBadge },
      { key: "outcome", label: objectiveHeading, value: (trial) => trial.outcome, format: formatNumber, numeric: true },
      { key: "spread", label: "Spread", value: (trial) => trial.spread, format: formatNumber, numeric: true },
      { key: "tool_seconds", label: "Tool time (s)", value: (trial) => trial.tool_seconds, format: formatNumber, numeric: true },
      { key: "ended_at", label: "Ended", value: (trial) => trial.ended_at, format: formatTime },
      { key: "reason", label: "Reason", value: (trial) => trial.reason },
    ];
    this.sortKey = "trial_number";
    this.descending = false;
    this.trials = [];
    this.bestTrialNumber = null;
    this.headRow = h("tr");
    this.body = h("tbody");
    this.element = h(
      "div",
      { class: "table-scroll" },
      h("table", { id: "trials", class: "trials" }, h("thead", {}, this.headRow), this.body),
    );
    this.renderHead();
  }

  sortBy(key) {
    this.descending = this.sortKey === key ? !this.descending : false;
    this.sortKey = key;
    this.renderHead();
    this.renderBody();
  }

  renderHead() {
    replaceChildren(
      this.headRow,
      this.columns.map((column) => {
        const sorted = column.key === this.sortKey;
        const direction = this.descending ? "descending" : "ascending";
        let mark = "";
        if (sorted) mark = this.descending ? " ▼" : " ▲";
        return h(
          "th",
          { scope: "col", "aria-sort": sorted ? direction : "none", class: column.numeric ? "number" : null },
          h(
            "button",
            { type: "button", class: "sort", "data-column": column.key, onclick: () => this.sortBy(column.key) },
            column.label,
            h("span", { class: "sort-mark", "aria-hidden": "true" }, mark),
          ),
        );
      }),
    );
  }

  renderBody() {
    const column = this.columns.find((candidate) => candidate.key === this.sortKey);
    const sign = this.descending ? -1 : 1;
    const rows = [...this.trials].sort(
      (a, b) => compare(column.value(a), column.value(b), sign) || a.trial_number - b.trial_number,
    );
    replaceChildren(
      this.body,
      rows.map((trial) => {
        const classes = [`trial-${trial.status.replace("_", "-")}`];
        if (trial.trial_number === this.bestTrialNumber) classes.push("trial-best");
        return h(
          "tr",
          { class: classes.join(" "), "data-trial-number": trial.trial_number },
          this.columns.map((each) => {
            const value = each.value(trial);
            const shown = each.format ? each.format(value) : (value ?? "–");
            const title = each.key === "reason" && value ? value : null;
            return h("td", { class: each.numeric ? "number" : null, title }, shown);
          }),
        );
      }),
    );
  }

  /** Show `trials`, keeping the current sort order. */
  update(trials, bestTrialNumber) {
    this.trials = trials;
    this.bestTrialNumber = bestTrialNumber;
    this.renderBody();
  }
}

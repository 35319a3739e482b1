// Runs of one experiment: the active job with its progress and a stop button, the
// form that starts a run, and the table of the experiment's jobs.

import { ApiError } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { statusBadge } from "./experiments.js";
import { formatNumber, formatTime, formatValue, optimizerName, shortId } from "./format.js";

// Example run requests, one per optimiser; the user can edit the JSON before starting.
const RUN_PRESETS = {
  grid: { optimizer: { type: "grid", num_configs_per_param: 2 } },
  random: { optimizer: { type: "random", n_trials: 10 } },
  bayesopt: { optimizer: { type: "bayesopt", n_init: 2, n_iter: 8 } },
  tpe: { optimizer: { type: "tpe", n_trials: 20 } },
  coordinate: { optimizer: { type: "coordinate", n_trials: 10 } },
  auto: { optimizer: { type: "auto", n_trials: 20 } },
};

function describeBest(best) {
  if (!best) return "no successful trial yet";
  const values = Object.entries(best.parameters ?? {})
    .map(([name, value]) => `${name}=${formatValue(value)}`)
    .join(", ");
  return `${formatNumber(best.outcome)} at trial ${best.trial_number ?? "?"}${values ? ` (${values})` : ""}`;
}

export class RunPanel {
  /**
   * @param {() => void} onChange requests an immediate refresh of the view
   */
  constructor(api, experimentId, onChange) {
    this.api = api;
    this.experimentId = experimentId;
    this.onChange = onChange;
    this.error = h("p", { class: "form-error", role: "alert", id: "run-error" });
    this.activeBox = h("div", { id: "active-job" });
    this.requestField = h("textarea", { name: "run_request", id: "run-request", rows: 3, spellcheck: "false" });
    this.optimizerSelect = h(
      "select",
      { name: "optimizer", id: "optimizer", onchange: () => this.applyPreset() },
      Object.keys(RUN_PRESETS).map((name) => h("option", { value: name }, name)),
    );
    this.optimizerSelect.value = "random";
    this.applyPreset();
    this.form = h(
      "form",
      { id: "start-run", class: "start-run", onsubmit: (event) => this.start(event) },
      h("label", { class: "field" }, h("span", {}, "Optimiser"), this.optimizerSelect),
      h("label", { class: "field grow" }, h("span", {}, "Run request (JSON)"), this.requestField),
      h("button", { type: "submit", id: "start-button" }, "Start run"),
    );
    this.element = h("section", { class: "panel", id: "run-panel" }, h("h2", {}, "Run"), this.activeBox, this.form, this.error);
  }

  applyPreset() {
    this.requestField.value = JSON.stringify(RUN_PRESETS[this.optimizerSelect.value]);
  }

  async start(event) {
    event.preventDefault();
    this.error.textContent = "";
    let request;
    try {
      request = JSON.parse(this.requestField.value);
    } catch (error) {
      this.error.textContent = `The run request is not valid JSON: ${error.message}`;
      return;
    }
    const button = this.form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await this.api.startRun(this.experimentId, request);
    } catch (error) {
      this.error.textContent = error instanceof ApiError ? `The run was not started: ${error.message}` : error.message;
    } finally {
      button.disabled = false;
    }
    this.onChange();
  }

  async stop(button) {
    this.error.textContent = "";
    button.disabled = true;
    button.textContent = "Stopping…";
    try {
      await this.api.stopRun(this.experimentId);
    } catch (error) {
      this.error.textContent = `The run was not stopped: ${error.message}`;
    }
    this.onChange();
  }

  /** Show `job`, the queued or running job, or the start form when it is null. */
  update(job) {
    this.form.hidden = Boolean(job);
    if (!job) {
      replaceChildren(this.activeBox);
      return;
    }
    const { trials_done: done, trials_failed: failed, trials_planned: planned } = job.progress;
    const stopButton = h("button", { type: "button", id: "stop-button", class: "danger" }, "Stop run");
    stopButton.addEventListener("click", () => this.stop(stopButton));
    replaceChildren(
      this.activeBox,
      h(
        "p",
        { class: "active-job" },
        statusBadge(job.status),
        ` run ${job.run_number} with ${optimizerName(job)}: ${done}${planned ? `/${planned}` : ""} trials`,
        failed ? `, ${failed} failed` : "",
      ),
      planned ? h("progress", { max: planned, value: done }) : null,
      h("p", { class: "muted" }, `Best of this run: ${describeBest(job.best)}`),
      stopButton,
    );
  }
}

/** Build the table of an experiment's jobs, newest run first. */
export function runsTable(jobs) {
  if (jobs.length === 0) return h("p", { class: "muted", id: "runs" }, "No runs yet.");
  const rows = [...jobs]
    .sort((a, b) => b.run_number - a.run_number)
    .map((job) =>
      h(
        "tr",
        { "data-job-id": job.job_id },
        h("td", { class: "number" }, job.run_number),
        h("td", { class: "mono" }, shortId(job.job_id)),
        h("td", {}, optimizerName(job)),
        h("td", {}, statusBadge(job.status)),
        h("td", { class: "number" }, `${job.progress.trials_done}`),
        h("td", { class: "number" }, `${job.progress.trials_failed}`),
        h("td", { class: "number" }, formatNumber(job.best?.outcome)),
        h("td", {}, job.error ? `${job.error}: ${job.cause ?? ""}` : (job.stop_reason ?? "")),
        h("td", {}, formatTime(job.started_at)),
        h("td", {}, formatTime(job.ended_at)),
      ),
    );
  const headings = ["Run", "Job", "Optimiser", "Status", "Trials", "Failed", "Best", "Ended because", "Started", "Ended"];
  return h(
    "div",
    { class: "table-scroll" },
    h(
      "table",
      { id: "runs" },
      h("thead", {}, h("tr", {}, headings.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows),
    ),
  );
}

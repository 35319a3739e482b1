// The list view: the user's experiments and jobs with their status.

import { h } from "./dom.js";
import { formatNumber, formatTime, objectiveLabel, optimizerName, shortId } from "./format.js";

const ACTIVE = new Set(["queued", "running"]);

/** Create a coloured label for a status; only the API's known statuses become class names. */
export function statusBadge(status) {
  const known = ["queued", "running", "finished", "failed", "stopped", "succeeded", "timed_out", "not running"];
  const name = known.includes(status) ? status.replace(" ", "-") : "unknown";
  return h("span", { class: `badge status-${name}` }, String(status).replace("_", " "));
}

export function experimentLink(experimentId, text) {
  return h("a", { href: `#/experiments/${encodeURIComponent(experimentId)}` }, text);
}

function table(id, headings, rows, empty) {
  if (rows.length === 0) return h("p", { class: "muted", id }, empty);
  return h(
    "div",
    { class: "table-scroll" },
    h(
      "table",
      { id },
      h("thead", {}, h("tr", {}, headings.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows),
    ),
  );
}

function progressText(job) {
  const { trials_done: done, trials_failed: failed, trials_planned: planned } = job.progress;
  const total = planned ? `${done}/${planned}` : String(done);
  return failed ? `${total}, ${failed} failed` : total;
}

export class ExperimentListView {
  constructor(root, api) {
    this.root = root;
    this.api = api;
    this.interval = 3000;
  }

  /** Load and show the lists; return whether a job is queued or running. */
  async refresh() {
    const [experiments, jobs] = await Promise.all([this.api.listExperiments(), this.api.listJobs()]);
    const names = new Map(experiments.map((experiment) => [experiment.experiment_id, experiment.tool_name]));
    const jobByExperiment = new Map();
    for (const job of jobs) if (ACTIVE.has(job.status)) jobByExperiment.set(job.experiment_id, job);

    const experimentRows = [...experiments]
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)))
      .map((experiment) => {
        const active = jobByExperiment.get(experiment.experiment_id);
        return h(
          "tr",
          { "data-experiment-id": experiment.experiment_id },
          h("td", {}, experimentLink(experiment.experiment_id, experiment.tool_name)),
          h("td", { class: "mono" }, shortId(experiment.experiment_id)),
          h("td", {}, experiment.parameters.map((parameter) => parameter.name).join(", ")),
          h("td", {}, objectiveLabel(experiment.objective)),
          h("td", {}, statusBadge(active ? active.status : experiment.status)),
          h("td", {}, formatTime(experiment.created_at)),
        );
      });
    const jobRows = jobs.map((job) =>
      h(
        "tr",
        { "data-job-id": job.job_id },
        h("td", { class: "mono" }, shortId(job.job_id)),
        h("td", {}, experimentLink(job.experiment_id, names.get(job.experiment_id) ?? shortId(job.experiment_id))),
        h("td", { class: "number" }, job.run_number),
        h("td", {}, optimizerName(job)),
        h("td", {}, statusBadge(job.status)),
        h("td", { class: "number" }, progressText(job)),
        h("td", { class: "number" }, formatNumber(job.best?.outcome)),
        h("td", {}, formatTime(job.created_at)),
        h("td", {}, formatTime(job.ended_at)),
      ),
    );

    this.root.replaceChildren(
      h(
        "section",
        {},
        h("h1", {}, "Experiments"),
        table(
          "experiments",
          ["Tool", "Experiment", "Parameters", "Objective", "Status", "Created"],
          experimentRows,
          "No experiments yet. Register one with the paropt command or the API.",
        ),
      ),
      h(
        "section",
        {},
        h("h2", {}, "Jobs"),
        table(
          "jobs",
          ["Job", "Experiment", "Run", "Optimiser", "Status", "Trials", "Best", "Created", "Ended"],
          jobRows,
          "No jobs yet.",
        ),
      ),
    );
    return jobs.some((job) => ACTIVE.has(job.status));
  }
}

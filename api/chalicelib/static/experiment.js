// The view of one experiment: its settings, runs, charts and trials table.

import { chartsAvailable, isBetter, ObjectiveChart, ParameterChart } from "./charts.js";
import { h, replaceChildren } from "./dom.js";
import { describeParameter, formatNumber, formatTime, formatValue, objectiveLabel } from "./format.js";
import { ParallelCoordinates } from "./parallel.js";
import { RunPanel, runsTable } from "./runs.js";
import { TrialsTable } from "./table.js";

const ACTIVE_STATUSES = new Set(["queued", "running"]);

function bestTrial(trials, direction) {
  let best = null;
  for (const trial of trials) {
    if (trial.status !== "succeeded" || trial.outcome === null) continue;
    if (best === null || isBetter(trial.outcome, best.outcome, direction)) best = trial;
  }
  return best;
}

function chartCard(title, body, wide = false) {
  return h("figure", { class: wide ? "chart-card wide" : "chart-card" }, h("figcaption", {}, title), body);
}

export class ExperimentView {
  constructor(root, api, experimentId) {
    this.root = root;
    this.api = api;
    this.experimentId = experimentId;
    // Milliseconds between refreshes while a job is queued or running.
    this.interval = 1500;
    this.experiment = null;
    this.jobs = [];
    this.activeJobId = null;
  }

  build(experiment) {
    const direction = experiment.objective?.direction ?? "minimize";
    const objectiveTitle = objectiveLabel(experiment.objective);
    const searched = experiment.parameters.filter((parameter) => parameter.type !== "constant");
    this.direction = direction;
    this.summary = h("p", { class: "summary", id: "best-summary" });
    this.runPanel = new RunPanel(this.api, this.experimentId, () => this.wake?.());
    this.runsBox = h("div");
    this.trialsTable = new TrialsTable(experiment.parameters, objectiveTitle);
    this.trialCount = h("span");
    this.parallel = new ParallelCoordinates(h("div", { id: "parallel" }), searched, direction, objectiveTitle);
    this.charts = [];

    const canvasBox = (id) => h("div", { class: "chart-box" }, h("canvas", { id }));
    const objectiveBox = canvasBox("objective-chart");
    const parameterBoxes = searched.map((parameter, index) => [parameter, canvasBox(`parameter-chart-${index}`)]);
    if (chartsAvailable()) {
      this.charts.push(new ObjectiveChart(objectiveBox.firstChild, direction, objectiveTitle));
      for (const [parameter, box] of parameterBoxes) {
        this.charts.push(new ParameterChart(box.firstChild, parameter, objectiveTitle));
      }
    }

    const parameterList = h(
      "ul",
      { class: "parameters" },
      experiment.parameters.map((parameter) =>
        h("li", {}, h("strong", {}, parameter.name), ` ${describeParameter(parameter)}`),
      ),
    );
    replaceChildren(
      this.root,
      h("p", {}, h("a", { href: "#/" }, "← All experiments")),
      h("h1", { id: "experiment-title" }, experiment.tool_name),
      h(
        "p",
        { class: "muted" },
        `experiment ${experiment.experiment_id} · created ${formatTime(experiment.created_at)} · `,
        `${objectiveTitle} · compute ${experiment.compute?.type ?? "local"}`,
      ),
      parameterList,
      this.summary,
      this.runPanel.element,
      h("section", {}, h("h2", {}, "Runs"), this.runsBox),
      h(
        "section",
        { class: "charts" },
        chartCard("Objective by trial, with the best so far", objectiveBox, true),
        chartCard("Parallel coordinates", this.parallel.container, true),
        parameterBoxes.map(([parameter, box]) => chartCard(`Objective against ${parameter.name}`, box)),
      ),
      h("section", {}, h("h2", {}, "Trials ", this.trialCount), this.trialsTable.element),
    );
  }

  destroy() {
    for (const chart of this.charts ?? []) chart.destroy();
  }

  /** Load the experiment's state and show it; return whether a job is queued or running. */
  // NOTE: each refresh loads every trial again, in pages of 1000, so an experiment with
  // tens of thousands of trials makes each refresh slow.
  async refresh() {
    const [experiment, trials] = await Promise.all([
      this.api.getExperiment(this.experimentId),
      this.api.listTrials(this.experimentId),
    ]);
    let activeJob = null;
    if (experiment.active_job_id) {
      const job = await this.api.getJob(experiment.active_job_id);
      // The job may have ended since the experiment was read.
      if (ACTIVE_STATUSES.has(job.status)) activeJob = job;
    }
    if (!this.experiment) this.build(experiment);
    this.experiment = experiment;
    const activeJobId = activeJob?.job_id ?? null;
    if (!this.jobsLoaded || activeJobId !== this.activeJobId) {
      const jobs = await this.api.listJobs();
      this.jobs = jobs.filter((job) => job.experiment_id === this.experimentId);
      this.jobsLoaded = true;
    } else if (activeJob) {
      this.jobs = this.jobs.map((job) => (job.job_id === activeJob.job_id ? activeJob : job));
    }
    this.activeJobId = activeJobId;

    const best = bestTrial(trials, this.direction);
    this.summary.textContent = best
      ? `Best: ${formatNumber(best.outcome)} at trial ${best.trial_number} (` +
        Object.entries(best.parameters)
          .map(([name, value]) => `${name}=${formatValue(value)}`)
          .join(", ") +
        `), over ${trials.length} trials.`
      : `No successful trial among ${trials.length} trials yet.`;
    this.runPanel.update(activeJob);
    replaceChildren(this.runsBox, runsTable(this.jobs));
    this.trialCount.textContent = `(${trials.length})`;
    this.trialsTable.update(trials, best?.trial_number ?? null);
    this.parallel.update(trials);
    for (const chart of this.charts) chart.update(trials);
    return Boolean(activeJob);
  }
}

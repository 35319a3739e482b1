"""The optimisation loop of one job: ask, run, record, repeat."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from paropt.optimizers import Observation, Optimizer, build_optimizer
from paropt.runner.heartbeat import Heartbeat
from paropt.runner.trial import TrialResult, TrialScripts, kill_running_trials, run_trial
from paropt.specs import ExperimentSpec, RunRequest
from paropt.storage import ExperimentModel, JobModel, TrialModel, utc_now
from paropt.templates import render


class JobNotRunnable(Exception):
    """The job is no longer queued (stopped, or taken by another runner)."""


@dataclass
class JobSummary:
    """Summary of an ended job, sent as the output of the task success."""

    trials_done: int
    trials_failed: int
    stop_reason: str
    best_trial_number: int | None = None
    best_outcome: float | None = None
    best_parameters: dict | None = None

    def as_output(self) -> str:
        return json.dumps(self.__dict__)


def load_history(experiment_id: str) -> tuple[list[Observation], int]:
    """Return the experiment's earlier trials as observations and the highest trial number."""
    observations: list[Observation] = []
    last_number = 0
    for trial in TrialModel.query(experiment_id):
        outcome = trial.outcome if trial.status == "succeeded" else None
        observations.append(Observation(parameters=trial.parameters, outcome=outcome))
        last_number = max(last_number, int(trial.trial_number))
    return observations, last_number


def render_scripts(spec: ExperimentSpec, configuration: dict) -> TrialScripts:
    """Render the experiment's templates for one configuration."""
    declared = [parameter.name for parameter in spec.parameters]

    def fill(template: str | None) -> str | None:
        return None if template is None else render(template, configuration, declared)

    return TrialScripts(
        command=fill(spec.command_template_string),
        setup=fill(spec.setup_template_string),
        finish=fill(spec.finish_template_string),
    )


class JobRun:
    """Runs the trials of one job through Parsl and records each as soon as it ends."""

    def __init__(self, job: JobModel, *, heartbeat: Heartbeat, logger) -> None:  # noqa: ANN001
        self.job = job
        self.heartbeat = heartbeat
        self.logger = logger
        experiment = ExperimentModel.get(job.experiment_id)
        self.spec = ExperimentSpec.model_validate(experiment.spec)
        self.optimizer_spec = RunRequest.model_validate({"optimizer": job.optimizer}).optimizer
        history, self.last_trial_number = load_history(job.experiment_id)
        self.optimizer: Optimizer = build_optimizer(self.spec, self.optimizer_spec, history=history)
        self.summary = JobSummary(trials_done=0, trials_failed=0, stop_reason="")
        heartbeat.on_stop.append(kill_running_trials)

    def mark_running(self) -> None:
        """Move the job from queued to running, or raise :class:`JobNotRunnable`."""
        try:
            self.job.update(
                actions=[
                    JobModel.status.set("running"),
                    JobModel.started_at.set(utc_now()),
                    JobModel.trials_planned.set(self.optimizer.planned),
                ],
                condition=JobModel.status == "queued",
            )
        except UpdateError as exc:
            raise JobNotRunnable(f"job {self.job.job_id} is not queued") from exc

    def run(self) -> JobSummary:
        """Run trials until the optimiser has nothing left or the job is stopped."""
        import parsl

        from paropt.runner.compute import EXECUTOR_LABEL, load_parsl

        dfk = load_parsl(self.spec)
        trial_app = parsl.python_app(run_trial, executors=[EXECUTOR_LABEL])
        try:
            while True:
                if self.heartbeat.stopped.is_set():
                    self.summary.stop_reason = self.heartbeat.stop_reason or "stopped"
                    break
                configuration = self.optimizer.ask()
                if configuration is None:
                    self.summary.stop_reason = self._exhausted_reason()
                    break
                scripts = render_scripts(self.spec, configuration)
                result: TrialResult = trial_app(scripts).result()
                if self.heartbeat.stopped.is_set():
                    # The trial was killed by the stop; it measured nothing.
                    self.summary.stop_reason = self.heartbeat.stop_reason or "stopped"
                    break
                self._record(configuration, result)
        finally:
            dfk.cleanup()
            parsl.clear()
        return self.summary

    def _exhausted_reason(self) -> str:
        if self.summary.trials_done >= self.optimizer.planned:
            return "planned trials done"
        return "search space exhausted"

    def _record(self, configuration: dict, result: TrialResult) -> None:
        self.last_trial_number += 1
        number = self.last_trial_number
        outcome = None
        if result.status == "succeeded" and result.runtime is not None:
            outcome = result.runtime if math.isfinite(result.runtime) else None
        status = "failed" if result.status == "succeeded" and outcome is None else result.status

        trial = TrialModel(
            self.job.experiment_id,
            number,
            job_id=self.job.job_id,
            run_number=self.job.run_number,
            parameters=configuration,
            status=status,
            outcome=outcome,
            exit_code=result.exit_code,
            reason=result.reason,
            output_tail=result.output_tail,
            started_at=result.started_at,
            ended_at=result.ended_at,
        )
        trial.save()

        self.optimizer.tell(configuration, outcome)
        self.summary.trials_done += 1
        actions = [JobModel.trials_done.add(1)]
        if outcome is None:
            self.summary.trials_failed += 1
            actions.append(JobModel.trials_failed.add(1))
        elif self.summary.best_outcome is None or outcome < self.summary.best_outcome:
            self.summary.best_outcome = outcome
            self.summary.best_parameters = configuration
            self.summary.best_trial_number = number
            actions += [
                JobModel.best_outcome.set(outcome),
                JobModel.best_parameters.set(configuration),
                JobModel.best_trial_number.set(number),
            ]
        self.logger.info(
            "trial recorded",
            trial_number=number,
            status=trial.status,
            outcome=outcome,
            parameters=configuration,
        )
        try:
            self.job.update(actions=actions, condition=JobModel.status == "running")
        except UpdateError:
            self.heartbeat.request_stop("stopped by user")

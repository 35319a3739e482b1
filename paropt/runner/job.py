"""The optimisation loop of one job: ask, run, record, repeat."""

from __future__ import annotations

import concurrent.futures
import json
from dataclasses import asdict, dataclass

from pynamodb.exceptions import UpdateError

from paropt.optimizers import Observation, Optimizer, build_optimizer
from paropt.runner.heartbeat import Heartbeat
from paropt.runner.scoring import Score, score_trial
from paropt.runner.stopping import StopMonitor
from paropt.runner.trial import TrialResult, TrialScripts, kill_running_trials, run_trial
from paropt.specs import ExperimentSpec, RunRequest
from paropt.storage import ExperimentModel, JobModel, TrialModel, utc_now
from paropt.templates import PLACEHOLDER

# Seconds between checks for a stop or the wall-time limit while trials run.
WAIT_SECONDS = 1.0
HISTORY_ATTRIBUTES = ("trial_number", "parameters", "status", "outcome")


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
        return json.dumps(asdict(self))


def to_minimised(spec: ExperimentSpec, outcome: float | None) -> float | None:
    """Return the value an optimiser minimises for an objective value."""
    if outcome is None:
        return None
    return -outcome if spec.objective.direction == "maximize" else outcome


def load_history(spec: ExperimentSpec, experiment_id: str) -> tuple[list[Observation], int]:
    """Return the experiment's earlier trials as observations and the highest trial number."""
    observations: list[Observation] = []
    last_number = 0
    # Only the attributes that an observation needs are read, because output tails
    # alone can take 4 KB a trial.
    for trial in TrialModel.query(experiment_id, attributes_to_get=list(HISTORY_ATTRIBUTES)):
        outcome = trial.outcome if trial.status == "succeeded" else None
        observations.append(
            Observation(parameters=trial.parameters, outcome=to_minimised(spec, outcome))
        )
        last_number = max(last_number, int(trial.trial_number))
    return observations, last_number


def render_scripts(spec: ExperimentSpec, configuration: dict) -> TrialScripts:
    """Render the experiment's templates for one configuration, shell-safely."""
    rendered = {p.name: p.render(configuration[p.name]) for p in spec.parameters}

    def fill(template: str | None) -> str | None:
        if template is None:
            return None
        return PLACEHOLDER.sub(lambda m: rendered.get(m.group(1), m.group(0)), template)

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
        self.request = RunRequest.model_validate(
            {**(job.run_settings or {}), "optimizer": job.optimizer}
        )
        history, self.last_trial_number = load_history(self.spec, job.experiment_id)
        self.optimizer: Optimizer = build_optimizer(
            self.spec, self.request.optimizer, history=history
        )
        earlier = [o.outcome for o in history if o.outcome is not None]
        # The best earlier value, minimised; only a better trial is offered as the
        # experiment's best, which saves a conditional write per trial.
        self._experiment_best: float | None = min(earlier) if earlier else None
        rules = self.request.stopping()
        self.monitor = StopMonitor(rules, maximize=self.spec.objective.direction == "maximize")
        self.planned = self.optimizer.planned
        if rules.max_trials is not None:
            self.planned = min(self.planned, rules.max_trials)
        self.summary = JobSummary(trials_done=0, trials_failed=0, stop_reason="")
        # False once the optimiser, a stopping rule or a stop ends the proposals.
        self._asking = True
        self._trial_app = None
        heartbeat.on_stop.append(kill_running_trials)

    def mark_running(self) -> None:
        """Move the job from queued to running, or raise :class:`JobNotRunnable`."""
        chosen = getattr(self.optimizer, "chosen", self.request.optimizer.type)
        try:
            self.job.update(
                actions=[
                    JobModel.status.set("running"),
                    JobModel.started_at.set(utc_now()),
                    JobModel.trials_planned.set(self.planned),
                    JobModel.optimizer_used.set(chosen),
                ],
                condition=JobModel.status == "queued",
            )
        except UpdateError as exc:
            raise JobNotRunnable(f"job {self.job.job_id} is not queued") from exc

    def _next_configuration(self) -> dict | None:
        if self.heartbeat.stopped.is_set():
            self.summary.stop_reason = self.heartbeat.stop_reason or "stopped"
            return None
        reason = self.monitor.reason()
        if reason is not None:
            self.summary.stop_reason = reason
            return None
        configuration = self.optimizer.ask()
        if configuration is None:
            self.summary.stop_reason = self._exhausted_reason()
        return configuration

    def run(self) -> JobSummary:
        """Run trials until the optimiser has nothing left, a stopping rule holds, or a stop."""
        import parsl

        from paropt.runner.compute import EXECUTOR_LABEL, load_parsl

        dfk = load_parsl(self.spec, parallelism=self.request.parallelism, job_id=self.job.job_id)
        self._trial_app = parsl.python_app(run_trial, executors=[EXECUTOR_LABEL])
        pending: dict[concurrent.futures.Future, dict] = {}
        try:
            while True:
                self._submit(pending)
                if not pending:
                    break
                # A bounded wait, so a stop or the wall-time limit is noticed even
                # while a trial on a remote node never returns.
                done, _ = concurrent.futures.wait(
                    pending, timeout=WAIT_SECONDS, return_when=concurrent.futures.FIRST_COMPLETED
                )
                if not done and self._must_abandon():
                    break
                finished = []
                for future in done:
                    configuration = pending.pop(future)
                    result: TrialResult = future.result()
                    if self.heartbeat.stopped.is_set():
                        # The trial was killed by the stop; it measured nothing.
                        continue
                    finished.append((configuration, result, self._learn(configuration, result)))
                if self.request.parallelism > 1:
                    # Free slots get their next trials before the finished ones are
                    # written, so they do not wait for DynamoDB. With parallelism 1,
                    # the runner does no work while a trial is being timed.
                    self._submit(pending)
                for configuration, result, score in finished:
                    self._record(configuration, result, score)
                if self.heartbeat.stopped.is_set():
                    self.summary.stop_reason = self.heartbeat.stop_reason or "stopped"
                    self._asking = False
        finally:
            try:
                dfk.cleanup()
                parsl.clear()
            finally:
                if self.spec.compute.type == "ec2":
                    self._terminate_instances()
        return self.summary

    def _submit(self, pending: dict[concurrent.futures.Future, dict]) -> None:
        """Start trials until ``parallelism`` trials run or no configuration is left to propose."""
        while self._asking and len(pending) < self.request.parallelism:
            configuration = self._next_configuration()
            if configuration is None:
                self._asking = False
                return
            future = self._trial_app(
                render_scripts(self.spec, configuration),
                timeout=self.spec.timeout,
                repeats=self.spec.repeats,
            )
            pending[future] = configuration

    def _must_abandon(self) -> bool:
        """Return whether the running trials must be left unfinished: a stop or max_wall_time."""
        if self.heartbeat.stopped.is_set():
            self.summary.stop_reason = self.heartbeat.stop_reason or "stopped"
            return True
        reason = self.monitor.reason()
        if reason is not None and reason.startswith("max_wall_time"):
            self.summary.stop_reason = reason
            return True
        return False

    def _terminate_instances(self) -> None:
        from paropt.cleanup import terminate_job_instances
        from paropt.settings import Settings

        ec2 = Settings.from_environment().boto3_client("ec2")
        terminated = terminate_job_instances(ec2, self.job.job_id)
        self.logger.info("instances of the job terminated", instance_ids=terminated)

    def _exhausted_reason(self) -> str:
        if self.optimizer.proposed >= self.optimizer.planned:
            return "planned trials done"
        return "search space exhausted"

    def _learn(self, configuration: dict, result: TrialResult) -> Score:
        """Score a trial and pass its outcome to the optimiser and the stopping rules."""
        score = score_trial(result, self.spec.objective)
        self.optimizer.tell(configuration, to_minimised(self.spec, score.outcome))
        self.monitor.record(score.outcome, score.tool_seconds)
        return score

    def _record(self, configuration: dict, result: TrialResult, score: Score) -> None:
        """Store a learned trial and update the job's progress and best trial."""
        self.last_trial_number += 1
        number = self.last_trial_number
        trial = TrialModel(
            self.job.experiment_id,
            number,
            job_id=self.job.job_id,
            run_number=self.job.run_number,
            parameters=configuration,
            status=score.status,
            outcome=score.outcome,
            exit_code=result.exit_code,
            reason=score.reason,
            output_tail=result.output_tail,
            started_at=result.started_at,
            ended_at=result.ended_at,
            samples=score.samples or None,
            spread=score.spread,
            metrics=score.metrics or None,
            tool_seconds=score.tool_seconds,
        )
        trial.save()

        self.summary.trials_done += 1
        actions = [JobModel.trials_done.add(1)]
        if score.outcome is None:
            self.summary.trials_failed += 1
            actions.append(JobModel.trials_failed.add(1))
        elif (
            self._experiment_best is None
            or to_minimised(self.spec, score.outcome) < self._experiment_best
        ):
            self._experiment_best = to_minimised(self.spec, score.outcome)
            self._offer_experiment_best(number, configuration, score)
        if score.outcome is not None and self._improves(score.outcome):
            self.summary.best_outcome = score.outcome
            self.summary.best_parameters = configuration
            self.summary.best_trial_number = number
            actions += [
                JobModel.best_outcome.set(score.outcome),
                JobModel.best_parameters.set(configuration),
                JobModel.best_trial_number.set(number),
            ]
        self.logger.info(
            "trial recorded",
            trial_number=number,
            status=trial.status,
            outcome=score.outcome,
            reason=score.reason,
            parameters=configuration,
        )
        try:
            self.job.update(actions=actions, condition=JobModel.status == "running")
        except UpdateError:
            self.heartbeat.request_stop("stopped by user")

    def _offer_experiment_best(self, number: int, configuration: dict, score: Score) -> None:
        """Store the trial as the experiment's best if it beats the stored one."""
        best = ExperimentModel.best_outcome
        if self.spec.objective.direction == "maximize":
            condition = best.does_not_exist() | (best < score.outcome)
        else:
            condition = best.does_not_exist() | (best > score.outcome)
        experiment = ExperimentModel(self.job.experiment_id)
        try:
            experiment.update(
                actions=[
                    ExperimentModel.best_outcome.set(score.outcome),
                    ExperimentModel.best_parameters.set(configuration),
                    ExperimentModel.best_trial_number.set(number),
                    ExperimentModel.best_spread.set(score.spread),
                ],
                condition=condition,
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def _improves(self, outcome: float) -> bool:
        best = self.summary.best_outcome
        if best is None:
            return True
        return outcome > best if self.spec.objective.direction == "maximize" else outcome < best

"""The ``paropt`` subcommands: each reads its parsed arguments, calls the API and prints."""

from __future__ import annotations

import argparse
import datetime
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from paropt_sdk import formatting
from paropt_sdk.client import ParoptClient
from paropt_sdk.cognito import CognitoAuth, CognitoLogin
from paropt_sdk.credentials import CredentialsFile
from paropt_sdk.errors import Conflict, JobEnded, NotFound, ParoptError, WaitTimedOut
from paropt_sdk.files import load_experiment, load_run
from paropt_sdk.models import JOB_STATUSES, Job
from paropt_sdk.profile import (
    ProfileError,
    ServiceProfile,
    load_local_profile,
    local_file_path,
    remote_profile,
)


class Interrupted(ParoptError):
    """The user interrupted the command, as Ctrl-C does."""


class UsageError(ParoptError):
    """Invalid use of the command that argparse cannot detect.

    An example is a password prompt while standard input is not a terminal.
    """


class Context:
    """The parsed arguments with the profile, login and client built from them on first use."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.credentials = CredentialsFile()
        self._profile: ServiceProfile | None = None
        self._client: ParoptClient | None = None

    @property
    def profile(self) -> ServiceProfile:
        """The service chosen by --local, --api-url or $PAROPT_API_URL."""
        if self._profile is None:
            args = self.args
            if args.local and args.api_url:
                raise UsageError("--local and --api-url choose different services; pass one")
            if args.local:
                self._profile = load_local_profile(local_file_path(args.local_file))
            else:
                self._profile = remote_profile(
                    args.api_url,
                    client_id=args.client_id,
                    region=args.region,
                    credentials=self.credentials,
                )
        return self._profile

    def login(self) -> CognitoLogin:
        """Return the Cognito login of the chosen service."""
        profile = self.profile
        if profile.cognito is None:
            raise ProfileError(
                f"no Cognito app client is known for {profile.api_url}: pass --client-id and "
                "--region (or set PAROPT_CLIENT_ID and PAROPT_REGION) and run `paropt login`"
            )
        return CognitoLogin(profile.api_url, profile.cognito, credentials=self.credentials)

    @property
    def client(self) -> ParoptClient:
        """The API client, logged in with the cached session or as the local stack's user."""
        if self._client is None:
            profile = self.profile
            local_user = profile.local_user
            password_login: Callable[[], tuple[str, str]] | None = None
            if local_user is not None:
                password_login = lambda: local_user  # noqa: E731 - a one-value callback
            auth = CognitoAuth(self.login(), password_login=password_login)
            self._client = ParoptClient(profile.api_url, auth=auth, local_key=profile.local_key)
        return self._client


def _print(text: str) -> None:
    print(text, flush=True)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UsageError("no password on standard input")
        return password
    if not sys.stdin.isatty():
        raise UsageError(
            "standard input is not a terminal, so the password cannot be prompted for; "
            "pass --password-stdin and send it on standard input"
        )
    return getpass.getpass("Password: ")


def _read_username() -> str:
    if not sys.stdin.isatty():
        raise UsageError(
            "standard input is not a terminal, so the user name cannot be prompted for; "
            "pass --username"
        )
    username = input("Username: ").strip()
    if not username:
        raise UsageError("no user name given")
    return username


def _utc_time(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def command_login(context: Context) -> None:
    """Log in with a user name and password, or as the local stack's user."""
    args = context.args
    login = context.login()
    local_user = context.profile.local_user
    if args.username is None and local_user is not None and not args.password_stdin:
        username, password = local_user
    else:
        username = args.username or (local_user[0] if local_user else None) or _read_username()
        password = _read_password(args)
    session = login.login(username, password)
    _print(f"logged in to {session.api_url} as {session.username}")
    _print(
        f"the ID token expires at {_utc_time(session.expires_at)}; the client refreshes it "
        "automatically"
    )


def command_logout(context: Context) -> None:
    """Revoke the cached refresh token and delete the cached session."""
    login = context.login()
    if login.credentials.load(login.api_url) is None:
        _print(f"not logged in to {login.api_url}; nothing to do")
        return
    problem = login.logout()
    if problem is not None:
        print(
            f"paropt: warning: the refresh token could not be revoked ({problem}); "
            "the cached session was deleted anyway",
            file=sys.stderr,
        )
    _print(f"logged out of {login.api_url}")


def command_experiment(context: Context) -> None:
    """Register an experiment file, or show one experiment."""
    args = context.args
    if args.experiment_command == "create":
        spec = load_experiment(Path(args.file))
        experiment = context.client.create_experiment(spec)
    else:
        experiment = context.client.get_experiment(args.experiment_id)
    _print(
        formatting.to_json(experiment) if args.json else formatting.describe_experiment(experiment)
    )


def command_experiments(context: Context) -> None:
    """List the caller's experiments."""
    experiments = context.client.list_experiments()
    if context.args.json:
        _print(formatting.to_json(experiments))
    elif experiments:
        _print(formatting.experiments_table(experiments))
    else:
        _print("no experiments")


def _wait(context: Context, job: Job) -> Job:
    args = context.args
    try:
        return context.client.wait_for_job(
            job["job_id"], timeout=args.timeout, progress=not args.no_progress
        )
    except KeyboardInterrupt:
        raise Interrupted(
            f"stopped waiting; job {job['job_id']} goes on, and `paropt stop "
            f"{job['experiment_id']}` stops it"
        ) from None
    except WaitTimedOut as exc:
        raise ParoptError(
            f"{exc}; it goes on, and `paropt job {job['job_id']} --wait` waits again"
        ) from None


def _job_summary(job: Job) -> str:
    progress = job.get("progress") or {}
    lines = [
        f"job {job['job_id']} {job.get('status')}: {progress.get('trials_done', 0)} trials, "
        f"{progress.get('trials_failed', 0)} failed"
        + (f" ({job['stop_reason']})" if job.get("stop_reason") else "")
    ]
    best = job.get("best")
    if best:
        lines.append(
            f"best of this run: {formatting.format_value(best.get('outcome'))} at trial "
            f"{best.get('trial_number')} ({formatting.describe_parameters(best.get('parameters'))})"
        )
    return "\n".join(lines)


def command_run(context: Context) -> None:
    """Register the experiment, start a run and optionally wait for it."""
    args = context.args
    # Both files are read before any request, so a bad file changes nothing.
    spec = load_experiment(Path(args.experiment_file))
    run = load_run(Path(args.optimizer_file))

    client = context.client
    experiment = client.create_experiment(spec)
    experiment_id = experiment["experiment_id"]
    try:
        job = client.start_run(experiment_id, run)
    except Conflict as exc:
        raise Conflict(
            exc.status,
            f"experiment {experiment_id} already has an active job {exc.active_job_id}; "
            f"wait for it with `paropt job {exc.active_job_id} --wait` or stop it with "
            f"`paropt stop {experiment_id}`",
            exc.body,
        ) from None
    if not args.json:
        _print(f"experiment {experiment_id} ({experiment.get('tool_name')})")
        _print(
            f"job {job['job_id']} {job.get('status')}: run {job.get('run_number')} with "
            f"{formatting.describe_optimizer(job)}"
        )

    if args.wait:
        try:
            job = _wait(context, job)
        except JobEnded as exc:
            if args.json:
                _print(formatting.to_json(exc.job))
            raise

    if args.json:
        _print(formatting.to_json(job))
    elif args.wait:
        _print(_job_summary(job))
        _print(f"next: paropt trials {experiment_id}; paropt best {experiment_id}")
    else:
        _print(f"next: paropt job {job['job_id']} --wait")


def command_trials(context: Context) -> None:
    """List an experiment's trials as a table, CSV or JSON."""
    args = context.args
    client = context.client
    trials = client.list_trials(args.experiment_id, status=args.status, run=args.run)
    if args.format == "json":
        _print(formatting.to_json(trials))
        return
    experiment = client.get_experiment(args.experiment_id)
    names = formatting.parameter_names(experiment, trials)
    if args.format == "csv":
        formatting.write_trials_csv(trials, names, sys.stdout)
        sys.stdout.flush()
    elif trials:
        _print(formatting.trials_table(trials, names))
    else:
        _print("no trials")


def command_best(context: Context) -> None:
    """Show the best configuration of an experiment."""
    args = context.args
    try:
        best = context.client.get_best(args.experiment_id)
    except NotFound as exc:
        raise NotFound(
            exc.status,
            f"{exc.message}; either the experiment does not exist or none of its trials "
            "succeeded yet",
            exc.body,
        ) from None
    _print(formatting.to_json(best) if args.json else formatting.describe_best(best))


def command_jobs(context: Context) -> None:
    """List the caller's jobs in one status, or in every status."""
    args = context.args
    statuses = [args.status] if args.status else list(JOB_STATUSES)
    jobs: list[Job] = []
    for status in statuses:
        jobs.extend(context.client.list_jobs(status))
    jobs.sort(key=lambda job: job.get("created_at") or "")
    if args.json:
        _print(formatting.to_json(jobs))
    elif jobs:
        _print(formatting.jobs_table(jobs))
    else:
        _print(f"no {args.status + ' ' if args.status else ''}jobs")


def command_job(context: Context) -> None:
    """Show one job, or wait for it to end."""
    args = context.args
    job = context.client.get_job(args.job_id)
    if args.wait:
        try:
            job = _wait(context, job)
        except JobEnded as exc:
            _print(formatting.to_json(exc.job) if args.json else formatting.describe_job(exc.job))
            raise
    _print(formatting.to_json(job) if args.json else formatting.describe_job(job))


def command_stop(context: Context) -> None:
    """Stop an experiment's queued or running job."""
    args = context.args
    job = context.client.stop(args.experiment_id)
    if args.json:
        _print(formatting.to_json(job))
    else:
        _print(f"job {job['job_id']} {job.get('status')}")


def command_plot(context: Context) -> None:
    """Plot an experiment's trials to a PNG file."""
    from paropt_sdk.plot import plot_trials

    args = context.args
    client = context.client
    experiment = client.get_experiment(args.experiment_id)
    trials = client.list_trials(args.experiment_id)
    if not trials:
        raise ParoptError(f"experiment {args.experiment_id} has no trials to plot yet")
    output = Path(args.output)
    try:
        plot_trials(experiment, trials, output)
    except OSError as exc:
        raise ParoptError(f"cannot write {output}: {exc.strerror or exc}") from None
    _print(f"wrote {output} ({len(trials)} trials)")


COMMANDS: dict[str, Callable[[Context], None]] = {
    "login": command_login,
    "logout": command_logout,
    "experiment": command_experiment,
    "experiments": command_experiments,
    "run": command_run,
    "trials": command_trials,
    "best": command_best,
    "jobs": command_jobs,
    "job": command_job,
    "stop": command_stop,
    "plot": command_plot,
}


def dispatch(args: argparse.Namespace) -> None:
    """Run the subcommand that ``args`` names."""
    COMMANDS[args.command](Context(args))

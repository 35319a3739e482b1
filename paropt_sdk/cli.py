"""The ``paropt`` command: argument parsing, dispatch, and one-line errors with exit codes.

Exit codes: 0 on success, 1 when the service returned an error or a job failed
or was stopped, 2 for usage errors (bad arguments, unreadable input files, no
service chosen), and 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from paropt_sdk import commands
from paropt_sdk.errors import ApiError, ParoptError, ValidationFailed
from paropt_sdk.files import InvalidInputFile
from paropt_sdk.models import JOB_STATUSES, TRIAL_STATUSES
from paropt_sdk.profile import ProfileError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DEBUG_VARIABLE = "PAROPT_DEBUG"


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports a usage error in one line and exits with 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_service_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Add the options that choose the service, to the main parser and to each command."""
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("service")
    group.add_argument(
        "--api-url",
        default=default,
        help="the service's URL (default: $PAROPT_API_URL); there is no built-in default",
    )
    group.add_argument(
        "--local",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="use the local stack that `make local` runs, and log in as its user if needed",
    )
    group.add_argument(
        "--local-file",
        default=default,
        help="the local stack's file (default: $PAROPT_LOCAL_FILE or .paropt/local-stack.json)",
    )
    group.add_argument(
        "--client-id",
        default=default,
        help="the Cognito app client id of a deployed service (default: $PAROPT_CLIENT_ID)",
    )
    group.add_argument(
        "--region",
        default=default,
        help="the AWS region of its user pool (default: $PAROPT_REGION or $AWS_REGION)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help=f"show the traceback of an unexpected error (or set {DEBUG_VARIABLE}=1)",
    )


def _add_wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with --wait, give up waiting after this many seconds (exit 1)",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="with --wait, show no progress bar or progress lines",
    )


def build_parser() -> argparse.ArgumentParser:
    """Create the parser of the ``paropt`` command and its subcommands."""
    parser = _Parser(
        prog="paropt",
        description="Tune command-line tools with the paropt service: register experiments, "
        "run optimisers, and read trials and results.",
    )
    _add_service_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _add_service_options(common, suppress=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return subparsers.add_parser(name, help=help_text, description=help_text, parents=[common])

    login = add("login", "Log in through Cognito and cache the session in ~/.paropt/credentials.")
    login.add_argument("--username", help="the user name (default: prompt, or the local user)")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of prompting",
    )
    add("logout", "Revoke the cached refresh token and delete the cached session.")

    experiment = add("experiment", "Register or show one experiment.")
    experiment_commands = experiment.add_subparsers(
        dest="experiment_command", metavar="ACTION", parser_class=_Parser
    )
    experiment_commands.required = True
    create = experiment_commands.add_parser(
        "create", help="register the experiment in a YAML or JSON file", parents=[common]
    )
    create.add_argument("file", metavar="FILE", help="the experiment file (YAML or JSON)")
    create.add_argument("--json", action="store_true", help="print the experiment as JSON")
    get = experiment_commands.add_parser("get", help="show one experiment", parents=[common])
    get.add_argument("experiment_id", metavar="ID")
    get.add_argument("--json", action="store_true", help="print the experiment as JSON")

    experiments = add("experiments", "List your experiments.")
    experiments.add_argument("--json", action="store_true", help="print the list as JSON")

    run = add("run", "Register the experiment if needed and start a run of the optimiser.")
    run.add_argument("experiment_file", metavar="EXPERIMENT_FILE")
    run.add_argument("optimizer_file", metavar="OPTIMIZER_FILE")
    run.add_argument("--wait", action="store_true", help="wait until the job ends")
    run.add_argument("--json", action="store_true", help="print the job as JSON")
    _add_wait_options(run)

    trials = add("trials", "List the trials of an experiment.")
    trials.add_argument("experiment_id", metavar="ID")
    trials.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format"
    )
    trials.add_argument("--status", choices=TRIAL_STATUSES, help="only trials in this status")
    trials.add_argument("--run", type=int, metavar="N", help="only trials of run number N")

    best = add("best", "Show the best configuration of an experiment over all runs.")
    best.add_argument("experiment_id", metavar="ID")
    best.add_argument("--json", action="store_true", help="print the result as JSON")

    jobs = add("jobs", "List your jobs, all of them or those in one status.")
    jobs.add_argument(
        "status",
        nargs="?",
        choices=JOB_STATUSES,
        metavar="STATUS",
        help=f"one of {', '.join(JOB_STATUSES)} (default: all)",
    )
    jobs.add_argument("--json", action="store_true", help="print the list as JSON")

    job = add("job", "Show one job, or wait for it to end.")
    job.add_argument("job_id", metavar="JOB_ID")
    job.add_argument("--wait", action="store_true", help="wait until the job ends")
    job.add_argument("--json", action="store_true", help="print the job as JSON")
    _add_wait_options(job)

    stop = add("stop", "Stop the queued or running job of an experiment.")
    stop.add_argument("experiment_id", metavar="ID")
    stop.add_argument("--json", action="store_true", help="print the stopped job as JSON")

    plot = add("plot", "Plot the trials of an experiment to a PNG file.")
    plot.add_argument("experiment_id", metavar="ID")
    plot.add_argument("-o", "--output", required=True, metavar="FILE.png", help="the PNG file")
    return parser


def error_line(error: ParoptError) -> str:
    """Return the one-line message of an error, with every validation problem."""
    if isinstance(error, ValidationFailed) and error.errors:
        problems = []
        for problem in error.errors:
            if not isinstance(problem, dict):
                problems.append(str(problem))
                continue
            text = f"invalid {problem.get('field')}: {problem.get('message')}"
            if "value" in problem:
                text += f" (got {problem['value']!r})"
            problems.append(text)
        return f"the service rejected the request (HTTP 400): {'; '.join(problems)}"
    if isinstance(error, ApiError):
        return f"{error.message} (HTTP {error.status})"
    return " ".join(str(error).split())


def _exit_code(error: ParoptError) -> int:
    if isinstance(error, InvalidInputFile | ProfileError):
        return EXIT_USAGE
    if isinstance(error, commands.UsageError):
        return EXIT_USAGE
    if isinstance(error, commands.Interrupted):
        return EXIT_INTERRUPTED
    return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``paropt`` command and return its exit code.

    Args:
        argv: The arguments after the program name (``sys.argv[1:]`` if unset).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    debug = args.debug or os.environ.get(DEBUG_VARIABLE) == "1"
    try:
        commands.dispatch(args)
    except ParoptError as exc:
        print(f"paropt: error: {error_line(exc)}", file=sys.stderr)
        return _exit_code(exc)
    except KeyboardInterrupt:
        print("paropt: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of standard output went away, as `paropt trials ID | head` does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if debug:
            raise
        print(
            f"paropt: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            f"(rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

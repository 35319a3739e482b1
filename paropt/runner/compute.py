"""Parsl configuration for an experiment's compute."""

from __future__ import annotations

import os
import sys
import tempfile

from paropt.settings import Settings
from paropt.specs import ExperimentSpec, FargateCompute, LocalCompute

EXECUTOR_LABEL = "trials"


def load_parsl(  # noqa: ANN201 - returns a Parsl DataFlowKernel
    spec: ExperimentSpec,
    *,
    parallelism: int = 1,
    job_id: str = "",
    settings: Settings | None = None,
):
    """Load a Parsl DataFlowKernel that runs up to ``parallelism`` trials at once.

    ``local`` and ``fargate`` compute run trials on threads of the runner's own
    host. ``ec2`` compute starts a HighThroughputExecutor whose blocks are EC2
    instances of the experiment's type and AMI, one trial per instance unless the
    experiment allows shared nodes.
    """
    import parsl
    from parsl.config import Config
    from parsl.executors.threads import ThreadPoolExecutor

    run_dir = tempfile.mkdtemp(prefix="paropt-parsl-")
    if isinstance(spec.compute, LocalCompute | FargateCompute):
        executor = ThreadPoolExecutor(label=EXECUTOR_LABEL, max_threads=parallelism)
    else:
        executor = _ec2_executor(
            spec, parallelism, job_id, settings or Settings.from_environment(), run_dir
        )
    config = Config(executors=[executor], run_dir=run_dir, initialize_logging=False)
    return parsl.load(config)


def _ec2_executor(
    spec: ExperimentSpec, parallelism: int, job_id: str, settings: Settings, run_dir: str
):  # noqa: ANN202
    from parsl.executors import HighThroughputExecutor

    from paropt.runner.ec2 import JobEC2Provider

    compute = spec.compute
    # Parsl starts its interchange as the script interchange.py, installed next to
    # this interpreter; a virtual environment that is not activated lacks it on PATH.
    scripts = os.path.dirname(sys.executable)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    provider = JobEC2Provider(
        job_id=job_id,
        settings=settings,
        image_id=compute.ami,
        instance_type=compute.instance_model,
        key_name=compute.key_name or os.environ.get("PAROPT_EC2_KEY_NAME", ""),
        iam_instance_profile_arn=os.environ.get("PAROPT_EC2_INSTANCE_PROFILE_ARN", ""),
        worker_init=compute.worker_init,
        init_blocks=1,
        min_blocks=0,
        max_blocks=parallelism,
        nodes_per_block=1,
        state_file=os.path.join(run_dir, "aws-provider-state.json"),
    )
    workers = None if spec.allow_shared_node else 1
    return HighThroughputExecutor(
        label=EXECUTOR_LABEL,
        address=runner_address(),
        # Unset, Parsl picks a free port from 54000 to 55000, so several runners
        # can share one host. A deployed stage fixes it for its security groups.
        worker_port=settings.worker_port,
        max_workers_per_node=workers,
        provider=provider,
    )


def runner_address() -> str:
    """Return the address that workers on trial instances connect back to.

    ``PAROPT_RUNNER_ADDRESS`` wins. Otherwise it is the address of the interface
    that carries the default route: in a Fargate task, the private address of the
    task's network interface in the stack's VPC, where the trial instances run.
    """
    from parsl.addresses import address_by_hostname, address_by_route

    configured = os.environ.get("PAROPT_RUNNER_ADDRESS")
    if configured:
        return configured
    try:
        # Opens a UDP socket towards a public address without sending a packet.
        return address_by_route()
    except OSError:
        return address_by_hostname()

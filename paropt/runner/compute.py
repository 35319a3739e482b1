"""Parsl configuration for an experiment's compute."""

from __future__ import annotations

import tempfile

from paropt.specs import ExperimentSpec, FargateCompute, LocalCompute

EXECUTOR_LABEL = "trials"


def load_parsl(spec: ExperimentSpec, *, parallelism: int = 1):  # noqa: ANN201
    """Load a Parsl DataFlowKernel that runs up to ``parallelism`` trials at once.

    Raises:
        NotImplementedError: for compute types this runner cannot drive yet.
    """
    import parsl
    from parsl.config import Config
    from parsl.executors.threads import ThreadPoolExecutor

    if not isinstance(spec.compute, LocalCompute | FargateCompute):
        raise NotImplementedError(
            f"compute type {spec.compute.type!r} is not supported by this runner yet; "
            "use type 'local'"
        )
    config = Config(
        executors=[ThreadPoolExecutor(label=EXECUTOR_LABEL, max_threads=parallelism)],
        run_dir=tempfile.mkdtemp(prefix="paropt-parsl-"),
        initialize_logging=False,
    )
    return parsl.load(config)

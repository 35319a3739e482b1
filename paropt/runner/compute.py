"""Parsl configuration for an experiment's compute."""

from __future__ import annotations

import tempfile

from paropt.specs import ExperimentSpec, LocalCompute

EXECUTOR_LABEL = "trials"


def load_parsl(spec: ExperimentSpec):  # noqa: ANN201 - returns a Parsl DataFlowKernel
    """Load a Parsl DataFlowKernel that runs trials on the experiment's compute.

    Raises:
        NotImplementedError: for compute types this runner cannot drive yet.
    """
    import parsl
    from parsl.config import Config
    from parsl.executors.threads import ThreadPoolExecutor

    if not isinstance(spec.compute, LocalCompute):
        raise NotImplementedError(
            f"compute type {spec.compute.type!r} is not supported by this runner yet; "
            "use type 'local'"
        )
    config = Config(
        executors=[ThreadPoolExecutor(label=EXECUTOR_LABEL, max_threads=spec.compute.max_threads)],
        run_dir=tempfile.mkdtemp(prefix="paropt-parsl-"),
        initialize_logging=False,
    )
    return parsl.load(config)

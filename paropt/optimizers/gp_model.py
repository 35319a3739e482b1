"""The Gaussian process and acquisition function behind the ``bayesopt`` optimiser.

Importing this module loads bayes_opt, scikit-learn and SciPy (about a second), so
only :mod:`paropt.optimizers.bayesopt` imports it, when it builds its first model.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from bayes_opt import TargetSpace
from bayes_opt.acquisition import AcquisitionFunction
from bayes_opt.parameter import wrap_kernel
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Matern
from threadpoolctl import ThreadpoolController

# Random candidates that seed the acquisition maximiser, per dimension of the
# encoded space. bayes_opt 3.4 draws 10,000 whatever the dimension. On one integer
# parameter with 5 to 200 observations, the median suggestion took 70 to 125 ms
# with 10,000 candidates and 16 to 22 ms with 1,000 (2-core Xeon, two seeds).
RANDOM_CANDIDATES_PER_DIMENSION = 1_000
MAX_RANDOM_CANDIDATES = 10_000
# The BLAS libraries that NumPy and SciPy loaded. A suggestion uses one BLAS thread,
# because trials of the same job may run on the other cores meanwhile, and OpenBLAS
# threads that wait for a busy core spin on it. With 10,000 observations and two busy
# processes on a 2-core machine, the median suggestion took 0.18 s (at most 1.4 s)
# with two threads and 0.08 s (at most 0.16 s) with one.
_BLAS = ThreadpoolController()


class SurrogateModel:
    """A bayes_opt target space, its Gaussian process and an acquisition function.

    The process is the one that bayes_opt 3.4's ``BayesianOptimization`` builds.
    Its Matern 5/2 kernel works on the space's kernel transform, which rounds
    integer dimensions and turns categorical ones into one-hot vectors. It has
    ``alpha`` 1e-6, normalised targets and 5 random restarts of the hyperparameter
    search. One instance lives across suggestions, so each point is registered
    once, and each suggestion fits the process once. Targets are maximised, as in
    bayes_opt.
    """

    def __init__(
        self, bounds: dict[str, tuple], acquisition: AcquisitionFunction, *, seed: int
    ) -> None:
        self._random_state = np.random.RandomState(seed)
        with warnings.catch_warnings():
            # bayes_opt 3.4 warns that non-float parameters are experimental.
            warnings.simplefilter("ignore", UserWarning)
            self.space = TargetSpace(
                None, bounds, random_state=self._random_state, allow_duplicate_points=True
            )
        self._gp = GaussianProcessRegressor(
            kernel=wrap_kernel(Matern(nu=2.5), transform=self.space.kernel_transform),
            alpha=1e-6,
            normalize_y=True,
            n_restarts_optimizer=5,
            random_state=self._random_state,
        )
        self._acquisition = acquisition
        self.random_candidates = min(
            MAX_RANDOM_CANDIDATES, RANDOM_CANDIDATES_PER_DIMENSION * self.space.dim
        )

    def __len__(self) -> int:
        return len(self.space)

    def register(self, params: dict[str, Any], target: float) -> None:
        """Add one observed point, with ``params`` keyed like the bounds."""
        self.space.register(params=params, target=target)

    def suggest(self) -> dict[str, Any]:
        """Fit the process to every registered point and return the acquisition's maximum."""
        if len(self.space) == 0:
            raise RuntimeError("the surrogate model has no registered point to fit")
        with warnings.catch_warnings(), _BLAS.limit(limits=1, user_api="blas"):
            # scikit-learn warns when the hyperparameter search ends at a bound or
            # does not converge.
            warnings.simplefilter("ignore")
            point = self._acquisition.suggest(
                gp=self._gp,
                target_space=self.space,
                n_random=self.random_candidates,
                fit_gp=True,
                random_state=self._random_state,
            )
        return self.space.array_to_params(point)

"""Rate experiments: runs of one setting on an objective over seeds, read as Q(T) tables.

A setting fixes the gradients (full, or the objective's stochastic ones), the step policy and
the optimizer:

* ``constant``: the rate lr at every step, the policy of the adaptive rule as published;
* ``horizon-scaled``: for a horizon T, a separate run with rate lr·√(T₁/T) at every step, where
  T₁ is the first horizon of the grid, the step size of the standard O(1/√T) SGD bound;
* ``decaying``: one run with rate lr/√(t + 1) at step t.

The optimizer is the adaptive rule, or plain SGD and Adam as baselines (:data:`METHODS`).
"""

from __future__ import annotations

import enum
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from curvature._validation import check_choice, check_positive, check_positive_int
from curvature.objectives.base import Objective, is_stochastic
from curvature.rates.quantities import (
    Quantity,
    best_so_far,
    loss_gap,
    random_iterate,
    running_average,
)
from curvature.trajectory import METHODS, Trajectory, run_trajectory


class StepPolicy(str, enum.Enum):
    """The schedule of the base rate lr over the steps t or the horizons T."""

    CONSTANT = "constant"
    HORIZON_SCALED = "horizon-scaled"
    DECAYING = "decaying"


@dataclass(frozen=True)
class RateSetting:
    """One setting of a rate experiment.

    Attributes:
        policy: the step policy.
        method: ``"adaptive"``, ``"sgd"`` or ``"adam"``.
        stochastic: use the objective's stochastic gradients.
        lr: the base rate; None uses the objective's lr.
    """

    policy: StepPolicy = StepPolicy.CONSTANT
    method: str = "adaptive"
    stochastic: bool = False
    lr: float | None = None

    def __post_init__(self) -> None:
        check_choice("method", self.method, METHODS)
        if self.lr is not None:
            check_positive("lr", self.lr)

    def label(self, objective: Objective, first_horizon: int) -> str:
        """Return the setting in a few words, for report rows.

        Example: "mini-batch gradients, lr*sqrt(10/T)"; "noisy gradients" means added noise
        of known variance.
        """
        if not self.stochastic:
            gradients = "full gradients"
        elif getattr(objective, "gradient_variance", None) is not None:
            gradients = "noisy gradients"
        else:
            gradients = "mini-batch gradients"
        policy = {
            StepPolicy.CONSTANT: "constant lr",
            StepPolicy.HORIZON_SCALED: f"lr*sqrt({first_horizon}/T)",
            StepPolicy.DECAYING: "lr/sqrt(t+1)",
        }[self.policy]
        method = {"adaptive": "", "sgd": ", SGD", "adam": ", Adam"}[self.method]
        return f"{gradients}, {policy}{method}"


@dataclass(frozen=True)
class SettingRuns:
    """The runs of one setting over seeds, on a grid of horizons.

    Attributes:
        setting: the setting.
        horizons: the grid of T.
        runs: per seed, one trajectory of ``horizons[-1] + 1`` steps, or for the
            horizon-scaled policy one trajectory of T + 1 steps per horizon T.
        lrs: the base rate of each horizon's runs (the same everywhere for one-run policies).
    """

    setting: RateSetting
    horizons: np.ndarray
    runs: list[list[Trajectory]]
    lrs: np.ndarray

    @property
    def trajectories(self) -> list[Trajectory]:
        """Every trajectory, seed by seed."""
        return [trajectory for seed_runs in self.runs for trajectory in seed_runs]

    def table(self, quantity: Quantity, lower_bound: float | None = None) -> np.ndarray:
        """Return Q(T) at every horizon for every seed, shape (seeds, K).

        Args:
            quantity: the quantity to read.
            lower_bound: f*, needed for :attr:`Quantity.LOSS_GAP`.
        """
        if quantity is Quantity.LOSS_GAP and lower_bound is None:
            raise ValueError("the loss gap f(theta_T) - f* needs `lower_bound` (f*)")
        rows = []
        for index, seed_runs in enumerate(self.runs):
            # The random iterate's draws are seeded by the seed's position, so that a
            # table is the same every time it is read.
            generator = np.random.default_rng([index, 104729])
            if len(seed_runs) == 1:
                rows.append(_read(seed_runs[0], quantity, self.horizons, lower_bound, generator))
            else:
                rows.append(
                    np.concatenate(
                        [
                            _read(run, quantity, np.array([horizon]), lower_bound, generator)
                            for run, horizon in zip(seed_runs, self.horizons)
                        ]
                    )
                )
        return np.vstack(rows)


def run_setting(
    objective: Objective,
    setting: RateSetting,
    horizons: np.ndarray,
    seeds: Sequence[int],
) -> SettingRuns:
    """Run ``setting`` on ``objective`` for every seed, up to the largest horizon.

    The horizon-scaled policy costs Σ_k (T_k + 1) steps per seed, the others T_K + 1.

    Raises:
        ValueError: for a stochastic setting on an objective without stochastic gradients.
    """
    grid = np.asarray(horizons, dtype=np.int64)
    if grid.ndim != 1 or grid.size == 0 or grid[0] < 1 or np.any(np.diff(grid) <= 0):
        raise ValueError("`horizons` must be a non-empty increasing array of positive integers")
    if setting.stochastic and not is_stochastic(objective):
        raise ValueError(
            f"objective {objective.name!r} has no stochastic gradients; use stochastic=False"
        )
    if not seeds:
        raise ValueError("`seeds` must contain at least one seed")
    lr = objective.settings.lr if setting.lr is None else setting.lr

    runs: list[list[Trajectory]] = []
    if setting.policy is StepPolicy.HORIZON_SCALED:
        lrs = lr * np.sqrt(grid[0] / grid)
        for seed in seeds:
            runs.append(
                [
                    _run(objective, setting, int(horizon) + 1, seed, float(rate), None)
                    for horizon, rate in zip(grid, lrs)
                ]
            )
    else:
        lrs = np.full(grid.size, lr)
        schedule = _inverse_sqrt if setting.policy is StepPolicy.DECAYING else None
        for seed in seeds:
            runs.append([_run(objective, setting, int(grid[-1]) + 1, seed, lr, schedule)])
    return SettingRuns(setting, grid, runs, lrs)


def _inverse_sqrt(step: int) -> float:
    return 1.0 / math.sqrt(step + 1)


def _run(
    objective: Objective,
    setting: RateSetting,
    steps: int,
    seed: int,
    lr: float,
    schedule: Callable[[int], float] | None,
) -> Trajectory:
    return run_trajectory(
        objective,
        steps,
        seed=seed,
        stochastic=setting.stochastic,
        lr=lr,
        method=setting.method,
        lr_schedule=schedule,
    )


def _read(
    trajectory: Trajectory,
    quantity: Quantity,
    horizons: np.ndarray,
    lower_bound: float | None,
    generator: np.random.Generator,
) -> np.ndarray:
    if trajectory.grad_norms_sq.size == 0:
        # The run diverged at its first step: nothing finite was measured.
        return np.full(horizons.size, np.inf)
    if quantity is Quantity.BEST:
        return best_so_far(trajectory.grad_norms_sq, horizons)
    if quantity is Quantity.AVERAGE:
        return running_average(trajectory.grad_norms_sq, horizons)
    if quantity is Quantity.RANDOM_ITERATE:
        return random_iterate(trajectory.grad_norms_sq, horizons, generator)
    return loss_gap(trajectory.losses, lower_bound, horizons)  # type: ignore[arg-type]


def experiment_seeds(objective: Objective, count: int) -> list[int]:
    """Return ``count`` run seeds derived from the objective's seed and name.

    Every check that runs the same setting on the same objective gets the same seeds, so one
    set of runs can serve them all (see :func:`shared_runs`).
    """
    name_code = zlib.crc32(objective.name.encode())
    return [
        int(np.random.SeedSequence([objective.seed, name_code, offset]).generate_state(1)[0])
        for offset in range(count)
    ]


def shared_runs(
    objective: Objective,
    setting: RateSetting,
    horizons: np.ndarray,
    num_seeds: int,
    store: dict[Any, Any] | None,
) -> SettingRuns:
    """Return :func:`run_setting` on :func:`experiment_seeds`, reusing runs kept in ``store``.

    The runs depend only on the arguments, so a check gets the same runs whether or not another
    check made them first. ``store`` None runs them without keeping them.
    """
    check_positive_int("num_seeds", num_seeds)
    seeds = experiment_seeds(objective, num_seeds)
    key = (
        "rate-runs",
        objective.name,
        objective.seed,
        id(objective),
        setting,
        tuple(int(horizon) for horizon in horizons),
        tuple(seeds),
    )
    if store is not None and key in store:
        return store[key]
    runs = run_setting(objective, setting, horizons, seeds)
    if store is not None:
        store[key] = runs
    return runs

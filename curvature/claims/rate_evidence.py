"""Rate evidence for reports: every quantity Q(T) per seed, and the proven bound per horizon.

``stationarity-rate`` stores these beside its assessments, so that a report can draw Q(T)
against T with the fitted slope, the claimed slope and the bound without rerunning anything.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from curvature.objectives.base import Objective
from curvature.proofs import result_function
from curvature.rates import Quantity, SettingRuns


def quantity_tables(
    objective: Objective, runs: SettingRuns, quantities: Iterable[Quantity]
) -> dict[str, list[list[float]]]:
    """Return Q(T) of every seed at every horizon, shape (seeds, K), for each quantity."""
    return {
        quantity.value: runs.table(quantity, objective.lower_bound).tolist()
        for quantity in quantities
    }


def descent_bound_table(objective: Objective, runs: SettingRuns) -> list[list[float]]:
    """Return (f(θ_0) − f*) / Σ_{t<T} η_t(1 − Lη_t/2) for every seed at every horizon T.

    The bound of the proof ``stationarity-bound`` on min_{t<T} ‖∇f(θ_t)‖². It holds only
    where that proof's assumptions were verified on the runs, so call this only when the
    claim's own check found them verified: L certified, f* known, full gradients and
    η_t·L < 2 inside the certified region.
    """
    L = objective.smoothness.L
    f_star = objective.lower_bound
    if L is None or f_star is None:
        raise ValueError(
            f"objective {objective.name!r} has no certified L or no f*; the descent-lemma "
            "bound does not apply"
        )
    progress_term = result_function("stationarity-bound", "progress_term", "numpy")
    stationarity_bound = result_function("stationarity-bound", "bound")

    table = []
    for seed_runs in runs.runs:
        # One run covers every horizon, or (horizon-scaled policy) one run per horizon.
        pairs = (
            [(seed_runs[0], int(T)) for T in runs.horizons]
            if len(seed_runs) == 1
            else [(run, int(T)) for run, T in zip(seed_runs, runs.horizons)]
        )
        row = []
        for trajectory, T in pairs:
            progress = float(np.sum(progress_term(trajectory.lrs[:T], L)))
            gap = float(trajectory.losses[0]) - float(f_star)
            row.append(float(stationarity_bound(gap, progress)))
        table.append(row)
    return table

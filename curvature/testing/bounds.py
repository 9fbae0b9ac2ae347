"""The telescoped descent-lemma bound on the best gradient norm of gradient descent.

For an L-smooth f bounded below by f*, a step θ_{t+1} = θ_t − η_t ∇f(θ_t) decreases f by at
least η_t (1 − L·η_t/2) ‖∇f(θ_t)‖² (the descent lemma). Summing over t < T telescopes to

    min_{t<T} ‖∇f(θ_t)‖² ≤ (f(θ_0) − f*) / Σ_{t<T} η_t (1 − L·η_t/2),

valid for any step sizes with 0 < η_t·L < 2, however a rule chose them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curvature._validation import check_non_negative, check_positive


def descent_lemma_bound(initial_gap: float, lrs: Sequence[float], L: float) -> np.ndarray:
    """Return the bound on min_{t<T} ‖∇f(θ_t)‖² for every horizon T = 1, …, len(lrs).

    Entry T − 1 is (f(θ_0) − f*) / Σ_{t<T} η_t (1 − L·η_t/2).

    Args:
        initial_gap: f(θ_0) − f*, at least 0.
        lrs: the step sizes η_0, η_1, … that the run applied.
        L: the smoothness constant, greater than 0.

    Raises:
        ValueError: when a step size is not in (0, 2/L), where the bound does not hold.

    Example:
        >>> descent_lemma_bound(1.0, [0.5, 0.5], L=1.0).tolist()
        [2.6666666666666665, 1.3333333333333333]
    """
    gap = check_non_negative("initial_gap", initial_gap)
    smoothness = check_positive("L", L)
    steps = np.asarray(lrs, dtype=np.float64)
    if steps.ndim != 1 or steps.size == 0:
        raise ValueError(f"`lrs` must be a non-empty 1-D sequence, got shape {steps.shape}")
    outside = np.flatnonzero(~((steps > 0) & (steps * smoothness < 2)))
    if outside.size:
        first = int(outside[0])
        raise ValueError(
            f"the descent-lemma bound needs 0 < eta_t * L < 2; at t = {first}, "
            f"eta_t = {float(steps[first])!r} and eta_t * L = {float(steps[first]) * smoothness!r}"
        )

    progress = np.cumsum(steps * (1.0 - smoothness * steps / 2.0))
    return gap / progress

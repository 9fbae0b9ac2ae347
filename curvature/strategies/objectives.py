"""Strategies for objectives with known smoothness: quadratics, sums of sines, logistic losses.

Every generated objective implements :class:`curvature.objectives.Objective`, with a certified
L on all of Rⁿ and a certified lower bound f* where one exists, so it runs through every claim
check and through :func:`curvature.trajectory.run_trajectory`.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from curvature._validation import check_positive, check_positive_int
from curvature.objectives.base import Objective, RunSettings
from curvature.objectives.logistic import LogisticRegression
from curvature.objectives.quadratic import Quadratic
from curvature.strategies._limits import check_size_range, finite_floats
from curvature.strategies.matrices import SEEDS, spectra
from curvature.strategies.settings import run_settings
from curvature.strategies.sine_sum import SineSum

MAX_SAMPLES = 256
"""The largest data set :func:`logistic_regressions` generates."""


def quadratics(
    spectrum: st.SearchStrategy[list[float]] | None = None,
    *,
    settings: st.SearchStrategy[RunSettings] | None = None,
) -> st.SearchStrategy[Quadratic]:
    """Generate ``f(θ) = ½ (θ − θ*)ᵀ A (θ − θ*)`` with known L, μ and minimizer.

    A = Q diag(λ) Qᵀ with λ from ``spectrum`` (default :func:`~curvature.strategies.spectra`:
    1 to 8 eigenvalues in [−10, 10]) and Q Haar-distributed from a seed, which also fixes θ*
    and θ₀. The result is a :class:`~curvature.objectives.Quadratic`: ``smoothness.L`` is
    max |λ|, ``mu`` is min λ, ``minimizer`` is θ*, ``lower_bound`` is 0 when A is positive
    semi-definite and None otherwise. ``settings`` defaults to
    :func:`~curvature.strategies.run_settings`. Size: that of the spectrum (at most 64).
    """
    return st.builds(
        Quadratic,
        spectrum if spectrum is not None else spectra(),
        seed=SEEDS,
        settings=settings if settings is not None else run_settings(),
    )


def sine_sums(
    *,
    min_dimension: int = 1,
    max_dimension: int = 6,
    max_terms: int = 4,
    max_amplitude: float = 2.0,
    max_frequency: float = 2.0,
    settings: st.SearchStrategy[RunSettings] | None = None,
) -> st.SearchStrategy[SineSum]:
    """Generate smooth non-convex objectives Σ_k a_k sin(w_kᵀθ + b_k) + (reg/2)‖θ‖².

    n is ``min_dimension`` to ``max_dimension`` (at most 64), K is 1 to ``max_terms`` (at most
    16), |a_k| ≤ ``max_amplitude``, entries of w_k in [−max_frequency, max_frequency], b_k in
    [−π, π], θ₀ in [−3, 3]ⁿ and reg in [0, 1]. ``smoothness.L`` = Σ|a_k|‖w_k‖² + reg is
    certified on all of Rⁿ and ``lower_bound`` = −Σ|a_k|. See
    :class:`~curvature.strategies.sine_sum.SineSum`.
    """
    check_size_range(min_dimension, max_dimension)
    check_positive_int("max_terms", max_terms)
    if max_terms > 16:
        raise ValueError(f"`max_terms` must be at most 16, got {max_terms}")
    amplitude = check_positive("max_amplitude", max_amplitude)
    frequency = check_positive("max_frequency", max_frequency)
    settings_strategy = settings if settings is not None else run_settings()

    @st.composite
    def draw_objective(draw: st.DrawFn) -> SineSum:
        n = draw(st.integers(min_dimension, max_dimension))
        terms = draw(st.integers(1, max_terms))

        def vector(size: int, bound: float) -> torch.Tensor:
            values = draw(st.lists(finite_floats(-bound, bound), min_size=size, max_size=size))
            return torch.tensor(values, dtype=torch.float64)

        return SineSum(
            amplitudes=vector(terms, amplitude),
            frequencies=vector(terms * n, frequency).reshape(terms, n),
            phases=vector(terms, float(np.pi)),
            start=vector(n, 3.0),
            reg=draw(finite_floats(0.0, 1.0)),
            settings=draw(settings_strategy),
        )

    return draw_objective()


def generated_logistic_regression(
    samples: int, features: int, data_seed: int, reg: float, settings: RunSettings
) -> LogisticRegression:
    """Return logistic regression on ``samples`` Gaussian points in ``features`` dimensions.

    The labels are y = sign(xᵀw + 0.5·ε) for a Gaussian w and Gaussian noise ε, all drawn from
    ``data_seed`` with NumPy, so some points are misclassified by every linear model.
    """
    rng = np.random.default_rng(data_seed)
    points = rng.standard_normal((samples, features))
    direction = rng.standard_normal(features)
    labels = np.where(points @ direction + 0.5 * rng.standard_normal(samples) >= 0, 1.0, -1.0)
    return LogisticRegression(
        points, labels, reg=reg, seed=data_seed, name="generated-logistic", settings=settings
    )


def logistic_regressions(
    *,
    max_samples: int = 40,
    max_features: int = 5,
    settings: st.SearchStrategy[RunSettings] | None = None,
) -> st.SearchStrategy[LogisticRegression]:
    """Generate L2-regularized logistic regression on generated data, with a certified L.

    2 to ``max_samples`` (at most 256) Gaussian points in 1 to ``max_features`` (at most 63)
    dimensions, labels from a noisy linear rule (see :func:`generated_logistic_regression`),
    and reg in [1e-3, 1]. ``smoothness.L`` = ‖[X, 1]‖₂²/(4m) + reg holds on all of Rⁿ, and
    ``lower_bound`` is certified by strong convexity. n = features + 1. Building one solves
    the problem with L-BFGS for f*, a few milliseconds at these sizes.
    """
    check_positive_int("max_samples", max_samples)
    if not 2 <= max_samples <= MAX_SAMPLES:
        raise ValueError(f"`max_samples` must lie in [2, {MAX_SAMPLES}], got {max_samples}")
    check_size_range(1, max_features + 1)
    return st.builds(
        generated_logistic_regression,
        samples=st.integers(2, max_samples),
        features=st.integers(1, max_features),
        data_seed=SEEDS,
        reg=finite_floats(1e-3, 1.0),
        settings=settings if settings is not None else run_settings(),
    )


def smooth_objectives(
    settings: st.SearchStrategy[RunSettings] | None = None,
) -> st.SearchStrategy[Objective]:
    """Generate any of the above with a certified L: positive semi-definite quadratics
    (eigenvalues in [0, 10]), sums of sines, or logistic regressions, at their default sizes.
    """
    psd = spectra(min_value=0.0, max_value=10.0)
    return st.one_of(
        quadratics(psd, settings=settings),
        sine_sums(settings=settings),
        logistic_regressions(settings=settings),
    )

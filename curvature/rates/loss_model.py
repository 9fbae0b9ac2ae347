"""The loss-curve model L(t) = L0·e^(−αt) + L∞, fitted to loss curves over seeds.

"Adaptive Learning Rate Scheduling for Large-Scale Neural Networks" (ICML 2024) describes the
convergence of its rule by this model. :func:`fit_loss_curve` fits it to the mean curve of
several seeds with ``scipy.optimize.curve_fit`` and decides where it describes the curve.

The model describes the curve at step t when the residual is within the band

    max(rtol·|m(t)|, z·se(t)),

where m(t) is the mean loss over seeds, se(t) its standard error, and z the Student-t
quantile at a family-wise level ``alpha`` over all steps (Bonferroni). The first term is the
accuracy asked of the model (``rtol`` = 5 % of the loss by default), the second the noise
between seeds, so a noisy curve is not failed for its noise. The fit is weighted by the band,
so it minimises the residuals in units of the band.

Verdicts: ``holds`` when every residual is within rtol·|m(t)| and the horizon covers at least
one time constant (α·N ≥ 1 for N steps, so α and L∞ are identified); ``fails`` when some
residual is outside the band, with the stretches where it is and the first step from which a
refit describes the rest; ``inconclusive`` when only the noise term keeps residuals in the
band (more seeds would decide), when the horizon is too short, or when the fit does not
converge.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats

from curvature._validation import check_positive, check_probability
from curvature.rates.assessment import FAILS, HOLDS, INCONCLUSIVE

MIN_TIME_CONSTANTS = 1.0
"""The horizon must cover α·N ≥ 1 time constants for α and L∞ to be identified."""


@dataclass(frozen=True)
class LossCurveFit:
    """The fitted model with its uncertainty, residuals and verdict.

    Attributes:
        verdict: ``"holds"``, ``"fails"`` or ``"inconclusive"``.
        summary: one sentence with the deciding numbers.
        steps: N, the number of steps fitted.
        seeds: the number of seeds.
        L0, alpha, L_inf: the fitted parameters of the mean curve (NaN if the fit failed).
        standard_errors: their standard errors from the covariance of ``curve_fit``,
            scaled by the residuals.
        alpha_over_seeds, L_inf_over_seeds: mean and standard deviation of the parameters
            fitted seed by seed, where there are two seeds or more.
        max_relative_residual: max |m(t) − model(t)| / |m(t)|, and ``worst_step`` where.
        rms_relative_residual: the root mean square of the same ratio.
        outside_band: the fraction of steps outside the band.
        misfit: the three longest stretches [t_first, t_last] outside the band, or fewer.
        described_from: the first step t0 of a grid from which a refit on [t0, N) is within
            the band everywhere, or None.
        rtol, alpha_level: the settings of the band.
    """

    verdict: str
    summary: str
    steps: int
    seeds: int
    L0: float
    alpha: float
    L_inf: float
    standard_errors: dict[str, float]
    alpha_over_seeds: list[float] | None
    L_inf_over_seeds: list[float] | None
    max_relative_residual: float
    worst_step: int
    rms_relative_residual: float
    outside_band: float
    misfit: list[list[int]]
    described_from: int | None
    rtol: float
    alpha_level: float

    def to_dict(self) -> dict[str, Any]:
        """Return the fit as a JSON-ready dict."""
        return asdict(self)


def exponential_model(t: np.ndarray, L0: float, alpha: float, L_inf: float) -> np.ndarray:
    """Return L0·e^(−α·t) + L∞."""
    return L0 * np.exp(-alpha * t) + L_inf


def residual_band(table: np.ndarray, *, rtol: float, alpha_level: float) -> np.ndarray:
    """Return the band max(rtol·|m(t)|, z·se(t)) of the module docstring at every step.

    Args:
        table: L(t) for t = 0, …, N−1, shape (S, N) for S seeds.
        rtol: the accuracy asked of the model, relative to the loss.
        alpha_level: the family-wise level of the noise term over the N steps.
    """
    seeds, steps = table.shape
    mean = table.mean(axis=0)

    # The model's accuracy, or the noise between seeds where that is larger.
    band = rtol * np.abs(mean)
    if seeds >= 2:
        standard_error = table.std(axis=0, ddof=1) / math.sqrt(seeds)
        z = stats.t.ppf(1 - alpha_level / (2 * steps), seeds - 1)
        band = np.maximum(band, z * standard_error)
    return np.maximum(band, np.finfo(np.float64).tiny)


def fit_loss_curve(
    losses: np.ndarray, *, rtol: float = 0.05, alpha_level: float = 0.01
) -> LossCurveFit:
    """Fit L(t) = L0·e^(−αt) + L∞ to loss curves and decide whether it describes them.

    Args:
        losses: L(t) for t = 0, …, N−1, shape (S, N) for S seeds or (N,); finite.
        rtol: the accuracy asked of the model, relative to the loss.
        alpha_level: the family-wise level of the noise term of the band.

    Returns:
        The fit and its verdict; see the module docstring.
    """
    check_positive("rtol", rtol)
    check_probability("alpha_level", alpha_level)
    table = np.atleast_2d(np.asarray(losses, dtype=np.float64))
    if table.ndim != 2 or table.shape[1] < 4:
        raise ValueError(
            f"`losses` must contain at least 4 steps per seed, got shape {table.shape}"
        )
    if not np.all(np.isfinite(table)):
        raise ValueError("`losses` must be finite; cut the curves where a run diverged")
    seeds, steps = table.shape
    t = np.arange(steps, dtype=np.float64)
    mean = table.mean(axis=0)
    tolerance = rtol * np.abs(mean)
    band = residual_band(table, rtol=rtol, alpha_level=alpha_level)

    fitted = _fit(t, mean, band)
    if fitted is None:
        return _failed_fit(seeds, steps, rtol, alpha_level)
    parameters, errors = fitted
    residual = mean - exponential_model(t, *parameters)
    outside = np.abs(residual) > band

    # Where only a later stretch fits, its parameters are one more start for the whole
    # curve, so that a local minimum of the first fit is not reported as a misfit.
    described_from = None
    if outside.any():
        later = _described_from(t, mean, band)
        if later is not None:
            described_from = later[0]
            refitted = _fit(t, mean, band, extra_starts=(tuple(later[1]),))
            if refitted is not None:
                parameters, errors = refitted
                residual = mean - exponential_model(t, *parameters)
                outside = np.abs(residual) > band
                if not outside.any():
                    described_from = None
    beyond_tolerance = np.abs(residual) > tolerance
    relative = np.abs(residual) / np.maximum(np.abs(mean), np.finfo(np.float64).tiny)
    worst_step = int(np.argmax(relative))

    # Seed by seed, for the spread of α and L∞.
    alpha_over_seeds = L_inf_over_seeds = None
    if seeds >= 2:
        per_seed = [_fit(t, row, np.maximum(rtol * np.abs(row), 1e-300)) for row in table]
        found = np.array([result[0] for result in per_seed if result is not None])
        if found.size:
            alpha_over_seeds = [float(found[:, 1].mean()), float(found[:, 1].std())]
            L_inf_over_seeds = [float(found[:, 2].mean()), float(found[:, 2].std())]

    misfit = _stretches(outside)
    time_constants = parameters[1] * steps
    verdict, summary = _verdict(
        parameters,
        errors,
        time_constants,
        outside,
        beyond_tolerance,
        misfit,
        described_from,
        relative,
        steps,
    )
    return LossCurveFit(
        verdict=verdict,
        summary=summary,
        steps=steps,
        seeds=seeds,
        L0=float(parameters[0]),
        alpha=float(parameters[1]),
        L_inf=float(parameters[2]),
        standard_errors={"L0": errors[0], "alpha": errors[1], "L_inf": errors[2]},
        alpha_over_seeds=alpha_over_seeds,
        L_inf_over_seeds=L_inf_over_seeds,
        max_relative_residual=float(relative[worst_step]),
        worst_step=worst_step,
        rms_relative_residual=float(np.sqrt(np.mean(relative**2))),
        outside_band=float(outside.mean()),
        misfit=misfit,
        described_from=described_from,
        rtol=rtol,
        alpha_level=alpha_level,
    )


def _verdict(
    parameters: np.ndarray,
    errors: list[float],
    time_constants: float,
    outside: np.ndarray,
    beyond_tolerance: np.ndarray,
    misfit: list[list[int]],
    described_from: int | None,
    relative: np.ndarray,
    steps: int,
) -> tuple[str, str]:
    L0, alpha, L_inf = (float(value) for value in parameters)
    fitted = (
        f"alpha = {alpha:.3g} +/- {errors[1]:.2g}, L_inf = {L_inf:.4g} +/- {errors[2]:.2g}, "
        f"L0 = {L0:.4g}"
    )
    if outside.any():
        where = ", ".join(f"t in [{first}, {last}]" for first, last in misfit)
        rest = (
            f"the model does describe the curve from t = {described_from} on: a refit there "
            "stays within the band"
            if described_from is not None
            else "no refit on a later stretch is within the band there either"
        )
        return FAILS, (
            f"{fitted}: the model misses the curve beyond tolerance and noise at "
            f"{int(outside.sum())} of {steps} steps, by up to {relative.max():.0%} of the loss "
            f"({where}); {rest}"
        )
    if beyond_tolerance.any():
        return INCONCLUSIVE, (
            f"{fitted}: the model misses the curve by up to {relative.max():.0%} of the loss at "
            f"{int(beyond_tolerance.sum())} of {steps} steps, but within the noise between "
            "seeds there; more seeds would settle it"
        )
    if time_constants < MIN_TIME_CONSTANTS:
        needed = math.ceil(3 / alpha) if alpha > 0 else None
        horizon = f"run to about t = {needed}" if needed else "the loss has not started to fall"
        return INCONCLUSIVE, (
            f"{fitted}: the model fits, but {steps} steps cover only alpha*N = "
            f"{time_constants:.2g} time constants, so alpha and L_inf are not identified; "
            f"{horizon}"
        )
    return HOLDS, (
        f"{fitted}: within {relative.max():.1%} of the loss at every one of {steps} steps, "
        f"over {time_constants:.3g} time constants"
    )


def _fit(
    t: np.ndarray,
    values: np.ndarray,
    band: np.ndarray,
    extra_starts: tuple[tuple[float, float, float], ...] = (),
    thorough: bool = True,
) -> tuple[np.ndarray, list[float]] | None:
    # Several starting points, because a sum of decays gives the weighted least-squares
    # problem local minima: the time the excess takes to fall by e as 1/α, ten times
    # faster and slower, and the last or the smallest value as L∞. Without ``thorough``
    # only the first of them.
    L_inf0 = float(values[-1])
    excess = values - L_inf0
    L00 = float(excess[0]) if excess[0] != 0 else float(np.ptp(values)) or 1.0
    fallen = np.flatnonzero(np.abs(excess) <= abs(L00) / math.e)
    alpha0 = 1.0 / max(float(fallen[0]), 1.0) if fallen.size else 1.0 / t.size
    starts = [
        (L00, alpha, L_inf)
        for alpha in (alpha0, 10 * alpha0, alpha0 / 10)
        for L_inf in (L_inf0, float(values.min()))
    ]
    if not thorough:
        starts = starts[:1]
    starts.extend(extra_starts)

    best = None
    with warnings.catch_warnings():
        # A curve the model cannot follow leaves the covariance undetermined; the band
        # check reports that case, so scipy's warning adds nothing.
        warnings.simplefilter("ignore", category=optimize.OptimizeWarning)
        for start in starts:
            try:
                parameters, covariance = optimize.curve_fit(
                    exponential_model,
                    t,
                    values,
                    p0=list(start),
                    sigma=band,
                    bounds=([-np.inf, 0.0, -np.inf], [np.inf, np.inf, np.inf]),
                    maxfev=20_000,
                )
            except (RuntimeError, ValueError):
                continue
            cost = float(np.sum(((values - exponential_model(t, *parameters)) / band) ** 2))
            if best is None or cost < best[0]:
                best = (cost, parameters, covariance)
    if best is None:
        return None
    errors = np.sqrt(np.clip(np.diag(best[2]), 0.0, np.inf))
    return best[1], [float(value) for value in errors]


def _described_from(
    t: np.ndarray, values: np.ndarray, band: np.ndarray
) -> tuple[int, np.ndarray] | None:
    # Refit on [t0, N) for t0 on a geometric grid. The first t0 that fits is returned with
    # its parameters converted to the time of the whole curve.
    steps = t.size
    starts = np.unique(np.geomspace(1, steps - 4, 12).astype(int))
    for start in starts:
        fitted = _fit(t[start:] - start, values[start:], band[start:], thorough=False)
        if fitted is None:
            continue
        L0, alpha, L_inf = fitted[0]
        residual = values[start:] - exponential_model(t[start:] - start, L0, alpha, L_inf)
        if np.all(np.abs(residual) <= band[start:]):
            return int(start), np.array([L0 * math.exp(alpha * start), alpha, L_inf])
    return None


def _stretches(outside: np.ndarray, most: int = 3) -> list[list[int]]:
    # Contiguous runs of True, longest first.
    padded = np.concatenate([[False], outside, [False]]).astype(np.int8)
    changes = np.flatnonzero(np.diff(padded))
    runs = [[int(first), int(last) - 1] for first, last in zip(changes[::2], changes[1::2])]
    runs.sort(key=lambda run: run[0] - run[1])
    return sorted(runs[:most])


def _failed_fit(seeds: int, steps: int, rtol: float, alpha_level: float) -> LossCurveFit:
    return LossCurveFit(
        verdict=INCONCLUSIVE,
        summary="scipy.optimize.curve_fit did not converge on the mean loss curve",
        steps=steps,
        seeds=seeds,
        L0=math.nan,
        alpha=math.nan,
        L_inf=math.nan,
        standard_errors={"L0": math.nan, "alpha": math.nan, "L_inf": math.nan},
        alpha_over_seeds=None,
        L_inf_over_seeds=None,
        max_relative_residual=math.nan,
        worst_step=0,
        rms_relative_residual=math.nan,
        outside_band=math.nan,
        misfit=[],
        described_from=None,
        rtol=rtol,
        alpha_level=alpha_level,
    )

"""Sequences with a planted decay, to measure how often the rate engine is wrong.

Each case is a noise-free curve f(T) with a known truth about the claim Q(T) ≤ C·T^(−p):
``holds`` when the asymptotic exponent of f is at most −p, ``fails`` when it is above −p (a
slower decay, or a plateau). Noisy seeds are drawn around the curve with multiplicative
noise,

    log Q_s(T_k) = log f(T_k) + u_s + e_s(k),

where u_s ~ N(0, σ_u²) shifts a whole seed: a different constant C, which must not move the
slope. The term e_s(k) is a stationary AR(1) sequence over the grid with correlation ``rho``
between neighbouring horizons and marginal standard deviation ``sigma``, as in a run whose
good and bad stretches span several horizons. Innovations are Gaussian or Student-t with 4
degrees of freedom (heavy tails, rescaled to the same variance). With ``monotone``, each seed
is replaced by its running minimum, as the best-so-far quantity min_{t<T} g_t is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from curvature._validation import check_choice, check_non_negative, check_positive_int

NOISE_KINDS = ("gaussian", "student-t")


@dataclass(frozen=True)
class PlantedCase:
    """A planted curve with its truth about the claimed exponent.

    Attributes:
        name: a short id for reports.
        curve: f(T), noise-free, evaluated on an array of horizons.
        exponent: p of the claim tested, Q(T) ≤ C·T^(−p).
        truth: ``"holds"`` or ``"fails"``, asymptotically.
        description: the curve in words.
    """

    name: str
    curve: Callable[[np.ndarray], np.ndarray]
    exponent: float
    truth: str
    description: str


@dataclass(frozen=True)
class NoiseModel:
    """Multiplicative noise around a planted curve.

    Attributes:
        sigma: marginal standard deviation of log Q within a seed.
        rho: correlation of the noise at neighbouring horizons, in [0, 1).
        seed_offset: standard deviation σ_u of the per-seed shift of log Q.
        kind: ``"gaussian"`` or ``"student-t"`` innovations.
        monotone: replace each seed by its running minimum.
    """

    sigma: float = 0.2
    rho: float = 0.8
    seed_offset: float = 0.3
    kind: str = "gaussian"
    monotone: bool = False

    def __post_init__(self) -> None:
        check_non_negative("sigma", self.sigma)
        check_non_negative("seed_offset", self.seed_offset)
        check_choice("kind", self.kind, NOISE_KINDS)
        if not 0.0 <= self.rho < 1.0:
            raise ValueError(f"`rho` must lie in [0, 1), got {self.rho!r}")


def power_law(exponent: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return T ↦ T^(−exponent)."""
    return lambda horizons: horizons.astype(np.float64) ** -exponent


def power_law_with_floor(exponent: float, crossing: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return T ↦ T^(−exponent) + crossing^(−exponent), a floor met at T = crossing."""
    return lambda horizons: horizons.astype(np.float64) ** -exponent + crossing**-exponent


def exponential(scale: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return T ↦ exp(−T/scale), faster than any power law."""
    return lambda horizons: np.exp(-horizons.astype(np.float64) / scale)


def steep_transient(exponent: float, until: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return T ↦ T^(−exponent)·(1 + until/T)²: about two units steeper before T = until."""
    return lambda horizons: (
        horizons.astype(np.float64) ** -exponent * (1.0 + until / horizons.astype(np.float64)) ** 2
    )


def delayed_start(exponent: float, delay: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return T ↦ (T + delay)^(−exponent): flat before T = delay, a power law after."""
    return lambda horizons: (horizons.astype(np.float64) + delay) ** -exponent


def planted_table(
    case: PlantedCase,
    horizons: np.ndarray,
    seeds: int,
    noise: NoiseModel,
    generator: np.random.Generator,
) -> np.ndarray:
    """Draw Q for ``seeds`` seeds at ``horizons`` around ``case.curve``, shape (seeds, K)."""
    check_positive_int("seeds", seeds)
    grid = np.asarray(horizons)
    log_curve = np.log(case.curve(grid))

    # The AR(1) noise: e_k = rho·e_{k−1} + sqrt(1 − rho²)·sigma·z_k, started stationary.
    innovations = _innovations(noise.kind, (seeds, grid.size), generator)
    errors = np.empty((seeds, grid.size))
    errors[:, 0] = noise.sigma * innovations[:, 0]
    scale = math.sqrt(1.0 - noise.rho**2) * noise.sigma
    for k in range(1, grid.size):
        errors[:, k] = noise.rho * errors[:, k - 1] + scale * innovations[:, k]

    offsets = noise.seed_offset * generator.standard_normal((seeds, 1))
    table = np.exp(log_curve[None, :] + offsets + errors)
    if noise.monotone:
        table = np.minimum.accumulate(table, axis=1)
    return table


def _innovations(kind: str, shape: tuple[int, int], generator: np.random.Generator) -> np.ndarray:
    if kind == "gaussian":
        return generator.standard_normal(shape)
    # Student-t with 4 degrees of freedom has variance 2; rescale to unit variance.
    return generator.standard_t(4, shape) / math.sqrt(2.0)

"""Quadratic objectives f(θ) = ½ (θ − θ*)ᵀ A (θ − θ*) with a prescribed spectrum."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.stats import ortho_group
from torch import Tensor

from curvature.objectives.base import Objective, RunSettings, Smoothness


class Quadratic(Objective):
    """``½ (θ − θ*)ᵀ A (θ − θ*)`` with A = Q diag(eigenvalues) Qᵀ and Q a random rotation.

    The Hessian is A everywhere, so L = max |eigenvalue| is exact on all of Rⁿ, and
    tr(H) = Σ eigenvalues. The loss is bounded below by 0 when every eigenvalue is
    non-negative, and unbounded below otherwise.

    Args:
        eigenvalues: the spectrum of A; its length is n.
        seed: fixes Q (Haar-distributed, from ``scipy.stats.ortho_group``), θ* and θ₀.
        settings: optimizer settings for the checks.
        name: the id in reports.
        minimizer: θ*; drawn from the seed when not given.
        start: θ₀; drawn from the seed when not given.
    """

    def __init__(
        self,
        eigenvalues: Sequence[float] | np.ndarray,
        *,
        seed: int = 0,
        settings: RunSettings,
        name: str = "quadratic",
        minimizer: Sequence[float] | None = None,
        start: Sequence[float] | None = None,
    ) -> None:
        spectrum = np.asarray(eigenvalues, dtype=np.float64)
        if spectrum.ndim != 1 or spectrum.size < 1 or not np.all(np.isfinite(spectrum)):
            raise ValueError(
                "`eigenvalues` must be a non-empty 1-D sequence of finite numbers, "
                f"got {eigenvalues!r}"
            )
        self.name = name
        self.seed = seed
        self.settings = settings
        self.eigenvalues = spectrum

        rng = np.random.default_rng(seed)
        n = spectrum.size
        rotation = ortho_group.rvs(n, random_state=rng) if n > 1 else np.ones((1, 1))
        matrix = rotation @ np.diag(spectrum) @ rotation.T
        self.matrix = torch.from_numpy(0.5 * (matrix + matrix.T))
        self.minimizer = _vector("minimizer", minimizer, n, rng.standard_normal(n))
        self._start = _vector("start", start, n, self.minimizer.numpy() + rng.standard_normal(n))

        self.mu = float(spectrum.min())
        L = float(np.abs(spectrum).max())
        self.smoothness = Smoothness(
            L=L,
            certified=True,
            method="the largest |eigenvalue| of A, which is prescribed",
            region="all of R^n",
        )
        if self.mu >= 0:
            self.lower_bound: float | None = 0.0
            self.lower_bound_method = "f(θ*) = 0 and A is positive semi-definite"
        else:
            self.lower_bound = None
            self.lower_bound_method = "none: A has a negative eigenvalue, so f is unbounded below"

    def initial_parameters(self) -> list[Tensor]:
        """Return θ₀ = θ* + a standard normal vector drawn from the seed."""
        return [self._start.clone()]

    def loss(self, params: Sequence[Tensor]) -> Tensor:
        """Return ``½ (θ − θ*)ᵀ A (θ − θ*)``."""
        offset = params[0] - self.minimizer.to(params[0])
        return 0.5 * offset @ (self.matrix.to(params[0]) @ offset)

    def hessian(self, params: Sequence[Tensor]) -> Tensor:
        """Return A, the Hessian at every point."""
        return self.matrix.to(params[0]).clone()


def quadratic_psd(seed: int = 0) -> Quadratic:
    """Return the built-in ``quadratic-psd``: n = 20, two zero eigenvalues, 18 in [0.01, 4]."""
    spectrum = np.concatenate([np.zeros(2), np.geomspace(0.01, 4.0, 18)])
    return Quadratic(
        spectrum,
        seed=seed,
        settings=RunSettings(lr=0.25, curvature_scale=0.1),
        name="quadratic-psd",
    )


def quadratic_indefinite(seed: int = 0) -> Quadratic:
    """Return the built-in ``quadratic-indefinite``: n = 20, eigenvalues evenly in [−1, 0.5].

    Its trace is −5, so with curvature_scale 0.5 the rule's 1 + λ·tr(H) = −1.5 is negative
    and the formula is undefined at every point.
    """
    spectrum = np.linspace(-1.0, 0.5, 20)
    return Quadratic(
        spectrum,
        seed=seed,
        settings=RunSettings(lr=0.1, curvature_scale=0.5),
        name="quadratic-indefinite",
    )


def scalar_quadratic(L: float, *, start: float = 1.0, settings: RunSettings) -> Quadratic:
    """Return f(x) = (L/2) x² with x* = 0 and x₀ = ``start``, the 1-D test of step stability."""
    return Quadratic([L], settings=settings, name="quadratic-1d", minimizer=[0.0], start=[start])


def _vector(name: str, given: Sequence[float] | None, n: int, default: np.ndarray) -> Tensor:
    values = default if given is None else np.asarray(given, dtype=np.float64)
    if values.shape != (n,):
        raise ValueError(f"`{name}` must have {n} entries to match `eigenvalues`, got {given!r}")
    return torch.from_numpy(np.array(values, dtype=np.float64))

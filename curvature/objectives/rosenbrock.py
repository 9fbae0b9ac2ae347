"""The n-dimensional Rosenbrock function, with a smoothness constant certified on a box."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from curvature._validation import check_positive, check_positive_int
from curvature.objectives.base import Objective, RunSettings, Smoothness


class Rosenbrock(Objective):
    """f(x) = Σ_{i<n−1} [100 (x_{i+1} − x_i²)² + (1 − x_i)²], minimum f(1, …, 1) = 0.

    The Hessian is tridiagonal with H_ii = 1200 x_i² − 400 x_{i+1} + 2 (for i < n−1) plus
    200 (for i > 0), and H_{i,i+1} = −400 x_i. On the box |x_i| ≤ r, each row's absolute sum is
    at most 1200 r² + 1200 r + 202, which bounds ‖H‖₂ (Gershgorin's theorem), so that is the
    certified L there. The Hessian is unbounded on Rⁿ, so no global L exists.

    Args:
        n: dimension, at least 2.
        radius: r, the half-width of the box on which L is certified.
        seed: perturbs the classic start (−1.2, 1, −1.2, 1, …) by 0.05 times a normal vector.
    """

    def __init__(
        self,
        n: int = 10,
        *,
        radius: float = 2.0,
        seed: int = 0,
        settings: RunSettings | None = None,
    ) -> None:
        check_positive_int("n", n)
        if n < 2:
            raise ValueError(f"`n` must be at least 2 for the Rosenbrock function, got {n}")
        self.radius = check_positive("radius", radius)
        self.name = "rosenbrock"
        self.seed = seed
        self.n = n
        self.settings = settings or RunSettings(lr=4e-4, curvature_scale=1e-3)

        classic = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
        perturbation = 0.05 * np.random.default_rng(seed).standard_normal(n)
        self._start = torch.from_numpy(classic + perturbation)

        L = 1200 * radius**2 + 1200 * radius + 202
        self.smoothness = Smoothness(
            L=float(L),
            certified=True,
            method="Gershgorin bound 1200r² + 1200r + 202 on the absolute row sums of the Hessian",
            region=f"the box |x_i| <= {radius:g}",
        )
        self.lower_bound = 0.0
        self.lower_bound_method = "f is a sum of squares, and f(1, ..., 1) = 0"

    def initial_parameters(self) -> list[Tensor]:
        """Return the perturbed classic start."""
        return [self._start.clone()]

    def loss(self, params: Sequence[Tensor]) -> Tensor:
        """Return the Rosenbrock function at x = params[0]."""
        x = params[0]
        return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()

    def hessian(self, params: Sequence[Tensor]) -> Tensor:
        """Return the tridiagonal Hessian in closed form."""
        x = params[0].detach()
        diagonal = torch.zeros_like(x)
        diagonal[:-1] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
        diagonal[1:] += 200.0
        off_diagonal = -400.0 * x[:-1]
        return torch.diag(diagonal) + torch.diag(off_diagonal, 1) + torch.diag(off_diagonal, -1)

    def in_region(self, params: Sequence[Tensor]) -> bool:
        """Return whether every |x_i| ≤ r, the box where L is certified."""
        return bool(params[0].detach().abs().max() <= self.radius)


def rosenbrock(seed: int = 0) -> Rosenbrock:
    """Return the built-in ``rosenbrock``: n = 10, L certified on |x_i| ≤ 2."""
    return Rosenbrock(10, seed=seed)

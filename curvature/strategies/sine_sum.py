"""A smooth non-convex objective whose Hessian bound is known in closed form: a sum of sines."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from curvature._validation import check_non_negative
from curvature.objectives.base import Objective, RunSettings, Smoothness


class SineSum(Objective):
    """f(θ) = Σ_k a_k sin(w_kᵀθ + b_k) + (reg/2)‖θ‖².

    The Hessian is −Σ_k a_k sin(w_kᵀθ + b_k) w_k w_kᵀ + reg·I, so
    ‖∇²f(θ)‖₂ ≤ Σ_k |a_k| ‖w_k‖² + reg at every θ: a certified L on all of Rⁿ. Each sine is
    at least −1, so f ≥ −Σ_k |a_k| is a certified lower bound. With reg smaller than the
    curvature of the sines, f is non-convex.

    Args:
        amplitudes: a, shape (K,).
        frequencies: W with rows w_k, shape (K, n).
        phases: b, shape (K,).
        start: θ₀, shape (n,).
        reg: the L2 penalty, at least 0.
        settings: optimizer settings for the checks.
        seed: recorded for reports; the parameters above fix the objective.
    """

    def __init__(
        self,
        amplitudes: Tensor,
        frequencies: Tensor,
        phases: Tensor,
        start: Tensor,
        *,
        reg: float = 0.0,
        settings: RunSettings,
        seed: int = 0,
        name: str = "sine-sum",
    ) -> None:
        terms, n = frequencies.shape
        if amplitudes.shape != (terms,) or phases.shape != (terms,) or start.shape != (n,):
            raise ValueError(
                "`amplitudes` and `phases` must have shape (K,) and `start` shape (n,) for "
                f"`frequencies` of shape (K, n) = {tuple(frequencies.shape)}; got "
                f"{tuple(amplitudes.shape)}, {tuple(phases.shape)} and {tuple(start.shape)}"
            )
        self.name = name
        self.seed = seed
        self.settings = settings
        self.reg = check_non_negative("reg", reg)
        self.amplitudes = amplitudes.double()
        self.frequencies = frequencies.double()
        self.phases = phases.double()
        self._start = start.double()

        row_norms_sq = (self.frequencies**2).sum(dim=1)
        bound = float((self.amplitudes.abs() * row_norms_sq).sum()) + self.reg
        self.smoothness = Smoothness(
            L=bound,
            certified=True,
            method="sum_k |a_k| ||w_k||^2 + reg, since |sin| <= 1",
            region="all of R^n",
        )
        self.lower_bound = -float(self.amplitudes.abs().sum())
        self.lower_bound_method = "each sine is at least -1 and the penalty is non-negative"

    def initial_parameters(self) -> list[Tensor]:
        """Return a copy of θ₀."""
        return [self._start.clone()]

    def loss(self, params: Sequence[Tensor]) -> Tensor:
        """Return Σ_k a_k sin(w_kᵀθ + b_k) + (reg/2)‖θ‖²."""
        theta = params[0]
        angles = self.frequencies.to(theta) @ theta + self.phases.to(theta)
        penalty = 0.5 * self.reg * (theta**2).sum()
        return (self.amplitudes.to(theta) * torch.sin(angles)).sum() + penalty

    def hessian(self, params: Sequence[Tensor]) -> Tensor:
        """Return −Σ_k a_k sin(w_kᵀθ + b_k) w_k w_kᵀ + reg·I in closed form."""
        theta = params[0].detach().double()
        weights = -self.amplitudes * torch.sin(self.frequencies @ theta + self.phases)
        n = theta.numel()
        return self.frequencies.T @ (weights[:, None] * self.frequencies) + self.reg * torch.eye(
            n, dtype=torch.float64
        )

    def __repr__(self) -> str:
        return (
            f"SineSum(amplitudes={self.amplitudes.tolist()}, "
            f"frequencies={self.frequencies.tolist()}, phases={self.phases.tolist()}, "
            f"start={self._start.tolist()}, reg={self.reg!r}, settings={self.settings!r})"
        )

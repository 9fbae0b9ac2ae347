"""The extreme eigenvalue of a Hessian by power iteration on HVPs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from curvature._validation import check_positive, check_positive_int
from curvature.estimators._params import (
    LossFunction,
    check_loss,
    num_elements,
    prepare_params,
)
from curvature.estimators.hvp import batched_hvp


@dataclass(frozen=True)
class EigenvalueEstimate:
    """Result of power iteration.

    Attributes:
        value: Rayleigh quotient vᵀHv of the last iterate, the eigenvalue of largest magnitude.
        residual: ‖Hv − value·v‖ for the unit vector v, an a-posteriori error measure.
        iterations: HVPs spent.
        converged: whether successive values agreed to the relative tolerance.
    """

    value: float
    residual: float
    iterations: int
    converged: bool


def top_eigenvalue(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    *,
    max_iterations: int = 100,
    rtol: float = 1e-4,
    generator: torch.Generator | None = None,
    allow_unused: bool = False,
) -> EigenvalueEstimate:
    """Estimate the eigenvalue of H(θ) of largest magnitude, its spectral norm with sign.

    Iterates v ← Hv/‖Hv‖ from a random start until two successive Rayleigh quotients agree to
    ``rtol``. Cost: one HVP per iteration. The Rayleigh quotient never exceeds the true
    spectral norm, so the estimate is a lower bound of the smoothness constant L, not a
    certified upper bound. Convergence is slow when the two largest magnitudes are close.
    """
    points = prepare_params(params, "top_eigenvalue")
    check_positive_int("max_iterations", max_iterations)
    check_positive("rtol", rtol)
    check_loss(loss_fn, points, "top_eigenvalue", allow_unused)

    source = generator.device if generator is not None else torch.device("cpu")
    vector = torch.randn(
        num_elements(points), generator=generator, device=source, dtype=points[0].dtype
    ).to(points[0].device)
    vector /= torch.linalg.vector_norm(vector)

    value = math.nan
    product = batched_hvp(loss_fn, points, vector[None])[0]
    for iteration in range(1, max_iterations + 1):
        previous = value
        value = float(vector @ product)
        residual = float(torch.linalg.vector_norm(product - value * vector))
        norm = torch.linalg.vector_norm(product)
        if norm == 0:
            # The vector lies in the null space: every eigenvalue met so far is zero.
            return EigenvalueEstimate(0.0, 0.0, iteration, True)
        if abs(value - previous) <= rtol * abs(value):
            return EigenvalueEstimate(value, residual, iteration, True)
        vector = product / norm
        product = batched_hvp(loss_fn, points, vector[None])[0]

    return EigenvalueEstimate(value, residual, max_iterations, False)

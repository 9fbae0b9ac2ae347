"""Distribution-free confidence radii for Hutchinson estimates, from variance and range.

Each Hutchinson term is bounded: ``z_i (Hz)_i − H_ii = z_i Σ_{j≠i} H_ij z_j`` lies within
±R_i with R_i = Σ_{j≠i} |H_ij|, and zᵀHz − tr(H) lies within ±Σ_{i≠j} |H_ij|. For a mean of
m independent terms with variance σ² and range ±R, Bernstein's inequality gives

    P(|mean − expectation| ≥ t) ≤ 2 exp(−m t² / (2σ² + 2Rt/3)),

so the error stays within the radius t below with probability at least 1 − δ. Chebyshev's
radius grows like 1/√δ, this one like √log(1/δ), which keeps a union bound over n estimates
tight enough to detect biases of a fraction of a standard deviation.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from curvature._validation import check_positive_int, check_probability


def diagonal_term_range(H: Tensor) -> Tensor:
    """Return R_i = Σ_{j≠i} |H_ij|, the largest deviation of one Rademacher diagonal term."""
    return H.abs().sum(dim=1) - torch.diagonal(H).abs()


def trace_term_range(H: Tensor) -> Tensor:
    """Return Σ_{i≠j} |H_ij|, the largest deviation of one Rademacher trace term."""
    return H.abs().sum() - torch.diagonal(H).abs().sum()


def bernstein_radius(
    variance: Tensor, term_range: Tensor, num_probes: int, failure_probability: float
) -> Tensor:
    """Return t with P(|mean of m terms − expectation| ≥ t) ≤ ``failure_probability``.

    Solves m t² = ℓ (2σ² + 2Rt/3) for t with ℓ = log(2/δ), entrywise over the tensors.
    """
    check_positive_int("num_probes", num_probes)
    check_probability("failure_probability", failure_probability)
    level = math.log(2.0 / failure_probability)

    # Both are non-negative, but for a diagonal H the difference of sums that computes them
    # can round to about −1e-14, and the square root of a negative variance is NaN.
    variance = variance.clamp(min=0.0)
    term_range = term_range.clamp(min=0.0)
    linear = 2.0 * term_range * level / 3.0
    return (linear + torch.sqrt(linear**2 + 8.0 * num_probes * variance * level)) / (
        2.0 * num_probes
    )

"""Hutchinson's stochastic estimators of diag(H) and tr(H).

With probes z_1, …, z_m drawn independently with E[z zᵀ] = I:

* diagonal: D̂ = (1/m) Σ_k z_k ⊙ (H z_k), unbiased for diag(H) when the probes are
  Rademacher (entries ±1 with probability 1/2), because E[z_i z_j] = δ_ij and z_i² = 1;
* trace: T̂ = (1/m) Σ_k z_kᵀ H z_k, unbiased for tr(H) for Rademacher and Gaussian probes.

Variances for Rademacher probes (Hutchinson, 1990, "A stochastic estimator of the trace of
the influence matrix for Laplacian smoothing splines"; Bekas, Kokiopoulou and Saad, 2007,
"An estimator for the diagonal of a matrix"):

* Var[D̂_i] = (1/m) Σ_{j≠i} H_ij²,
* Var[T̂] = (2/m) (‖H‖_F² − Σ_i H_ii²); for Gaussian probes Var[T̂] = (2/m) ‖H‖_F².

Both estimators share the same m HVPs, so their cost is m HVPs whichever is requested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from curvature._validation import check_choice, check_positive_int
from curvature.estimators._params import (
    LossFunction,
    check_loss,
    num_elements,
    prepare_params,
    unflatten,
)
from curvature.estimators.hvp import batched_hvp

PROBE_DISTRIBUTIONS = ("rademacher", "gaussian")
MOMENTS_PROOF = "hutchinson-moments"


@dataclass(frozen=True)
class HutchinsonSamples:
    """Per-probe terms of the Hutchinson estimators, in flattened parameter order.

    Attributes:
        diagonal: shape (m, n); row k is z_k ⊙ H z_k.
        trace: shape (m,); entry k is z_kᵀ H z_k.
    """

    diagonal: Tensor
    trace: Tensor

    @property
    def num_probes(self) -> int:
        """Number of probes m."""
        return int(self.trace.shape[0])


def draw_probes(
    num_probes: int,
    n: int,
    *,
    distribution: str = "rademacher",
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
) -> Tensor:
    """Return a (num_probes, n) matrix of independent probe vectors.

    The probes are drawn on the generator's device (CPU by default) and then moved, so a CPU
    generator gives the same probes whatever ``device`` is.
    """
    check_positive_int("num_probes", num_probes)
    check_choice("distribution", distribution, PROBE_DISTRIBUTIONS)
    source = generator.device if generator is not None else torch.device("cpu")

    if distribution == "rademacher":
        bits = torch.randint(0, 2, (num_probes, n), generator=generator, device=source)
        probes = bits.to(dtype) * 2 - 1
    else:
        probes = torch.randn((num_probes, n), generator=generator, device=source, dtype=dtype)
    return probes.to(device)


def hutchinson_samples(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    num_probes: int,
    *,
    distribution: str = "rademacher",
    generator: torch.Generator | None = None,
    chunk_size: int | None = None,
    allow_unused: bool = False,
) -> HutchinsonSamples:
    """Return the per-probe terms z_k ⊙ H z_k and z_kᵀ H z_k for ``num_probes`` probes.

    Use this to compute sample variances or confidence intervals; the estimators below are
    their means. Cost: ``num_probes`` HVPs plus one gradient to validate the loss.
    """
    points = prepare_params(params, "hutchinson_samples")
    check_positive_int("num_probes", num_probes)
    check_loss(loss_fn, points, "hutchinson_samples", allow_unused)

    probes = draw_probes(
        num_probes,
        num_elements(points),
        distribution=distribution,
        generator=generator,
        dtype=points[0].dtype,
        device=points[0].device,
    )
    products = batched_hvp(loss_fn, points, probes, chunk_size=chunk_size)

    diagonal_terms = probes * products
    return HutchinsonSamples(diagonal=diagonal_terms, trace=diagonal_terms.sum(dim=1))


def hutchinson_diagonal(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    num_probes: int = 1,
    *,
    generator: torch.Generator | None = None,
    chunk_size: int | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor, ...]:
    """Estimate diag(H) as (1/m) Σ_k z_k ⊙ H z_k with m Rademacher probes.

    Cost: m HVPs. Bias: none. Variance of entry i: (1/m) Σ_{j≠i} H_ij², so the estimate is
    exact when H is diagonal.

    Example:
        >>> import torch
        >>> A = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)
        >>> x = torch.zeros(2, dtype=torch.float64)
        >>> g = torch.Generator().manual_seed(0)
        >>> estimate = hutchinson_diagonal(lambda ps: 0.5 * ps[0] @ A @ ps[0], [x], 4000,
        ...                                generator=g)[0]
        >>> bool((estimate - torch.tensor([2.0, 1.0], dtype=torch.float64)).abs().max() < 0.05)
        True
    """
    points = prepare_params(params, "hutchinson_diagonal")
    samples = hutchinson_samples(
        loss_fn,
        points,
        num_probes,
        generator=generator,
        chunk_size=chunk_size,
        allow_unused=allow_unused,
    )
    return unflatten(samples.diagonal.mean(dim=0), points)


def hutchinson_trace(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    num_probes: int = 1,
    *,
    distribution: str = "rademacher",
    generator: torch.Generator | None = None,
    chunk_size: int | None = None,
    allow_unused: bool = False,
) -> Tensor:
    """Estimate tr(H) as (1/m) Σ_k z_kᵀ H z_k.

    Cost: m HVPs. Bias: none. Variance: (2/m)(‖H‖_F² − Σ_i H_ii²) for Rademacher probes,
    (2/m)‖H‖_F² for Gaussian ones. With Rademacher probes ‖z‖² = n, so every single-probe
    term lies in [n λ_min(H), n λ_max(H)].
    """
    samples = hutchinson_samples(
        loss_fn,
        params,
        num_probes,
        distribution=distribution,
        generator=generator,
        chunk_size=chunk_size,
        allow_unused=allow_unused,
    )
    return samples.trace.mean()


def diagonal_variance(H: Tensor) -> Tensor:
    """Return ``Var[z_i (Hz)_i] = Σ_{j≠i} H_ij²`` for one Rademacher probe, entry by entry.

    The formula is the result ``diagonal_variance`` of the proof ``hutchinson-moments``,
    evaluated on tensors with lambdify.
    """
    # sympy loads on the first call, not with the estimators.
    from curvature.proofs import result_function

    _check_square("H", H)
    variance = result_function(MOMENTS_PROOF, "diagonal_variance")
    return variance((H**2).sum(dim=1), torch.diagonal(H))


def trace_variance(H: Tensor, distribution: str = "rademacher") -> Tensor:
    """Return Var[zᵀHz] for one probe of a symmetric H: 2(‖H‖_F² − Σ H_ii²) or 2‖H‖_F².

    The formulas are the results ``trace_variance`` and ``gaussian_trace_variance`` of the
    proof ``hutchinson-moments``, evaluated on tensors with lambdify.
    """
    from curvature.proofs import result_function

    _check_square("H", H)
    check_choice("distribution", distribution, PROBE_DISTRIBUTIONS)
    frobenius = (H**2).sum()
    if distribution == "gaussian":
        return result_function(MOMENTS_PROOF, "gaussian_trace_variance")(frobenius)
    diagonal_sq = (torch.diagonal(H) ** 2).sum()
    return result_function(MOMENTS_PROOF, "trace_variance")(frobenius, diagonal_sq)


def _check_square(name: str, matrix: Tensor) -> None:
    if matrix.dim() != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"`{name}` must be a square matrix, got shape {tuple(matrix.shape)}")

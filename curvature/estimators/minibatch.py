"""The mini-batch average of Hessian diagonals that the adaptive rule is defined with.

For mini-batch losses L_1, …, L_m the estimate is

    Ĥ_ii = (1/m) Σ_j ∂²L_j/∂θ_i²,

the diagonal of the Hessian of the mean mini-batch loss. When the batches are drawn
uniformly from the data set, each L_j is an unbiased sample of the full loss, so Ĥ is unbiased
for diag(∇²L) and its variance is the across-batch variance of diag(∇²L_j) divided by m.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import torch
from torch import Tensor

from curvature._validation import check_choice, check_positive_int
from curvature.estimators._params import check_loss, num_elements, prepare_params, unflatten
from curvature.estimators.exact import _diagonal_flat
from curvature.estimators.hutchinson import draw_probes
from curvature.estimators.hvp import batched_hvp

Batch = TypeVar("Batch")

METHODS = ("exact", "hutchinson")


def minibatch_hessian_diagonal(
    batch_loss_fn: Callable[[Sequence[Tensor], Batch], Tensor],
    params: Sequence[Tensor],
    batches: Iterable[Batch],
    *,
    method: str = "exact",
    num_probes: int = 1,
    generator: torch.Generator | None = None,
    chunk_size: int | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor, ...]:
    """Return (1/m) Σ_j diag(∇²L_j(θ)) over the m given batches, shaped like ``params``.

    Args:
        batch_loss_fn: ``batch_loss_fn(params, batch)`` returns the scalar loss on one batch.
        params: the point θ.
        batches: the m batches, in any iterable; each is passed to ``batch_loss_fn`` as is.
        method: ``"exact"`` computes each batch's diagonal with n HVPs; ``"hutchinson"``
            estimates it with ``num_probes`` Rademacher probes.

    Cost: m·n HVPs (exact) or m·num_probes HVPs (Hutchinson), plus one gradient per batch
    to validate its loss. Bias: none for the mean of the given batches' Hessians.
    Variance: zero given the batches (exact); with Hutchinson, (1/m²) Σ_j Σ_{k≠i} (H_j)_ik² /
    num_probes for entry i.
    """
    points = prepare_params(params, "minibatch_hessian_diagonal")
    check_choice("method", method, METHODS)
    check_positive_int("num_probes", num_probes)

    total = torch.zeros(num_elements(points), dtype=points[0].dtype, device=points[0].device)
    count = 0
    for batch in batches:

        def loss_of_batch(ps: Sequence[Tensor], batch: Batch = batch) -> Tensor:
            return batch_loss_fn(ps, batch)

        _copy_loss_attributes(batch_loss_fn, loss_of_batch)
        check_loss(
            loss_of_batch, points, f"minibatch_hessian_diagonal (batch {count})", allow_unused
        )
        if method == "exact":
            total += _diagonal_flat(loss_of_batch, points, chunk_size)
        else:
            probes = draw_probes(
                num_probes,
                total.numel(),
                generator=generator,
                dtype=total.dtype,
                device=total.device,
            )
            products = batched_hvp(loss_of_batch, points, probes, chunk_size=chunk_size)
            total += (probes * products).mean(dim=0)
        count += 1

    if count == 0:
        raise ValueError("minibatch_hessian_diagonal: `batches` is empty; pass at least one batch")
    return unflatten(total / count, points)


def _copy_loss_attributes(source: object, target: object) -> None:
    # The estimators read these from the loss: names for messages, vmap's randomness and the
    # preferred HVP mode.
    for attribute in ("param_names", "vmap_randomness", "hvp_mode"):
        if hasattr(source, attribute):
            setattr(target, attribute, getattr(source, attribute))

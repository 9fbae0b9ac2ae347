"""Exact Hessian, Hessian diagonal and trace by HVPs against the standard basis.

All three cost n HVPs for n parameters: the diagonal needs column i of H to read H_ii, and
no automatic-differentiation mode yields the n diagonal entries of a general Hessian for the
cost of a constant number of gradients. They are references, computed in the parameters'
dtype (pass float64 parameters for reference values), and they are exact up to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from curvature.estimators._params import (
    LossFunction,
    check_loss,
    num_elements,
    prepare_params,
    unflatten,
)
from curvature.estimators.hvp import DEFAULT_CHUNK_SIZE, batched_hvp

DEFAULT_MAX_BYTES = 2 * 1024**3


def hessian(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    *,
    chunk_size: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_unused: bool = False,
) -> Tensor:
    """Return the dense n-by-n Hessian of ``loss_fn`` at ``params`` in flattened order.

    Row i is H e_i, computed as a batch of HVPs; the result is symmetrized as (H + Hᵀ)/2,
    which changes it only by rounding.

    Cost: n HVPs, in ``ceil(n / chunk_size)`` vmapped chunks. Memory: the n² result plus
    ``chunk_size`` HVPs at a time.

    Raises:
        MemoryError: before any allocation, when n² entries exceed ``max_bytes``; the message
            gives the estimate.

    Example:
        >>> import torch
        >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64)
        >>> hessian(lambda ps: (ps[0] ** 3).sum(), [x])
        tensor([[ 6.,  0.],
                [ 0., 12.]], dtype=torch.float64)
    """
    points = prepare_params(params, "hessian")
    n = num_elements(points)
    _check_dense_budget(n, points[0].element_size(), max_bytes)
    check_loss(loss_fn, points, "hessian", allow_unused)

    rows = []
    size = chunk_size or DEFAULT_CHUNK_SIZE
    for start in range(0, n, size):
        stop = min(start + size, n)
        basis = _basis_rows(start, stop, n, points[0])
        rows.append(batched_hvp(loss_fn, points, basis, chunk_size=size))

    matrix = torch.cat(rows)
    return 0.5 * (matrix + matrix.T)


def hessian_diagonal(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    *,
    chunk_size: int | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor, ...]:
    """Return diag(H) at ``params``, shaped like ``params``.

    Cost: n HVPs, in chunks; memory ``chunk_size`` × n at a time, never n².
    Bias: none (exact up to rounding). Variance: none.
    """
    points = prepare_params(params, "hessian_diagonal")
    check_loss(loss_fn, points, "hessian_diagonal", allow_unused)

    return unflatten(_diagonal_flat(loss_fn, points, chunk_size), points)


def hessian_trace(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    *,
    chunk_size: int | None = None,
    allow_unused: bool = False,
) -> Tensor:
    """Return tr(H) at ``params`` as a 0-dimensional tensor. Cost: n HVPs."""
    points = prepare_params(params, "hessian_trace")
    check_loss(loss_fn, points, "hessian_trace", allow_unused)

    return _diagonal_flat(loss_fn, points, chunk_size).sum()


def _diagonal_flat(
    loss_fn: LossFunction, points: tuple[Tensor, ...], chunk_size: int | None
) -> Tensor:
    n = num_elements(points)
    size = chunk_size or DEFAULT_CHUNK_SIZE
    pieces = []
    for start in range(0, n, size):
        stop = min(start + size, n)
        block = batched_hvp(
            loss_fn, points, _basis_rows(start, stop, n, points[0]), chunk_size=size
        )

        # Row j of the block is H e_(start + j), whose entry start + j is H_ii.
        offsets = torch.arange(stop - start, device=block.device)
        pieces.append(block[offsets, start + offsets])
    return torch.cat(pieces)


def _basis_rows(start: int, stop: int, n: int, like: Tensor) -> Tensor:
    rows = torch.zeros((stop - start, n), dtype=like.dtype, device=like.device)
    offsets = torch.arange(stop - start, device=like.device)
    rows[offsets, start + offsets] = 1.0
    return rows


def _check_dense_budget(n: int, itemsize: int, max_bytes: int) -> None:
    needed = n * n * itemsize
    if needed > max_bytes:
        raise MemoryError(
            f"hessian: the dense Hessian of n={n} parameters needs {needed / 1024**3:.2f} GiB "
            f"({itemsize}-byte entries), above max_bytes={max_bytes} "
            f"({max_bytes / 1024**3:.2f} GiB). Raise max_bytes if the memory is there, or use "
            "hessian_diagonal or the Hutchinson estimators, which need O(n) memory"
        )

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

from curvature._validation import check_positive, check_positive_int
from curvature.estimators._params import (
    LossFunction,
    check_loss,
    num_elements,
    prepare_params,
    unflatten,
)
from curvature.estimators.hvp import DEFAULT_CHUNK_SIZE, batched_hvp

DEFAULT_MAX_BYTES = 2 * 1024**3

WORK_BLOCKS = 4
"""Blocks of chunk_size × n entries alive at once besides the result: the basis rows, the HVPs
as vmap returns them, their concatenation, and the block averaged during symmetrization."""


def hessian(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    *,
    chunk_size: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_unused: bool = False,
) -> Tensor:
    """Return the dense n-by-n Hessian of ``loss_fn`` at ``params`` in flattened order.

    Row i is H e_i, computed as a batch of HVPs and written into a result allocated once. The
    result is then symmetrized in place as (H + Hᵀ)/2, which changes it only by rounding.

    Cost: n HVPs, in ``ceil(n / chunk_size)`` vmapped chunks. Memory: the n² result plus
    about ``WORK_BLOCKS · chunk_size · n`` entries of work space. When that total exceeds
    ``max_bytes``, ``chunk_size`` is lowered until it fits.

    .. note::
        The budget counts the result and the blocks of vectors, not the intermediate
        tensors of the loss itself, of which vmap keeps ``chunk_size`` copies at once.

    Raises:
        MemoryError: before any allocation, when the result and a work space of one row
            exceed ``max_bytes``; the message gives the estimate.

    Example:
        >>> import torch
        >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64)
        >>> hessian(lambda ps: (ps[0] ** 3).sum(), [x])
        tensor([[ 6.,  0.],
                [ 0., 12.]], dtype=torch.float64)
    """
    points = prepare_params(params, "hessian")
    n = num_elements(points)
    requested = DEFAULT_CHUNK_SIZE if chunk_size is None else chunk_size
    check_positive_int("chunk_size", requested)
    size = dense_chunk_size(n, points[0].element_size(), requested, max_bytes)
    check_loss(loss_fn, points, "hessian", allow_unused)

    # Row blocks go straight into the preallocated result, so no second n² copy exists.
    result = torch.empty((n, n), dtype=points[0].dtype, device=points[0].device)
    for start in range(0, n, size):
        stop = min(start + size, n)
        basis = _basis_rows(start, stop, n, points[0])
        result[start:stop] = batched_hvp(loss_fn, points, basis, chunk_size=size)
        del basis

    _symmetrize_in_place(result, size)
    return result


def dense_chunk_size(n: int, itemsize: int, chunk_size: int, max_bytes: int) -> int:
    """Return the largest chunk size up to ``chunk_size`` whose dense Hessian fits ``max_bytes``.

    Raises ``MemoryError`` with the estimate when even one row of work space does not fit.
    """
    budget = int(check_positive("max_bytes", max_bytes))
    result_bytes = n * n * itemsize
    row_bytes = WORK_BLOCKS * n * itemsize
    fitting = (budget - result_bytes) // row_bytes if row_bytes else chunk_size
    if fitting < 1:
        needed = result_bytes + row_bytes
        raise MemoryError(
            f"hessian: the dense Hessian of n={n} parameters needs an estimated "
            f"{needed / 1024**3:.2f} GiB: {result_bytes / 1024**3:.2f} GiB for the result "
            f"({itemsize}-byte entries) and {row_bytes / 1024**2:.2f} MiB of work space for "
            f"one row at a time. That is above max_bytes={max_bytes} "
            f"({max_bytes / 1024**3:.2f} GiB), so nothing was allocated. Raise max_bytes if the "
            "memory is there, or use hessian_diagonal or the Hutchinson estimators, which need "
            "O(n) memory"
        )
    return int(min(chunk_size, fitting, max(n, 1)))


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


def _symmetrize_in_place(matrix: Tensor, block: int) -> None:
    # Average the upper block row with the matching lower block column, one block at a time,
    # so the temporary is block × n rather than a second n × n matrix.
    n = matrix.shape[0]
    for start in range(0, n, block):
        stop = min(start + block, n)
        upper = matrix[start:stop, start:]
        lower = matrix[start:, start:stop]
        average = (upper + lower.T) * 0.5
        upper.copy_(average)
        lower.copy_(average.T)

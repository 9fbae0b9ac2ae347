"""Independent references for property tests: dense Hessians, sign vectors, the literal rule.

These take other code paths than the toolkit's estimators, so a property that compares the
two can catch a fault in either.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from curvature._validation import check_positive_int

MAX_DENSE_PARAMETERS = 2048
MAX_ENUMERATED_DIMENSION = 16


def dense_hessian(
    loss_fn: Callable[[Sequence[Tensor]], Tensor], params: Sequence[Tensor]
) -> Tensor:
    """Return the n-by-n Hessian of ``loss_fn`` at ``params`` by ``torch.func.hessian``.

    The loss is differentiated as a function of one flat vector (forward-over-reverse through
    ``torch.func.hessian``), so it shares no code with :mod:`curvature.estimators`. Rows
    follow the flattened parameter order. Computed in float64 whatever the parameters' dtype.

    Raises:
        ValueError: when n exceeds 2,048, the size up to which a dense reference is cheap.
    """
    points = [torch.as_tensor(param).detach().double() for param in params]
    sizes = [point.numel() for point in points]
    n = sum(sizes)
    if n > MAX_DENSE_PARAMETERS:
        raise ValueError(
            f"dense_hessian: the parameters have n = {n} entries; a dense reference is limited "
            f"to {MAX_DENSE_PARAMETERS}. Use a smaller model or curvature.estimators"
        )

    def flat_loss(vector: Tensor) -> Tensor:
        pieces = torch.split(vector, sizes)
        return loss_fn([piece.reshape(point.shape) for piece, point in zip(pieces, points)])

    flat = torch.cat([point.reshape(-1) for point in points])
    return torch.func.hessian(flat_loss)(flat).reshape(n, n)


def rademacher_vectors(n: int) -> Tensor:
    """Return all 2ⁿ vectors in {−1, +1}ⁿ as the rows of a float64 matrix (n ≤ 16).

    The mean of a function over these rows is its exact expectation under Rademacher probes.
    """
    check_positive_int("n", n)
    if n > MAX_ENUMERATED_DIMENSION:
        raise ValueError(
            f"`n` must be at most {MAX_ENUMERATED_DIMENSION} to enumerate 2^n sign vectors, got {n}"
        )
    return torch.tensor(list(itertools.product((-1.0, 1.0), repeat=n)), dtype=torch.float64)


def literal_learning_rate(lr: float, curvature_scale: float, trace: float) -> float:
    """Return lr / √(1 + curvature_scale·trace), the published formula with no policy.

    Raises ``ZeroDivisionError`` when 1 + λ·tr(H) = 0 and ``ValueError`` (a math domain error)
    when it is negative: exactly the inputs where the formula is undefined.
    """
    return lr / math.sqrt(1.0 + curvature_scale * trace)

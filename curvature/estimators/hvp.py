"""Hessian-vector products of a functional loss with ``torch.func``.

An HVP is computed reverse-over-reverse, as the pullback of ``grad(f)`` at θ applied to v
(this equals H(θ) v because H is symmetric), or forward-over-reverse, as
``jvp(grad(f), (θ,), (v,))``. Either costs a small constant multiple of one gradient and
stores no n-by-n matrix. Batches of vectors go through ``torch.func.vmap`` in chunks of
``chunk_size`` vectors, which bounds the extra memory to about ``chunk_size`` times that of
one HVP.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import torch
from torch import Tensor
from torch.func import grad, jvp, vjp, vmap

from curvature._validation import check_choice, check_positive_int
from curvature.errors import NonFiniteValueError
from curvature.estimators._failures import (
    draws_same_numbers,
    explain,
    is_random_operation_error,
    random_loss_error,
    vmap_randomness,
)
from curvature.estimators._params import (
    LossFunction,
    check_loss,
    describe_param,
    flatten,
    flatten_batched,
    num_elements,
    prepare_params,
    unflatten,
    unflatten_batched,
)

DEFAULT_CHUNK_SIZE = 128
HVP_MODES = ("auto", "forward-over-reverse", "reverse-over-reverse")


def hvp(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    vectors: Sequence[Tensor],
    *,
    allow_unused: bool = False,
) -> tuple[Tensor, ...]:
    """Return the Hessian-vector product H(θ) v, shaped like ``params``.

    Args:
        loss_fn: pure function of the parameter tensors returning a scalar loss.
        params: the point θ.
        vectors: the direction v, one tensor per parameter, same shapes.
        allow_unused: return zeros for parameters the loss does not use instead of raising.

    Cost: one HVP (about two to three gradients) plus one gradient to validate the loss.

    Raises:
        NonFiniteValueError: when the product contains NaN or infinity, which happens where
            the loss has no finite second derivative (such as √x at 0).
        ValueError: for a loss that updates tensors in place that are not its parameters.
        NotImplementedError: for a loss that uses an operation without a second derivative.

    Example:
        >>> import torch
        >>> A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=torch.float64)
        >>> def loss(ps):
        ...     return 0.5 * ps[0] @ A @ ps[0]
        >>> x = torch.zeros(2, dtype=torch.float64)
        >>> hvp(loss, [x], [torch.tensor([1.0, 0.0], dtype=torch.float64)])[0]
        tensor([2., 1.], dtype=torch.float64)
    """
    points = prepare_params(params, "hvp")
    directions = _prepare_vectors(vectors, points, "hvp")
    check_loss(loss_fn, points, "hvp", allow_unused)

    products = _single_hvp(loss_fn, points, directions, "hvp")
    check_finite_products(products, points, loss_fn, "hvp")
    return products


def batched_hvp(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    matrix: Tensor,
    *,
    chunk_size: int | None = None,
    mode: str = "auto",
) -> Tensor:
    """Return ``matrix @ H(θ)`` row by row: row i is H(θ) times row i of ``matrix``.

    ``matrix`` has shape (k, n) in the flattened parameter order. The loss is not validated
    here; the public estimators validate it once before calling this. Cost: k HVPs.

    ``mode`` picks the differentiation order: ``"forward-over-reverse"`` (jvp of grad),
    ``"reverse-over-reverse"`` (vjp of grad, which equals Hv because H is symmetric), or
    ``"auto"``, which tries reverse-over-reverse first and falls back to forward-over-reverse.
    Reverse-over-reverse comes first because it was the faster of the two on every model that
    ``curvature bench`` measured on CPU (2.76 against 3.04 gradients per HVP on a 10⁵-parameter
    MLP, 2 threads; docs/benchmarks.md), and because some operations have no forward-mode
    derivative of their backward pass (in torch 2.13, ``mse_loss`` raises "ZeroTensors are
    immutable"). A loss may declare the mode that ``"auto"`` tries first as
    ``loss_fn.hvp_mode``, which :func:`curvature.bench.choose_hvp_mode` sets from a
    measurement on that loss.

    A loss that draws random numbers, such as dropout in training mode, must draw the same
    ones at every call, so that all rows belong to one loss. Such a loss runs under
    ``vmap(randomness="same")``: declared by ``loss_fn.vmap_randomness = "same"``, or found
    by two evaluations that give the same value. A loss whose draws change raises
    ``ValueError``. Products with NaN or infinity raise
    :class:`~curvature.errors.NonFiniteValueError` naming the parameter.
    """
    points = tuple(params)
    size = (
        DEFAULT_CHUNK_SIZE if chunk_size is None else check_positive_int("chunk_size", chunk_size)
    )
    check_choice("mode", mode, HVP_MODES)
    if matrix.dim() != 2 or matrix.shape[1] != num_elements(points):
        raise ValueError(
            f"`matrix` must have shape (k, {num_elements(points)}), got {tuple(matrix.shape)}"
        )

    modes = _auto_modes(loss_fn) if mode == "auto" else (mode,)
    randomness = vmap_randomness(loss_fn)
    rows = []
    for start in range(0, matrix.shape[0], size):
        block = unflatten_batched(matrix[start : start + size], points)
        products, randomness = _products(loss_fn, points, block, modes, randomness)
        check_finite_products(products, points, loss_fn, "batched_hvp")
        rows.append(flatten_batched(products))
    return torch.cat(rows) if rows else matrix.new_zeros((0, matrix.shape[1]))


def _auto_modes(loss_fn: LossFunction) -> tuple[str, ...]:
    order = ("reverse-over-reverse", "forward-over-reverse")
    preferred = getattr(loss_fn, "hvp_mode", None)
    if preferred not in order:
        return order
    return (preferred, *(other for other in order if other != preferred))


def check_finite_products(
    products: Sequence[Tensor], points: Sequence[Tensor], loss_fn: LossFunction, caller: str
) -> None:
    """Raise ``NonFiniteValueError`` naming the first parameter whose products are not finite."""
    # One transfer for all parameters, because each .item() on a GPU waits for the device.
    finite = torch.stack([torch.isfinite(product).all() for product in products]).tolist()
    for index, product_is_finite in enumerate(finite):
        if not product_is_finite:
            raise NonFiniteValueError(
                f"{caller}: the Hessian-vector product contains NaN or infinity in "
                f"{describe_param(index, points, loss_fn)}, so the loss has no finite second "
                "derivative at these parameters (as √x or |x|^1.5 at 0, or an overflow). "
                "Evaluate the curvature at another point, or smooth the loss there"
            )


def _products(
    loss_fn: LossFunction,
    points: tuple[Tensor, ...],
    block: tuple[Tensor, ...],
    modes: tuple[str, ...],
    randomness: str,
) -> tuple[tuple[Tensor, ...], str]:
    """Return the HVPs of a block of vectors and the vmap randomness that computed them."""
    failures = []
    for mode in modes:
        product = _product_function(loss_fn, points, mode)
        try:
            return tuple(vmap(product, randomness=randomness)(block)), randomness
        except RuntimeError as error:
            clearer = explain(error, "batched_hvp", final=mode == modes[-1])
            if clearer is not None:
                raise clearer from error
            if randomness == "error" and is_random_operation_error(error):
                # A loss that seeds its own draws is deterministic, so one shared draw is right.
                if not draws_same_numbers(loss_fn, points):
                    raise random_loss_error("batched_hvp") from error
                return _products(loss_fn, points, block, modes, "same")
            failures.append(f"{mode}: {error}")

    # vmap has no batching rule for some operations, such as in-place updates, .item() and
    # data-dependent control flow. A loop over the vectors gives the same values at a higher cost.
    warnings.warn(
        "torch.func.vmap failed on this loss (" + "; ".join(failures) + "); computing the "
        "HVPs one by one",
        RuntimeWarning,
        stacklevel=4,
    )
    results = [
        _single_hvp(loss_fn, points, tuple(tensor[i] for tensor in block), "batched_hvp", modes)
        for i in range(block[0].shape[0])
    ]
    return tuple(torch.stack(parts) for parts in zip(*results)), randomness


def _single_hvp(
    loss_fn: LossFunction,
    points: tuple[Tensor, ...],
    directions: tuple[Tensor, ...],
    caller: str,
    modes: tuple[str, ...] = ("reverse-over-reverse", "forward-over-reverse"),
) -> tuple[Tensor, ...]:
    for mode in modes[:-1]:
        try:
            return _product_function(loss_fn, points, mode)(directions)
        except RuntimeError as error:
            clearer = explain(error, caller, final=False)
            if clearer is not None:
                raise clearer from error

    try:
        return _product_function(loss_fn, points, modes[-1])(directions)
    except RuntimeError as error:
        clearer = explain(error, caller)
        if clearer is not None:
            raise clearer from error
        raise


def _product_function(
    loss_fn: LossFunction, points: tuple[Tensor, ...], mode: str
) -> Callable[[tuple[Tensor, ...]], tuple[Tensor, ...]]:
    # torch.func.grad differentiates with respect to the first positional argument, which here
    # is the whole tuple of parameters, so the gradient comes back as a tuple of the same shape.
    def loss_of_tuple(arguments: tuple[Tensor, ...]) -> Tensor:
        return loss_fn(arguments).reshape(())

    gradient_fn = grad(loss_of_tuple)

    if mode == "forward-over-reverse":

        def forward_product(direction: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
            return tuple(jvp(gradient_fn, (points,), (direction,))[1])

        return forward_product

    def reverse_product(direction: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        pullback = vjp(gradient_fn, points)[1]
        return tuple(pullback(direction)[0])

    return reverse_product


def _prepare_vectors(
    vectors: Sequence[Tensor], points: tuple[Tensor, ...], caller: str
) -> tuple[Tensor, ...]:
    if isinstance(vectors, Tensor):
        vectors = [vectors]
    vectors = list(vectors)
    if len(vectors) != len(points):
        raise ValueError(
            f"{caller}: `vectors` must hold one tensor per parameter ({len(points)}), "
            f"got {len(vectors)}"
        )
    for index, (vector, point) in enumerate(zip(vectors, points)):
        if vector.shape != point.shape:
            raise ValueError(
                f"{caller}: `vectors[{index}]` has shape {tuple(vector.shape)}, expected "
                f"{tuple(point.shape)} to match params[{index}]"
            )
    return tuple(
        vector.detach().to(dtype=point.dtype, device=point.device)
        for vector, point in zip(vectors, points)
    )


__all__ = ["batched_hvp", "check_finite_products", "flatten", "hvp", "unflatten"]

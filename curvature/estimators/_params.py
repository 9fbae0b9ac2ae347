"""Parameter lists as flat vectors, and checks of a loss before its curvature is taken.

Every estimator takes ``loss_fn``, a function from a sequence of tensors to a scalar tensor,
and ``params``, the point at which to evaluate it. The checks here run once per call, so that
an estimator fails with a message naming the parameter instead of deep inside ``torch.func``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

LossFunction = Callable[[Sequence[Tensor]], Tensor]
"""A loss as a pure function of the parameter tensors; it must return a scalar tensor.

A loss may carry two optional attributes that the estimators read:
``param_names``, one name per parameter, used in error messages, and ``vmap_randomness``,
the ``randomness`` argument passed to ``torch.func.vmap`` (set it to ``"same"`` only when
every call draws the same random numbers, as :class:`~curvature.estimators.ModuleLoss` does).
"""

SUPPORTED_DTYPES = (torch.float32, torch.float64)


def prepare_params(params: Sequence[Tensor], caller: str) -> tuple[Tensor, ...]:
    """Return detached copies of ``params`` after checking their dtype and device.

    Half-precision parameters (float16, bfloat16) are rejected: the second derivatives of
    typical losses underflow or lose all digits there, so a value would be silently wrong.
    """
    if isinstance(params, Tensor):
        params = [params]
    params = list(params)
    if not params:
        raise ValueError(f"{caller}: `params` is empty; pass at least one tensor")

    for index, param in enumerate(params):
        if not isinstance(param, Tensor):
            raise TypeError(
                f"{caller}: `params[{index}]` must be a torch.Tensor, got {type(param).__name__}"
            )
        if param.dtype not in SUPPORTED_DTYPES:
            raise TypeError(
                f"{caller}: `params[{index}]` has dtype {param.dtype}; curvature estimates are "
                "computed in float32 or float64, so cast the parameters with .float() or "
                ".double() first"
            )

    dtypes = {param.dtype for param in params}
    if len(dtypes) > 1:
        raise TypeError(
            f"{caller}: all parameters must share one dtype, got {sorted(map(str, dtypes))}"
        )
    devices = {param.device for param in params}
    if len(devices) > 1:
        raise ValueError(
            f"{caller}: all parameters must be on one device, got {sorted(map(str, devices))}"
        )

    return tuple(param.detach() for param in params)


def num_elements(params: Sequence[Tensor]) -> int:
    """Return the total number of scalar entries n of a parameter list."""
    return sum(param.numel() for param in params)


def flatten(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate tensors into one vector in parameter order (batched: keep dim 0)."""
    return torch.cat([tensor.reshape(-1) for tensor in tensors])


def flatten_batched(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate a batch of parameter-shaped tensors into a (batch, n) matrix."""
    return torch.cat([tensor.reshape(tensor.shape[0], -1) for tensor in tensors], dim=1)


def unflatten(vector: Tensor, like: Sequence[Tensor]) -> tuple[Tensor, ...]:
    """Split a length-n vector into tensors shaped like ``like``."""
    pieces = torch.split(vector, [param.numel() for param in like])
    return tuple(piece.reshape(param.shape) for piece, param in zip(pieces, like))


def unflatten_batched(matrix: Tensor, like: Sequence[Tensor]) -> tuple[Tensor, ...]:
    """Split a (batch, n) matrix into batched tensors shaped (batch, *param.shape)."""
    pieces = torch.split(matrix, [param.numel() for param in like], dim=1)
    return tuple(piece.reshape(matrix.shape[0], *param.shape) for piece, param in zip(pieces, like))


def describe_param(index: int, params: Sequence[Tensor], loss_fn: object = None) -> str:
    """Return ``params[i] (shape)``, followed by the parameter's name when ``loss_fn`` has one."""
    text = f"params[{index}] {tuple(params[index].shape)}"
    names = getattr(loss_fn, "param_names", None)
    if names is not None and index < len(names):
        text += f" named '{names[index]}'"
    return text


def check_loss(
    loss_fn: LossFunction, params: Sequence[Tensor], caller: str, allow_unused: bool
) -> Tensor:
    """Evaluate the loss once with autograd and return it, detached.

    Raises ``ValueError`` when the loss is not a scalar, is NaN or infinite, or does not depend
    on some parameter while ``allow_unused`` is false. Costs one forward and one backward pass.
    """
    leaves = [param.detach().requires_grad_(True) for param in params]
    with torch.enable_grad():
        loss = loss_fn(leaves)

    if not isinstance(loss, Tensor):
        raise TypeError(
            f"{caller}: `loss_fn` must return a torch.Tensor, got {type(loss).__name__}"
        )
    if loss.numel() != 1 or loss.dim() > 1:
        raise ValueError(
            f"{caller}: `loss_fn` must return a scalar tensor, got shape {tuple(loss.shape)}; "
            "reduce it, for example with .mean()"
        )
    if not torch.isfinite(loss).item():
        raise ValueError(
            f"{caller}: the loss is {loss.item()} at the given parameters; curvature is only "
            "defined where the loss is finite"
        )
    if not loss.requires_grad:
        if allow_unused:
            return loss.detach().reshape(())
        raise ValueError(
            f"{caller}: the loss does not depend on any parameter; pass allow_unused=True to "
            "accept a zero Hessian"
        )

    gradients = torch.autograd.grad(loss, leaves, allow_unused=True)
    unused = [index for index, gradient in enumerate(gradients) if gradient is None]
    if unused and not allow_unused:
        shapes = ", ".join(describe_param(index, params, loss_fn) for index in unused)
        raise ValueError(
            f"{caller}: the loss does not depend on {shapes}; its rows and columns of the Hessian "
            "are zero. Remove the parameter or pass allow_unused=True to get those zeros"
        )
    for index, gradient in enumerate(gradients):
        if gradient is not None and not torch.isfinite(gradient).all().item():
            raise ValueError(
                f"{caller}: the gradient of {describe_param(index, params, loss_fn)} contains "
                "NaN or infinity at the given parameters"
            )

    return loss.detach().reshape(())

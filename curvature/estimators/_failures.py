"""Failures of the ``torch.func`` transforms on a loss, turned into errors that name the fix.

``torch.func`` reports three failures that real models hit, each with a message about its own
internals: a random operation under ``vmap`` (dropout in training mode), an in-place update of
a tensor the loss does not take as an argument (BatchNorm running statistics in training mode),
and an operation without a second derivative. The helpers here recognise them by their
message (as worded in torch 2.2 to 2.13) and raise errors that name the cause and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import torch
from torch import Tensor

from curvature.estimators._params import LossFunction

RANDOMNESS_CHOICES = ("error", "same", "different")

_RANDOM_OPERATION_MARK = "randomness error mode"
_CAPTURED_MUTATION_MARK = "mutate a captured Tensor"
_NO_DERIVATIVE = re.compile(r"derivative for '?([\w.:]+)'? is not implemented")


def vmap_randomness(loss_fn: LossFunction) -> str:
    """Return the ``randomness`` argument for ``torch.func.vmap`` that ``loss_fn`` declares."""
    randomness = getattr(loss_fn, "vmap_randomness", "error")
    if randomness not in RANDOMNESS_CHOICES:
        listed = ", ".join(repr(choice) for choice in RANDOMNESS_CHOICES)
        raise ValueError(f"`loss_fn.vmap_randomness` must be one of {listed}, got {randomness!r}")
    return str(randomness)


def is_random_operation_error(error: BaseException) -> bool:
    """Return whether ``error`` is vmap's refusal of a random operation in its error mode."""
    return _RANDOM_OPERATION_MARK in str(error)


def draws_same_numbers(loss_fn: LossFunction, points: Sequence[Tensor]) -> bool:
    """Return whether two evaluations of ``loss_fn`` at ``points`` give the same loss.

    A loss that seeds its own random draws (one dropout mask at every call) passes, one that
    draws from the global generator does not. The global generator states of the CPU and of
    the points' CUDA device are restored afterwards. Cost: two forward passes.
    """
    devices = [device for device in {point.device for point in points} if device.type == "cuda"]
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        first = loss_fn(points)
        second = loss_fn(points)
    return bool(torch.equal(first, second))


def random_loss_error(caller: str) -> ValueError:
    """Return the error for a loss whose random draws change from one evaluation to the next."""
    return ValueError(
        f"{caller}: the loss draws new random numbers at every evaluation (for example "
        "dropout in training mode), so each Hessian-vector product would belong to a "
        "different loss and the estimate would mix them. Build the loss with "
        "curvature.estimators.module_loss(model, loss, inputs, targets, seed=...), which "
        "uses one dropout mask for the whole estimate; or put the model in evaluation mode; "
        "or seed the draws inside loss_fn and set loss_fn.vmap_randomness = 'same'"
    )


def explain(error: BaseException, caller: str, *, final: bool = True) -> Exception | None:
    """Return a clearer error for a known ``torch.func`` failure, or None for other failures.

    With ``final`` false, only failures that every differentiation mode would meet are
    returned, so that the caller can still try another mode for the rest.
    """
    text = str(error)

    if _CAPTURED_MUTATION_MARK in text:
        return ValueError(
            f"{caller}: the loss changes a tensor in place that is not one of its parameters, "
            "for example the running statistics of a BatchNorm layer in training mode, and "
            "torch.func cannot differentiate through that update. Build the loss with "
            "curvature.estimators.module_loss, which normalizes with batch statistics and "
            "leaves the running statistics unchanged, or put the normalization layers in "
            "evaluation mode. The evaluation that validated the loss may already have "
            f"updated those tensors once. torch reported: {text}"
        )

    match = _NO_DERIVATIVE.search(text)
    if final and match is not None:
        return NotImplementedError(
            f"{caller}: the loss uses an operation whose second derivative torch does not "
            f"implement (the derivative of '{match.group(1)}' is missing), so no "
            "Hessian-vector product can be taken through it. Replace that operation with one "
            "that is twice differentiable, or compute the curvature only over parameters that "
            "the operation does not depend on. curvature.estimators.module_loss names the "
            f"module that contains it. torch reported: {text}"
        )

    return None

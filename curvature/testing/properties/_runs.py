"""Small helpers the properties share: quadratic losses and short optimizer runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from hypothesis import strategies as st
from torch import Tensor

from curvature.optim import CurvatureAdaptiveSGD
from curvature.strategies import ModelProblem, small_models

OPTIMIZER_MODEL_INPUTS = 3
OPTIMIZER_MODEL_HIDDEN = 3
OPTIMIZER_MODEL_OUTPUTS = 2
OPTIMIZER_MODEL_SAMPLES = 8
"""Model sizes (at most 20 parameters) for properties that run the optimizer's exact trace,
which takes n HVPs per step through batched double backward."""


@dataclass(frozen=True)
class Step:
    """The rate, trace and loss of one optimizer step.

    Attributes:
        lr: the rate η_t applied (parameter group 0).
        trace: the trace tr(H_t) the rule received.
        loss: f(θ_t), before the step.
    """

    lr: float
    trace: float
    loss: float


def optimizer_models() -> st.SearchStrategy[ModelProblem]:
    """Return :func:`~curvature.strategies.small_models` of at most 20 parameters."""
    return small_models(
        max_inputs=OPTIMIZER_MODEL_INPUTS,
        max_hidden=OPTIMIZER_MODEL_HIDDEN,
        max_outputs=OPTIMIZER_MODEL_OUTPUTS,
        max_samples=OPTIMIZER_MODEL_SAMPLES,
    )


def quadratic_loss(matrix: Tensor) -> Callable[[Sequence[Tensor]], Tensor]:
    """Return θ ↦ ½ θᵀ H θ for one parameter tensor θ."""

    def loss_fn(params: Sequence[Tensor]) -> Tensor:
        theta = params[0]
        return 0.5 * theta @ (matrix @ theta)

    return loss_fn


def take_steps(
    optimizer: CurvatureAdaptiveSGD,
    loss_of_params: Callable[[], Tensor],
    steps: int,
) -> list[Step]:
    """Take ``steps`` closure steps and return what each one used."""
    records = []
    for _ in range(steps):

        def closure() -> Tensor:
            optimizer.zero_grad(set_to_none=True)
            return loss_of_params()

        loss = optimizer.step(closure)
        records.append(
            Step(
                lr=optimizer.history.lrs[-1][0],
                trace=optimizer.history.traces[-1],
                loss=float(loss.detach()),  # type: ignore[union-attr]
            )
        )
    return records


def leaf_copies(tensors: Sequence[Tensor]) -> list[Tensor]:
    """Return float64 copies of ``tensors`` that require grad, for a fresh optimizer."""
    return [tensor.detach().clone().double().requires_grad_(True) for tensor in tensors]


def unit_start(n: int) -> Tensor:
    """Return θ₀ = (1, 1, …, 1)/√n, a fixed start of unit norm."""
    return torch.full((n,), 1.0 / n**0.5, dtype=torch.float64)

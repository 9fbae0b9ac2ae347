"""Runs of the adaptive optimizer on an objective, with what the checks measure along them.

Plain SGD and Adam (``torch.optim``) run through the same loop as baselines, and any of the
three can follow a learning-rate schedule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor
from torch.optim.lr_scheduler import LambdaLR

from curvature._validation import check_choice, check_positive_int
from curvature.errors import NonFiniteValueError
from curvature.objectives.base import Objective, is_stochastic
from curvature.optim import CurvatureAdaptiveSGD, UndefinedRateEvent

DIVERGENCE_THRESHOLD = 1e100
"""A squared gradient norm above this counts as divergence, and the run stops there."""

METHODS = ("adaptive", "sgd", "adam")
"""The optimizers :func:`run_trajectory` runs: the adaptive rule, and the two baselines."""


@dataclass
class Trajectory:
    """Measurements at θ_0, …, θ_{T−1} of one optimizer run.

    Attributes:
        losses: f(θ_t), the full (noise-free) loss.
        grad_norms_sq: ‖∇f(θ_t)‖², of the full loss even when steps used stochastic gradients.
        lrs: the rate η_t applied at step t; for Adam, its base rate (the step of each
            coordinate is scaled further by Adam's moment estimates).
        traces: the trace estimate tr(H_t) used at step t; NaN for the baselines.
        in_region: whether θ_t lies where the objective's L is certified.
        undefined: steps where 1 + λ·tr(H_t) ≤ 0, with the policy's choice.
        checkpoints: θ_t at the requested steps.
        diverged_at: the first step whose gradient was non-finite or above the divergence
            threshold, where the run stopped; None if it ran to the end.
        lr, curvature_scale: the settings used; lr is the rate before any schedule.
        method: the optimizer, one of :data:`METHODS`.
    """

    losses: np.ndarray
    grad_norms_sq: np.ndarray
    lrs: np.ndarray
    traces: np.ndarray
    in_region: np.ndarray
    undefined: list[UndefinedRateEvent]
    checkpoints: dict[int, list[Tensor]] = field(default_factory=dict)
    diverged_at: int | None = None
    lr: float = math.nan
    curvature_scale: float = math.nan
    method: str = "adaptive"

    @property
    def steps(self) -> int:
        """Number of steps completed (T)."""
        return int(self.lrs.size)


def run_trajectory(
    objective: Objective,
    steps: int,
    *,
    seed: int,
    stochastic: bool = False,
    lr: float | None = None,
    curvature_scale: float | None = None,
    estimator: str = "hutchinson",
    num_probes: int = 1,
    undefined_policy: str = "positive-part",
    checkpoint_steps: Iterable[int] = (),
    method: str = "adaptive",
    lr_schedule: Callable[[int], float] | None = None,
) -> Trajectory:
    """Run :class:`CurvatureAdaptiveSGD`, or a baseline, for ``steps`` steps from θ₀.

    Args:
        objective: the objective; its settings give lr and curvature_scale unless overridden.
        steps: T, the number of steps.
        seed: seeds the probe generator and, for stochastic runs, the sampling generator.
        stochastic: take steps with ``objective.stochastic_loss`` samples instead of the full
            loss; the gradient norms recorded are still those of the full loss.
        checkpoint_steps: steps t at which to keep a copy of θ_t.
        method: ``"adaptive"`` (the rule), ``"sgd"`` (``torch.optim.SGD`` with rate lr, the
            rule with λ = 0) or ``"adam"`` (``torch.optim.Adam`` with base rate lr and its
            default betas); the curvature options apply to ``"adaptive"`` only.
        lr_schedule: a multiplier m(t) of lr at step t, applied with
            ``torch.optim.lr_scheduler.LambdaLR``; None keeps lr constant.
    """
    check_positive_int("steps", steps)
    check_choice("method", method, METHODS)
    if stochastic and not is_stochastic(objective):
        raise ValueError(
            f"objective {objective.name!r} has no stochastic_loss; pass stochastic=False"
        )
    lr = objective.settings.lr if lr is None else lr
    curvature_scale = (
        objective.settings.curvature_scale if curvature_scale is None else curvature_scale
    )

    params = [
        tensor.detach().clone().requires_grad_(True) for tensor in objective.initial_parameters()
    ]
    optimizer: torch.optim.Optimizer
    if method == "adaptive":
        optimizer = CurvatureAdaptiveSGD(
            params,
            lr=lr,
            curvature_scale=curvature_scale,
            estimator=estimator,
            num_probes=num_probes,
            undefined_policy=undefined_policy,
            seed=seed,
        )
    elif method == "sgd":
        optimizer = torch.optim.SGD(params, lr=lr)
    else:
        optimizer = torch.optim.Adam(params, lr=lr)
    scheduler = None if lr_schedule is None else LambdaLR(optimizer, lr_schedule)
    applied_lrs: list[float] = []
    sampler = torch.Generator().manual_seed(seed + 1)
    requested_checkpoints = set(checkpoint_steps)

    losses, grad_norms, region = [], [], []
    checkpoints: dict[int, list[Tensor]] = {}
    diverged_at = None

    for step in range(steps):
        region.append(objective.in_region(params))
        if step in requested_checkpoints:
            checkpoints[step] = [param.detach().clone() for param in params]

        # A stochastic run measures the full loss and gradient at θ_t separately. A
        # deterministic run reads the optimizer's own after the step.
        if stochastic:
            full_loss = objective.loss(params)
            full_gradient = torch.autograd.grad(full_loss, params, allow_unused=True)
            loss_value, norm_sq = float(full_loss.detach()), _squared_norm(full_gradient)

        def closure() -> Tensor:
            optimizer.zero_grad(set_to_none=True)
            if stochastic:
                loss = objective.stochastic_loss(params, sampler)  # type: ignore[attr-defined]
            else:
                loss = objective.loss(params)
            # The adaptive optimizer differentiates the loss itself; the baselines need it done.
            if method != "adaptive":
                loss.backward()
            return loss

        applied_lrs.append(float(optimizer.param_groups[0]["lr"]))
        try:
            step_loss = optimizer.step(closure)
        except NonFiniteValueError:
            diverged_at = step
            break
        if scheduler is not None:
            scheduler.step()
        if not stochastic:
            loss_value = float(step_loss.detach())  # type: ignore[union-attr]
            norm_sq = _squared_norm([param.grad for param in params])

        if not math.isfinite(norm_sq) or norm_sq > DIVERGENCE_THRESHOLD:
            diverged_at = step
            break
        losses.append(loss_value)
        grad_norms.append(norm_sq)

    completed = len(grad_norms)
    checkpoints = {step: point for step, point in checkpoints.items() if step < completed}
    if isinstance(optimizer, CurvatureAdaptiveSGD):
        history = optimizer.history
        lrs = np.asarray(history.group_lrs(0)[:completed])
        traces = np.asarray(history.traces[:completed])
        undefined = [event for event in history.undefined if event.step < completed]
    else:
        lrs = np.asarray(applied_lrs[:completed])
        traces = np.full(completed, np.nan)
        undefined = []
    return Trajectory(
        losses=np.asarray(losses),
        grad_norms_sq=np.asarray(grad_norms),
        lrs=lrs,
        traces=traces,
        in_region=np.asarray(region[:completed], dtype=bool),
        undefined=undefined,
        checkpoints=checkpoints,
        diverged_at=diverged_at,
        lr=lr,
        curvature_scale=curvature_scale if method == "adaptive" else math.nan,
        method=method,
    )


def _squared_norm(gradients: Iterable[Tensor | None]) -> float:
    return sum(float((grad.detach() ** 2).sum()) for grad in gradients if grad is not None)

"""Properties of the optimizer itself: its exact step, and its checkpoints.

Bit-for-bit means ``torch.equal`` on every parameter and ``==`` on every recorded rate and
trace, with no tolerance.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import torch
from hypothesis import assume
from hypothesis import strategies as st

from curvature.errors import NonFiniteValueError
from curvature.objectives.base import RunSettings
from curvature.optim import CurvatureAdaptiveSGD
from curvature.strategies import (
    ModelProblem,
    OptimizerSettings,
    optimizer_settings,
    run_settings,
)
from curvature.testing.properties._runs import leaf_copies, optimizer_models, take_steps
from curvature.testing.properties.base import FLOAT64_EPS, Property, PropertyContext
from curvature.testing.reference import dense_hessian

ROUNDING_ALLOWANCE = 1e3 * FLOAT64_EPS
"""Rounding allowance relative to the scale of the values compared, about 2.2e-13; measured
gaps stayed within 10 ε (see :mod:`curvature.testing.properties.estimators`)."""

DENOMINATOR_MARGIN = 1e-6
"""Steps with |1 + λ·tr(H)| below this are skipped: there η's sensitivity to rounding of the
trace, λ/(2(1 + λ·tr)), exceeds 1e5 and the comparison would test rounding, not the rule."""


@dataclass(frozen=True)
class StepCase:
    """A model and the rule's settings."""

    model: ModelProblem
    settings: RunSettings


@dataclass(frozen=True)
class CheckpointCase:
    """A model, optimizer settings, a horizon and the step at which the state is saved."""

    model: ModelProblem
    settings: OptimizerSettings
    steps: int
    saved_at: int


def step_cases() -> st.SearchStrategy[StepCase]:
    """Return small models with lr in [1e-3, 2] and λ in [0, 10]."""
    return st.builds(StepCase, model=optimizer_models(), settings=run_settings())


def check_exact_step(case: StepCase, context: PropertyContext) -> None:
    """Assert the exact estimator's trace is tr(H) and the step is θ − η∇f with that trace."""
    model, lr, scale = case.model, case.settings.lr, case.settings.curvature_scale
    start = model.params
    H = dense_hessian(model.loss_fn, start)
    trace = float(torch.trace(H))
    denominator = 1.0 + scale * trace
    assume(abs(denominator) > DENOMINATOR_MARGIN)
    eta = lr / math.sqrt(denominator) if denominator > 0.0 else lr
    gradient = torch.func.grad(lambda ps: model.loss_fn(ps))(start)

    params = leaf_copies(start)
    optimizer = CurvatureAdaptiveSGD(params, lr=lr, curvature_scale=scale, estimator="exact")
    step = take_steps(optimizer, lambda: model.loss_fn(params), 1)[0]

    slack = ROUNDING_ALLOWANCE * (1.0 + float(H.abs().max())) * model.n
    assert abs(step.trace - trace) <= slack, (
        f"the optimizer's exact trace is {step.trace!r}, the dense Hessian's is {trace!r} "
        f"(ratio {step.trace / trace if trace else math.inf!r})"
    )
    for index, (param, point, grad) in enumerate(zip(params, start, gradient)):
        expected = point - eta * grad
        gap = float((param.detach() - expected).abs().max()) if param.numel() else 0.0
        allowed = ROUNDING_ALLOWANCE * (1.0 + float(expected.abs().max()))
        assert gap <= allowed, (
            f"parameter {index} ({model.names[index]}) differs from theta - eta grad f by "
            f"{gap!r} with eta = {eta!r}; the optimizer applied eta = {step.lr!r}"
        )


def checkpoint_cases() -> st.SearchStrategy[CheckpointCase]:
    """Return models, settings with every estimator and policy, 2 to 5 steps and a save point."""

    @st.composite
    def draw_case(draw: st.DrawFn) -> CheckpointCase:
        steps = draw(st.integers(2, 5))
        return CheckpointCase(
            model=draw(optimizer_models()),
            settings=draw(optimizer_settings(max_lr=0.5, clip=True)),
            steps=steps,
            saved_at=draw(st.integers(1, steps - 1)),
        )

    return draw_case()


def _run(
    optimizer: CurvatureAdaptiveSGD, model: ModelProblem, params: list[torch.Tensor], steps: int
) -> str | None:
    try:
        take_steps(optimizer, lambda: model.loss_fn(params), steps)
    except NonFiniteValueError as error:
        return str(error)
    return None


def check_checkpoint(case: CheckpointCase, context: PropertyContext) -> None:
    """Assert a run resumed from ``state_dict`` mid-way matches the uninterrupted one bit for bit.

    The resumed optimizer is built with another probe seed, so only the saved state can make
    its probes equal.
    """
    model, settings = case.model, case.settings
    params = leaf_copies(model.params)
    optimizer = CurvatureAdaptiveSGD(params, **settings.kwargs())
    first_error = _run(optimizer, model, params, case.saved_at)
    assume(first_error is None)

    buffer = io.BytesIO()
    torch.save(
        {"optimizer": optimizer.state_dict(), "params": [p.detach() for p in params]}, buffer
    )
    error = _run(optimizer, model, params, case.steps - case.saved_at)

    buffer.seek(0)
    saved = torch.load(buffer)
    resumed_params = leaf_copies(saved["params"])
    other_seed = {**settings.kwargs(), "seed": settings.seed + 1}
    resumed = CurvatureAdaptiveSGD(resumed_params, **other_seed)
    resumed.load_state_dict(saved["optimizer"])
    resumed_error = _run(resumed, model, resumed_params, case.steps - case.saved_at)

    assert (error is None) == (resumed_error is None), (
        f"the uninterrupted run ended with {error!r}, the resumed one with {resumed_error!r}"
    )
    assert resumed.history.traces == optimizer.history.traces, (
        f"traces differ after resuming at step {case.saved_at}: "
        f"{optimizer.history.traces} vs {resumed.history.traces}"
    )
    assert resumed.history.lrs == optimizer.history.lrs, (
        f"rates differ after resuming at step {case.saved_at}: "
        f"{optimizer.history.lrs} vs {resumed.history.lrs}"
    )
    for index, (original, copy) in enumerate(zip(params, resumed_params)):
        assert torch.equal(original.detach(), copy.detach()), (
            f"parameter {index} ({model.names[index]}) differs after resuming at step "
            f"{case.saved_at} by {float((original - copy).abs().max())!r}"
        )


OPTIMIZER_EXACT_STEP = Property(
    name="optimizer-exact-step",
    statement="On small models, the optimizer with estimator='exact' uses tr(H) of the dense "
    "Hessian and moves theta to theta - lr/sqrt(1 + lambda tr(H)) grad f, up to rounding.",
    cases=step_cases,
    check=check_exact_step,
)

STATE_DICT_ROUND_TRIP = Property(
    name="state-dict-round-trip",
    statement="Saving state_dict (through torch.save) in the middle of a run and loading it "
    "into a new optimizer with another seed continues the run bit for bit: the same traces, "
    "rates and parameters.",
    cases=checkpoint_cases,
    check=check_checkpoint,
)

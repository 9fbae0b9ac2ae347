"""Invariance properties of the optimizer, and one non-invariance.

tr(H) is a sum over all parameters, so it does not depend on their order or on how they are
cut into tensors. With the exact trace the trajectory is therefore the same up to rounding.
A Hutchinson draw depends on the layout, because each tensor takes its probes from the
generator in turn, so only its distribution is invariant.

tr(H) does grow with the number of parameters: k independent copies of a problem have k
times its trace, so the rule takes a smaller step on each copy than on the problem alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from hypothesis import assume
from hypothesis import strategies as st
from torch import Tensor

from curvature.objectives.base import RunSettings
from curvature.objectives.quadratic import Quadratic
from curvature.optim import CurvatureAdaptiveSGD
from curvature.strategies import (
    ModelProblem,
    curvature_scales,
    psd_spectra,
    quadratics,
    run_settings,
)
from curvature.testing.properties._runs import leaf_copies, optimizer_models, take_steps
from curvature.testing.properties.base import FLOAT64_EPS, Property, PropertyContext

Rebuild = Callable[[Sequence[Tensor]], list[Tensor]]
"""Maps the tensors passed to the optimizer to the model's parameter tensors, in model order."""

ROUNDING_ALLOWANCE = 1e3 * FLOAT64_EPS
"""Rounding allowance relative to the scale of the values compared, about 2.2e-13. Summing
the trace in another order changes it by rounding only, and after three steps the measured
gaps stayed within 10 ε."""


@dataclass(frozen=True)
class LayoutCase:
    """A model, settings, a step count, an order of its tensors and a tensor to split.

    Attributes:
        order: a permutation of the parameter indices, the order the optimizer gets them in.
        split: (index of the parameter to cut, number of its entries in the first piece).
    """

    model: ModelProblem
    settings: RunSettings
    steps: int
    order: list[int]
    split: tuple[int, int] | None


@dataclass(frozen=True)
class CopiesCase:
    """A positive semi-definite quadratic, λ > 0 and a number of independent copies k ≥ 2."""

    quadratic: Quadratic
    curvature_scale: float
    copies: int


def layout_cases() -> st.SearchStrategy[LayoutCase]:
    """Return models with a permutation of their tensors and, where one has 2+ entries, a cut."""

    @st.composite
    def draw_case(draw: st.DrawFn) -> LayoutCase:
        model = draw(optimizer_models())
        sizes = [param.numel() for param in model.params]
        order = draw(st.permutations(list(range(len(sizes)))))
        splittable = [index for index, size in enumerate(sizes) if size >= 2]
        split = None
        if splittable:
            index = draw(st.sampled_from(splittable))
            split = (index, draw(st.integers(1, sizes[index] - 1)))
        return LayoutCase(
            model=model,
            settings=draw(run_settings(max_lr=0.5)),
            steps=draw(st.integers(1, 3)),
            order=order,
            split=split,
        )

    return draw_case()


def _run_on_layout(
    case: LayoutCase, leaves: list[Tensor], rebuild: Rebuild
) -> tuple[list[Tensor], list[float]]:
    """Run the exact optimizer on ``leaves``; ``rebuild(leaves)`` returns the model's tensors."""
    optimizer = CurvatureAdaptiveSGD(
        leaves,
        lr=case.settings.lr,
        curvature_scale=case.settings.curvature_scale,
        estimator="exact",
    )
    steps = take_steps(optimizer, lambda: case.model.loss_fn(rebuild(leaves)), case.steps)
    return [tensor.detach() for tensor in rebuild(leaves)], [step.lr for step in steps]


def check_layout(case: LayoutCase, context: PropertyContext) -> None:
    """Assert reordering the tensors, or cutting one in two, leaves the trajectory unchanged."""
    start = case.model.params
    reference, reference_lrs = _run_on_layout(case, leaf_copies(start), list)

    # The optimizer gets the tensors in another order, while the loss gets them in the model's.
    ordered = leaf_copies([start[index] for index in case.order])

    def restore_order(leaves: Sequence[Tensor]) -> list[Tensor]:
        tensors: list[Tensor] = [torch.empty(0)] * len(leaves)
        for position, index in enumerate(case.order):
            tensors[index] = leaves[position]
        return tensors

    layouts = {"reordered": (ordered, restore_order)}

    if case.split is not None:
        index, cut = case.split
        flat = start[index].reshape(-1)
        pieces = leaf_copies([flat[:cut], flat[cut:]])
        others = leaf_copies([tensor for position, tensor in enumerate(start) if position != index])

        def join(leaves: Sequence[Tensor]) -> list[Tensor]:
            first, second, *rest = leaves
            tensors = list(rest)
            tensors.insert(index, torch.cat([first, second]).reshape(start[index].shape))
            return tensors

        layouts["split"] = ([*pieces, *others], join)

    for name, (leaves, rebuild) in layouts.items():
        final, lrs = _run_on_layout(case, leaves, rebuild)
        for step, (eta, expected_eta) in enumerate(zip(lrs, reference_lrs)):
            assert math.isclose(eta, expected_eta, rel_tol=ROUNDING_ALLOWANCE), (
                f"{name} layout: eta differs at step {step}: {eta!r} vs {expected_eta!r}"
            )
        for position, (tensor, expected) in enumerate(zip(final, reference)):
            gap = float((tensor - expected).abs().max()) if tensor.numel() else 0.0
            allowed = ROUNDING_ALLOWANCE * (1.0 + float(expected.abs().max()))
            assert gap <= allowed, (
                f"{name} layout: parameter {position} ({case.model.names[position]}) ends "
                f"{gap!r} away from the reference run"
            )


def copies_cases() -> st.SearchStrategy[CopiesCase]:
    """Return positive semi-definite quadratics, λ in [0, 10] and 2 to 4 copies."""
    return st.builds(
        CopiesCase,
        quadratic=quadratics(psd_spectra(max_eigenvalue=10.0), settings=run_settings()),
        curvature_scale=curvature_scales(),
        copies=st.integers(2, 4),
    )


def check_copies(case: CopiesCase, context: PropertyContext) -> None:
    """Assert k copies get η_k = lr/√(1 + λ·k·tr(H)), below the single problem's η_1."""
    quadratic, scale, k = case.quadratic, case.curvature_scale, case.copies
    lr = quadratic.settings.lr
    trace = float(torch.trace(quadratic.matrix))
    assume(scale * trace > 1e-6)

    single = leaf_copies(quadratic.initial_parameters())
    optimizer = CurvatureAdaptiveSGD(single, lr=lr, curvature_scale=scale, estimator="exact")
    eta_single = take_steps(optimizer, lambda: quadratic.loss(single), 1)[0].lr

    copies = leaf_copies(quadratic.initial_parameters() * k)
    optimizer = CurvatureAdaptiveSGD(copies, lr=lr, curvature_scale=scale, estimator="exact")

    def total_loss() -> Tensor:
        return torch.stack([quadratic.loss([copy]) for copy in copies]).sum()

    eta_copies = take_steps(optimizer, total_loss, 1)[0].lr

    expected = lr / math.sqrt(1.0 + scale * k * trace)
    assert math.isclose(eta_copies, expected, rel_tol=ROUNDING_ALLOWANCE), (
        f"{k} copies: eta = {eta_copies!r}, but lr/sqrt(1 + lambda k tr) = {expected!r}"
    )
    assert eta_copies < eta_single, (
        f"{k} copies took eta = {eta_copies!r}, not below the single problem's {eta_single!r}"
    )


LAYOUT_INVARIANCE = Property(
    name="layout-invariance",
    statement="With the exact trace, reordering the parameter tensors or cutting one tensor in "
    "two leaves the rates and the trajectory unchanged, up to rounding.",
    cases=layout_cases,
    check=check_layout,
)

TRACE_GROWS_WITH_COPIES = Property(
    name="trace-grows-with-copies",
    statement="The rule is not invariant to the number of parameters: k independent copies of a "
    "quadratic with lambda tr(H) > 0 get eta = lr/sqrt(1 + lambda k tr(H)), strictly below the "
    "rate of one copy.",
    cases=copies_cases,
    check=check_copies,
)

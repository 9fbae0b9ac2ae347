"""One optimizer step of :class:`~curvature.CurvatureAdaptiveSGD` against ``torch.optim``.

Every optimizer gets its own copy of the same MLP and the same batch. A step is what a
training loop runs: zero the gradients, forward, gradient, update. ``torch.optim.SGD`` and
``torch.optim.Adam`` call ``loss.backward()``. The adaptive optimizer gets a closure that
returns the loss, and it differentiates the loss itself, with a graph only at refresh steps.

With ``update_every=k`` the curvature is refreshed at one step in k, so the time per step is
measured over whole cycles of k steps: the cost of one refresh spread over the cycle, which
is what a long run pays on average.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from curvature.bench.problems import BenchProblem
from curvature.bench.timing import Timing, time_interleaved
from curvature.optim import CurvatureAdaptiveSGD

BASELINE = "sgd"
LR = 1e-4
CURVATURE_SCALE = 1e-3
BASELINE_CYCLE = 10


@dataclass(frozen=True)
class StepComparison:
    """Time per step of each optimizer, from one set of interleaved rounds.

    Attributes:
        family, n: the model.
        steps_per_cycle: optimizer name → steps in one timed call.
        timings: optimizer name → time of one call (a whole cycle).
        errors: optimizer name → why it could not run.
    """

    family: str
    n: int
    steps_per_cycle: dict[str, int]
    timings: dict[str, Timing]
    errors: dict[str, str]

    def per_step(self, name: str) -> float:
        """Return the seconds per step of ``name`` (minimum over rounds)."""
        return self.timings[name].minimum / self.steps_per_cycle[name]

    def ratio(self, name: str) -> float:
        """Return the time per step of ``name`` over that of ``torch.optim.SGD``."""
        return self.per_step(name) / self.per_step(BASELINE)

    def to_dict(self) -> dict[str, object]:
        """Return the comparison as a JSON-ready dict."""
        return {
            "family": self.family,
            "n": self.n,
            "optimizers": {
                name: {
                    "steps_per_cycle": self.steps_per_cycle[name],
                    "seconds_per_step": self.per_step(name),
                    "ratio_to_sgd": self.ratio(name),
                    **timing.to_dict(),
                }
                for name, timing in self.timings.items()
            },
            "errors": dict(self.errors),
        }


def curvature_name(period: int) -> str:
    """Return the record's name of the adaptive optimizer with ``update_every=period``."""
    return f"curvature k={period}"


def compare_steps(
    problem: BenchProblem,
    *,
    periods: tuple[int, ...],
    rounds: int,
    warmup: int = 1,
    min_block_seconds: float = 0.05,
    extra: Mapping[str, tuple[Callable[[], Callable[[], object]], int]] | None = None,
) -> StepComparison:
    """Time a step of SGD, Adam and the adaptive optimizer for each k in ``periods``.

    Args:
        problem: an MLP problem (it needs a module and a batch).
        periods: the values k of ``update_every``.
        extra: more optimizers, name → (builder of a cycle function, steps per cycle); the
            peer comparison adds AdaHessian here. A builder that raises is reported.
    """
    cycles: dict[str, Callable[[], object]] = {}
    steps: dict[str, int] = {}
    errors: dict[str, str] = {}

    for name in ("sgd", "adam", *(curvature_name(period) for period in periods)):
        cycles[name], steps[name] = optimizer_cycle(problem, name)

    for name, (builder, count) in (extra or {}).items():
        try:
            cycles[name] = builder()
        except Exception as error:
            errors[name] = f"{type(error).__name__}: {error}"
            continue
        steps[name] = count

    timings = time_interleaved(
        cycles, rounds=rounds, warmup=warmup, min_block_seconds=min_block_seconds
    )
    return StepComparison(problem.family, problem.n, steps, timings, errors)


def optimizer_cycle(problem: BenchProblem, name: str) -> tuple[Callable[[], None], int]:
    """Return a function that runs one cycle of optimizer ``name``, and its number of steps.

    ``name`` is ``"sgd"``, ``"adam"`` or ``"curvature k=K"``; each call builds a fresh copy of
    the problem's MLP for the optimizer.
    """
    model = problem.fresh_model()
    if name == "sgd":
        sgd = torch.optim.SGD(model.parameters(), lr=LR)
        return _backward_cycle(problem, model, sgd, BASELINE_CYCLE), BASELINE_CYCLE
    if name == "adam":
        adam = torch.optim.Adam(model.parameters(), lr=LR)
        return _backward_cycle(problem, model, adam, BASELINE_CYCLE), BASELINE_CYCLE

    prefix = curvature_name(0)[:-1]
    if not name.startswith(prefix) or not name[len(prefix) :].isdigit():
        raise ValueError(f"`name` must be 'sgd', 'adam' or '{prefix}K' with K >= 1, got {name!r}")
    period = int(name[len(prefix) :])
    adaptive = CurvatureAdaptiveSGD(
        model.parameters(), lr=LR, curvature_scale=CURVATURE_SCALE, update_every=period, seed=0
    )
    return _closure_cycle(problem, model, adaptive, period), period


def mlp_loss(problem: BenchProblem, model: nn.Module) -> Tensor:
    """Return the problem's cross-entropy loss for ``model`` on the problem's batch."""
    if problem.inputs is None or problem.targets is None:
        raise ValueError(f"the {problem.family!r} problem has no batch; use the 'mlp' family")
    return nn.functional.cross_entropy(model(problem.inputs), problem.targets)


def _backward_cycle(
    problem: BenchProblem, model: nn.Module, optimizer: torch.optim.Optimizer, count: int
) -> Callable[[], None]:
    def cycle() -> None:
        for _ in range(count):
            optimizer.zero_grad()
            mlp_loss(problem, model).backward()
            optimizer.step()

    return cycle


def _closure_cycle(
    problem: BenchProblem, model: nn.Module, optimizer: CurvatureAdaptiveSGD, count: int
) -> Callable[[], None]:
    def closure() -> Tensor:
        optimizer.zero_grad()
        return mlp_loss(problem, model)

    def cycle() -> None:
        for _ in range(count):
            optimizer.step(closure)

    return cycle

"""Float64 cross-validation of every curvature path on a device against a dense Hessian.

The reference is computed on the CPU by an independent route: ``torch.func.hessian`` of the
loss as a function of one flat vector (the MLP), or the closed-form tridiagonal Hessian of
:class:`~curvature.objectives.Rosenbrock`. On the device under test the checks compare:

* the library's ``hessian`` and ``hessian_diagonal`` (n HVPs each);
* H v by every HVP path of :mod:`curvature.bench.workloads`;
* the optimizer's exact trace, taken by double backward through the graph of its closure;
* Hutchinson's trace and diagonal with m probes, against a Bernstein radius from the exact
  variance and range of their terms (false-alarm rate 10⁻³ in all, by a union bound).

The exact quantities must agree to ``EXACT_TOLERANCE`` relative to the largest entry of H.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from curvature.bench.problems import BenchProblem, make_problem
from curvature.bench.workloads import HVP_PATHS, hvp_path_workload, path_vector
from curvature.estimators import (
    diagonal_variance,
    hessian,
    hessian_diagonal,
    hutchinson_samples,
    trace_variance,
)
from curvature.estimators._params import flatten
from curvature.estimators.confidence import bernstein_radius, diagonal_term_range, trace_term_range
from curvature.objectives.rosenbrock import Rosenbrock
from curvature.optim import CurvatureAdaptiveSGD

EXACT_TOLERANCE = 1e-9
FALSE_ALARM_RATE = 1e-3
DEFAULT_SIZES = (("mlp", 300), ("rosenbrock", 200))


@dataclass(frozen=True)
class CrossCheck:
    """One comparison with the reference.

    Attributes:
        problem: the problem's label.
        quantity: what was compared.
        error: the error, relative to the largest |H_ij| for exact quantities, or as a
            multiple of the Bernstein radius for Hutchinson estimates.
        tolerance: the largest error that passes.
    """

    problem: str
    quantity: str
    error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        """Whether the error is within the tolerance."""
        return self.error <= self.tolerance

    def to_dict(self) -> dict[str, object]:
        """Return the check as a JSON-ready dict."""
        return {**self.__dict__, "passed": self.passed}


def cross_validate(
    device: torch.device | str,
    *,
    sizes: tuple[tuple[str, int], ...] = DEFAULT_SIZES,
    num_probes: int = 2000,
    seed: int = 0,
) -> list[CrossCheck]:
    """Run every check in float64 on ``device`` for each (family, n) in ``sizes``."""
    checks: list[CrossCheck] = []
    for family, n in sizes:
        problem = make_problem(family, n, device=device, dtype=torch.float64, seed=seed)
        reference = _reference_hessian(problem, seed).to(problem.device)
        checks += _exact_checks(problem, reference)
        checks += _hutchinson_checks(problem, reference, num_probes, seed)
    return checks


def _reference_hessian(problem: BenchProblem, seed: int) -> Tensor:
    if problem.family == "rosenbrock":
        return Rosenbrock(problem.n, seed=seed).hessian([problem.params[0].cpu()])

    cpu_params = [param.cpu() for param in problem.params]
    cpu_problem = make_problem("mlp", problem.n, dtype=torch.float64, seed=seed)
    sizes = [param.numel() for param in cpu_params]

    def flat_loss(vector: Tensor) -> Tensor:
        pieces = vector.split(sizes)
        return cpu_problem.loss_fn(
            [piece.reshape(param.shape) for piece, param in zip(pieces, cpu_params)]
        )

    return torch.func.hessian(flat_loss)(flatten(cpu_params))


def _exact_checks(problem: BenchProblem, reference: Tensor) -> list[CrossCheck]:
    scale = float(reference.abs().max())
    label = problem.label

    def relative(value: Tensor, expected: Tensor) -> float:
        return float((value - expected).abs().max()) / scale

    checks = [
        CrossCheck(
            label,
            "hessian",
            relative(hessian(problem.loss_fn, problem.params), reference),
            EXACT_TOLERANCE,
        ),
        CrossCheck(
            label,
            "hessian_diagonal",
            relative(
                flatten(hessian_diagonal(problem.loss_fn, problem.params)), reference.diagonal()
            ),
            EXACT_TOLERANCE,
        ),
    ]

    vector = path_vector(problem)
    for path in HVP_PATHS:
        product = flatten(hvp_path_workload(problem, path)())  # type: ignore[arg-type]
        checks.append(
            CrossCheck(
                label, f"H v by {path}", relative(product, reference @ vector), EXACT_TOLERANCE
            )
        )

    checks.append(
        CrossCheck(
            label,
            "optimizer exact trace (double backward)",
            abs(_optimizer_trace(problem) - float(reference.trace())) / (scale * problem.n),
            EXACT_TOLERANCE,
        )
    )
    return checks


def _hutchinson_checks(
    problem: BenchProblem, reference: Tensor, num_probes: int, seed: int
) -> list[CrossCheck]:
    generator = torch.Generator().manual_seed(seed)
    samples = hutchinson_samples(problem.loss_fn, problem.params, num_probes, generator=generator)
    H = reference.to(samples.trace.device)

    # The n diagonal estimates and the trace share the false-alarm rate equally.
    share = FALSE_ALARM_RATE / (problem.n + 1)
    trace_radius = bernstein_radius(trace_variance(H), trace_term_range(H), num_probes, share)
    diagonal_radius = bernstein_radius(
        diagonal_variance(H), diagonal_term_range(H), num_probes, share
    )
    slack = EXACT_TOLERANCE * float(H.abs().max())
    trace_error = float((samples.trace.mean() - H.trace()).abs() / (trace_radius + slack))
    diagonal_error = float(
        ((samples.diagonal.mean(dim=0) - H.diagonal()).abs() / (diagonal_radius + slack)).max()
    )
    return [
        CrossCheck(
            problem.label, f"Hutchinson trace, m = {num_probes} (error / radius)", trace_error, 1.0
        ),
        CrossCheck(
            problem.label,
            f"Hutchinson diagonal, m = {num_probes} (error / radius)",
            diagonal_error,
            1.0,
        ),
    ]


def _optimizer_trace(problem: BenchProblem) -> float:
    leaves = [param.detach().clone().requires_grad_(True) for param in problem.params]
    optimizer = CurvatureAdaptiveSGD(leaves, lr=1e-12, curvature_scale=0.0, estimator="exact")

    def closure() -> Tensor:
        optimizer.zero_grad()
        return problem.loss_fn(leaves)

    optimizer.step(closure)
    return optimizer.history.traces[0]

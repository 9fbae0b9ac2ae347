"""Claim ``estimator-accuracy``: Hutchinson estimates agree with the exact Hessian.

The check compares m-probe Hutchinson estimates of diag(H) and tr(H) at θ₀ with the dense
float64 Hessian. Each of the n + 1 estimates is a mean of m independent bounded terms whose
variance and range are known exactly from H. Bernstein's inequality
(:mod:`curvature.estimators.confidence`) turns them into a radius that each error exceeds with
probability at most α/(n + 1), so a union bound gives a family-wise false-alarm rate of at most
α, whatever the distribution of the terms. An error beyond its radius is a failure.

For data objectives it also checks the paper's mini-batch average: for equal batch sizes the
mean of per-batch exact diagonals must equal the diagonal of the mean loss's Hessian, up to
rounding. It records the HVP count, which is n per batch, not O(n) work in total.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from curvature.claims.base import (
    DETERMINISTIC_OBJECTIVES,
    CheckContext,
    Claim,
    ClaimResult,
    Verdict,
)
from curvature.estimators import (
    diagonal_variance,
    hessian,
    hutchinson_samples,
    minibatch_hessian_diagonal,
    trace_variance,
)
from curvature.estimators._params import flatten
from curvature.estimators.confidence import bernstein_radius, diagonal_term_range, trace_term_range
from curvature.estimators.hutchinson import MOMENTS_PROOF, HutchinsonSamples
from curvature.objectives.base import Objective
from curvature.objectives.minibatch import DataObjective

FALSE_ALARM_RATE = 0.01
MAX_DENSE_PARAMETERS = 4000
ROUNDING_TOLERANCE = 1e-9
MINIBATCH_COUNT = 4
PROBE_GRID_POINTS = 25
"""Probe counts m, geometrically spaced, at which the error of the first m probes is stored."""


class EstimatorAccuracy(Claim):
    """Hutchinson estimates of diag(H) and tr(H) lie within a variance-derived bound."""

    id = "estimator-accuracy"
    statement = (
        "Hutchinson estimates with Rademacher probes are unbiased for diag(H) and tr(H), with "
        "variances (1/m) sum_{j!=i} H_ij^2 and (2/m)(||H||_F^2 - sum_i H_ii^2); the mini-batch "
        "average of per-batch diagonals equals the diagonal of the mean loss."
    )
    default_objectives = DETERMINISTIC_OBJECTIVES

    def skip_reason(self, objective: Objective) -> str | None:
        """Skip objectives whose dense Hessian would be too large for a reference."""
        n = objective.num_parameters
        if n > MAX_DENSE_PARAMETERS:
            return (
                f"n = {n} exceeds {MAX_DENSE_PARAMETERS}, the limit for a dense reference Hessian"
            )
        return None

    def check(self, objective: Objective, context: CheckContext) -> ClaimResult:
        """Compare Hutchinson estimates at θ₀ with the dense Hessian."""
        params = [param.detach().double() for param in objective.initial_parameters()]
        num_probes = 200 if context.quick else 1000

        # The reference: the objective's Hessian, cross-checked against n HVPs when it has
        # a closed form of its own.
        H = objective.hessian(params).double()
        n = H.shape[0]
        reference_gap = 0.0
        if type(objective).hessian is not Objective.hessian:
            reference = hessian(objective.loss, params, allow_unused=True)
            reference_gap = float((reference - H).abs().max())

        # m probes give both estimates from the same m HVPs.
        generator = torch.Generator().manual_seed(context.torch_seed())
        samples = hutchinson_samples(
            objective.loss, params, num_probes, generator=generator, allow_unused=True
        )
        diagonal_error = (samples.diagonal.mean(dim=0) - torch.diagonal(H)).abs()
        trace_error = (samples.trace.mean() - torch.trace(H)).abs()

        # Each of the n + 1 estimates gets a share α/(n + 1) of the false-alarm rate.
        share = FALSE_ALARM_RATE / (n + 1)
        scale = 1.0 + float(H.abs().max())
        slack = ROUNDING_TOLERANCE * scale
        diagonal_radius = bernstein_radius(
            diagonal_variance(H), diagonal_term_range(H), num_probes, share
        )
        trace_radius = bernstein_radius(trace_variance(H), trace_term_range(H), num_probes, share)
        diagonal_ratios = (diagonal_error / (diagonal_radius + slack)).numpy()
        trace_ratio = float(trace_error / (trace_radius + slack))
        worst_entry = int(np.argmax(diagonal_ratios))
        worst_ratio = max(float(diagonal_ratios[worst_entry]), trace_ratio)
        diagonal_sd = (diagonal_variance(H) / num_probes).sqrt()
        trace_sd = float((trace_variance(H) / num_probes).sqrt())

        # The sample variance of the trace terms against the formula: evidence, not a test.
        sample_variance = float(samples.trace.var()) if num_probes > 1 else math.nan
        variance_ratio = (
            sample_variance / float(trace_variance(H)) if trace_variance(H) > 0 else math.nan
        )

        evidence = {
            "n": n,
            "num_probes": num_probes,
            "false_alarm_rate": FALSE_ALARM_RATE,
            "max_error_over_radius": worst_ratio,
            "worst_diagonal_entry": worst_entry,
            "worst_diagonal_error_over_radius": float(diagonal_ratios[worst_entry]),
            "worst_diagonal_error_in_standard_errors": float(
                diagonal_error[worst_entry] / diagonal_sd[worst_entry]
            )
            if diagonal_sd[worst_entry] > 0
            else 0.0,
            "trace_error_over_radius": trace_ratio,
            "trace_exact": float(torch.trace(H)),
            "trace_estimate": float(samples.trace.mean()),
            "trace_radius": float(trace_radius),
            "trace_standard_error": trace_sd,
            "trace_sample_variance_over_formula": variance_ratio,
            "reference_hvp_vs_closed_form_max_gap": reference_gap,
            "variance_proof": MOMENTS_PROOF,
            "hvp_count": num_probes,
            "bound": "Bernstein radius from the exact variance and range of each term, with a "
            "union bound over n + 1 estimates; a ratio above 1 is a failure",
        }

        evidence["error_by_probes"] = _error_by_probes(samples, H, share)

        minibatch = _check_minibatch_average(objective, params, context)
        if minibatch is not None:
            evidence["minibatch_average"] = minibatch

        reference_ok = reference_gap <= ROUNDING_TOLERANCE * scale
        minibatch_ok = minibatch is None or minibatch["max_error"] <= ROUNDING_TOLERANCE * scale
        if worst_ratio <= 1.0 and reference_ok and minibatch_ok:
            return self.result(
                objective,
                Verdict.HOLDS,
                f"every error within its Bernstein radius (max error/radius {worst_ratio:.2f}) "
                f"over n+1 = {n + 1} estimates with m = {num_probes} probes, false-alarm rate "
                f"{FALSE_ALARM_RATE}",
                **evidence,
            )

        reasons = []
        if worst_ratio > 1.0:
            where = (
                "the trace"
                if trace_ratio >= diagonal_ratios[worst_entry]
                else f"diagonal entry {worst_entry}"
            )
            reasons.append(f"{where} is off by {worst_ratio:.2f} times its Bernstein radius")
        if not reference_ok:
            reasons.append(f"the HVP Hessian and the closed form differ by {reference_gap:.2e}")
        if not minibatch_ok:
            reasons.append(
                f"the mini-batch average differs from the mean-loss diagonal by "
                f"{minibatch['max_error']:.2e}"  # type: ignore[index]
            )
        return self.result(objective, Verdict.FAILS, "; ".join(reasons), **evidence)


def _error_by_probes(samples: HutchinsonSamples, H: torch.Tensor, share: float) -> dict[str, Any]:
    # The errors of the estimates from the first m probes, for m on a geometric grid up to all
    # of them. Beside them, the standard deviations from the exact variances: sqrt(Var/m) for
    # the trace, and sqrt(mean_i Var_i / m) for the root mean square over diagonal entries.
    num_probes = samples.trace.shape[0]
    counts = np.unique(np.geomspace(1, num_probes, PROBE_GRID_POINTS).round().astype(np.int64))
    index = torch.from_numpy(counts - 1)
    divisor = torch.from_numpy(counts).to(samples.trace.dtype)

    trace_means = samples.trace.cumsum(dim=0)[index] / divisor
    diagonal_means = samples.diagonal.cumsum(dim=0)[index] / divisor[:, None]
    trace_errors = (trace_means - torch.trace(H)).abs()
    diagonal_errors = (diagonal_means - torch.diagonal(H)).pow(2).mean(dim=1).sqrt()

    trace_var = trace_variance(H)
    mean_diagonal_var = diagonal_variance(H).mean()
    trace_radii = [
        float(bernstein_radius(trace_var, trace_term_range(H), int(m), share)) for m in counts
    ]
    return {
        "probes": counts.tolist(),
        "trace_error": trace_errors.tolist(),
        "trace_standard_deviation": (trace_var / divisor).sqrt().tolist(),
        "trace_radius": trace_radii,
        "diagonal_rms_error": diagonal_errors.tolist(),
        "diagonal_rms_standard_deviation": (mean_diagonal_var / divisor).sqrt().tolist(),
    }


def _check_minibatch_average(
    objective: Objective, params: list[torch.Tensor], context: CheckContext
) -> dict[str, float | int] | None:
    if not isinstance(objective, DataObjective):
        return None
    if context.quick and objective.num_parameters > 200:
        return None

    # Equal batch sizes make the mean of batch losses equal the loss on their union.
    size = objective.num_samples // MINIBATCH_COUNT
    order = torch.from_numpy(context.generator(1).permutation(objective.num_samples))
    batches = [order[index * size : (index + 1) * size] for index in range(MINIBATCH_COUNT)]
    union = torch.cat(batches)

    averaged = minibatch_hessian_diagonal(
        objective.loss_on, params, batches, method="exact", allow_unused=True
    )
    reference = torch.diagonal(
        hessian(lambda ps: objective.loss_on(ps, union), params, allow_unused=True)
    )
    return {
        "batches": MINIBATCH_COUNT,
        "batch_size": size,
        "max_error": float((flatten(averaged) - reference).abs().max()),
        "hvp_count": MINIBATCH_COUNT * objective.num_parameters,
    }

"""Properties of the curvature estimators against independent references.

The references are the dense Hessian from ``torch.func.hessian`` of the flattened loss
(:func:`curvature.testing.reference.dense_hessian`) and the exact moments of Rademacher
probes by enumerating all 2ⁿ sign vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from hypothesis import strategies as st

from curvature import estimators
from curvature.estimators import confidence
from curvature.strategies import (
    ModelProblem,
    SymmetricMatrix,
    ill_conditioned_spectra,
    indefinite_spectra,
    repeated_spectra,
    small_models,
    spectra,
    symmetric_matrices,
)
from curvature.strategies.matrices import SEEDS
from curvature.testing.properties.base import FLOAT64_EPS, Property, PropertyContext
from curvature.testing.reference import dense_hessian, rademacher_vectors
from curvature.testing.statistics import per_estimate_rate

ROUNDING_ALLOWANCE = 1e3 * FLOAT64_EPS
"""Rounding allowance relative to the scale of the values compared, about 2.2e-13.

With torch 2.13 on CPU, the gaps between the toolkit's values and the references stayed
within 10 ε of that scale over 150 derandomized examples of each property, so the allowance
leaves a margin of 100."""


@dataclass(frozen=True)
class SamplingCase:
    """A model, a probe count and the seed of the probes."""

    model: ModelProblem
    num_probes: int
    seed: int


def _scale(H: torch.Tensor) -> float:
    return 1.0 + float(H.abs().max())


def check_exact_diagonal(model: ModelProblem, context: PropertyContext) -> None:
    """Assert hessian, hessian_diagonal and hessian_trace agree with the dense reference."""
    params = model.params
    reference = dense_hessian(model.loss_fn, params)
    slack = ROUNDING_ALLOWANCE * _scale(reference)

    dense = estimators.hessian(model.loss_fn, params)
    diagonal = estimators.flatten(estimators.hessian_diagonal(model.loss_fn, params))
    trace = float(estimators.hessian_trace(model.loss_fn, params))

    dense_gap = float((dense - reference).abs().max())
    diagonal_gap = float((diagonal - torch.diagonal(reference)).abs().max())
    trace_gap = abs(trace - float(torch.trace(reference)))
    assert dense_gap <= slack, f"hessian differs from the reference by {dense_gap!r} > {slack!r}"
    assert diagonal_gap <= slack, (
        f"hessian_diagonal differs from diag of the dense reference by {diagonal_gap!r} > "
        f"{slack!r} (n = {model.n})"
    )
    assert trace_gap <= model.n * slack, (
        f"hessian_trace differs from the dense trace by {trace_gap!r} > {model.n * slack!r}"
    )


def sampling_cases() -> st.SearchStrategy[SamplingCase]:
    """Return small models with 16 to 256 probes."""
    return st.builds(
        SamplingCase, model=small_models(), num_probes=st.integers(16, 256), seed=SEEDS
    )


def check_unbiased(case: SamplingCase, context: PropertyContext) -> None:
    """Assert Hutchinson estimates lie within their confidence radii of the exact values.

    Rademacher diagonal and trace estimates: Bernstein radii from the exact variance and
    range of each term. Gaussian trace estimate: Chebyshev's radius √(Var/(m·δ)) from
    Var = 2‖H‖_F², since Gaussian terms are unbounded. The n + 2 estimates of one example
    and the examples of one run share the false-alarm rate 0.01 (Bonferroni), so a correct
    estimator fails a run with probability at most 0.01.
    """
    model, m = case.model, case.num_probes
    params = model.params
    H = dense_hessian(model.loss_fn, params)
    n = H.shape[0]
    rate = per_estimate_rate(n + 2, context.max_examples)
    slack = ROUNDING_ALLOWANCE * _scale(H) * n

    generator = torch.Generator().manual_seed(case.seed)
    samples = estimators.hutchinson_samples(model.loss_fn, params, m, generator=generator)
    gaussian = float(
        estimators.hutchinson_trace(
            model.loss_fn, params, m, distribution="gaussian", generator=generator
        )
    )

    diagonal_radius = confidence.bernstein_radius(
        estimators.diagonal_variance(H), confidence.diagonal_term_range(H), m, rate
    )
    trace_radius = float(
        confidence.bernstein_radius(
            estimators.trace_variance(H), confidence.trace_term_range(H), m, rate
        )
    )
    gaussian_radius = math.sqrt(2.0 * float((H**2).sum()) / (m * rate))

    diagonal_error = (samples.diagonal.mean(dim=0) - torch.diagonal(H)).abs()
    ratios = diagonal_error / (diagonal_radius + slack)
    worst = int(torch.argmax(ratios))
    assert float(ratios[worst]) <= 1.0, (
        f"Rademacher diagonal entry {worst} is off by {float(diagonal_error[worst])!r}, "
        f"{float(ratios[worst]):.3g} times its radius (m = {m}, per-estimate rate {rate:.2e}, "
        f"H_ii = {float(H[worst, worst])!r})"
    )
    trace_error = abs(float(samples.trace.mean()) - float(torch.trace(H)))
    assert trace_error <= trace_radius + slack, (
        f"Rademacher trace estimate is off by {trace_error!r}, "
        f"{trace_error / (trace_radius + slack):.3g} times its radius (tr H = "
        f"{float(torch.trace(H))!r}, m = {m})"
    )
    gaussian_error = abs(gaussian - float(torch.trace(H)))
    assert gaussian_error <= gaussian_radius + slack, (
        f"Gaussian trace estimate is off by {gaussian_error!r}, "
        f"{gaussian_error / (gaussian_radius + slack):.3g} times its Chebyshev radius"
    )


def enumeration_cases() -> st.SearchStrategy[SymmetricMatrix]:
    """Return symmetric matrices of size 1 to 8 with every kind of spectrum."""
    return symmetric_matrices(
        st.one_of(
            spectra(max_size=8),
            indefinite_spectra(max_size=8),
            repeated_spectra(max_size=8),
            ill_conditioned_spectra(max_size=8),
        )
    )


def check_variance_formulas(matrix: SymmetricMatrix, context: PropertyContext) -> None:
    """Assert the variance and range formulas equal the exact moments over all sign vectors."""
    H = matrix.matrix
    signs = rademacher_vectors(matrix.n)
    diagonal_terms = signs * (signs @ H)
    trace_terms = diagonal_terms.sum(dim=1)
    frobenius_sq = float((H**2).sum())
    slack = ROUNDING_ALLOWANCE * (1.0 + frobenius_sq)

    exact_diagonal_variance = diagonal_terms.var(dim=0, unbiased=False)
    exact_trace_variance = float(trace_terms.var(unbiased=False))
    diagonal_gap = float((estimators.diagonal_variance(H) - exact_diagonal_variance).abs().max())
    trace_gap = abs(float(estimators.trace_variance(H)) - exact_trace_variance)
    assert diagonal_gap <= slack, (
        f"diagonal_variance differs from the exact variance over all 2^{matrix.n} sign "
        f"vectors by {diagonal_gap!r} (||H||_F^2 = {frobenius_sq!r})"
    )
    assert trace_gap <= slack, (
        f"trace_variance gives {float(estimators.trace_variance(H))!r}, the exact variance over "
        f"all 2^{matrix.n} sign vectors is {exact_trace_variance!r}"
    )

    # Radii built from these must be finite even where rounding leaves a formula at −1e-14.
    radii = [
        confidence.bernstein_radius(
            estimators.diagonal_variance(H), confidence.diagonal_term_range(H), 1, 0.01
        ),
        confidence.bernstein_radius(
            estimators.trace_variance(H), confidence.trace_term_range(H), 1, 0.01
        ),
    ]
    for radius in radii:
        assert bool(torch.isfinite(radius).all()), f"bernstein_radius gave {radius}"
        assert bool((radius >= 0).all()), f"bernstein_radius gave {radius}"

    # A diagonal term's largest deviation Σ_{j≠i} |H_ij| is attained by some sign vector; the
    # trace term's bound Σ_{i≠j} |H_ij| need not be.
    deviation = (diagonal_terms - torch.diagonal(H)).abs().max(dim=0).values
    range_gap = float((confidence.diagonal_term_range(H) - deviation).abs().max())
    largest_trace_deviation = float((trace_terms - torch.trace(H)).abs().max())
    slack_range = ROUNDING_ALLOWANCE * (1.0 + float(H.abs().sum()))
    assert range_gap <= slack_range, f"diagonal_term_range is off by {range_gap!r}"
    assert largest_trace_deviation <= float(confidence.trace_term_range(H)) + slack_range, (
        f"a trace term deviates by {largest_trace_deviation!r}, beyond trace_term_range "
        f"{float(confidence.trace_term_range(H))!r}"
    )


EXACT_DIAGONAL = Property(
    name="exact-diagonal",
    statement="On small models, hessian, hessian_diagonal and hessian_trace equal the dense "
    "Hessian of torch.func.hessian, its diagonal and its trace, up to rounding.",
    cases=small_models,
    check=check_exact_diagonal,
)

HUTCHINSON_UNBIASED = Property(
    name="hutchinson-unbiased",
    statement="On small models, Hutchinson estimates of diag(H) and tr(H) (Rademacher) and of "
    "tr(H) (Gaussian) lie within confidence radii from their exact variances, with a "
    "false-alarm rate of 0.01 for the whole run (Bonferroni over estimates and examples).",
    cases=sampling_cases,
    check=check_unbiased,
)

VARIANCE_FORMULAS = Property(
    name="hutchinson-variance-formulas",
    statement="For symmetric H up to 8 by 8, diagonal_variance, trace_variance and "
    "diagonal_term_range equal the exact moments over all 2^n Rademacher vectors, no trace "
    "term deviates beyond trace_term_range, and the Bernstein radii built from them are finite.",
    cases=enumeration_cases,
    check=check_variance_formulas,
)

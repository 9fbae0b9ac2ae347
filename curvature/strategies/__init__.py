"""Hypothesis strategies for property tests of curvature-based learning-rate rules.

Each strategy documents what it generates and its size limits; all tensors are float64.

* Spectra and matrices: :func:`spectra`, :func:`psd_spectra`, :func:`indefinite_spectra`,
  :func:`ill_conditioned_spectra`, :func:`repeated_spectra`, :func:`rotations` and
  :func:`symmetric_matrices`, which gives a :class:`SymmetricMatrix` with its known spectrum.
* Objectives with a known L: :func:`quadratics` (known L, μ and minimizer),
  :func:`sine_sums` (non-convex), :func:`logistic_regressions` and :func:`smooth_objectives`.
* Models: :func:`small_models`, a linear model or small MLP with data, as a
  :class:`ModelProblem` with a pure ``loss_fn(params)``.
* Probes: :func:`probe_matrices`, Rademacher or Gaussian, drawn by a seeded generator.
* Settings: :func:`learning_rates`, :func:`curvature_scales`, :func:`run_settings` and
  :func:`optimizer_settings`, inside the domains that the optimizer accepts.

Example:
    >>> from hypothesis import given
    >>> from curvature.strategies import psd_spectra, symmetric_matrices
    >>> @given(symmetric_matrices(psd_spectra(max_size=4)))
    ... def test_trace_is_non_negative(H):
    ...     assert H.trace >= 0
    >>> test_trace_is_non_negative()
"""

from curvature.strategies.matrices import (
    SymmetricMatrix,
    ill_conditioned_spectra,
    indefinite_spectra,
    psd_spectra,
    repeated_spectra,
    rotations,
    spectra,
    symmetric_matrices,
)
from curvature.strategies.models import ModelProblem, build_model_problem, small_models
from curvature.strategies.objectives import (
    generated_logistic_regression,
    logistic_regressions,
    quadratics,
    sine_sums,
    smooth_objectives,
)
from curvature.strategies.probes import ProbeDraw, probe_matrices
from curvature.strategies.settings import (
    OptimizerSettings,
    curvature_scales,
    learning_rates,
    optimizer_settings,
    run_settings,
)
from curvature.strategies.sine_sum import SineSum

__all__ = [
    "ModelProblem",
    "OptimizerSettings",
    "ProbeDraw",
    "SineSum",
    "SymmetricMatrix",
    "build_model_problem",
    "curvature_scales",
    "generated_logistic_regression",
    "ill_conditioned_spectra",
    "indefinite_spectra",
    "learning_rates",
    "logistic_regressions",
    "optimizer_settings",
    "probe_matrices",
    "psd_spectra",
    "quadratics",
    "repeated_spectra",
    "rotations",
    "run_settings",
    "sine_sums",
    "small_models",
    "smooth_objectives",
    "spectra",
    "symmetric_matrices",
]

"""The public strategies generate what their docstrings promise, and reject bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from curvature import CurvatureAdaptiveSGD
from curvature.strategies import (
    build_model_problem,
    ill_conditioned_spectra,
    indefinite_spectra,
    logistic_regressions,
    optimizer_settings,
    probe_matrices,
    psd_spectra,
    quadratics,
    repeated_spectra,
    rotations,
    run_settings,
    sine_sums,
    small_models,
    smooth_objectives,
    spectra,
    symmetric_matrices,
)
from curvature.testing import dense_hessian

EPS = 2.0**-52


@given(spectra(min_size=2, max_size=5, min_value=-3.0, max_value=4.0))
def test_spectra_respect_size_and_range(values):
    assert 2 <= len(values) <= 5
    assert all(-3.0 <= value <= 4.0 for value in values)
    assert values == sorted(values)


@given(psd_spectra(max_eigenvalue=7.0))
def test_psd_spectra_are_non_negative(values):
    assert all(0.0 <= value <= 7.0 for value in values)


@given(indefinite_spectra(max_magnitude=5.0, min_magnitude=0.1))
def test_indefinite_spectra_have_both_signs(values):
    assert min(values) <= -0.1
    assert max(values) >= 0.1
    assert all(abs(value) <= 5.0 for value in values)


@given(ill_conditioned_spectra(min_condition=1e5, max_condition=1e9))
def test_ill_conditioned_spectra_have_the_condition_range(values):
    condition = max(values) / min(values)
    assert 1e5 * (1 - 1e-9) <= condition <= 1e9 * (1 + 1e-9)
    assert min(values) > 0


@given(repeated_spectra(min_size=3, max_size=6))
def test_repeated_spectra_repeat_a_value(values):
    assert 3 <= len(values) <= 6
    assert len(set(values)) < len(values)


@given(st.integers(1, 6).flatmap(rotations))
def test_rotations_are_orthogonal(seeded_rotation):
    _, Q = seeded_rotation
    identity = torch.eye(Q.shape[0], dtype=torch.float64)
    assert torch.allclose(Q @ Q.T, identity, atol=64 * EPS)


@given(symmetric_matrices(spectra(max_size=6)))
def test_symmetric_matrix_has_its_spectrum(H):
    computed = torch.linalg.eigvalsh(H.matrix)
    allowed = 16 * H.n**2 * EPS * max(H.L, 1.0)
    assert torch.equal(H.matrix, H.matrix.T)
    assert float((computed - H.eigenvalues).abs().max()) <= allowed
    assert float(H.eigenvalues.abs().max()) == H.L
    assert H.mu == float(H.eigenvalues.min())


@given(symmetric_matrices(spectra(max_size=4), rotate=False))
def test_unrotated_matrices_are_diagonal(H):
    assert torch.equal(H.matrix, torch.diag(H.eigenvalues))
    assert H.rotation_seed is None


@given(quadratics())
def test_quadratic_facts(quadratic):
    minimizer = quadratic.minimizer.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(quadratic.loss([minimizer]), [minimizer])
    spectrum = np.linalg.eigvalsh(quadratic.matrix.numpy())

    assert float(gradient.abs().max()) == 0.0
    assert pytest.approx(np.abs(spectrum).max(), abs=1e-12) == quadratic.smoothness.L
    assert quadratic.mu == pytest.approx(spectrum.min(), abs=1e-12)
    assert (quadratic.lower_bound == 0.0) == (quadratic.mu >= 0.0)


@given(sine_sums(), st.lists(st.floats(-5, 5), min_size=6, max_size=6))
def test_sine_sum_hessian_within_its_bound(objective, coordinates):
    n = objective.num_parameters
    theta = torch.tensor(coordinates[:n], dtype=torch.float64)
    H = dense_hessian(objective.loss, [theta])
    closed_form = objective.hessian([theta])
    norm = float(torch.linalg.matrix_norm(H, ord=2))

    assert torch.allclose(H, closed_form, atol=1e-12 * (1 + objective.smoothness.L))
    assert norm <= objective.smoothness.L * (1 + 1e-12) + 1e-12
    assert float(objective.loss([theta])) >= objective.lower_bound - 1e-12


@given(logistic_regressions(max_samples=12, max_features=3))
def test_logistic_regression_hessian_within_its_bound(objective):
    theta = objective.initial_parameters()
    H = dense_hessian(objective.loss, theta)
    norm = float(torch.linalg.matrix_norm(H, ord=2))

    assert norm <= objective.smoothness.L * (1 + 1e-12)
    assert float(objective.loss(theta)) >= objective.lower_bound - 1e-12
    assert objective.num_parameters <= 4


@given(smooth_objectives())
def test_smooth_objectives_have_certified_L(objective):
    assert objective.smoothness.certified
    assert objective.smoothness.L >= 0.0


@given(small_models())
def test_small_models_are_small_and_finite(model):
    loss = model.loss_fn(model.params)
    H = dense_hessian(model.loss_fn, model.params)

    assert model.n <= 43
    assert math.isfinite(float(loss))
    assert torch.allclose(H, H.T, atol=1e-12)


def test_model_problem_depends_only_on_its_seed():
    first = build_model_problem(3, 4, 2, "tanh", "cross-entropy", 8, seed=5)
    second = build_model_problem(3, 4, 2, "tanh", "cross-entropy", 8, seed=5)

    assert all(torch.equal(a, b) for a, b in zip(first.params, second.params))
    assert torch.equal(first.inputs, second.inputs)
    assert float(first.loss_fn(first.params)) == float(second.loss_fn(second.params))


@given(probe_matrices(7, max_probes=9))
def test_probe_entries_follow_their_distribution(draw):
    assert draw.probes.shape == (draw.num_probes, 7)
    assert 1 <= draw.num_probes <= 9
    if draw.distribution == "rademacher":
        assert set(draw.probes.unique().tolist()) <= {-1.0, 1.0}
    else:
        assert bool(torch.isfinite(draw.probes).all())


@given(optimizer_settings(clip=True))
def test_optimizer_accepts_generated_settings(settings):
    theta = torch.zeros(2, dtype=torch.float64, requires_grad=True)

    optimizer = CurvatureAdaptiveSGD([theta], **settings.kwargs())

    assert optimizer.undefined_policy in ("positive-part", "absolute", "previous")
    if settings.lr_min is not None and settings.lr_max is not None:
        assert settings.lr_min <= settings.lr_max


@given(run_settings(min_lr=0.01, max_lr=0.5, max_curvature_scale=2.0))
def test_run_settings_in_range(settings):
    assert 0.01 <= settings.lr <= 0.5
    assert 0.0 <= settings.curvature_scale <= 2.0


@pytest.mark.parametrize(
    ("factory", "kwargs", "message"),
    [
        (spectra, {"min_size": 0}, "`min_size` must be a positive integer, got 0"),
        (spectra, {"min_size": 4, "max_size": 3}, "`max_size` must be at least `min_size`"),
        (spectra, {"max_size": 65}, "`max_size` must be at most 64"),
        (spectra, {"min_value": 1.0, "max_value": 0.0}, "`max_value` must be at least"),
        (spectra, {"max_value": math.inf}, "`max_value` must be finite, got inf"),
        (psd_spectra, {"max_eigenvalue": -1.0}, "`max_eigenvalue` must be a finite number"),
        (indefinite_spectra, {"min_size": 1}, "`min_size` must be at least 2, got 1"),
        (indefinite_spectra, {"min_magnitude": 0.0}, "`min_magnitude` must be a finite number"),
        (ill_conditioned_spectra, {"max_condition": 1e20}, "the condition range must lie in"),
        (repeated_spectra, {"min_size": 1}, "`min_size` must be at least 2, got 1"),
        (small_models, {"max_hidden": 65}, "`max_hidden` must be at most 64, got 65"),
        (small_models, {"max_inputs": 60, "max_hidden": 60}, "allow models of"),
        (small_models, {"activations": ("relu",)}, "`activations` must be one of"),
        (small_models, {"losses": ()}, "must each name at least one choice"),
        (optimizer_settings, {"policies": ("clip",)}, "`policies` must be one of"),
        (optimizer_settings, {"max_num_probes": 0}, "`max_num_probes` must be a positive"),
        (run_settings, {"min_lr": 0.0}, "`min_lr` must be greater than 0, got 0.0"),
        (sine_sums, {"max_terms": 17}, "`max_terms` must be at most 16, got 17"),
        (logistic_regressions, {"max_samples": 1}, r"`max_samples` must lie in \[2, 256\]"),
    ],
    ids=lambda value: getattr(value, "__name__", None) or str(value)[:30],
)
def test_strategy_rejects_invalid_arguments(factory, kwargs, message):
    with pytest.raises(ValueError, match=message):
        factory(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "`n` must be a positive integer, got 0"),
        ({"n": 65}, "`n` must be at most 64, got 65"),
        ({"n": 3, "max_probes": 5000}, r"`max_probes` must lie in \[min_probes, 4096\]"),
        ({"n": 3, "distributions": ("uniform",)}, "`distributions` must be one of"),
    ],
    ids=["zero-n", "large-n", "many-probes", "unknown-distribution"],
)
def test_probe_matrices_reject_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        probe_matrices(**kwargs)

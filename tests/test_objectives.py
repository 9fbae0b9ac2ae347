"""Built-in objectives: Hessians, certified L, lower bounds, noise models and user loading."""

from __future__ import annotations

import math
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

from curvature.estimators import hessian
from curvature.objectives import (
    BUILTIN_OBJECTIVES,
    GradientNoise,
    Objective,
    Quadratic,
    RunSettings,
    make_objective,
    quadratic_psd,
    rosenbrock,
)

SMALL = [
    "quadratic-psd",
    "quadratic-indefinite",
    "quadratic-1d",
    "rosenbrock",
    "logreg-breast-cancer",
]


@pytest.mark.parametrize("name", list(BUILTIN_OBJECTIVES))
def test_builtin_objective_is_finite_and_reproducible(name):
    first = make_objective(name, seed=3)
    second = make_objective(name, seed=3)
    params = first.initial_parameters()
    assert math.isfinite(float(first.loss(params)))
    assert all(torch.equal(a, b) for a, b in zip(params, second.initial_parameters()))
    assert first.name == name


@pytest.mark.parametrize("name", SMALL)
def test_closed_form_hessian_matches_hvp_hessian(name):
    objective = make_objective(name)
    params = objective.initial_parameters()
    assert torch.allclose(objective.hessian(params), hessian(objective.loss, params), atol=1e-9)


@pytest.mark.parametrize("name", SMALL)
def test_certified_L_bounds_the_spectral_norm(name):
    objective = make_objective(name)
    params = objective.initial_parameters()
    assert objective.smoothness.certified
    norm = float(torch.linalg.eigvalsh(objective.hessian(params)).abs().max())
    assert norm <= objective.smoothness.L * (1 + 1e-12)


def test_rosenbrock_L_holds_on_random_box_points():
    objective = rosenbrock()
    rng = np.random.default_rng(0)
    for _ in range(200):
        point = [torch.from_numpy(rng.uniform(-2, 2, objective.n))]
        assert objective.in_region(point)
        norm = float(torch.linalg.eigvalsh(objective.hessian(point)).abs().max())
        assert norm <= objective.smoothness.L


def test_rosenbrock_region_excludes_far_points():
    objective = rosenbrock()
    assert not objective.in_region([torch.full((objective.n,), 2.5, dtype=torch.float64)])


def test_logistic_L_bounds_hessian_at_random_points():
    objective = make_objective("logreg-breast-cancer")
    rng = np.random.default_rng(1)
    for _ in range(20):
        weights = torch.from_numpy(rng.standard_normal(objective.dimension) * 3)
        bias = torch.from_numpy(rng.standard_normal(1))
        norm = float(torch.linalg.eigvalsh(objective.hessian([weights, bias])).abs().max())
        assert norm <= objective.smoothness.L


def test_logistic_lower_bound_is_below_minimum():
    objective = make_objective("logreg-breast-cancer")
    params = [p.clone().requires_grad_(True) for p in objective.initial_parameters()]
    optimizer = torch.optim.LBFGS(params, max_iter=500, tolerance_grad=1e-12, tolerance_change=0)

    def closure():
        optimizer.zero_grad()
        loss = objective.loss(params)
        loss.backward()
        return loss

    optimizer.step(closure)
    minimum = float(objective.loss(params).detach())
    assert objective.lower_bound <= minimum
    assert minimum - objective.lower_bound < 1e-6


def test_quadratic_lower_bound_depends_on_spectrum():
    assert make_objective("quadratic-psd").lower_bound == 0.0
    assert make_objective("quadratic-indefinite").lower_bound is None


def test_quadratic_rejects_bad_spectrum():
    with pytest.raises(ValueError, match="`eigenvalues` must be a non-empty"):
        Quadratic([], settings=RunSettings(0.1, 1.0))
    with pytest.raises(ValueError, match="`start` must have 2 entries"):
        Quadratic([1.0, 2.0], settings=RunSettings(0.1, 1.0), start=[0.0])


def test_run_settings_validated():
    with pytest.raises(ValueError, match="`lr` must be a finite number greater than 0"):
        RunSettings(lr=0.0, curvature_scale=1.0)


def test_mlp_has_no_certified_L():
    objective = make_objective("mlp-digits")
    assert objective.smoothness.L is None
    assert not objective.smoothness.certified
    assert objective.num_parameters == 64 * 16 + 16 + 16 * 10 + 10


def test_minibatch_loss_is_unbiased_over_all_batches():
    # Averaging the mini-batch loss over many draws approaches the full loss; with 4000
    # draws the standard error is below 1e-3 of the loss here, and the check allows 6 SE.
    objective = make_objective("logreg-breast-cancer-minibatch")
    params = objective.initial_parameters()
    generator = torch.Generator().manual_seed(0)
    samples = torch.stack([objective.stochastic_loss(params, generator) for _ in range(4000)])
    standard_error = float(samples.std()) / math.sqrt(samples.numel())
    assert abs(float(samples.mean()) - float(objective.loss(params))) <= 6 * standard_error


def test_gradient_noise_has_the_stated_variance():
    # E‖ξ‖² = σ² = 2 with ξ ~ N(0, σ²/n I), n = 20: ‖ξ‖²·n/σ² is chi-square with n degrees of
    # freedom, so the mean of 2000 draws has standard error σ²·√(2/n)/√2000 ≈ 0.0141.
    objective = GradientNoise(quadratic_psd(), variance=2.0)
    params = [p.requires_grad_(True) for p in objective.initial_parameters()]
    clean = torch.autograd.grad(objective.loss(params), params)[0]
    generator = torch.Generator().manual_seed(0)
    squared = []
    for _ in range(2000):
        noisy = torch.autograd.grad(objective.stochastic_loss(params, generator), params)[0]
        squared.append(float(((noisy - clean) ** 2).sum()))
    standard_error = 2.0 * math.sqrt(2 / 20) / math.sqrt(2000)
    assert abs(np.mean(squared) - 2.0) <= 6 * standard_error


def test_gradient_noise_leaves_the_hessian_unchanged():
    # A fresh generator with a fixed seed makes every HVP see the same noise sample. Two
    # evaluations agree, so the estimator runs vmap with randomness="same", without a loop.
    objective = GradientNoise(quadratic_psd(), variance=1.0)
    params = objective.initial_parameters()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        noisy = hessian(
            lambda ps: objective.stochastic_loss(ps, torch.Generator().manual_seed(1)), params
        )
    assert torch.allclose(noisy, objective.hessian(params), atol=1e-12)


def test_gradient_noise_rejects_non_positive_variance():
    with pytest.raises(ValueError, match="`variance` must be a finite number greater than 0"):
        GradientNoise(quadratic_psd(), variance=0.0)


def test_minibatch_rejects_oversized_batches():
    from curvature.objectives import MiniBatch, logreg_breast_cancer

    with pytest.raises(ValueError, match="`batch_size` must be at most the number of samples"):
        MiniBatch(logreg_breast_cancer(), 10_000)


def test_unknown_objective_lists_builtins():
    with pytest.raises(ValueError, match=r"unknown objective 'nope'.*quadratic-psd"):
        make_objective("nope")


def test_user_objective_from_module(tmp_path, monkeypatch):
    module = tmp_path / "my_objectives.py"
    module.write_text(
        textwrap.dedent(
            """
            from curvature.objectives import Quadratic, RunSettings

            def factory(seed=0):
                return Quadratic([1.0, 2.0], seed=seed, settings=RunSettings(0.1, 1.0), name="mine")

            def not_an_objective():
                return 42
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    objective = make_objective("my_objectives:factory", seed=4)
    assert isinstance(objective, Objective)
    assert objective.seed == 4

    with pytest.raises(TypeError, match="lacks name, seed"):
        make_objective("my_objectives:not_an_objective")
    with pytest.raises(ValueError, match="has no callable 'missing'"):
        make_objective("my_objectives:missing")
    with pytest.raises(ValueError, match="could not be imported"):
        make_objective("no_such_module_here:factory")
    sys.modules.pop("my_objectives", None)

"""The helpers of curvature.testing: references, the descent-lemma bound, profiles, shares."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import settings

from curvature.testing import (
    dense_hessian,
    descent_lemma_bound,
    literal_learning_rate,
    per_estimate_rate,
    rademacher_vectors,
)
from curvature.testing.profiles import (
    PROFILE_ENVIRONMENT_VARIABLE,
    profile_settings,
    select_profile,
)


def test_dense_hessian_of_a_cubic():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    y = torch.tensor([3.0], dtype=torch.float64)

    H = dense_hessian(lambda ps: (ps[0] ** 3).sum() * ps[1].sum(), [x, y])

    expected = torch.tensor(
        [[18.0, 0.0, 3.0], [0.0, 36.0, 12.0], [3.0, 12.0, 0.0]], dtype=torch.float64
    )
    assert torch.equal(H, expected)


def test_dense_hessian_rejects_large_models():
    with pytest.raises(ValueError, match="n = 2049 entries; a dense reference is limited"):
        dense_hessian(lambda ps: ps[0].sum(), [torch.zeros(2049, dtype=torch.float64)])


def test_rademacher_vectors_are_all_sign_vectors():
    signs = rademacher_vectors(3)

    assert signs.shape == (8, 3)
    assert len({tuple(row) for row in signs.tolist()}) == 8
    assert torch.equal(signs.mean(dim=0), torch.zeros(3, dtype=torch.float64))


@pytest.mark.parametrize(("n", "message"), [(0, "positive integer"), (17, "at most 16")])
def test_rademacher_vectors_reject_bad_sizes(n, message):
    with pytest.raises(ValueError, match=message):
        rademacher_vectors(n)


def test_literal_formula_where_defined_and_undefined():
    assert literal_learning_rate(0.1, 0.5, 6.0) == pytest.approx(0.05, rel=1e-15)
    with pytest.raises(ZeroDivisionError):
        literal_learning_rate(0.1, 0.5, -2.0)
    with pytest.raises(ValueError, match="math domain error"):
        literal_learning_rate(0.1, 0.5, -4.0)


def test_descent_lemma_bound_by_hand():
    bounds = descent_lemma_bound(3.0, [0.5, 1.0, 0.25], L=1.0)

    progress = np.cumsum([0.5 * 0.75, 1.0 * 0.5, 0.25 * 0.875])
    assert bounds.tolist() == pytest.approx((3.0 / progress).tolist(), rel=1e-15)


def test_descent_lemma_bound_is_tight_for_one_step():
    # On (L/2)x² with η·L = 1: (f₀ − f*)/(η(1 − η·L/2)) = 2L·f₀ = L²x₀² = ‖∇f(x₀)‖².
    L, x0 = 4.0, 1.5
    bound = descent_lemma_bound(L * x0**2 / 2, [1.0 / L], L)

    assert bound[0] == pytest.approx(L**2 * x0**2, rel=1e-15)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((1.0, [0.5, 2.0], 1.0), r"at t = 1, eta_t = 2.0 and eta_t \* L = 2.0"),
        ((1.0, [0.0], 1.0), "at t = 0"),
        ((1.0, [], 1.0), "must be a non-empty 1-D sequence"),
        ((-1.0, [0.1], 1.0), "`initial_gap` must be a finite number of at least 0"),
        ((1.0, [0.1], 0.0), "`L` must be a finite number greater than 0"),
    ],
    ids=["step-too-large", "zero-step", "no-steps", "negative-gap", "zero-L"],
)
def test_descent_lemma_bound_rejects_invalid_input(arguments, message):
    with pytest.raises(ValueError, match=message):
        descent_lemma_bound(*arguments)


def test_per_estimate_rate_is_a_bonferroni_share():
    assert per_estimate_rate(10, max_examples=25, family_rate=0.01) == pytest.approx(4e-5)
    assert per_estimate_rate(1) == pytest.approx(0.01 / settings.default.max_examples)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"estimates_per_example": 0}, "`estimates_per_example` must be a positive integer"),
        ({"estimates_per_example": 1, "family_rate": 1.0}, "`family_rate` must lie strictly"),
        ({"estimates_per_example": 1, "max_examples": 0}, "`max_examples` must be a positive"),
    ],
    ids=["no-estimates", "rate-one", "no-examples"],
)
def test_per_estimate_rate_rejects_invalid_input(arguments, message):
    with pytest.raises(ValueError, match=message):
        per_estimate_rate(**arguments)


@pytest.mark.parametrize(
    ("option", "environment", "ini", "expected"),
    [
        ("thorough", {PROFILE_ENVIRONMENT_VARIABLE: "default"}, "ci", "thorough"),
        (None, {PROFILE_ENVIRONMENT_VARIABLE: "default"}, "ci", "default"),
        (None, {PROFILE_ENVIRONMENT_VARIABLE: ""}, "ci", "ci"),
        (None, {}, "", None),
    ],
    ids=["option-wins", "environment-beats-ini", "ini-last", "none"],
)
def test_profile_selection_order(option, environment, ini, expected):
    assert select_profile(option, environment, ini) == expected


def test_profile_selection_names_the_bad_source():
    with pytest.raises(ValueError, match=f"{PROFILE_ENVIRONMENT_VARIABLE} must be one of"):
        select_profile(None, {PROFILE_ENVIRONMENT_VARIABLE: "fast"}, "")


def test_profiles_differ_as_documented():
    ci, default, thorough = (profile_settings(name) for name in ("ci", "default", "thorough"))

    assert (ci.max_examples, default.max_examples, thorough.max_examples) == (25, 100, 1000)
    assert ci.derandomize
    assert ci.database is None
    assert not default.derandomize
    assert not thorough.derandomize
    assert (ci.deadline, default.deadline, thorough.deadline) == (None, None, None)


def test_profile_settings_leave_the_default_alone():
    before = settings.default.max_examples

    profile_settings("thorough")

    assert settings.default.max_examples == before != 1000

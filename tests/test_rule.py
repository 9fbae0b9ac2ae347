"""The learning-rate rule, its undefined region and the spectral bounds."""

from __future__ import annotations

import math

import pytest

from curvature.errors import NonFiniteValueError, UndefinedLearningRateError
from curvature.optim import adaptive_learning_rate, learning_rate_bounds


@pytest.mark.parametrize(
    ("lr", "scale", "trace", "expected"),
    [(0.1, 0.5, 6.0, 0.05), (1.0, 0.0, 123.0, 1.0), (0.3, 1.0, 0.0, 0.3), (2.0, 3.0, 5.0, 0.5)],
    ids=["halved", "no-curvature-scale", "zero-trace", "quarter"],
)
def test_rule_hand_values(lr, scale, trace, expected):
    rate = adaptive_learning_rate(lr, scale, trace)
    assert rate.value == pytest.approx(expected, rel=1e-15)
    assert rate.defined
    assert rate.denominator == pytest.approx(1 + scale * trace)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("positive-part", 0.1), ("absolute", 0.1 / math.sqrt(1 + 0.5 * 4.0)), ("previous", 0.07)],
)
def test_undefined_policies(policy, expected):
    rate = adaptive_learning_rate(0.1, 0.5, -4.0, policy=policy, previous=0.07)
    assert not rate.defined
    assert rate.denominator == pytest.approx(-1.0)
    assert rate.value == pytest.approx(expected)


def test_previous_policy_without_history_uses_lr():
    assert adaptive_learning_rate(0.1, 0.5, -4.0, policy="previous").value == 0.1


def test_raise_policy_names_the_denominator():
    with pytest.raises(UndefinedLearningRateError, match=r"= -1 ≤ 0") as caught:
        adaptive_learning_rate(0.1, 0.5, -4.0, policy="raise", step=3)
    assert caught.value.trace == -4.0
    assert "at step 3" in str(caught.value)


def test_zero_denominator_is_undefined():
    assert not adaptive_learning_rate(0.1, 0.5, -2.0).defined


def test_clipping_to_bounds():
    low = adaptive_learning_rate(1.0, 1.0, 99.0, lr_min=0.2)
    high = adaptive_learning_rate(1.0, 1.0, -0.99, lr_max=2.0)
    assert (low.value, low.clipped) == (0.2, True)
    assert (high.value, high.clipped) == (2.0, True)


@pytest.mark.parametrize("trace", [math.nan, math.inf, -math.inf])
def test_non_finite_trace_raises(trace):
    with pytest.raises(NonFiniteValueError, match="trace estimate"):
        adaptive_learning_rate(0.1, 1.0, trace)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, "`lr` must be a finite number greater than 0, got 0.0"),
        ({"lr": math.nan}, "`lr` must be finite, got nan"),
        (
            {"curvature_scale": -1.0},
            "`curvature_scale` must be a finite number of at least 0, got -1.0",
        ),
        ({"policy": "clip"}, "`policy` must be one of"),
    ],
    ids=["zero-lr", "nan-lr", "negative-scale", "unknown-policy"],
)
def test_rule_rejects_invalid_arguments(kwargs, message):
    arguments = {"lr": 0.1, "curvature_scale": 1.0, "trace": 1.0, **kwargs}
    policy = arguments.pop("policy", "positive-part")
    with pytest.raises(ValueError, match=message):
        adaptive_learning_rate(
            arguments["lr"], arguments["curvature_scale"], arguments["trace"], policy=policy
        )


def test_bounds_for_positive_spectrum():
    eta_min, eta_max = learning_rate_bounds(0.1, 0.5, 4, 1.0, 3.0)
    assert eta_min == pytest.approx(0.1 / math.sqrt(7.0))
    assert eta_max == pytest.approx(0.1 / math.sqrt(3.0))


def test_bounds_unbounded_for_indefinite_spectrum():
    eta_min, eta_max = learning_rate_bounds(0.1, 0.5, 4, -1.0, 3.0)
    assert math.isfinite(eta_min)
    assert eta_max == math.inf


def test_bounds_reject_reversed_spectrum():
    with pytest.raises(ValueError, match="`mu` must not exceed `L`"):
        learning_rate_bounds(0.1, 0.5, 4, 3.0, 1.0)

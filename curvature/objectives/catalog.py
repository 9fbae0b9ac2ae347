"""The built-in objectives by id, and loading of users' objectives from ``module:factory``."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType

from curvature.objectives.base import Objective, RunSettings, validate_objective
from curvature.objectives.logistic import logreg_breast_cancer
from curvature.objectives.minibatch import GradientNoise, MiniBatch
from curvature.objectives.mlp import mlp_digits
from curvature.objectives.quadratic import quadratic_indefinite, quadratic_psd, scalar_quadratic
from curvature.objectives.rosenbrock import rosenbrock

MINIBATCH_SIZE = 32
NOISE_VARIANCE = 1.0


def _quadratic_1d(seed: int = 0) -> Objective:
    return scalar_quadratic(1.0, settings=RunSettings(lr=0.1, curvature_scale=1.0))


def _logreg_minibatch(seed: int = 0) -> Objective:
    return MiniBatch(logreg_breast_cancer(seed), MINIBATCH_SIZE)


def _mlp_minibatch(seed: int = 0) -> Objective:
    return MiniBatch(mlp_digits(seed), MINIBATCH_SIZE)


def _quadratic_psd_noisy(seed: int = 0) -> Objective:
    return GradientNoise(quadratic_psd(seed), NOISE_VARIANCE)


BUILTIN_OBJECTIVES: Mapping[str, Callable[[int], Objective]] = MappingProxyType(
    {
        "quadratic-psd": quadratic_psd,
        "quadratic-indefinite": quadratic_indefinite,
        "quadratic-1d": _quadratic_1d,
        "rosenbrock": rosenbrock,
        "logreg-breast-cancer": logreg_breast_cancer,
        "mlp-digits": mlp_digits,
        "logreg-breast-cancer-minibatch": _logreg_minibatch,
        "mlp-digits-minibatch": _mlp_minibatch,
        "quadratic-psd-noisy": _quadratic_psd_noisy,
    }
)
"""Factories of the built-in objectives, each called with a seed."""


def make_objective(spec: str, seed: int = 0) -> Objective:
    """Build an objective from a built-in id or from ``module.path:factory``.

    A user factory is called with ``seed=seed`` if it accepts a ``seed`` argument, and with
    no arguments otherwise; it must return an :class:`Objective` (or an object with the same
    attributes).
    """
    if spec in BUILTIN_OBJECTIVES:
        return BUILTIN_OBJECTIVES[spec](seed)
    if ":" not in spec:
        known = ", ".join(BUILTIN_OBJECTIVES)
        raise ValueError(
            f"unknown objective {spec!r}: use a built-in id ({known}) or module.path:factory"
        )

    module_name, _, factory_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(
            f"objective {spec!r}: module {module_name!r} could not be imported ({error}); "
            "check that it is on PYTHONPATH"
        ) from error
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise ValueError(f"objective {spec!r}: {module_name} has no callable {factory_name!r}")

    accepts_seed = "seed" in inspect.signature(factory).parameters
    candidate = factory(seed=seed) if accepts_seed else factory()
    return validate_objective(candidate, f"objective factory {spec!r}")

"""The objective protocol: a loss over parameters, with what is known about its curvature.

Every check of the toolkit runs on objectives. An objective supplies its loss as a pure
function of a list of tensors, an exact Hessian, a smoothness constant L with how it was
obtained and where it holds, a lower bound f* of the loss where one is known, the seed that
fixed its random parts, and the optimizer settings the checks use on it.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from curvature._validation import check_non_negative, check_positive
from curvature.estimators import hessian


@dataclass(frozen=True)
class Smoothness:
    """A smoothness constant L: an upper bound of ‖∇²f(θ)‖₂ over a region.

    Attributes:
        L: the constant, or None when it is not known.
        certified: True when L is a proven upper bound on ``region``; False when it is an
            estimate (which may be below the true value).
        method: how L was obtained, in words.
        region: the set of θ on which the bound holds, in words.
    """

    L: float | None
    certified: bool
    method: str
    region: str


@dataclass(frozen=True)
class RunSettings:
    """Optimizer settings that the checks use on an objective.

    Attributes:
        lr: the base rate of the adaptive rule.
        curvature_scale: λ of the adaptive rule.
    """

    lr: float
    curvature_scale: float

    def __post_init__(self) -> None:
        check_positive("lr", self.lr)
        check_non_negative("curvature_scale", self.curvature_scale)


class Objective(abc.ABC):
    """A deterministic loss f(θ) with its curvature facts.

    Subclasses implement :meth:`initial_parameters` and :meth:`loss` and set the attributes
    below; :meth:`hessian` defaults to n HVPs through :func:`curvature.estimators.hessian`.

    Attributes:
        name: the id used on the command line and in reports.
        seed: the seed that fixed the objective's random parts and initial point.
        smoothness: L, whether it is certified, how it was obtained and where it holds.
        lower_bound: f* ≤ inf f, or None when the loss is unbounded below or f* is unknown.
        lower_bound_method: how ``lower_bound`` was obtained.
        settings: optimizer settings for the checks.
    """

    name: str
    seed: int
    smoothness: Smoothness
    lower_bound: float | None
    lower_bound_method: str
    settings: RunSettings

    @abc.abstractmethod
    def initial_parameters(self) -> list[Tensor]:
        """Return a fresh copy of the initial point θ₀ (float64 unless stated otherwise)."""

    @abc.abstractmethod
    def loss(self, params: Sequence[Tensor]) -> Tensor:
        """Return f(θ) as a scalar tensor; must be a pure function of ``params``."""

    def hessian(self, params: Sequence[Tensor]) -> Tensor:
        """Return the dense Hessian ∇²f(θ) in flattened parameter order."""
        return hessian(self.loss, params, allow_unused=True)

    def in_region(self, params: Sequence[Tensor]) -> bool:
        """Return whether θ lies in the region where ``smoothness`` holds (default: all θ)."""
        return True

    @property
    def num_parameters(self) -> int:
        """Number of scalar parameters n."""
        return sum(param.numel() for param in self.initial_parameters())

    def describe(self) -> dict[str, object]:
        """Return the objective's facts as a JSON-ready dict, for reports."""
        return {
            "name": self.name,
            "seed": self.seed,
            "num_parameters": self.num_parameters,
            "L": self.smoothness.L,
            "L_certified": self.smoothness.certified,
            "L_method": self.smoothness.method,
            "L_region": self.smoothness.region,
            "lower_bound": self.lower_bound,
            "lower_bound_method": self.lower_bound_method,
            "lr": self.settings.lr,
            "curvature_scale": self.settings.curvature_scale,
        }


class StochasticObjective(Objective):
    """An objective whose gradients come from random samples of the loss.

    :meth:`loss` is the expected loss f; :meth:`stochastic_loss` returns one sample whose
    gradient is an unbiased estimate of ∇f. ``gradient_variance`` is E‖∇f̃ − ∇f‖², where known.
    """

    gradient_variance: float | None
    noise_description: str

    @abc.abstractmethod
    def stochastic_loss(self, params: Sequence[Tensor], generator: torch.Generator) -> Tensor:
        """Return one random sample f̃(θ) of the loss, drawn with ``generator``."""

    def describe(self) -> dict[str, object]:
        """Return the objective's facts, with the noise model, as a JSON-ready dict."""
        facts = super().describe()
        facts["gradient_variance"] = self.gradient_variance
        facts["noise"] = self.noise_description
        return facts


def is_stochastic(objective: Objective) -> bool:
    """Return whether ``objective`` provides stochastic gradients."""
    return callable(getattr(objective, "stochastic_loss", None))


REQUIRED_ATTRIBUTES = (
    "name",
    "seed",
    "smoothness",
    "lower_bound",
    "settings",
    "initial_parameters",
    "loss",
    "hessian",
    "in_region",
    "num_parameters",
    "describe",
)


def validate_objective(candidate: object, source: str) -> Objective:
    """Return ``candidate`` if it has every attribute of the protocol; raise otherwise.

    User objectives may subclass :class:`Objective` or provide the same attributes.
    """
    missing = [name for name in REQUIRED_ATTRIBUTES if not hasattr(candidate, name)]
    if missing:
        raise TypeError(
            f"{source} returned {type(candidate).__name__}, which lacks {', '.join(missing)}; "
            "an objective needs the attributes of curvature.objectives.Objective (subclass it "
            "to get defaults for hessian, in_region and describe)"
        )
    if not isinstance(candidate.smoothness, Smoothness):  # type: ignore[attr-defined]
        raise TypeError(f"{source}: `smoothness` must be a curvature.objectives.Smoothness")
    if not isinstance(candidate.settings, RunSettings):  # type: ignore[attr-defined]
        raise TypeError(f"{source}: `settings` must be a curvature.objectives.RunSettings")
    return candidate  # type: ignore[return-value]

"""Stochastic objectives: mini-batch sampling of a data loss, and additive gradient noise."""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence

import torch
from torch import Tensor

from curvature._validation import check_positive, check_positive_int
from curvature.objectives.base import Objective, StochasticObjective


class DataObjective(Objective):
    """An objective that is the mean of a per-sample loss over m data points, plus a penalty.

    Subclasses implement :meth:`loss_on`; :meth:`loss` is ``loss_on`` over all samples.
    """

    num_samples: int

    @abc.abstractmethod
    def loss_on(self, params: Sequence[Tensor], indices: Tensor | None) -> Tensor:
        """Return the mean loss over the samples ``indices`` (all when None), plus the penalty."""

    def loss(self, params: Sequence[Tensor]) -> Tensor:
        """Return the loss over the whole data set."""
        return self.loss_on(params, None)


class _Wrapped(StochasticObjective):
    """A stochastic objective whose expected loss, Hessian and region are those of ``base``."""

    base: Objective

    def _copy_facts(self, base: Objective) -> None:
        self.base = base
        self.seed = base.seed
        self.smoothness = base.smoothness
        self.lower_bound = base.lower_bound
        self.lower_bound_method = base.lower_bound_method
        self.settings = base.settings

    def initial_parameters(self) -> list[Tensor]:
        """Return the base objective's θ₀."""
        return self.base.initial_parameters()

    def loss(self, params: Sequence[Tensor]) -> Tensor:
        """Return the base objective's loss, the expectation of the stochastic loss."""
        return self.base.loss(params)

    def hessian(self, params: Sequence[Tensor]) -> Tensor:
        """Return the base objective's Hessian."""
        return self.base.hessian(params)

    def in_region(self, params: Sequence[Tensor]) -> bool:
        """Return the base objective's region test."""
        return self.base.in_region(params)


class MiniBatch(_Wrapped):
    """Mini-batch sampling of a :class:`DataObjective`: the loss on b samples drawn uniformly.

    Each call of :meth:`stochastic_loss` draws b distinct indices uniformly at random
    (without replacement), so the mini-batch loss and its gradient are unbiased estimates of
    the full ones. The gradient variance depends on θ and is not known in closed form.
    """

    def __init__(self, base: DataObjective, batch_size: int) -> None:
        check_positive_int("batch_size", batch_size)
        if batch_size > base.num_samples:
            raise ValueError(
                f"`batch_size` must be at most the number of samples ({base.num_samples}), "
                f"got {batch_size}"
            )
        self._copy_facts(base)
        self.data = base
        self.batch_size = batch_size
        self.name = f"{base.name}-minibatch"
        self.gradient_variance = None
        self.noise_description = (
            f"mini-batches of {batch_size} of {base.num_samples} samples, drawn uniformly "
            "without replacement"
        )

    def stochastic_loss(self, params: Sequence[Tensor], generator: torch.Generator) -> Tensor:
        """Return the loss on one mini-batch drawn with ``generator``."""
        indices = torch.randperm(self.data.num_samples, generator=generator)[: self.batch_size]
        return self.data.loss_on(params, indices)


class GradientNoise(_Wrapped):
    """Additive Gaussian gradient noise of known variance on any objective.

    Each sample is f̃(θ) = f(θ) + ⟨ξ, θ⟩ with ξ ~ N(0, (σ²/n) I) drawn anew per call, so
    ∇f̃ = ∇f + ξ is unbiased with E‖∇f̃ − ∇f‖² = σ², and ∇²f̃ = ∇²f exactly: the noise
    reaches the gradient but not the curvature.
    """

    def __init__(self, base: Objective, variance: float, name: str | None = None) -> None:
        self._copy_facts(base)
        self.variance = check_positive("variance", variance)
        self.gradient_variance = self.variance
        self.name = name or f"{base.name}-noisy"
        self.noise_description = (
            f"additive Gaussian gradient noise, E||xi||^2 = {variance:g} (isotropic)"
        )

    def stochastic_loss(self, params: Sequence[Tensor], generator: torch.Generator) -> Tensor:
        """Return f(θ) + ⟨ξ, θ⟩ with a fresh ξ ~ N(0, (σ²/n) I)."""
        n = sum(param.numel() for param in params)
        scale = math.sqrt(self.variance / n)
        loss = self.base.loss(params)
        for param in params:
            noise = torch.randn(param.shape, generator=generator, dtype=param.dtype)
            loss = loss + (scale * noise.to(param.device) * param).sum()
        return loss

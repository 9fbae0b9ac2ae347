"""A small tanh multilayer perceptron classifying the digits data set."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor
from torch.nn.functional import cross_entropy

from curvature._validation import check_non_negative, check_positive_int
from curvature.objectives.base import RunSettings, Smoothness
from curvature.objectives.datasets import digits
from curvature.objectives.minibatch import DataObjective


class TanhMLP(DataObjective):
    """Cross-entropy of a one-hidden-layer tanh network, plus (reg/2)‖θ‖².

    logits = W₂ tanh(W₁ x + b₁) + b₂. No closed-form smoothness constant is known for this
    loss: ``smoothness.L`` is None, and checks that need L estimate ‖∇²f‖₂ along the
    trajectory by power iteration on HVPs instead (an estimate, not a certified bound).
    Cross-entropy is non-negative, so f* ≥ 0.

    Args:
        features: inputs, shape (m, d); labels: class indices, shape (m,).
        hidden: width of the hidden layer.
        reg: the L2 penalty on all parameters.
        seed: fixes the initial weights, drawn uniformly from ±1/√fan_in as in
            ``torch.nn.Linear``, and biases of zero.
    """

    def __init__(
        self,
        features: np.ndarray,
        labels: np.ndarray,
        *,
        hidden: int = 16,
        reg: float = 1e-4,
        seed: int = 0,
        name: str = "tanh-mlp",
        settings: RunSettings | None = None,
    ) -> None:
        self.name = name
        self.seed = seed
        self.hidden = check_positive_int("hidden", hidden)
        self.reg = check_non_negative("reg", reg)
        self.features = torch.from_numpy(np.array(features, dtype=np.float64))
        self.labels = torch.from_numpy(np.array(labels, dtype=np.int64))
        self.num_samples, inputs = self.features.shape
        classes = int(self.labels.max()) + 1
        self.settings = settings or RunSettings(lr=1.0, curvature_scale=0.1)

        rng = np.random.default_rng(seed)
        self._start = [
            torch.from_numpy(rng.uniform(-1, 1, (hidden, inputs)) / math.sqrt(inputs)),
            torch.zeros(hidden, dtype=torch.float64),
            torch.from_numpy(rng.uniform(-1, 1, (classes, hidden)) / math.sqrt(hidden)),
            torch.zeros(classes, dtype=torch.float64),
        ]
        self.smoothness = Smoothness(
            L=None,
            certified=False,
            method="not known in closed form; estimated along the trajectory by power "
            "iteration on HVPs",
            region="none",
        )
        self.lower_bound = 0.0
        self.lower_bound_method = "cross-entropy and the L2 penalty are non-negative"

    def initial_parameters(self) -> list[Tensor]:
        """Return the seeded initial weights and zero biases."""
        return [tensor.clone() for tensor in self._start]

    def loss_on(self, params: Sequence[Tensor], indices: Tensor | None) -> Tensor:
        """Return the mean cross-entropy on the samples ``indices`` plus the L2 penalty."""
        first_weight, first_bias, second_weight, second_bias = params
        features = self.features.to(first_weight)
        labels = self.labels.to(first_weight.device)
        if indices is not None:
            features, labels = features[indices], labels[indices]
        hidden = torch.tanh(features @ first_weight.T + first_bias)
        logits = hidden @ second_weight.T + second_bias
        penalty = 0.5 * self.reg * sum((param**2).sum() for param in params)
        return cross_entropy(logits, labels) + penalty


def mlp_digits(seed: int = 0) -> TanhMLP:
    """Return the built-in ``mlp-digits``: 64 → 16 (tanh) → 10, 1,210 parameters."""
    features, labels = digits()
    return TanhMLP(features, labels, seed=seed, name="mlp-digits")

"""L2-regularized logistic regression on the breast cancer data set."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.optimize import minimize
from torch import Tensor
from torch.nn.functional import softplus

from curvature._validation import check_positive
from curvature.objectives.base import RunSettings, Smoothness
from curvature.objectives.datasets import breast_cancer
from curvature.objectives.minibatch import DataObjective


class LogisticRegression(DataObjective):
    """f(w, b) = (1/m) Σ_j log(1 + exp(−y_j (x_jᵀw + b))) + (reg/2)(‖w‖² + b²).

    With X̃ = [X, 1] the Hessian is X̃ᵀ D X̃ / m + reg·I, where D = diag(σ_j (1 − σ_j)) and
    σ_j (1 − σ_j) ≤ 1/4, so L = ‖X̃‖₂² / (4m) + reg holds on all of R^(d+1). f is reg-strongly
    convex, so for any point ŵ, f* ≥ f(ŵ) − ‖∇f(ŵ)‖² / (2 reg): the lower bound below evaluates
    this at the L-BFGS solution, which makes it certified, not estimated.

    Args:
        features: X, shape (m, d); labels: y in {−1, +1}, shape (m,).
        reg: the L2 penalty, which is also the strong-convexity constant μ.
        seed: fixes the initial point w₀ ~ N(0, I), b₀ = 0.
    """

    def __init__(
        self,
        features: np.ndarray,
        labels: np.ndarray,
        *,
        reg: float = 1e-3,
        seed: int = 0,
        name: str = "logistic-regression",
        settings: RunSettings | None = None,
    ) -> None:
        self.name = name
        self.seed = seed
        self.reg = check_positive("reg", reg)
        self.features = torch.from_numpy(np.array(features, dtype=np.float64))
        self.labels = torch.from_numpy(np.array(labels, dtype=np.float64))
        self.num_samples, self.dimension = self.features.shape
        self.settings = settings or RunSettings(lr=0.5, curvature_scale=0.1)

        rng = np.random.default_rng(seed)
        self._start = [
            torch.from_numpy(rng.standard_normal(self.dimension)),
            torch.zeros(1, dtype=torch.float64),
        ]

        augmented = np.hstack([np.asarray(features), np.ones((self.num_samples, 1))])
        spectral_norm = float(np.linalg.norm(augmented, 2))
        self.smoothness = Smoothness(
            L=spectral_norm**2 / (4 * self.num_samples) + self.reg,
            certified=True,
            method="||[X, 1]||_2^2 / (4m) + reg, since sigma(1 - sigma) <= 1/4",
            region="all of R^n",
        )
        self.lower_bound, self.lower_bound_method = self._certified_lower_bound()

    def initial_parameters(self) -> list[Tensor]:
        """Return w₀ ~ N(0, I) from the seed and b₀ = 0."""
        return [tensor.clone() for tensor in self._start]

    def loss_on(self, params: Sequence[Tensor], indices: Tensor | None) -> Tensor:
        """Return the mean logistic loss on the samples ``indices`` plus the L2 penalty."""
        weights, bias = params
        features = self.features.to(weights)
        labels = self.labels.to(weights)
        if indices is not None:
            features, labels = features[indices], labels[indices]
        margins = labels * (features @ weights + bias)
        penalty = 0.5 * self.reg * ((weights**2).sum() + (bias**2).sum())
        return softplus(-margins).mean() + penalty

    def hessian(self, params: Sequence[Tensor]) -> Tensor:
        """Return X̃ᵀ D X̃ / m + reg·I in closed form."""
        weights, bias = (param.detach() for param in params)
        features = self.features.to(weights)
        augmented = torch.cat([features, torch.ones_like(features[:, :1])], dim=1)
        probabilities = torch.sigmoid(features @ weights + bias)
        curvature = probabilities * (1 - probabilities)
        matrix = augmented.T @ (curvature[:, None] * augmented) / self.num_samples
        return matrix + self.reg * torch.eye(self.dimension + 1, dtype=matrix.dtype)

    def _certified_lower_bound(self) -> tuple[float, str]:
        def value_and_gradient(vector: np.ndarray) -> tuple[float, np.ndarray]:
            point = torch.from_numpy(vector).requires_grad_(True)
            loss = self.loss([point[:-1], point[-1:]])
            (gradient,) = torch.autograd.grad(loss, point)
            return float(loss.detach()), gradient.numpy()

        solution = minimize(
            value_and_gradient,
            np.zeros(self.dimension + 1),
            jac=True,
            method="L-BFGS-B",
            options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000},
        )
        value, gradient = value_and_gradient(solution.x)
        gap = float(gradient @ gradient) / (2 * self.reg)
        return value - gap, (
            f"f(w_hat) - ||grad f(w_hat)||^2 / (2 reg) at the L-BFGS solution w_hat "
            f"(strong convexity); the subtracted gap is {gap:.1e}"
        )


def logreg_breast_cancer(seed: int = 0) -> LogisticRegression:
    """Return the built-in ``logreg-breast-cancer``: reg = 1e-3, standardized features."""
    features, labels = breast_cancer()
    return LogisticRegression(features, labels, seed=seed, name="logreg-breast-cancer")

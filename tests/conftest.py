"""Shared fixtures: small models whose dense float64 Hessian is cheap."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import torch
from torch import Tensor


def small_mlp_problem(seed: int, inputs: int = 3, hidden: int = 4, samples: int = 12):
    """Return (loss_fn, params) for a tanh MLP with squared loss, in float64."""
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(samples, inputs, generator=generator, dtype=torch.float64)
    targets = torch.randn(samples, generator=generator, dtype=torch.float64)
    params = [
        torch.randn(hidden, inputs, generator=generator, dtype=torch.float64),
        torch.randn(hidden, generator=generator, dtype=torch.float64),
        torch.randn(hidden, generator=generator, dtype=torch.float64),
    ]

    def loss_fn(ps: Sequence[Tensor]) -> Tensor:
        first, bias, second = ps
        prediction = torch.tanh(features @ first.T + bias) @ second
        return ((prediction - targets) ** 2).mean()

    return loss_fn, params


def dense_reference(
    loss_fn: Callable[[Sequence[Tensor]], Tensor], params: Sequence[Tensor]
) -> Tensor:
    """Return the Hessian from torch.func.hessian on the flat vector, an independent path."""
    sizes = [param.numel() for param in params]

    def flat_loss(vector: Tensor) -> Tensor:
        pieces = torch.split(vector, sizes)
        return loss_fn([piece.reshape(param.shape) for piece, param in zip(pieces, params)])

    return torch.func.hessian(flat_loss)(torch.cat([param.reshape(-1) for param in params]))


@pytest.fixture(params=[0, 1, 2], ids=lambda seed: f"seed{seed}")
def mlp_problem(request: pytest.FixtureRequest):
    """A small MLP loss and its parameters, for three seeds."""
    return small_mlp_problem(request.param)

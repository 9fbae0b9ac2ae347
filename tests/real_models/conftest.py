"""Small real models and references computed by double backward through their own forward."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence

import pytest
import torch
from torch import Tensor, nn


@pytest.fixture(autouse=True)
def single_thread() -> Iterator[None]:
    """Run these tiny models on one thread: on 2 busy cores, two threads per op are slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class ResidualConvNet(nn.Module):
    """Conv stem, identity plus conv-BatchNorm branch summed, adaptive pooling, linear head.

    477 parameters: stem 60, branch convolution 330, BatchNorm 12, head 75.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 6, 3, padding=1)
        self.branch = nn.Sequential(nn.Conv2d(6, 6, 3, padding=1), nn.BatchNorm2d(6))
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.head = nn.Linear(24, 3)

    def forward(self, images: Tensor) -> Tensor:
        features = torch.tanh(self.stem(images))
        features = features + self.branch(features)
        return self.head(self.pool(torch.tanh(features)).flatten(1))


class KernelNet(nn.Module):
    """Parameters of rank 5 (Conv3d kernel), 4 (Conv2d kernel), 2, 1 and 0 (a scale)."""

    def __init__(self) -> None:
        super().__init__()
        self.volume = nn.Conv3d(1, 2, 3)
        self.image = nn.Conv2d(1, 4, 3)
        self.scale = nn.Parameter(torch.tensor(0.7))
        self.head = nn.Linear(32, 2)

    def forward(self, volumes: Tensor, images: Tensor) -> Tensor:
        first = torch.tanh(self.volume(volumes)).flatten(1)
        second = torch.tanh(self.image(images)).flatten(1)
        return self.head(self.scale * torch.cat([first, second], dim=1))


def batchnorm_mlp() -> nn.Module:
    """Linear(3, 4) → BatchNorm1d(4) → Linear(4, 2) in float64."""
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).double()


def dropout_mlp() -> nn.Module:
    """Linear(3, 16) → tanh → Dropout(0.5) → Linear(16, 2) in float64."""
    return nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Dropout(0.5), nn.Linear(16, 2)).double()


def autograd_hessian(
    model: nn.Module,
    loss: Callable[[Tensor, Tensor], Tensor],
    inputs: tuple[Tensor, ...],
    targets: Tensor,
    *,
    seed: int | None = None,
) -> Tensor:
    """Return the dense Hessian by double backward through a copy of ``model``'s own forward.

    The copy runs in the model's modes, so a training-mode BatchNorm normalizes with batch
    statistics; ``seed`` seeds torch's generator before the forward pass (dropout masks).
    """
    replica = copy.deepcopy(model)
    params = [param for param in replica.parameters() if param.requires_grad]
    if seed is not None:
        torch.manual_seed(seed)
    gradients = torch.autograd.grad(loss(replica(*inputs), targets), params, create_graph=True)
    flat = torch.cat([gradient.reshape(-1) for gradient in gradients])

    rows = []
    for index in range(flat.numel()):
        row = torch.autograd.grad(flat[index], params, retain_graph=True, allow_unused=True)
        rows.append(_flatten_or_zeros(row, params))
    return torch.stack(rows)


def autograd_hvp(
    model: nn.Module,
    loss: Callable[[Tensor, Tensor], Tensor],
    inputs: tuple[Tensor, ...],
    targets: Tensor,
    vectors: Sequence[Tensor],
    *,
    seed: int | None = None,
) -> Tensor:
    """Return H v, flattened, by double backward through a copy of ``model``'s own forward."""
    replica = copy.deepcopy(model)
    params = [param for param in replica.parameters() if param.requires_grad]
    if seed is not None:
        torch.manual_seed(seed)
    gradients = torch.autograd.grad(loss(replica(*inputs), targets), params, create_graph=True)
    product = torch.autograd.grad(gradients, params, grad_outputs=list(vectors))
    return torch.cat([part.reshape(-1) for part in product])


def _flatten_or_zeros(parts: Sequence[Tensor | None], like: Sequence[Tensor]) -> Tensor:
    return torch.cat(
        [
            (torch.zeros_like(param) if part is None else part).reshape(-1)
            for part, param in zip(parts, like)
        ]
    )

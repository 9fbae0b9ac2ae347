"""The models and objectives that the cost benchmarks run on, sized by parameter count n.

Two families:

* ``"mlp"``: a classifier with two tanh hidden layers of width w on a fixed batch of
  ``batch_size`` random inputs (32 features, 10 classes) and the cross-entropy loss. It has
  n = w² + 44w + 10 parameters, so growing the width grows n. Its cost per gradient is
  about 6·batch_size·n floating-point operations.
* ``"rosenbrock"``: the n-dimensional Rosenbrock function of
  :class:`curvature.objectives.Rosenbrock`, a plain vector objective whose gradient and HVP
  cost O(n) memory-bound operations and no matrix products.

Each problem gives its loss both as a pure function of the parameters (for ``torch.func``
and the library's estimators) and, for the MLP, as an ``nn.Module`` with data (for
``torch.optim`` and the peer libraries), with the same values in both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.func import functional_call

from curvature._validation import check_choice, check_positive_int
from curvature.estimators._params import LossFunction
from curvature.objectives.rosenbrock import Rosenbrock

FAMILIES = ("mlp", "rosenbrock")
MLP_INPUTS = 32
MLP_CLASSES = 10
DEFAULT_BATCH_SIZE = 512


@dataclass(frozen=True)
class BenchProblem:
    """A loss at a fixed point, with everything a workload needs to differentiate it.

    Attributes:
        family: ``"mlp"`` or ``"rosenbrock"``.
        n: number of parameters.
        params: the point θ, detached tensors on the problem's device.
        loss_fn: the loss as a pure function of a parameter sequence.
        model: the MLP as a module holding ``params`` (None for Rosenbrock).
        inputs, targets: the MLP's batch (None for Rosenbrock).
        width: the MLP's hidden width (0 for Rosenbrock).
    """

    family: str
    n: int
    params: tuple[Tensor, ...]
    loss_fn: LossFunction
    model: nn.Module | None = None
    inputs: Tensor | None = None
    targets: Tensor | None = None
    width: int = 0

    @property
    def device(self) -> torch.device:
        """The device of the parameters."""
        return self.params[0].device

    @property
    def dtype(self) -> torch.dtype:
        """The dtype of the parameters."""
        return self.params[0].dtype

    @property
    def label(self) -> str:
        """A short name such as ``mlp n=103210``."""
        return f"{self.family} n={self.n}"

    def fresh_model(self) -> nn.Module:
        """Return a new MLP module with a copy of ``params``, for code that changes it."""
        if self.model is None:
            raise ValueError(f"the {self.family!r} problem has no module; use the 'mlp' family")
        model = build_mlp(self.width).to(device=self.device, dtype=self.dtype)
        with torch.no_grad():
            for target, source in zip(model.parameters(), self.params):
                target.copy_(source)
        return model


def mlp_width(n: int) -> int:
    """Return the hidden width w whose MLP has the parameter count closest to ``n``."""
    check_positive_int("n", n)

    # n = w² + (inputs + classes + 2)·w + classes, solved for w and rounded.
    linear = MLP_INPUTS + MLP_CLASSES + 2
    root = (-linear + math.sqrt(linear**2 + 4 * max(n - MLP_CLASSES, 0))) / 2
    return max(1, round(root))


def mlp_parameter_count(width: int) -> int:
    """Return n for the MLP of hidden width ``width``."""
    return width * width + (MLP_INPUTS + MLP_CLASSES + 2) * width + MLP_CLASSES


def build_mlp(width: int) -> nn.Sequential:
    """Return the MLP architecture with hidden width ``width`` and default initialization."""
    return nn.Sequential(
        nn.Linear(MLP_INPUTS, width),
        nn.Tanh(),
        nn.Linear(width, width),
        nn.Tanh(),
        nn.Linear(width, MLP_CLASSES),
    )


def make_problem(
    family: str,
    n: int,
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
    seed: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> BenchProblem:
    """Build the problem of ``family`` whose parameter count is closest to ``n``.

    The MLP's n is rounded to the nearest width; Rosenbrock takes n exactly (at least 2).
    """
    check_choice("family", family, FAMILIES)
    check_positive_int("n", n)
    check_positive_int("batch_size", batch_size)
    generator = torch.Generator().manual_seed(seed)

    if family == "rosenbrock":
        return _rosenbrock_problem(max(n, 2), device, dtype, seed)
    return _mlp_problem(mlp_width(n), device, dtype, generator, batch_size)


def _rosenbrock_problem(
    n: int, device: torch.device | str, dtype: torch.dtype, seed: int
) -> BenchProblem:
    objective = Rosenbrock(n, seed=seed)
    params = tuple(param.to(device=device, dtype=dtype) for param in objective.initial_parameters())
    return BenchProblem(family="rosenbrock", n=n, params=params, loss_fn=objective.loss)


def _mlp_problem(
    width: int,
    device: torch.device | str,
    dtype: torch.dtype,
    generator: torch.Generator,
    batch_size: int,
) -> BenchProblem:
    # Seed the default initialization through a forked global generator, so that building a
    # problem leaves torch's global random state as it was.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))
        model = build_mlp(width)
    model = model.to(device=device, dtype=dtype)
    for param in model.parameters():
        param.requires_grad_(False)

    inputs = torch.randn(batch_size, MLP_INPUTS, generator=generator).to(device, dtype)
    targets = torch.randint(0, MLP_CLASSES, (batch_size,), generator=generator).to(device)
    names = [name for name, _ in model.named_parameters()]
    params = tuple(param.detach() for param in model.parameters())

    def loss_fn(ps: Sequence[Tensor]) -> Tensor:
        logits = functional_call(model, dict(zip(names, ps)), (inputs,))
        return nn.functional.cross_entropy(logits, targets)

    return BenchProblem(
        family="mlp",
        n=mlp_parameter_count(width),
        params=params,
        loss_fn=loss_fn,
        model=model,
        inputs=inputs,
        targets=targets,
        width=width,
    )

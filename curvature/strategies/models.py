"""A strategy for small torch models with data, whose exact Hessian costs a few milliseconds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from hypothesis import strategies as st
from torch import Tensor, nn
from torch.func import functional_call

from curvature._validation import check_choice, check_positive_int
from curvature.strategies._limits import MAX_DIMENSION
from curvature.strategies.matrices import SEEDS

ACTIVATIONS = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus}
"""Smooth activations only: a kink (ReLU) has no Hessian at the kink and zero elsewhere."""

LOSSES = ("mse", "cross-entropy")

MAX_PARAMETERS = 256
"""The largest model :func:`small_models` builds, so that n HVPs and a dense Hessian stay cheap."""


@dataclass(frozen=True)
class ModelProblem:
    """A float64 model, its data and its loss as a pure function of the parameters.

    Attributes:
        module: the ``torch.nn.Module`` (float64), whose parameters hold θ₀.
        inputs: the data, shape (samples, inputs).
        targets: regression targets (samples, outputs) or class indices (samples,).
        loss_name: ``"mse"`` or ``"cross-entropy"``.
        seed: the seed that fixed θ₀ and the data.
        description: the architecture, for reports and falsifying examples.
    """

    module: nn.Module = field(repr=False)
    inputs: Tensor = field(repr=False)
    targets: Tensor = field(repr=False)
    loss_name: str
    seed: int
    description: str

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names in ``module.named_parameters()`` order."""
        return tuple(name for name, _ in self.module.named_parameters())

    @property
    def params(self) -> tuple[Tensor, ...]:
        """Detached copies of θ₀, in :attr:`names` order."""
        return tuple(param.detach().clone() for param in self.module.parameters())

    @property
    def n(self) -> int:
        """The number of scalar parameters."""
        return sum(param.numel() for param in self.module.parameters())

    def fresh_parameters(self) -> list[Tensor]:
        """Return copies of θ₀ that require grad, ready for an optimizer."""
        return [param.requires_grad_(True) for param in self.params]

    def loss_fn(self, params: Sequence[Tensor]) -> Tensor:
        """Return the mean loss on the data at ``params`` (a pure function of them)."""
        outputs = functional_call(self.module, dict(zip(self.names, params)), (self.inputs,))
        if self.loss_name == "mse":
            return ((outputs - self.targets) ** 2).mean()
        return nn.functional.cross_entropy(outputs, self.targets)


def small_models(
    *,
    max_inputs: int = 4,
    max_hidden: int = 5,
    max_outputs: int = 3,
    max_samples: int = 16,
    activations: Sequence[str] = tuple(ACTIVATIONS),
    losses: Sequence[str] = LOSSES,
) -> st.SearchStrategy[ModelProblem]:
    """Generate a linear model or a one-hidden-layer MLP with data, in float64.

    The model has 1 to ``max_inputs`` inputs and 1 to ``max_outputs`` outputs (at least 2 for
    cross-entropy). Its hidden width is 0 (a linear model, which shrinking prefers) to
    ``max_hidden``, with a smooth activation. The data are 1 to ``max_samples`` standard
    normal samples, and the weights are N(0, 1/fan_in), all drawn from one seed. The bounds
    must keep
    n ≤ (max_inputs + 1)·max_hidden + (max_hidden + 1)·max_outputs, or
    (max_inputs + 1)·max_outputs without a hidden layer, at most 256; the defaults give at
    most 43 parameters.
    """
    for name, value in (
        ("max_inputs", max_inputs),
        ("max_hidden", max_hidden),
        ("max_outputs", max_outputs),
        ("max_samples", max_samples),
    ):
        check_positive_int(name, value)
        if value > MAX_DIMENSION:
            raise ValueError(f"`{name}` must be at most {MAX_DIMENSION}, got {value}")
    for activation in activations:
        check_choice("activations", activation, tuple(ACTIVATIONS))
    for loss in losses:
        check_choice("losses", loss, LOSSES)
    if not activations or not losses:
        raise ValueError("`activations` and `losses` must each name at least one choice")
    largest = max(
        (max_inputs + 1) * max_hidden + (max_hidden + 1) * max_outputs,
        (max_inputs + 1) * max_outputs,
    )
    if largest > MAX_PARAMETERS:
        raise ValueError(
            f"these bounds allow models of {largest} parameters; keep them at most "
            f"{MAX_PARAMETERS}, since the properties compare with n-by-n Hessians"
        )
    if "cross-entropy" in losses and max_outputs < 2 and len(losses) == 1:
        raise ValueError("cross-entropy needs `max_outputs` of at least 2 classes")

    @st.composite
    def draw_model(draw: st.DrawFn) -> ModelProblem:
        loss_name = draw(st.sampled_from(tuple(losses)))
        smallest_output = 2 if loss_name == "cross-entropy" else 1
        inputs = draw(st.integers(1, max_inputs))
        hidden = draw(st.integers(0, max_hidden))
        outputs = draw(st.integers(smallest_output, max(smallest_output, max_outputs)))
        activation = draw(st.sampled_from(tuple(activations)))
        samples = draw(st.integers(1, max_samples))
        seed = draw(SEEDS)
        return build_model_problem(inputs, hidden, outputs, activation, loss_name, samples, seed)

    return draw_model()


def build_model_problem(
    inputs: int,
    hidden: int,
    outputs: int,
    activation: str,
    loss_name: str,
    samples: int,
    seed: int,
) -> ModelProblem:
    """Build the model and data that :func:`small_models` describes, from the seed alone."""
    generator = torch.Generator().manual_seed(seed)
    if hidden == 0:
        module: nn.Module = nn.Linear(inputs, outputs)
        description = f"Linear({inputs}, {outputs})"
    else:
        module = nn.Sequential(
            nn.Linear(inputs, hidden), ACTIVATIONS[activation](), nn.Linear(hidden, outputs)
        )
        description = f"Linear({inputs}, {hidden}) -> {activation} -> Linear({hidden}, {outputs})"
    module = module.double()

    # Weights and biases N(0, 1/fan_in) from the seed, so torch's global generator is unused.
    with torch.no_grad():
        for param in module.parameters():
            fan_in = param.shape[1] if param.dim() == 2 else param.shape[0]
            noise = torch.randn(param.shape, generator=generator, dtype=torch.float64)
            param.copy_(noise / math.sqrt(fan_in))

    features = torch.randn(samples, inputs, generator=generator, dtype=torch.float64)
    if loss_name == "mse":
        targets = torch.randn(samples, outputs, generator=generator, dtype=torch.float64)
    else:
        targets = torch.randint(0, outputs, (samples,), generator=generator)
    return ModelProblem(
        module=module,
        inputs=features,
        targets=targets,
        loss_name=loss_name,
        seed=seed,
        description=f"{description}, {loss_name} on {samples} samples, seed {seed}",
    )

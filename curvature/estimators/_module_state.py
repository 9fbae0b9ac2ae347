"""The state an ``nn.Module`` loss depends on besides its parameters: modes, buffers, randomness.

A module's output depends on its training flags, on its buffers and, with dropout, on the
random number generator. For a curvature estimate all three must stay fixed while the
parameters vary, and the module's own state must come out unchanged:

* Training flags are set to recorded values for each evaluation and restored afterwards.
* Normalization layers in training mode get ``None`` in place of their running statistics,
  which makes ``F.batch_norm`` and ``F.instance_norm`` normalize with the batch statistics
  and skip the running-average update.
* A forward pass that draws random numbers runs under ``torch.random.fork_rng`` after
  ``torch.manual_seed(seed)``, so every evaluation draws the same numbers and the caller's
  generator state is restored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _NormBase
from torch.nn.modules.dropout import _DropoutNd

RUNNING_STATISTICS = ("running_mean", "running_var", "num_batches_tracked")


def training_flags(model: nn.Module, mode: str | None) -> dict[str, bool]:
    """Return the training flag of every submodule: all ``mode == "train"``, or the current."""
    if mode is None:
        return {name: module.training for name, module in model.named_modules()}
    return {name: mode == "train" for name, _ in model.named_modules()}


def overall_mode(flags: dict[str, bool]) -> str:
    """Return ``"train"`` or ``"eval"`` when all flags agree, else ``"mixed"``."""
    values = set(flags.values())
    if values == {True}:
        return "train"
    if values == {False}:
        return "eval"
    return "mixed"


@contextmanager
def applied_flags(model: nn.Module, flags: dict[str, bool]) -> Iterator[None]:
    """Set each submodule's training flag to ``flags`` and restore the module's own afterwards."""
    modules = dict(model.named_modules())
    saved = {name: module.training for name, module in modules.items()}
    try:
        for name, flag in flags.items():
            modules[name].training = flag
        yield
    finally:
        for name, flag in saved.items():
            modules[name].training = flag


def running_statistics_overrides(model: nn.Module, flags: dict[str, bool]) -> dict[str, None]:
    """Return ``{buffer name: None}`` for the running statistics of training-mode norm layers."""
    overrides: dict[str, None] = {}
    for name, module in model.named_modules():
        if isinstance(module, _NormBase) and flags.get(name, module.training):
            prefix = f"{name}." if name else ""
            for buffer in RUNNING_STATISTICS:
                if getattr(module, buffer, None) is not None:
                    overrides[prefix + buffer] = None
    return overrides


@contextmanager
def fixed_randomness(seed: int | None, devices: list[torch.device]) -> Iterator[None]:
    """Seed the generators of the CPU and ``devices`` inside, and restore their states after.

    Does nothing when ``seed`` is None.
    """
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[device for device in devices if device.type == "cuda"]):
        torch.manual_seed(seed)
        yield


def generator_states(devices: list[torch.device]) -> list[Tensor]:
    """Return the generator states of the CPU and of the CUDA devices among ``devices``."""
    states = [torch.get_rng_state()]
    for device in devices:
        if device.type == "cuda":
            states.append(torch.cuda.get_rng_state(device))
    return states


def states_differ(before: list[Tensor], after: list[Tensor]) -> bool:
    """Return whether any generator state changed, that is, whether numbers were drawn."""
    return any(not torch.equal(first, second) for first, second in zip(before, after))


@contextmanager
def random_draw_recorder(
    model: nn.Module, devices: list[torch.device], drawn: set[str]
) -> Iterator[None]:
    """Add to ``drawn`` the name of every submodule whose forward pass draws random numbers."""
    starts: dict[str, list[list[Tensor]]] = {}
    handles = []

    def before(name: str) -> Any:
        def hook(module: nn.Module, args: Any) -> None:
            starts.setdefault(name, []).append(generator_states(devices))

        return hook

    def after(name: str) -> Any:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            if states_differ(starts[name].pop(), generator_states(devices)):
                drawn.add(name)

        return hook

    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(before(name)))
        handles.append(module.register_forward_hook(after(name)))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def innermost(names: set[str]) -> list[str]:
    """Return the names in ``names`` that have no descendant in ``names``, in sorted order."""
    return sorted(
        name
        for name in names
        if not any(other != name and _is_descendant(other, name) for other in names)
    )


def describe_behaviour(
    model: nn.Module, flags: dict[str, bool], random_modules: list[str], seed: int | None
) -> dict[str, str]:
    """Return, per mode-dependent submodule, what a curvature evaluation does with it."""
    statements: dict[str, str] = {}
    for name, module in model.named_modules():
        training = flags[name]
        label = name or "(model)"
        kind = type(module).__name__
        if isinstance(module, _NormBase):
            statements[label] = f"{kind}, " + _normalization_statement(module, training)
        elif isinstance(module, _DropoutNd) and not training:
            statements[label] = f"{kind}, evaluation mode: no dropout"
        elif isinstance(module, _DropoutNd) and name in random_modules:
            statements[label] = (
                f"{kind}, training mode: one dropout mask, the same at every evaluation "
                f"(seed {seed})"
            )
        elif name in random_modules:
            mode = "training" if training else "evaluation"
            statements[label] = (
                f"{kind}, {mode} mode: draws random numbers, the same ones at every "
                f"evaluation (seed {seed})"
            )
        elif isinstance(module, _DropoutNd | nn.RReLU) and training:
            statements[label] = f"{kind}, training mode: draws no random numbers on this batch"
    return statements


def _normalization_statement(module: _NormBase, training: bool) -> str:
    has_statistics = module.running_mean is not None or module.running_var is not None
    if training and has_statistics:
        return (
            "training mode: normalizes with the statistics of the batch; its running "
            "statistics are not updated"
        )
    if training or not has_statistics:
        mode = "training" if training else "evaluation"
        return f"{mode} mode: normalizes with the statistics of the batch (it keeps none)"
    return "evaluation mode: normalizes with its running statistics"


def _is_descendant(name: str, ancestor: str) -> bool:
    return ancestor == "" or name.startswith(ancestor + ".")

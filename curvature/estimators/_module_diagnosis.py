"""Search for the submodule of a model that makes Hessian-vector products fail.

When an HVP of a model's loss fails, torch names an operation (such as ``_cdist_backward``)
but not the module that ran it. Each submodule is probed alone here: its inputs are recorded
during one forward pass, and one HVP is taken of a fixed random weighting of its output with
respect to its parameters and floating-point inputs. The innermost submodules whose probe
fails are the ones to name. Cost: one forward pass plus one HVP per submodule, and it runs
only after a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn
from torch.func import functional_call

from curvature.estimators._module_state import applied_flags, fixed_randomness, innermost
from curvature.estimators.hvp import _single_hvp

if TYPE_CHECKING:
    from curvature.estimators.modules import ModuleLoss


def find_failing_modules(loss: ModuleLoss) -> list[tuple[str, str]]:
    """Return ``(name, reason)`` for the innermost submodules whose own HVP fails."""
    calls = _record_calls(loss)

    failing: dict[str, str] = {}
    for name, (args, kwargs) in calls.items():
        reason = _probe(loss, name, args, kwargs)
        if reason is not None:
            failing[name] = reason
    return [(name, failing[name]) for name in innermost(set(failing))]


def _record_calls(loss: ModuleLoss) -> dict[str, tuple[tuple[Any, ...], dict[str, Any]]]:
    # The first call of each submodule is kept, with its tensors detached.
    calls: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
    handles = []

    def recorder(name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            if name not in calls:
                calls[name] = (
                    _map_tensors(args, Tensor.detach),
                    _map_tensors(kwargs, Tensor.detach),
                )

        return hook

    for name, module in loss.model.named_modules():
        handles.append(module.register_forward_pre_hook(recorder(name), with_kwargs=True))
    try:
        values: dict[str, Tensor | None] = dict(zip(loss.param_names, loss.params))
        values.update(_buffer_copies(loss.model, ""))
        values.update(loss._overrides)
        with torch.no_grad():
            loss._evaluate(values)
    finally:
        for handle in handles:
            handle.remove()
    return calls


def _probe(
    loss: ModuleLoss, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str | None:
    module = loss.model.get_submodule(name)
    prefix = f"{name}." if name else ""
    chosen = set(loss.param_names)
    local_names = [local for local, _ in module.named_parameters() if prefix + local in chosen]
    inputs = [tensor for tensor in _tensors(args) + _tensors(kwargs) if tensor.is_floating_point()]
    points = tuple([module.get_parameter(local).detach() for local in local_names] + inputs)
    if not points:
        return None

    constants: dict[str, Tensor | None] = _buffer_copies(module, "")
    constants.update(
        {key[len(prefix) :]: None for key in loss._overrides if key.startswith(prefix)}
    )
    devices = list({point.device for point in points})

    def run(tensors: Sequence[Tensor]) -> Any:
        values: dict[str, Tensor | None] = dict(zip(local_names, tensors[: len(local_names)]))
        values.update(constants)
        replacements = iter(tensors[len(local_names) :])
        substitute = _substitution(inputs, replacements)
        with applied_flags(loss.model, loss.flags), fixed_randomness(loss.seed, devices):
            return functional_call(
                module,
                values,  # type: ignore[arg-type]
                _map_tensors(args, substitute),
                _map_tensors(kwargs, substitute),
            )

    with torch.no_grad():
        outputs = [out for out in _tensors(run(points)) if out.is_floating_point()]
    generator = torch.Generator().manual_seed(0)
    weights = [
        torch.randn(out.shape, generator=generator, dtype=out.dtype).to(out.device)
        for out in outputs
    ]

    def weighted_output(tensors: Sequence[Tensor]) -> Tensor:
        leaves = [out for out in _tensors(run(tensors)) if out.is_floating_point()]
        return sum(
            ((out * weight).sum() for out, weight in zip(leaves, weights)), points[0].new_zeros(())
        )

    directions = tuple(torch.ones_like(point) for point in points)
    try:
        _single_hvp(weighted_output, points, directions, "module_loss")
    except (RuntimeError, ValueError) as error:
        original = error.__cause__ or error
        return str(original).strip().splitlines()[0].rstrip(".")
    return None


def _buffer_copies(module: nn.Module, prefix: str) -> dict[str, Tensor | None]:
    return {
        prefix + name: buffer.detach().clone()
        for name, buffer in module.named_buffers()
        if buffer is not None
    }


def _substitution(originals: list[Tensor], replacements: Any) -> Callable[[Tensor], Tensor]:
    # Floating-point inputs are replaced, in order of appearance, by the probe's tensors.
    ids = {id(tensor) for tensor in originals}

    def substitute(tensor: Tensor) -> Tensor:
        return next(replacements) if id(tensor) in ids else tensor

    return substitute


def _map_tensors(value: Any, function: Callable[[Tensor], Tensor]) -> Any:
    if isinstance(value, Tensor):
        return function(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_map_tensors(item, function) for item in value))
    if isinstance(value, tuple | list):
        return type(value)(_map_tensors(item, function) for item in value)
    if isinstance(value, dict):
        return {key: _map_tensors(item, function) for key, item in value.items()}
    return value


def _tensors(value: Any) -> list[Tensor]:
    found: list[Tensor] = []

    def collect(tensor: Tensor) -> Tensor:
        found.append(tensor)
        return tensor

    _map_tensors(value, collect)
    return found

"""An ``nn.Module``, a loss and a batch, as a pure loss over the module's parameters.

The estimators take ``loss_fn(params)``. :func:`module_loss` builds one from a model with
``torch.func.functional_call`` and fixes everything else the loss depends on, so that every
HVP of one estimate differentiates the same function and the model's state is left as it
was. What it does with each mode-dependent submodule is stated in
:attr:`ModuleLoss.behaviour`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.func import functional_call

from curvature._validation import check_choice
from curvature.errors import UnsupportedModuleError
from curvature.estimators._module_diagnosis import find_failing_modules
from curvature.estimators._module_state import (
    applied_flags,
    describe_behaviour,
    fixed_randomness,
    innermost,
    overall_mode,
    random_draw_recorder,
    running_statistics_overrides,
    training_flags,
)
from curvature.estimators._params import check_loss
from curvature.estimators.hvp import _single_hvp

MODES = ("train", "eval")


class ModuleLoss:
    """A model's loss on one batch as a pure function of the chosen parameters.

    Call it as ``loss_fn(params)`` with one tensor per name in :attr:`param_names`, in that
    order; :attr:`params` contains the model's current values. Build it with
    :func:`module_loss`.

    Attributes:
        param_names: the parameters the loss is a function of, as ``named_parameters`` names.
        mode: ``"train"``, ``"eval"`` or ``"mixed"``, the training flags every evaluation uses.
        behaviour: submodule name → what an evaluation does with it, for normalization
            layers, dropout and every submodule that draws random numbers.
        seed: the seed of the random draws, or None when the forward pass draws none.
        unused: names of chosen parameters that the loss on this batch does not depend on.
            The estimators need ``allow_unused=True`` for them.
        vmap_randomness: ``"same"`` when the loss draws random numbers (the same ones at
            every call), else ``"error"``; the estimators pass it to ``torch.func.vmap``.
    """

    def __init__(
        self,
        model: nn.Module,
        loss: Callable[..., Tensor],
        arguments: tuple[Any, ...],
        targets: Any,
        param_names: tuple[str, ...],
        flags: dict[str, bool],
        seed: int | None,
    ) -> None:
        self.model = model
        self.loss = loss
        self.arguments = arguments
        self.targets = targets
        self.param_names = param_names
        self.flags = dict(flags)
        self.mode = overall_mode(flags)
        self.seed = seed
        self.behaviour: dict[str, str] = {}
        self.unused: tuple[str, ...] = ()
        self.vmap_randomness = "error" if seed is None else "same"
        self._overrides = running_statistics_overrides(model, flags)

    @property
    def params(self) -> tuple[Tensor, ...]:
        """The model's current values of :attr:`param_names`, detached."""
        return tuple(self.model.get_parameter(name).detach() for name in self.param_names)

    def __call__(self, params: Sequence[Tensor]) -> Tensor:
        """Evaluate the loss with ``params`` in place of the model's parameters."""
        params = list(params)
        if len(params) != len(self.param_names):
            raise ValueError(
                f"ModuleLoss: expected {len(self.param_names)} tensors, one per name in "
                f"param_names, got {len(params)}"
            )
        values: dict[str, Tensor | None] = dict(zip(self.param_names, params))
        values.update(self._overrides)
        return self._evaluate(values)

    def with_batch(self, inputs: Any, targets: Any = None, *, check: bool = True) -> ModuleLoss:
        """Return the same loss on another batch, with the same parameters, mode and seed."""
        return _build(
            self.model,
            self.loss,
            inputs,
            targets,
            self.param_names,
            self.flags,
            self.seed,
            check,
        )

    def __repr__(self) -> str:
        return (
            f"ModuleLoss(model={type(self.model).__name__}, mode={self.mode!r}, "
            f"seed={self.seed}, params={len(self.param_names)}, behaviour={self.behaviour})"
        )

    def _evaluate(self, values: dict[str, Tensor | None]) -> Tensor:
        devices = list({value.device for value in values.values() if value is not None})
        with applied_flags(self.model, self.flags), fixed_randomness(self.seed, devices):
            outputs = functional_call(self.model, values, self.arguments)  # type: ignore[arg-type]
            if self.targets is None:
                return self.loss(outputs)
            return self.loss(outputs, self.targets)


def module_loss(
    model: nn.Module,
    loss: Callable[..., Tensor],
    inputs: Any,
    targets: Any = None,
    *,
    params: Sequence[str] | None = None,
    mode: str | None = None,
    seed: int | None = None,
    check: bool = True,
) -> ModuleLoss:
    """Return ``model``'s loss on one batch as a pure function of its parameters.

    Args:
        model: any ``nn.Module``; it is neither copied nor changed.
        loss: ``loss(outputs, targets)``, or ``loss(outputs)`` when ``targets`` is None,
            returning a scalar, for example ``torch.nn.functional.cross_entropy``.
        inputs: the model's input; a tuple is passed as several positional arguments.
        targets: the second argument of ``loss``.
        params: names of the parameters to take the curvature over; by default every
            parameter that requires grad, tied parameters once.
        mode: ``"train"`` or ``"eval"`` for every submodule, or None for each submodule's
            current flag. The flags are recorded now and used at every evaluation.
        seed: seed of the random draws (dropout), the same at every evaluation. Without it,
            one is drawn from torch's global generator, so ``torch.manual_seed`` makes it
            reproducible. Used only when the forward pass draws random numbers.
        check: validate the loss now and take one HVP, so that a module without a second
            derivative is named here rather than deep inside an estimator.

    What each evaluation guarantees:

    * normalization layers (``BatchNorm*``, ``InstanceNorm*``, ``SyncBatchNorm``) in training
      mode normalize with the batch statistics, and their running statistics are not updated;
      in evaluation mode they use the running statistics;
    * a forward pass that draws random numbers (dropout, ``RReLU``, attention dropout) draws
      the same ones at every evaluation, seeded with ``seed``, and torch's global generators
      are left as they were;
    * the model's training flags, parameters and buffers are the same afterwards.

    Cost: with ``check``, about three forward passes, two gradients and one HVP.

    Raises:
        ValueError: for unknown or non-floating parameter names, an invalid ``mode``, a loss
            that is not a finite scalar, or a submodule that changes a buffer in place
            (other than the running statistics above); the message names it.
        UnsupportedModuleError: when an HVP fails; the message names the innermost
            submodule that fails on its own, and the operation without a second derivative.

    Example:
        >>> import torch
        >>> from curvature.estimators import hessian_trace
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
        ...                             torch.nn.Linear(4, 2)).double()
        >>> x, y = torch.randn(8, 3, dtype=torch.float64), torch.randint(0, 2, (8,))
        >>> loss_fn = module_loss(model, torch.nn.functional.cross_entropy, x, y)
        >>> loss_fn.mode
        'train'
        >>> loss_fn.behaviour["1"].split(";")[0]
        'BatchNorm1d, training mode: normalizes with the statistics of the batch'
        >>> trace = hessian_trace(loss_fn, loss_fn.params)
        >>> int(model[1].num_batches_tracked)
        0
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    if mode is not None:
        check_choice("mode", mode, MODES)
    names = _parameter_names(model, params)
    return _build(model, loss, inputs, targets, names, training_flags(model, mode), seed, check)


def _build(
    model: nn.Module,
    loss: Callable[..., Tensor],
    inputs: Any,
    targets: Any,
    names: tuple[str, ...],
    flags: dict[str, bool],
    seed: int | None,
    check: bool,
) -> ModuleLoss:
    arguments = inputs if isinstance(inputs, tuple) else (inputs,)
    result = ModuleLoss(model, loss, arguments, targets, names, flags, seed=None)

    # One instrumented evaluation finds the submodules that draw random numbers or change a
    # buffer in place. It runs on copies of the buffers, so the model's own stay unchanged.
    drawn, changed, unused = _instrumented_evaluation(result)
    _reject_changed_buffers(model, changed)
    if drawn:
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        result.seed = seed
        result.vmap_randomness = "same"
    result.unused = unused
    result.behaviour = describe_behaviour(model, flags, innermost(drawn), result.seed)

    if check:
        points = result.params
        check_loss(result, points, "module_loss", allow_unused=True)
        _check_hvp(result, points)
    return result


def _parameter_names(model: nn.Module, params: Sequence[str] | None) -> tuple[str, ...]:
    available = dict(model.named_parameters())
    if params is None:
        names = tuple(name for name, param in available.items() if param.requires_grad)
        if not names:
            raise ValueError(
                f"module_loss: no parameter of the {type(model).__name__} requires grad; "
                "pass the names to differentiate with `params`"
            )
        return names

    if isinstance(params, str):
        params = [params]
    names = tuple(params)
    if not names:
        raise ValueError("module_loss: `params` is empty; pass at least one parameter name")
    for name in names:
        if name not in available:
            listed = ", ".join(repr(known) for known in available)
            raise ValueError(
                f"module_loss: `params` contains {name!r}, which is not a parameter of the "
                f"{type(model).__name__}; its parameters are {listed}"
            )
        if not available[name].is_floating_point():
            raise ValueError(
                f"module_loss: parameter {name!r} has dtype {available[name].dtype}; only "
                "floating-point parameters have a Hessian"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"module_loss: `params` names a parameter twice: {list(names)}")
    return names


def _instrumented_evaluation(
    result: ModuleLoss,
) -> tuple[set[str], list[str], tuple[str, ...]]:
    model = result.model
    leaves = [param.detach().requires_grad_(True) for param in result.params]
    values: dict[str, Tensor | None] = dict(zip(result.param_names, leaves))
    values.update(result._overrides)
    copies = {
        name: buffer.detach().clone()
        for name, buffer in model.named_buffers()
        if name not in values and buffer is not None
    }
    versions = {name: copy._version for name, copy in copies.items()}
    values.update(copies)

    devices = list({leaf.device for leaf in leaves})
    drawn: set[str] = set()
    cuda_devices = [device for device in devices if device.type == "cuda"]
    with (
        torch.random.fork_rng(devices=cuda_devices),
        random_draw_recorder(model, devices, drawn),
        torch.enable_grad(),
    ):
        loss = result._evaluate(values)

    changed = [name for name, copy in copies.items() if copy._version != versions[name]]
    unused: tuple[str, ...] = ()
    if isinstance(loss, Tensor) and loss.numel() == 1 and loss.requires_grad:
        gradients = torch.autograd.grad(loss.reshape(()), leaves, allow_unused=True)
        unused = tuple(
            name for name, gradient in zip(result.param_names, gradients) if gradient is None
        )
    return drawn, changed, unused


def _reject_changed_buffers(model: nn.Module, changed: list[str]) -> None:
    if not changed:
        return
    owners = []
    for name in changed:
        owner = name.rpartition(".")[0]
        owners.append(f"'{name}' of {type(model.get_submodule(owner)).__name__} '{owner}'")
    raise ValueError(
        "module_loss: the forward pass changes the buffer "
        + ", ".join(owners)
        + " in place, so the loss would differ from one HVP to the next and computing it "
        "would change the model. Put that module in evaluation mode (mode='eval', or "
        ".eval() on it) if it updates the buffer only in training, or move the update out "
        "of forward"
    )


def _check_hvp(result: ModuleLoss, points: tuple[Tensor, ...]) -> None:
    directions = tuple(torch.ones_like(point) for point in points)
    try:
        _single_hvp(result, points, directions, "module_loss")
    except (RuntimeError, ValueError) as error:
        failing = find_failing_modules(result)
        raise UnsupportedModuleError(_unsupported_message(result.model, failing, error)) from error


def _unsupported_message(
    model: nn.Module, failing: list[tuple[str, str]], error: BaseException
) -> str:
    if not failing:
        return (
            "module_loss: a Hessian-vector product of this loss fails, but every submodule "
            "passes on its own, so the failure is in the loss function or in how the modules "
            f"are combined. torch reported: {error}"
        )
    described = "; ".join(
        f"'{name or '(model)'}' ({type(model.get_submodule(name)).__name__}): {reason}"
        for name, reason in failing
    )
    return (
        f"module_loss: Hessian-vector products fail inside {described}. Replace the operation "
        "in that module with one that torch.func can differentiate twice, or pass `params` "
        "with only parameters of modules that run after it, whose gradients do not pass "
        "through it"
    )


__all__ = ["MODES", "ModuleLoss", "module_loss"]

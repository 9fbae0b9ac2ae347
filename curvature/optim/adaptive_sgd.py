"""Gradient descent with the curvature-adaptive learning rate, as a ``torch.optim.Optimizer``."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from curvature._validation import (
    check_choice,
    check_non_negative,
    check_positive,
    check_positive_int,
)
from curvature.errors import MissingGraphError, NonFiniteValueError
from curvature.optim.graph_trace import (
    ESTIMATORS,
    MISSING_GRAPH_MESSAGE,
    graph_trace,
    is_graph_freed,
)
from curvature.optim.history import CurvatureHistory, UndefinedRateEvent
from curvature.optim.rule import UNDEFINED_POLICIES, adaptive_learning_rate

STATE_KEY = "curvature"


class CurvatureAdaptiveSGD(Optimizer):
    r"""Gradient descent whose step size shrinks with the trace of the Hessian.

    At step t, with H_t an estimate of the Hessian of the loss at θ_t:

    .. math::
        \eta_t = \frac{\mathrm{lr}}{\sqrt{1 + \lambda\,\mathrm{tr}(H_t)}}, \qquad
        \theta_{t+1} = \theta_t - \eta_t\, \nabla L(\theta_t),

    with λ = ``curvature_scale``. tr(H_t) is the mean of the last ``average_over`` estimates,
    one taken every ``update_every`` steps, and is summed over the parameters of all groups;
    each group applies its own ``lr`` and ``curvature_scale`` to it.

    Args:
        params: parameters or parameter groups, as for any ``torch.optim`` optimizer.
        lr: the base rate lr (η₀), the rate at zero curvature.
        curvature_scale: λ ≥ 0; 0 gives plain gradient descent with rate lr.
        estimator: ``"hutchinson"`` (default): (1/m) Σ zᵀHz with m = ``num_probes``
            Rademacher probes, m HVPs, unbiased, variance (2/m)(‖H‖_F² − Σ H_ii²);
            ``"exact"``: tr(H) from n HVPs (n parameters), for small models only.
        num_probes: probes per Hutchinson estimate.
        update_every: k; the curvature is estimated at steps 0, k, 2k, … and reused between.
        average_over: number of most recent estimates averaged into tr(H_t), the mini-batch
            average of the rule.
        undefined_policy: the rate where 1 + λ·tr(H_t) ≤ 0: ``"positive-part"`` (η = lr),
            ``"absolute"`` (η = lr/√(1 + λ|tr|)), ``"previous"`` (last defined η) or
            ``"raise"``. Each such step is recorded in :attr:`history`.
        lr_min: optional lower bound that clips η_t after the policy.
        lr_max: optional upper bound that clips η_t after the policy.
        seed: seed of the probe generator; without it the seed is drawn from torch's global
            generator, so ``torch.manual_seed`` makes runs reproducible.
        record_history: whether to keep per-step rates and traces in :attr:`history`;
            steps where the rule is undefined are recorded either way.

    Gradients with a graph are needed at every step that estimates curvature. Either pass
    ``step`` a closure that returns the loss without calling ``backward`` (the optimizer then
    differentiates it, with a graph only at refresh steps), or call
    ``loss.backward(create_graph=True)`` before ``step()``.

    .. warning::
        The rule does not keep η_t·L < 2 for an L-smooth loss: for a 1-D quadratic with
        curvature L, steps diverge once L > 2(λ + √(λ² + lr²))/lr². Set ``lr_max`` or lr
        from a known L if descent must be guaranteed.

    .. note::
        The paper's Hessian approximation is a diagonal one. Its trace equals tr(H), so only
        the trace is estimated here. Gradient steps never write NaN or infinity into the
        parameters: a non-finite loss, gradient or trace, or an update that could overflow
        the parameters' dtype, raises :class:`~curvature.errors.NonFiniteValueError` before
        any parameter changes.

    Example:
        >>> import torch
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> model = torch.nn.Linear(3, 1)
        >>> optimizer = CurvatureAdaptiveSGD(model.parameters(), lr=0.1, curvature_scale=1.0)
        >>> x, y = torch.randn(16, 3), torch.randn(16, 1)
        >>> def closure():
        ...     optimizer.zero_grad()
        ...     return torch.nn.functional.mse_loss(model(x), y)
        >>> loss = optimizer.step(closure)
        >>> len(optimizer.history)
        1
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float,
        curvature_scale: float,
        *,
        estimator: str = "hutchinson",
        num_probes: int = 1,
        update_every: int = 1,
        average_over: int = 1,
        undefined_policy: str = "positive-part",
        lr_min: float | None = None,
        lr_max: float | None = None,
        seed: int | None = None,
        record_history: bool = True,
    ) -> None:
        lr = check_positive("lr", lr)
        curvature_scale = check_non_negative("curvature_scale", curvature_scale)
        _check_lr_bounds(lr_min, lr_max)
        defaults = {
            "lr": lr,
            "curvature_scale": curvature_scale,
            "lr_min": lr_min,
            "lr_max": lr_max,
        }
        super().__init__(params, defaults)

        self.estimator = check_choice("estimator", estimator, ESTIMATORS)
        self.num_probes = check_positive_int("num_probes", num_probes)
        self.update_every = check_positive_int("update_every", update_every)
        self.average_over = check_positive_int("average_over", average_over)
        self.undefined_policy = check_choice(
            "undefined_policy", undefined_policy, UNDEFINED_POLICIES
        )
        self.record_history = bool(record_history)
        self.history = CurvatureHistory()

        first = self._all_params()[0]
        self._generator = torch.Generator(device=first.device)
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        self._generator.manual_seed(seed)
        self._steps_taken = 0
        self._trace_window: list[float] = []
        self._previous_lrs: list[float | None] = [None] * len(self.param_groups)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group after checking its rates and parameter dtypes."""
        for key in ("lr", "curvature_scale"):
            if key in param_group:
                checker = check_positive if key == "lr" else check_non_negative
                checker(key, param_group[key])
        _check_lr_bounds(param_group.get("lr_min"), param_group.get("lr_max"))
        super().add_param_group(param_group)

        group_index = len(self.param_groups) - 1
        for index, param in enumerate(self.param_groups[-1]["params"]):
            if param.dtype not in (torch.float32, torch.float64):
                raise TypeError(
                    f"parameter {index} of group {group_index} has dtype {param.dtype}; "
                    "CurvatureAdaptiveSGD needs float32 or float64 parameters, because Hessian "
                    "estimates in half precision lose their digits. Keep a float32 master "
                    "copy of half-precision weights"
                )
        if hasattr(self, "_previous_lrs"):
            self._previous_lrs.append(None)

    @property
    def steps_taken(self) -> int:
        """Number of completed calls of :meth:`step`."""
        return self._steps_taken

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:  # type: ignore[override]
        """Take one step; see the class docstring for the two ways to supply gradients.

        Returns the closure's loss, or None without a closure.
        """
        params = self._all_params()
        refresh = self._steps_taken % self.update_every == 0

        # Supply gradients: from the closure's own backward, or by differentiating its loss.
        loss = None
        graph_known = False
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
            _check_closure_loss(loss)
            if _gradients_left_unset(params, loss):
                if not loss.requires_grad:
                    raise ValueError(
                        "the closure's loss does not require grad and no gradient was set; "
                        "compute the loss with autograd enabled from the optimizer's parameters"
                    )
                grads = _differentiate(loss, params, refresh)
                for param, grad in zip(params, grads):
                    if grad is not None or param.grad is None:
                        param.grad = grad
                graph_known = refresh

        active = [param for param in params if param.grad is not None]
        if not active:
            return loss

        try:
            self._check_loss_finite(loss)
            sizes = self._max_abs_sizes()
            self._check_gradients_finite(sizes)
            if refresh:
                self._refresh_trace(active, graph_known)
            trace = sum(self._trace_window) / len(self._trace_window)
            lrs = self._rates(trace, refresh)
            self._check_update_fits(lrs, sizes)
        finally:
            # Dropping the graph now breaks the parameter → gradient → graph reference cycle.
            for param in active:
                param.grad = param.grad.detach()  # type: ignore[union-attr]

        # The update itself: θ ← θ − η_g ∇L for each group g, one fused call per device and dtype.
        with torch.no_grad():
            for group, rate in zip(self.param_groups, lrs):
                updated = [param for param in group["params"] if param.grad is not None]
                for same_kind in _group_by_device_and_dtype(updated).values():
                    gradients = [param.grad for param in same_kind]
                    torch._foreach_add_(same_kind, gradients, alpha=-rate)  # type: ignore[arg-type]

        self._steps_taken += 1
        return loss

    def state_dict(self) -> dict[str, Any]:
        """Return the optimizer state, including the probe generator and the trace window."""
        state = super().state_dict()
        state[STATE_KEY] = {
            "steps_taken": self._steps_taken,
            "trace_window": list(self._trace_window),
            "previous_lrs": list(self._previous_lrs),
            "generator_state": self._generator.get_state(),
            "history": self.history.to_dict(),
        }
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`; the run continues bit for bit."""
        if STATE_KEY not in state_dict:
            raise ValueError(
                f"`state_dict` has no '{STATE_KEY}' entry, so it was not saved by "
                "CurvatureAdaptiveSGD; load a state saved by this optimizer class"
            )
        extra = copy.deepcopy(state_dict[STATE_KEY])
        base = {key: value for key, value in state_dict.items() if key != STATE_KEY}
        super().load_state_dict(base)

        self._steps_taken = int(extra["steps_taken"])
        self._trace_window = [float(value) for value in extra["trace_window"]]
        self._previous_lrs = list(extra["previous_lrs"])
        self._generator.set_state(extra["generator_state"])
        self.history = CurvatureHistory.from_dict(extra["history"])

    def _all_params(self) -> list[Tensor]:
        return [param for group in self.param_groups for param in group["params"]]

    def _check_loss_finite(self, loss: Tensor | None) -> None:
        if loss is not None and not torch.isfinite(loss.detach()).all():
            raise NonFiniteValueError(
                f"the loss is {loss.item()} at step {self._steps_taken}; no parameter was "
                "changed. Lower lr or check the model for overflow"
            )

    def _max_abs_sizes(self) -> dict[tuple[int, int], tuple[float, float]]:
        """Return (max|θ|, max|∇L|) for each parameter with a gradient, keyed (group, index).

        Both checks of a step read these maxima, which take one ``aminmax`` reduction per
        tensor and one transfer to the host per device and dtype. max|x| = max(−min x, max x)
        is NaN or infinite exactly when an entry is, because both reductions propagate NaN.
        (The infinity norm gives the same values but runs about eight times slower on CPU.)
        """
        entries = [
            (group_index, index, param)
            for group_index, group in enumerate(self.param_groups)
            for index, param in enumerate(group["params"])
            if param.grad is not None and param.numel() > 0
        ]
        by_kind: dict[tuple[torch.device, torch.dtype], list[tuple[int, int, Tensor]]] = {}
        for entry in entries:
            by_kind.setdefault((entry[2].device, entry[2].dtype), []).append(entry)

        sizes: dict[tuple[int, int], tuple[float, float]] = {}
        for same_kind in by_kind.values():
            values = [param.detach() for _, _, param in same_kind]
            gradients = [param.grad.detach() for _, _, param in same_kind]  # type: ignore[union-attr]
            extremes = torch.stack([torch.stack(torch.aminmax(t)) for t in values + gradients])
            maxima = torch.maximum(-extremes[:, 0], extremes[:, 1]).tolist()
            count = len(same_kind)
            for position, (group_index, index, _) in enumerate(same_kind):
                sizes[(group_index, index)] = (maxima[position], maxima[count + position])
        return sizes

    def _check_gradients_finite(self, sizes: dict[tuple[int, int], tuple[float, float]]) -> None:
        for (group_index, index), (_, gradient) in sizes.items():
            if not math.isfinite(gradient):
                param = self.param_groups[group_index]["params"][index]
                raise NonFiniteValueError(
                    f"the gradient of parameter {index} in group {group_index} (shape "
                    f"{tuple(param.shape)}) contains NaN or infinity at step "
                    f"{self._steps_taken}; no parameter was changed. Lower lr or check "
                    "the loss for overflow"
                )

    def _check_update_fits(
        self, lrs: list[float], sizes: dict[tuple[int, int], tuple[float, float]]
    ) -> None:
        # |θ − η∇L| ≤ max|θ| + η·max|∇L| entrywise, so a bound below the dtype's largest value
        # rules out an overflow to infinity. The bound is summed in Python floats.
        for (group_index, index), (size, gradient) in sizes.items():
            rate = lrs[group_index]
            param = self.param_groups[group_index]["params"][index]
            largest = torch.finfo(param.dtype).max
            if not size + rate * gradient <= largest:
                raise NonFiniteValueError(
                    f"the update of parameter {index} in group {group_index} (shape "
                    f"{tuple(param.shape)}) could overflow {param.dtype} at step "
                    f"{self._steps_taken}: max|θ| = {size:.3g} and η·max|∇L| = "
                    f"{rate:.3g}·{gradient:.3g}; no parameter was changed. Lower lr, set "
                    "lr_max, or scale the loss down"
                )

    def _refresh_trace(self, active: list[Tensor], graph_known: bool) -> None:
        estimate = graph_trace(
            active,
            [param.grad for param in active],  # type: ignore[misc]
            estimator=self.estimator,
            num_probes=self.num_probes,
            generator=self._generator,
            graph_known=graph_known,
        )
        if not torch.isfinite(torch.tensor(estimate)):
            raise NonFiniteValueError(
                f"the Hessian trace estimate is {estimate} at step {self._steps_taken}; no "
                "parameter was changed. Lower lr or check the loss for overflow"
            )
        self._trace_window.append(estimate)
        del self._trace_window[: -self.average_over]

    def _rates(self, trace: float, refreshed: bool) -> list[float]:
        lrs = []
        for group_index, group in enumerate(self.param_groups):
            rate = adaptive_learning_rate(
                group["lr"],
                group["curvature_scale"],
                trace,
                policy=self.undefined_policy,
                previous=self._previous_lrs[group_index],
                lr_min=group["lr_min"],
                lr_max=group["lr_max"],
                step=self._steps_taken,
            )
            if rate.defined:
                self._previous_lrs[group_index] = rate.value
            else:
                # Undefined steps are recorded even without record_history: they are rare
                # in a sound run and each one is a deviation from the paper's formula.
                self.history.undefined.append(
                    UndefinedRateEvent(
                        step=self._steps_taken,
                        group=group_index,
                        trace=trace,
                        denominator=rate.denominator,
                        policy=self.undefined_policy,
                        lr=rate.value,
                    )
                )
            lrs.append(rate.value)

        if self.record_history:
            self.history.traces.append(trace)
            self.history.lrs.append(lrs)
            self.history.refreshed.append(refreshed)
        return lrs


def _group_by_device_and_dtype(params: list[Tensor]) -> dict[tuple[Any, Any], list[Tensor]]:
    groups: dict[tuple[Any, Any], list[Tensor]] = {}
    for param in params:
        groups.setdefault((param.device, param.dtype), []).append(param)
    return groups


def _gradients_left_unset(params: list[Tensor], loss: Tensor) -> bool:
    # True when the closure did not call backward: no gradient at all, or only the zero
    # tensors without a graph that zero_grad(set_to_none=False) leaves. Gradients of a plain
    # backward also lack a graph but are not all zero, so the graph check reports them.
    existing = [param.grad for param in params if param.grad is not None]
    if not existing:
        return True
    if any(grad.requires_grad for grad in existing) or not loss.requires_grad:
        return False
    return not any(bool(grad.any()) for grad in existing)


def _differentiate(loss: Tensor, params: list[Tensor], create_graph: bool) -> list[Tensor | None]:
    try:
        grads = torch.autograd.grad(loss, params, create_graph=create_graph, allow_unused=True)
    except RuntimeError as error:
        if is_graph_freed(error):
            # The closure ran a plain backward whose gradients happened to be all zero.
            raise MissingGraphError(MISSING_GRAPH_MESSAGE) from error
        raise
    return list(grads)


def _check_closure_loss(loss: Any) -> None:
    if not isinstance(loss, Tensor):
        raise TypeError(
            f"the closure must return the loss as a torch.Tensor, got {type(loss).__name__}"
        )
    if loss.numel() != 1:
        raise ValueError(
            f"the closure must return a scalar loss, got shape {tuple(loss.shape)}; reduce it, "
            "for example with .mean()"
        )


def _check_lr_bounds(lr_min: float | None, lr_max: float | None) -> None:
    if lr_min is not None:
        check_positive("lr_min", lr_min)
    if lr_max is not None:
        check_positive("lr_max", lr_max)
    if lr_min is not None and lr_max is not None and lr_min > lr_max:
        raise ValueError(
            f"`lr_min` must not exceed `lr_max`, got lr_min={lr_min!r} and lr_max={lr_max!r}"
        )

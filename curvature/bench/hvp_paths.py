"""The fastest way to compute an HVP on a given model, measured against its gradient.

The library's functional estimators run HVPs through
:func:`curvature.estimators.batched_hvp`, whose ``mode`` picks forward-over-reverse or
reverse-over-reverse; the optimizer uses double backward through a stored graph. Which is
fastest depends on the model's operations and the hardware, so :func:`choose_hvp_mode`
measures the modes on the caller's own loss and returns the fastest. With ``remember=True``
it stores the choice as ``loss_fn.hvp_mode``, which ``batched_hvp(mode="auto")`` and so every
estimator built on it then try first for that loss.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from curvature._validation import check_positive_int
from curvature.bench.problems import BenchProblem
from curvature.bench.timing import Timing, time_interleaved
from curvature.bench.workloads import HVP_PATHS, gradient_workload, hvp_path_workload
from curvature.estimators import batched_hvp, draw_probes
from curvature.estimators._params import LossFunction, check_loss, num_elements, prepare_params

LIBRARY_MODES = ("forward-over-reverse", "reverse-over-reverse")
"""The ``mode`` values of :func:`~curvature.estimators.batched_hvp` that compute one path."""


@dataclass(frozen=True)
class HvpPathComparison:
    """HVP paths on one problem, timed in the same rounds as its gradient.

    Attributes:
        family, n: the problem.
        gradient: the time of one gradient, timed with the eager paths.
        paths: path name → time of one HVP from θ (gradient included, as each path needs it).
        baselines: path name → the time of one gradient timed in the same rounds as it.
        errors: path name → why it could not run (for example, no ``torch.compile`` support).
        fastest: the fastest path of all.
        library_mode: the fastest of the eager :data:`LIBRARY_MODES`, the mode to pass to
            ``batched_hvp`` for this model.
    """

    family: str
    n: int
    gradient: Timing
    paths: dict[str, Timing]
    baselines: dict[str, Timing]
    errors: dict[str, str]
    fastest: str
    library_mode: str

    def ratio(self, path: str) -> float:
        """Return the time of ``path`` over that of a gradient in its rounds (minima)."""
        return self.paths[path].minimum / self.baselines[path].minimum

    def to_dict(self) -> dict[str, object]:
        """Return the comparison as a JSON-ready dict."""
        return {
            "family": self.family,
            "n": self.n,
            "gradient": self.gradient.to_dict(),
            "paths": {
                name: {
                    **timing.to_dict(),
                    "gradient_min_s": self.baselines[name].minimum,
                    "ratio_to_gradient": self.ratio(name),
                }
                for name, timing in self.paths.items()
            },
            "errors": dict(self.errors),
            "fastest": self.fastest,
            "library_mode": self.library_mode,
        }


def compare_hvp_paths(
    problem: BenchProblem,
    *,
    rounds: int,
    warmup: int = 1,
    min_block_seconds: float = 0.05,
    compile: bool = True,
) -> HvpPathComparison:
    """Time every HVP path on ``problem``, eager and (with ``compile``) compiled.

    The eager paths are timed with the gradient before anything is compiled. Code that
    ``torch.compile`` generates for the CPU runs on its own OpenMP thread pool, whose idle
    threads can keep spinning and slow eager code that runs after it on the same cores. The
    compiled paths are then timed with the gradient again, and each path's ratio uses the
    gradient of its own group.
    """
    errors: dict[str, str] = {}
    paths: dict[str, Timing] = {}
    baselines: dict[str, Timing] = {}
    variants = (False, True) if compile else (False,)

    for compiled in variants:
        candidates: dict[str, Callable[[], object]] = {}
        for path in HVP_PATHS:
            name = f"{path}+compile" if compiled else path
            workload = hvp_path_workload(problem, path, compiled=compiled)

            # The first call compiles; a path that cannot run is reported, not timed.
            try:
                workload()
            except Exception as error:
                errors[name] = f"{type(error).__name__}: {_first_line(error)}"
                continue
            candidates[name] = workload

        timings = time_interleaved(
            {"gradient": gradient_workload(problem), **candidates},
            rounds=rounds,
            warmup=warmup,
            min_block_seconds=min_block_seconds,
        )
        for name in candidates:
            paths[name] = timings[name]
            baselines[name] = timings["gradient"]
        if not compiled:
            eager_gradient = timings["gradient"]

    library = [mode for mode in LIBRARY_MODES if mode in paths]
    return HvpPathComparison(
        family=problem.family,
        n=problem.n,
        gradient=eager_gradient,
        paths=paths,
        baselines=baselines,
        errors=errors,
        fastest=min(paths, key=lambda name: paths[name].minimum / baselines[name].minimum),
        library_mode=min(library, key=lambda name: paths[name].minimum),
    )


def choose_hvp_mode(
    loss_fn: LossFunction,
    params: Sequence[Tensor],
    *,
    num_vectors: int = 1,
    rounds: int = 3,
    remember: bool = False,
) -> str:
    """Return the fastest ``mode`` of ``batched_hvp`` for this loss, measured on it.

    Each mode that runs on the loss is timed on ``num_vectors`` Rademacher vectors in
    ``rounds`` interleaved rounds. A mode that raises (some operations have no forward-mode
    derivative) is left out. With ``remember``, the result is also stored as
    ``loss_fn.hvp_mode``, the mode that ``batched_hvp(mode="auto")`` tries first for this
    loss. Cost: about 2·(rounds + 1) calls of ``batched_hvp`` plus one gradient to validate
    the loss.

    Raises:
        ValueError: when ``num_vectors`` or ``rounds`` is not a positive integer, the loss
            fails the checks of the estimators, or ``remember`` is set for a loss that takes
            no attributes (a bound method: wrap it in a function first).
        RuntimeError: when no mode can differentiate the loss.

    Example:
        >>> import torch
        >>> x = torch.randn(100)
        >>> choose_hvp_mode(lambda ps: (ps[0] ** 4).sum(), [x]) in LIBRARY_MODES
        True
    """
    check_positive_int("num_vectors", num_vectors)
    check_positive_int("rounds", rounds)
    points = prepare_params(params, "choose_hvp_mode")
    check_loss(loss_fn, points, "choose_hvp_mode", allow_unused=False)

    vectors = draw_probes(
        num_vectors,
        num_elements(points),
        generator=torch.Generator().manual_seed(0),
        dtype=points[0].dtype,
        device=points[0].device,
    )
    candidates: dict[str, Callable[[], object]] = {}
    failures = []
    for mode in LIBRARY_MODES:

        def product(mode: str = mode) -> Tensor:
            return batched_hvp(loss_fn, points, vectors, mode=mode)

        # batched_hvp warns before it retries vector by vector; here a failure only rules
        # the mode out.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                product()
        except RuntimeError as error:
            failures.append(f"{mode}: {_first_line(error)}")
            continue
        candidates[mode] = product

    if not candidates:
        raise RuntimeError("no HVP mode can differentiate this loss: " + "; ".join(failures))
    timings = time_interleaved(candidates, rounds=rounds, warmup=0, min_block_seconds=0.01)
    fastest = min(timings, key=lambda mode: timings[mode].minimum)
    if remember:
        _store_mode(loss_fn, fastest)
    return fastest


def _store_mode(loss_fn: LossFunction, mode: str) -> None:
    try:
        loss_fn.hvp_mode = mode  # type: ignore[attr-defined]
    except AttributeError:
        raise ValueError(
            f"cannot store `hvp_mode` on the loss {loss_fn!r}, which takes no attributes; wrap "
            "it in a function (def loss(params): return ...) and pass that"
        ) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

"""The library's estimators timed beside the peers that compute the same quantity.

Each quantity is one group timed in shared interleaved rounds:

* ``trace``: Hutchinson's tr(H) with m probes (this library, curvlinops, PyHessian, and a
  minimal ``torch.func`` reference);
* ``diagonal``: Hutchinson's diag(H) with m probes (this library, curvlinops, the reference);
* ``exact-diagonal``: diag(H) exactly (this library's n HVPs, BackPACK's ``DiagHessian``), on
  a smaller MLP where n HVPs still fit in seconds.

Before timing, each peer's H v (or exact diagonal) is compared with this library's, so that
a record never compares costs of different quantities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor
from torch.func import grad, jvp, vmap

from curvature.bench import peers
from curvature.bench.problems import BenchProblem
from curvature.bench.timing import Timing, time_interleaved
from curvature.estimators import (
    batched_hvp,
    draw_probes,
    hessian_diagonal,
    hutchinson_diagonal,
    hutchinson_trace,
)
from curvature.estimators._params import flatten, unflatten_batched

OURS = "curvature"
REFERENCE = "torch.func reference"
Workload = Callable[[], object]


@dataclass
class PeerComparison:
    """Times of each implementation of each quantity, and how well the peers agree.

    Attributes:
        num_probes: m, the probes per estimate.
        statuses: every peer with its import status.
        sizes: quantity → n of the MLP it was timed on.
        timings: quantity → implementation → time of one estimate.
        agreement: check name → max |peer − this library| / max |this library|.
        errors: implementation or check → why it could not run.
    """

    num_probes: int
    statuses: list[peers.PeerStatus]
    sizes: dict[str, int] = field(default_factory=dict)
    timings: dict[str, dict[str, Timing]] = field(default_factory=dict)
    agreement: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def fastest_peer(self, quantity: str) -> str | None:
        """Return the fastest peer library for ``quantity``, or None if none ran."""
        others = {
            name: timing
            for name, timing in self.timings.get(quantity, {}).items()
            if name not in (OURS, REFERENCE)
        }
        return min(others, key=lambda name: others[name].minimum) if others else None

    def to_dict(self) -> dict[str, object]:
        """Return the comparison as a JSON-ready dict."""
        return {
            "num_probes": self.num_probes,
            "peers": {status.peer.name: status.to_dict() for status in self.statuses},
            "sizes": dict(self.sizes),
            "timings": {
                quantity: {name: timing.to_dict() for name, timing in group.items()}
                for quantity, group in self.timings.items()
            },
            "fastest_peer": {quantity: self.fastest_peer(quantity) for quantity in self.timings},
            "agreement": dict(self.agreement),
            "errors": dict(self.errors),
        }


IMPLEMENTATIONS = {
    "trace": (OURS, REFERENCE, "curvlinops", "pyhessian"),
    "diagonal": (OURS, REFERENCE, "curvlinops"),
    "exact-diagonal": (OURS, "backpack"),
}
"""Quantity → the implementations that compute it, this library's first."""


def build_workload(
    quantity: str, implementation: str, problem: BenchProblem, num_probes: int
) -> Workload:
    """Return one estimate of ``quantity`` by ``implementation`` on ``problem``.

    Raises:
        ValueError: for a pair that :data:`IMPLEMENTATIONS` does not list.
        ImportError: when the peer library is not installed.
    """
    if implementation not in IMPLEMENTATIONS.get(quantity, ()):
        raise ValueError(
            f"no implementation {implementation!r} of {quantity!r}; known: {IMPLEMENTATIONS}"
        )
    generator = torch.Generator().manual_seed(0)
    loss_fn, params = problem.loss_fn, problem.params

    if implementation == OURS and quantity == "trace":
        return lambda: hutchinson_trace(loss_fn, params, num_probes, generator=generator)
    if implementation == OURS and quantity == "diagonal":
        return lambda: hutchinson_diagonal(loss_fn, params, num_probes, generator=generator)
    if implementation == OURS:
        return lambda: hessian_diagonal(loss_fn, params)
    if implementation == REFERENCE:
        return reference_estimate(problem, num_probes, quantity)
    if implementation == "curvlinops":
        return peers.curvlinops_workloads(problem, num_probes)[quantity]
    if implementation == "pyhessian":
        return peers.pyhessian_trace_workload(problem, num_probes)
    return peers.backpack_diagonal_workload(problem)


def compare_peers(
    problem: BenchProblem,
    small: BenchProblem,
    *,
    num_probes: int,
    rounds: int,
    warmup: int = 1,
    min_block_seconds: float = 0.05,
) -> PeerComparison:
    """Time the estimators and the available peers on ``problem`` (exact ones on ``small``)."""
    statuses = [peers.peer_status(peer) for peer in peers.PEERS]
    unavailable = {status.peer.name for status in statuses if not status.available}
    comparison = PeerComparison(num_probes, statuses)
    _check_agreement(comparison, problem, small, unavailable)

    for quantity, names in IMPLEMENTATIONS.items():
        target = small if quantity == "exact-diagonal" else problem
        comparison.sizes[quantity] = target.n
        workloads: dict[str, Workload] = {}
        for name in names:
            if name in unavailable:
                continue

            # Build and call once: a peer that fails on this model is reported, not timed.
            try:
                workload = build_workload(quantity, name, target, num_probes)
                workload()
            except Exception as error:
                comparison.errors[f"{name} {quantity}"] = f"{type(error).__name__}: {error}"
                continue
            workloads[name] = workload

        comparison.timings[quantity] = time_interleaved(
            workloads, rounds=rounds, warmup=warmup, min_block_seconds=min_block_seconds
        )
    return comparison


def _check_agreement(
    comparison: PeerComparison, problem: BenchProblem, small: BenchProblem, unavailable: set[str]
) -> None:
    vector = draw_probes(
        1,
        problem.n,
        generator=torch.Generator().manual_seed(1),
        dtype=problem.dtype,
        device=problem.device,
    )
    ours = batched_hvp(problem.loss_fn, problem.params, vector)[0]
    checks: dict[str, Callable[[], tuple[Tensor, Tensor]]] = {
        "curvlinops H v": lambda: (peers.curvlinops_hvp(problem, vector[0]), ours),
        "pyhessian H v": lambda: (peers.pyhessian_hvp(problem, vector[0]), ours),
        "backpack exact diagonal": lambda: (
            peers.backpack_exact_diagonal(small),
            flatten(hessian_diagonal(small.loss_fn, small.params)),
        ),
    }
    for check, compute in checks.items():
        if check.split()[0] in unavailable:
            continue
        try:
            theirs, reference = compute()
        except Exception as error:
            comparison.errors[check] = f"{type(error).__name__}: {error}"
            continue
        scale = float(reference.abs().max()) or 1.0
        comparison.agreement[check] = float((theirs.detach() - reference).abs().max()) / scale


def reference_estimate(problem: BenchProblem, num_probes: int, quantity: str) -> Workload:
    """Return a minimal torch.func Hutchinson estimate: vmap of jvp of grad, nothing else."""
    generator = torch.Generator().manual_seed(0)

    def loss_of_tuple(ps: tuple[Tensor, ...]) -> Tensor:
        return problem.loss_fn(ps)

    params = tuple(problem.params)

    def product(direction: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        return tuple(jvp(grad(loss_of_tuple), (params,), (direction,))[1])

    def estimate() -> Tensor:
        probes = draw_probes(
            num_probes, problem.n, generator=generator, dtype=problem.dtype, device=problem.device
        )
        products = vmap(product)(unflatten_batched(probes, params))
        terms = probes * torch.cat([part.reshape(num_probes, -1) for part in products], dim=1)
        if quantity == "trace":
            return terms.sum(dim=1).mean()
        return terms.mean(dim=0)

    return estimate

"""Peer libraries that compute the same curvature quantities, wrapped as workloads.

The peers are optional benchmark dependencies, installed from the package index (the
``bench`` extra); none is vendored. Each wrapper builds its peer's objects once for a
problem and returns a function without arguments that computes one estimate on the same
model, batch and number of probes as the library's own workload:

* curvlinops (``curvlinops-for-pytorch``): ``hutchinson_trace`` and ``hutchinson_diag`` on a
  ``HessianLinearOperator``, which takes HVPs forward-over-reverse with ``torch.func``;
* PyHessian (``pyhessian``): ``hessian(...).trace``, Hutchinson's trace by double backward;
  its constructor computes the gradient with a graph, so it runs inside the workload;
* BackPACK (``backpack-for-pytorch``): the exact diagonal ``DiagHessian``, propagated
  layer by layer in one extended backward pass, for the layers it supports;
* pytorch-optimizer: ``AdaHessian``, an optimizer with a Hutchinson diagonal every
  ``update_period`` steps, whose documented use calls ``backward(create_graph=True)`` at every
  step.

A peer that cannot be imported is reported with its error instead of being left out.
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import torch
from torch import Tensor, nn

from curvature.bench.optimizer_steps import LR, mlp_loss
from curvature.bench.problems import BenchProblem

Workload = Callable[[], object]


@dataclass(frozen=True)
class Peer:
    """A peer library: its display name, distribution and import name."""

    name: str
    distribution: str
    module: str


PEERS = (
    Peer("curvlinops", "curvlinops-for-pytorch", "curvlinops"),
    Peer("pyhessian", "pyhessian", "pyhessian"),
    Peer("backpack", "backpack-for-pytorch", "backpack"),
    Peer("pytorch-optimizer", "pytorch-optimizer", "pytorch_optimizer"),
)


@dataclass(frozen=True)
class PeerStatus:
    """Whether a peer imports, its installed version, and the import error if it does not."""

    peer: Peer
    available: bool
    version: str | None
    error: str | None

    def to_dict(self) -> dict[str, object]:
        """Return the status as a JSON-ready dict."""
        return {
            "distribution": self.peer.distribution,
            "available": self.available,
            "version": self.version,
            "error": self.error,
        }


def peer_named(name: str) -> Peer:
    """Return the peer whose display name is ``name``."""
    for peer in PEERS:
        if peer.name == name:
            return peer
    known = ", ".join(peer.name for peer in PEERS)
    raise ValueError(f"unknown peer {name!r}; known peers: {known}")


def peer_status(peer: Peer) -> PeerStatus:
    """Import ``peer`` and return whether that worked, with the error message if not."""
    try:
        version: str | None = metadata.version(peer.distribution)
    except metadata.PackageNotFoundError:
        version = None

    try:
        importlib.import_module(peer.module)
    except Exception as error:
        return PeerStatus(peer, False, version, f"{type(error).__name__}: {error}")
    return PeerStatus(peer, True, version, None)


def curvlinops_workloads(problem: BenchProblem, num_probes: int) -> dict[str, Workload]:
    """Return curvlinops' Hutchinson trace and diagonal on the problem's MLP."""
    from curvlinops import HessianLinearOperator, hutchinson_diag, hutchinson_trace

    operator = _curvlinops_operator(problem, HessianLinearOperator)
    return {
        "trace": lambda: hutchinson_trace(operator, num_probes),
        "diagonal": lambda: hutchinson_diag(operator, num_probes),
    }


def curvlinops_hvp(problem: BenchProblem, vector: Tensor) -> Tensor:
    """Return curvlinops' H v for a flat vector v, to check that it sees the same Hessian."""
    from curvlinops import HessianLinearOperator

    return _curvlinops_operator(problem, HessianLinearOperator) @ vector


def pyhessian_trace_workload(problem: BenchProblem, num_probes: int) -> Workload:
    """Return PyHessian's Hutchinson trace with exactly ``num_probes`` probes."""
    from pyhessian import hessian

    model = problem.fresh_model()
    criterion = nn.CrossEntropyLoss()
    on_cuda = problem.device.type == "cuda"

    def trace() -> float:
        # PyHessian accumulates its graph gradient into .grad; start from none each call.
        model.zero_grad(set_to_none=True)
        computer = hessian(model, criterion, data=(problem.inputs, problem.targets), cuda=on_cuda)

        # A tolerance of -inf never stops early, so every call takes num_probes probes.
        samples = computer.trace(maxIter=num_probes, tol=-math.inf)
        return sum(samples) / len(samples)

    return trace


def pyhessian_hvp(problem: BenchProblem, vector: Tensor) -> Tensor:
    """Return PyHessian's H v for a flat vector v."""
    from pyhessian import hessian
    from pyhessian.utils import hessian_vector_product

    model = problem.fresh_model()
    on_cuda = problem.device.type == "cuda"
    computer = hessian(
        model, nn.CrossEntropyLoss(), data=(problem.inputs, problem.targets), cuda=on_cuda
    )
    pieces = _split(vector, computer.params)
    product = hessian_vector_product(computer.gradsH, computer.params, pieces)
    return torch.cat([part.reshape(-1) for part in product]).detach()


def backpack_diagonal_workload(problem: BenchProblem) -> Workload:
    """Return BackPACK's exact Hessian diagonal, flattened in parameter order."""
    from backpack import backpack, extend
    from backpack.extensions import DiagHessian

    model = extend(problem.fresh_model())
    criterion = extend(nn.CrossEntropyLoss())

    def diagonal() -> Tensor:
        model.zero_grad(set_to_none=True)
        loss = criterion(model(problem.inputs), problem.targets)

        # BackPACK's module hooks fire without input gradients here, and torch warns that
        # they do; the parameters' gradients, which BackPACK uses, are unaffected.
        with warnings.catch_warnings(), backpack(DiagHessian()):
            warnings.simplefilter("ignore", UserWarning)
            loss.backward()
        return torch.cat([param.diag_h.reshape(-1) for param in model.parameters()])

    return diagonal


def backpack_exact_diagonal(problem: BenchProblem) -> Tensor:
    """Return BackPACK's exact Hessian diagonal once, flattened in parameter order."""
    diagonal: Tensor = backpack_diagonal_workload(problem)()  # type: ignore[assignment]
    return diagonal


def adahessian_cycle(problem: BenchProblem, update_period: int) -> Callable[[], None]:
    """Return a function that runs ``update_period`` AdaHessian steps on the problem's MLP."""
    from pytorch_optimizer import AdaHessian

    model = problem.fresh_model()
    optimizer = AdaHessian(
        model.parameters(),
        lr=LR,
        update_period=update_period,
        num_samples=1,
        hessian_distribution="rademacher",
    )

    def cycle() -> None:
        # torch warns that backward(create_graph=True) makes a reference cycle; AdaHessian's
        # documented use needs exactly that call.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            for _ in range(update_period):
                optimizer.zero_grad()
                mlp_loss(problem, model).backward(create_graph=True)
                optimizer.step()

    return cycle


def _curvlinops_operator(problem: BenchProblem, operator_class: Any) -> Any:
    model = problem.fresh_model()
    params = [param for param in model.parameters() if param.requires_grad]
    return operator_class(
        model,
        nn.CrossEntropyLoss(),
        params,
        [(problem.inputs, problem.targets)],
        check_deterministic=False,
    )


def _split(vector: Tensor, like: list[Tensor]) -> list[Tensor]:
    sizes = [param.numel() for param in like]
    return [piece.reshape(param.shape) for piece, param in zip(vector.split(sizes), like)]

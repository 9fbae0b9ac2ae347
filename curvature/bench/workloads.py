"""The costs being measured, each as a function without arguments built for one problem.

Every workload starts from the parameters θ and the data, as a training step would, so it
pays for the forward pass and the gradient it needs:

* ``gradient``: ∇L(θ) by one backward pass (``torch.autograd.grad``), the unit of cost;
* ``hvp``: H v for one vector through the library's ``batched_hvp`` in its default mode;
* ``hutchinson-probe``: one Rademacher probe z, H z by the same path, and z ⊙ H z, the
  per-probe work of :func:`curvature.estimators.hutchinson_diagonal`;
* ``hutchinson-call``: the public ``hutchinson_diagonal`` with one probe, which also
  evaluates the loss and its gradient once to validate it;
* ``exact-diagonal``: ``hessian_diagonal``, n HVPs in chunks;
* ``dense-hessian``: ``hessian``, n HVPs and an n-by-n result.

The HVP paths compared against each other, each returning H v for one v:

* ``double-backward``: g = ∇L with ``create_graph=True``, then ∂(gᵀv)/∂θ by a second
  backward pass, as :class:`~curvature.CurvatureAdaptiveSGD` does;
* ``forward-over-reverse``: ``torch.func.jvp`` of ``torch.func.grad``;
* ``reverse-over-reverse``: ``torch.func.vjp`` of ``torch.func.grad``;

each eager or wrapped in ``torch.compile`` (suffix ``+compile``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor
from torch.func import grad, jvp, vjp

from curvature._validation import check_choice
from curvature.bench.problems import BenchProblem
from curvature.estimators import (
    batched_hvp,
    draw_probes,
    hessian,
    hessian_diagonal,
    hutchinson_diagonal,
)
from curvature.estimators._params import num_elements

Workload = Callable[[], object]

SCALING_WORKLOADS = (
    "gradient",
    "hvp",
    "hutchinson-probe",
    "hutchinson-call",
    "exact-diagonal",
    "dense-hessian",
)
QUADRATIC_WORKLOADS = ("exact-diagonal", "dense-hessian")
HVP_PATHS = ("double-backward", "forward-over-reverse", "reverse-over-reverse")


def scaling_workload(problem: BenchProblem, name: str, *, seed: int = 0) -> Workload:
    """Return the workload ``name`` (one of :data:`SCALING_WORKLOADS`) for ``problem``."""
    check_choice("name", name, SCALING_WORKLOADS)
    loss_fn, params = problem.loss_fn, problem.params

    if name == "gradient":
        return gradient_workload(problem)
    if name == "exact-diagonal":
        return lambda: hessian_diagonal(loss_fn, params)
    if name == "dense-hessian":
        return lambda: hessian(loss_fn, params)

    generator = torch.Generator(device="cpu").manual_seed(seed)
    if name == "hutchinson-call":
        return lambda: hutchinson_diagonal(loss_fn, params, 1, generator=generator)

    def probe_row() -> Tensor:
        return draw_probes(
            1, problem.n, generator=generator, dtype=problem.dtype, device=problem.device
        )

    if name == "hvp":
        vector = probe_row()
        return lambda: batched_hvp(loss_fn, params, vector)

    def hutchinson_probe() -> Tensor:
        probe = probe_row()
        return probe * batched_hvp(loss_fn, params, probe)

    return hutchinson_probe


def gradient_workload(problem: BenchProblem) -> Workload:
    """Return ∇L(θ) by one forward and one backward pass with ``torch.autograd.grad``."""
    leaves = [param.detach().clone().requires_grad_(True) for param in problem.params]

    def gradient() -> tuple[Tensor, ...]:
        return torch.autograd.grad(problem.loss_fn(leaves), leaves)

    return gradient


def hvp_path_workload(problem: BenchProblem, path: str, *, compiled: bool = False) -> Workload:
    """Return H v for a fixed Rademacher v by ``path`` (one of :data:`HVP_PATHS`).

    With ``compiled``, the function goes through ``torch.compile`` first; the first call
    compiles, so time it only after a warm-up call.
    """
    check_choice("path", path, HVP_PATHS)
    flat = path_vector(problem)
    sizes = [param.numel() for param in problem.params]
    vector = tuple(
        piece.reshape(param.shape) for piece, param in zip(flat.split(sizes), problem.params)
    )
    product = _path_function(problem, path)
    if compiled:
        # Static shapes: for a second problem size torch would otherwise recompile with
        # symbolic shapes, and forward-over-reverse then fails in torch 2.13 ("Cannot call
        # storage_offset() on tensor with symbolic sizes/strides").
        product = torch.compile(product, dynamic=False)
    params = tuple(problem.params)
    return lambda: product(params, vector)


def path_vector(problem: BenchProblem) -> Tensor:
    """Return the flat Rademacher vector v that :func:`hvp_path_workload` multiplies by H."""
    generator = torch.Generator(device="cpu").manual_seed(0)
    probes = draw_probes(
        1, problem.n, generator=generator, dtype=problem.dtype, device=problem.device
    )
    return probes[0]


def _path_function(
    problem: BenchProblem, path: str
) -> Callable[[tuple[Tensor, ...], tuple[Tensor, ...]], tuple[Tensor, ...]]:
    def loss_of_tuple(ps: tuple[Tensor, ...]) -> Tensor:
        return problem.loss_fn(ps)

    if path == "forward-over-reverse":

        def forward_over_reverse(
            ps: tuple[Tensor, ...], v: tuple[Tensor, ...]
        ) -> tuple[Tensor, ...]:
            return tuple(jvp(grad(loss_of_tuple), (ps,), (v,))[1])

        return forward_over_reverse

    if path == "reverse-over-reverse":

        def reverse_over_reverse(
            ps: tuple[Tensor, ...], v: tuple[Tensor, ...]
        ) -> tuple[Tensor, ...]:
            return tuple(vjp(grad(loss_of_tuple), ps)[1](v)[0])

        return reverse_over_reverse

    def double_backward(ps: tuple[Tensor, ...], v: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        leaves = [param.detach().requires_grad_(True) for param in ps]
        with torch.enable_grad():
            gradients = torch.autograd.grad(loss_of_tuple(tuple(leaves)), leaves, create_graph=True)
            return torch.autograd.grad(gradients, leaves, grad_outputs=v)

    return double_backward


def dense_hessian_bytes(problem: BenchProblem) -> int:
    """Return the bytes of the n-by-n result of ``dense-hessian`` for ``problem``."""
    n = num_elements(problem.params)
    return n * n * problem.params[0].element_size()

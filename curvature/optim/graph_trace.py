"""Hessian trace from gradients that still carry their autograd graph (double backward).

An optimizer sees parameters and gradients, not a pure loss function, so it takes HVPs as
H v = ∂(gᵀv)/∂θ through the graph that ``create_graph=True`` kept. Batches of vectors go
through one ``torch.autograd.grad`` call with ``is_grads_batched=True``; a single vector goes
through a plain call.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import torch
from torch import Tensor

from curvature.errors import MissingGraphError

ESTIMATORS = ("hutchinson", "exact")

MISSING_GRAPH_MESSAGE = (
    "the gradients carry no autograd graph, so no Hessian-vector product can be taken. "
    "Either pass step() a closure that returns the loss without calling backward (the "
    "optimizer then differentiates it), or call loss.backward(create_graph=True) before step(). "
    "A closure must also call optimizer.zero_grad() first, or the previous step's gradients, "
    "which carry no graph, are used again"
)


def graph_trace(
    params: Sequence[Tensor],
    grads: Sequence[Tensor],
    *,
    estimator: str,
    num_probes: int,
    generator: torch.Generator,
    graph_known: bool,
    chunk_size: int = 64,
) -> float:
    """Return an estimate of tr(H) over ``params`` from gradients with a graph.

    Args:
        params: the parameters the gradients belong to.
        grads: ∇L with respect to ``params``, made with ``create_graph=True``.
        estimator: ``"hutchinson"`` (m Rademacher probes, m HVPs) or ``"exact"`` (n HVPs).
        graph_known: whether the caller made the gradients with ``create_graph=True`` itself.
            Then gradients without a graph are constants, whose Hessian blocks are zero.
            Otherwise no gradient with a graph means the graph was never built, an error.

    Raises:
        MissingGraphError: when no gradient has a graph and ``graph_known`` is false.
    """
    outputs = [(grad, index) for index, grad in enumerate(grads) if grad.requires_grad]
    if not outputs:
        if graph_known:
            return 0.0
        raise MissingGraphError(MISSING_GRAPH_MESSAGE)

    if estimator == "hutchinson":
        probes = [_rademacher((num_probes, *param.shape), generator, param) for param in params]
        products = _batched_products(params, outputs, probes)
        total = sum(
            (probe * product).reshape(num_probes, -1).sum(dim=1)
            for probe, product in zip(probes, products)
            if product is not None
        )
        return float(torch.as_tensor(total).mean())

    return _exact_trace(params, outputs, chunk_size)


def _exact_trace(
    params: Sequence[Tensor], outputs: list[tuple[Tensor, int]], chunk_size: int
) -> float:
    sizes = [param.numel() for param in params]
    offsets = [sum(sizes[:index]) for index in range(len(sizes))]
    n = sum(sizes)
    trace = 0.0
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        rows = torch.arange(stop - start)

        # Row j of the basis block is e_(start + j), split into one block per parameter.
        basis = []
        for param, offset, size in zip(params, offsets, sizes):
            block = torch.zeros((stop - start, size), dtype=param.dtype, device=param.device)
            columns = start + rows - offset
            inside = (columns >= 0) & (columns < size)
            block[rows[inside], columns[inside]] = 1.0
            basis.append(block.reshape(stop - start, *param.shape))

        products = _batched_products(params, outputs, basis)
        for product, offset, size in zip(products, offsets, sizes):
            if product is None:
                continue
            columns = start + rows - offset
            inside = (columns >= 0) & (columns < size)
            flat = product.reshape(stop - start, size)
            trace += float(flat[rows[inside], columns[inside]].sum())
    return trace


def _batched_products(
    params: Sequence[Tensor], outputs: list[tuple[Tensor, int]], vectors: list[Tensor]
) -> list[Tensor | None]:
    grads = [grad for grad, _ in outputs]
    grad_outputs = [vectors[index] for _, index in outputs]
    if vectors[0].shape[0] == 1:
        # One vector needs no batched backward, which costs about a tenth more than a plain one.
        return [
            None if product is None else product.unsqueeze(0)
            for product in _single_products(grads, params, [vector[0] for vector in grad_outputs])
        ]

    try:
        products = torch.autograd.grad(
            grads,
            list(params),
            grad_outputs=grad_outputs,
            retain_graph=True,
            allow_unused=True,
            is_grads_batched=True,
        )
        return list(products)
    except RuntimeError as error:
        _raise_if_graph_freed(error)
        # Batched backward has no rule for some operations; a loop gives the same values.
        warnings.warn(
            f"batched double backward failed ({error}); computing the HVPs one by one",
            RuntimeWarning,
            stacklevel=4,
        )

    count = vectors[0].shape[0]
    columns = [
        _single_products(grads, params, [vector[row] for vector in grad_outputs])
        for row in range(count)
    ]
    return [
        None if columns[0][index] is None else torch.stack([column[index] for column in columns])  # type: ignore[misc]
        for index in range(len(params))
    ]


def _single_products(
    grads: list[Tensor], params: Sequence[Tensor], grad_outputs: list[Tensor]
) -> list[Tensor | None]:
    try:
        products = torch.autograd.grad(
            grads, list(params), grad_outputs=grad_outputs, retain_graph=True, allow_unused=True
        )
    except RuntimeError as error:
        _raise_if_graph_freed(error)
        raise
    return list(products)


def is_graph_freed(error: RuntimeError) -> bool:
    """Return whether autograd raised ``error`` because the graph was already freed."""
    return "graph a second time" in str(error) or "freed" in str(error)


def _raise_if_graph_freed(error: RuntimeError) -> None:
    if is_graph_freed(error):
        raise MissingGraphError(
            "the graph behind the gradients was already freed: " + MISSING_GRAPH_MESSAGE
        ) from error


def _rademacher(shape: tuple[int, ...], generator: torch.Generator, like: Tensor) -> Tensor:
    bits = torch.randint(0, 2, shape, generator=generator, device=generator.device)
    return (bits.to(like.dtype) * 2 - 1).to(like.device)

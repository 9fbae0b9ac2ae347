"""Curvature estimators for a loss given as a pure function of parameter tensors.

Exact references (n HVPs each): :func:`hessian`, :func:`hessian_diagonal`,
:func:`hessian_trace`. Stochastic estimators (m HVPs for m probes):
:func:`hutchinson_diagonal`, :func:`hutchinson_trace`, :func:`hutchinson_samples`.
The adaptive rule's mini-batch average: :func:`minibatch_hessian_diagonal`.
Spectrum: :func:`top_eigenvalue`. Building block: :func:`hvp`. An ``nn.Module``'s loss on a
batch as a pure function of its parameters, for all of them: :func:`module_loss`.
"""

from curvature.estimators._params import LossFunction, flatten, unflatten
from curvature.estimators.exact import hessian, hessian_diagonal, hessian_trace
from curvature.estimators.hutchinson import (
    HutchinsonSamples,
    diagonal_variance,
    draw_probes,
    hutchinson_diagonal,
    hutchinson_samples,
    hutchinson_trace,
    trace_variance,
)
from curvature.estimators.hvp import batched_hvp, hvp
from curvature.estimators.minibatch import minibatch_hessian_diagonal
from curvature.estimators.modules import ModuleLoss, module_loss
from curvature.estimators.spectrum import EigenvalueEstimate, top_eigenvalue

__all__ = [
    "EigenvalueEstimate",
    "HutchinsonSamples",
    "LossFunction",
    "ModuleLoss",
    "batched_hvp",
    "diagonal_variance",
    "draw_probes",
    "flatten",
    "hessian",
    "hessian_diagonal",
    "hessian_trace",
    "hutchinson_diagonal",
    "hutchinson_samples",
    "hutchinson_trace",
    "hvp",
    "minibatch_hessian_diagonal",
    "module_loss",
    "top_eigenvalue",
    "trace_variance",
    "unflatten",
]

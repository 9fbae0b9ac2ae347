"""Symbolic proofs of the theory behind the curvature-adaptive rule, checked with sympy.

Each module derives one result step by step (see :mod:`.framework`); ``curvature proofs``
checks them all. The library evaluates the expressions the proofs end in through
:func:`result_function`, so the bounds that ``curvature verify`` tests are the derived ones.
This package is installed as ``curvature.proofs`` from the repository's ``proofs/`` folder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from . import (
    descent_lemma,
    estimator_cost,
    hutchinson_moments,
    learning_rate_bounds,
    loss_model,
    stationarity_bound,
    step_size_threshold,
    stochastic_bound,
)
from .framework import Assumption, Proof, ProofError, ProofOutcome, Result, run_proof

PROOF_MODULES = (
    descent_lemma,
    stationarity_bound,
    step_size_threshold,
    stochastic_bound,
    learning_rate_bounds,
    hutchinson_moments,
    estimator_cost,
    loss_model,
)
"""The proof modules in report order; each has ``PROOF_ID`` and ``build()``."""


def proof_ids() -> list[str]:
    """Return the ids of every proof, in report order."""
    return [module.PROOF_ID for module in PROOF_MODULES]


def build_proof(proof_id: str) -> Proof:
    """Build the proof called ``proof_id`` without checking it.

    Raises:
        ValueError: when no proof has that id.
    """
    for module in PROOF_MODULES:
        if proof_id == module.PROOF_ID:
            return module.build()
    known = ", ".join(proof_ids())
    raise ValueError(f"unknown proof id {proof_id!r}; the proofs are {known}")


def all_proofs() -> list[Proof]:
    """Build every proof, in report order, without checking them."""
    return [module.build() for module in PROOF_MODULES]


@functools.cache
def result_function(proof_id: str, name: str, modules: str = "math") -> Callable[..., Any]:
    """Return the result ``name`` of proof ``proof_id`` as a function (``sympy.lambdify``).

    ``modules`` is passed to lambdify: "math" for Python floats, "numpy" for arrays. The
    function is built once per process and cached.
    """
    return build_proof(proof_id).result(name).function(modules)


__all__ = [
    "PROOF_MODULES",
    "Assumption",
    "Proof",
    "ProofError",
    "ProofOutcome",
    "Result",
    "all_proofs",
    "build_proof",
    "proof_ids",
    "result_function",
    "run_proof",
]

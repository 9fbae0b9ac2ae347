"""Smallest counterexamples, found and shrunk by hypothesis, for two statements about the rule.

* The published formula η = lr/√(1 + λ·tr(H)) is undefined for some symmetric H:
  :func:`smallest_undefined_input` has hypothesis find and shrink the smallest (H, lr, λ)
  where it fails, and records what the toolkit's policies give there instead.
* Descent needs η·L < 2, and the rule does not ensure it: on (L/2)x² the run diverges for
  every L above L* = 2(λ + √(λ² + lr²))/lr². :func:`smallest_diverging_curvature` has
  hypothesis find the smallest diverging L on a grid and compares it with L*.

Run ``python -m curvature.testing.counterexamples`` (or ``curvature counterexamples``) to
print both.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from curvature.claims.step_size_condition import divergence_threshold
from curvature.errors import UndefinedLearningRateError
from curvature.objectives.base import RunSettings
from curvature.objectives.quadratic import scalar_quadratic
from curvature.optim import UNDEFINED_POLICIES, CurvatureAdaptiveSGD, adaptive_learning_rate
from curvature.strategies import SymmetricMatrix, run_settings, spectra, symmetric_matrices
from curvature.testing.reference import literal_learning_rate

SEARCH_SETTINGS = settings(derandomize=True, database=None, max_examples=2000, deadline=None)
"""Derandomized, so the same counterexample comes back on every run."""

DIVERGENCE_STEPS = 3
"""Steps per run. After k steps the loss is f₀·(1 − η·L)^(2k), so it grows exactly when
|1 − η·L| > 1; with k = 3 a margin η·L − 2 = 1e-12 already changes it by about 6e-12 relative,
far above float64 rounding."""

DEFAULT_SETTINGS = (RunSettings(0.1, 1.0), RunSettings(0.5, 0.1), RunSettings(1.0, 0.0))
"""lr and λ of the built-in quadratic-1d, a larger rate, and plain gradient descent."""


@dataclass(frozen=True)
class UndefinedInput:
    """The smallest input found on which the literal formula has no real value.

    Attributes:
        matrix: H, with its spectrum.
        settings: lr and λ.
        trace: tr(H) as computed from the float64 matrix.
        denominator: 1 + λ·tr(H), at most 0.
        error: what evaluating the literal formula raised.
        toolkit_rates: by policy, the rate :func:`curvature.adaptive_learning_rate` gives, or
            the error it raises.
    """

    matrix: SymmetricMatrix
    settings: RunSettings
    trace: float
    denominator: float
    error: str
    toolkit_rates: dict[str, str]


@dataclass(frozen=True)
class DivergingCurvature:
    """The smallest diverging curvature L = k·resolution found on (L/2)x², against L*.

    Attributes:
        settings: lr and λ.
        resolution: the grid step of L.
        L: the shrunk diverging curvature.
        threshold: L* from the closed form.
        eta_times_curvature: η·L that the rule gives at L.
        matches: whether L − resolution ≤ L* < L, that is L is the first grid point above L*.
    """

    settings: RunSettings
    resolution: float
    L: float
    threshold: float
    eta_times_curvature: float
    matches: bool


def literal_formula_fails(matrix: SymmetricMatrix, run: RunSettings) -> str | None:
    """Return the error of the literal formula on (H, lr, λ), or None where it is defined."""
    trace = float(matrix.matrix.trace())
    try:
        value = literal_learning_rate(run.lr, run.curvature_scale, trace)
    except (ZeroDivisionError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return None if math.isfinite(value) else f"non-finite value {value!r}"


def smallest_undefined_input(search: settings = SEARCH_SETTINGS) -> UndefinedInput:
    """Return the smallest (H, lr, λ) that hypothesis finds where the literal formula fails.

    H ranges over :func:`~curvature.strategies.symmetric_matrices` of
    :func:`~curvature.strategies.spectra` (1 to 8 eigenvalues in [−10, 10]) and (lr, λ) over
    :func:`~curvature.strategies.run_settings`.
    """
    matrix, run = find(
        st.tuples(symmetric_matrices(spectra()), run_settings()),
        lambda pair: literal_formula_fails(*pair) is not None,
        settings=search,
    )
    trace = float(matrix.matrix.trace())
    rates = {}
    for policy in UNDEFINED_POLICIES:
        try:
            rate = adaptive_learning_rate(run.lr, run.curvature_scale, trace, policy=policy)
            rates[policy] = repr(rate.value)
        except UndefinedLearningRateError as error:
            rates[policy] = f"raises {type(error).__name__}"
    return UndefinedInput(
        matrix=matrix,
        settings=run,
        trace=trace,
        denominator=1.0 + run.curvature_scale * trace,
        error=str(literal_formula_fails(matrix, run)),
        toolkit_rates=rates,
    )


def diverges(L: float, run: RunSettings, steps: int = DIVERGENCE_STEPS) -> bool:
    """Return whether the optimizer's loss on (L/2)x² grows over ``steps`` exact-trace steps."""
    quadratic = scalar_quadratic(L, settings=run)
    params = [tensor.requires_grad_(True) for tensor in quadratic.initial_parameters()]
    optimizer = CurvatureAdaptiveSGD(
        params, lr=run.lr, curvature_scale=run.curvature_scale, estimator="exact"
    )
    start = float(quadratic.loss(params).detach())
    for _ in range(steps):

        def closure() -> object:
            optimizer.zero_grad(set_to_none=True)
            return quadratic.loss(params)

        optimizer.step(closure)  # type: ignore[arg-type]
    return float(quadratic.loss(params).detach()) > start


def smallest_diverging_curvature(
    run: RunSettings,
    *,
    resolution: float = 1.0,
    max_multiple: int = 10**9,
    search: settings = SEARCH_SETTINGS,
) -> DivergingCurvature:
    """Return the smallest L = k·resolution, k ≤ ``max_multiple``, found to diverge.

    Hypothesis searches k and shrinks it. Divergence is monotone in L, so the shrunk k is
    the first grid point above the true threshold, and it matches the closed form when both
    are right.

    Raises:
        hypothesis.errors.NoSuchExample: when no k up to ``max_multiple`` diverges.
    """
    multiple = find(
        st.integers(1, max_multiple), lambda k: diverges(k * resolution, run), settings=search
    )
    L = multiple * resolution
    threshold = divergence_threshold(run.lr, run.curvature_scale)
    eta = run.lr / math.sqrt(1.0 + run.curvature_scale * L)
    return DivergingCurvature(
        settings=run,
        resolution=resolution,
        L=L,
        threshold=threshold,
        eta_times_curvature=eta * L,
        matches=L - resolution <= threshold < L,
    )


def format_undefined(found: UndefinedInput) -> str:
    """Return the undefined-formula counterexample as text."""
    eigenvalues = ", ".join(f"{value:g}" for value in found.matrix.eigenvalues.tolist())
    rates = ", ".join(f"{policy}: {rate}" for policy, rate in found.toolkit_rates.items())
    return (
        "literal formula eta = lr/sqrt(1 + lambda tr(H)), smallest undefined input found by "
        "hypothesis:\n"
        f"    n = {found.matrix.n}, eigenvalues [{eigenvalues}], rotation seed "
        f"{found.matrix.rotation_seed}, lr = {found.settings.lr:g}, "
        f"lambda = {found.settings.curvature_scale:g}\n"
        f"    tr(H) = {found.trace:g}, 1 + lambda tr(H) = {found.denominator:g}: {found.error}\n"
        f"    the toolkit's policies there: {rates}"
    )


def format_diverging(found: DivergingCurvature) -> str:
    """Return one diverging-curvature comparison as text."""
    verdict = "matches" if found.matches else "DOES NOT MATCH"
    return (
        f"    lr = {found.settings.lr:g}, lambda = {found.settings.curvature_scale:g}: shrunk "
        f"L = {found.L:.10g} (grid {found.resolution:g}), eta*L = {found.eta_times_curvature:.6f}; "
        f"closed form L* = {found.threshold:.10g}: {verdict}"
    )


def run_from_arguments(arguments: argparse.Namespace) -> int:
    """Search both counterexamples and print them; return 0 when every search matched."""
    if (arguments.lr is None) != (arguments.curvature_scale is None):
        print(
            "curvature counterexamples: error: give --lr and --lambda together, or neither "
            "for the built-in pairs",
            file=sys.stderr,
        )
        return 2
    pairs = (
        [RunSettings(arguments.lr, arguments.curvature_scale)]
        if arguments.lr is not None
        else list(DEFAULT_SETTINGS)
    )

    print(format_undefined(smallest_undefined_input()))
    print(
        "\ndivergence on (L/2)x^2, smallest diverging L found by hypothesis against "
        "L* = 2(lambda + sqrt(lambda^2 + lr^2))/lr^2:"
    )
    try:
        results = [
            smallest_diverging_curvature(run, resolution=arguments.resolution) for run in pairs
        ]
    except NoSuchExample:
        print(
            f"curvature counterexamples: error: no diverging L was found on the grid of step "
            f"--resolution {arguments.resolution:g}; expected a step well below the threshold "
            "L* printed by the closed form (the default is 1)",
            file=sys.stderr,
        )
        return 2
    for found in results:
        print(format_diverging(found))
    return 0 if all(found.matches for found in results) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line of ``python -m curvature.testing.counterexamples``."""
    from curvature.cli.counterexamples_command import add_arguments

    parser = argparse.ArgumentParser(
        prog="python -m curvature.testing.counterexamples",
        description="Print the smallest counterexamples that hypothesis finds for the rule.",
    )
    add_arguments(parser)
    return run_from_arguments(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

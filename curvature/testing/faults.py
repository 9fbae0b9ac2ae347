"""Planted faults: wrong variants of the toolkit that the properties must catch.

A suite that cannot fail proves nothing. Each :class:`Fault` swaps one function of the
toolkit for a deliberately wrong variant (:mod:`curvature.testing._variants`) while the
properties of :mod:`curvature.testing.properties` run; a fault is caught when at least one
property fails with an ``AssertionError``. Any other exception counts as an error, not a
catch, so a variant that merely crashes does not inflate the fraction caught.

Run ``python -m curvature.testing.faults`` (or ``curvature faults``) to print each fault,
the property that caught it and the fraction caught.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import Phase, Verbosity, settings

from curvature.testing import _variants
from curvature.testing._patching import replaced
from curvature.testing.profiles import profile_settings
from curvature.testing.properties import PROPERTIES, Property


@dataclass(frozen=True)
class Fault:
    """A deliberately wrong variant of one function of the toolkit.

    Attributes:
        name: the fault's id in reports.
        description: what is wrong, in one sentence.
        target: the correct function, as ``"package.module:name"`` or ``"...:Class.method"``.
        make_variant: builds the wrong variant from the correct function.
        everywhere: replace the function in every toolkit module that imported it, or only
            at ``target`` (which confines the fault to that module's callers).
    """

    name: str
    description: str
    target: str
    make_variant: Callable[[Any], Any]
    everywhere: bool = True


FAULTS: tuple[Fault, ...] = (
    Fault(
        "probe-product-sign",
        "Hutchinson terms use -z * Hz: a sign error in the probe product",
        "curvature.estimators.hutchinson:batched_hvp",
        _variants.make_negated_products,
        everywhere=False,
    ),
    Fault(
        "missing-square-root",
        "the rule applies lr/(1 + lambda tr) instead of lr/sqrt(1 + lambda tr)",
        "curvature.optim.rule:adaptive_learning_rate",
        _variants.make_rate_without_root,
    ),
    Fault(
        "trace-factor-2",
        "the optimizer's trace estimate is twice tr(H)",
        "curvature.optim.graph_trace:graph_trace",
        _variants.make_doubled_trace,
    ),
    Fault(
        "telescoping-off-by-one",
        "the descent-lemma bound sums over t <= T instead of t < T",
        "curvature.testing.bounds:descent_lemma_bound",
        _variants.make_bound_with_extra_term,
    ),
    Fault(
        "trace-variance-missing-term",
        "the Rademacher trace variance omits -2 sum_i H_ii^2",
        "curvature.estimators.hutchinson:trace_variance",
        _variants.make_trace_variance_without_diagonal,
    ),
    Fault(
        "diagonal-variance-extra-term",
        "the diagonal variance sums H_ij^2 over all j, j = i included",
        "curvature.estimators.hutchinson:diagonal_variance",
        _variants.make_diagonal_variance_with_diagonal,
    ),
    Fault(
        "radius-unclamped",
        "the Bernstein radius takes the square root of a variance that rounded below 0",
        "curvature.estimators.confidence:bernstein_radius",
        _variants.make_radius_without_clamp,
    ),
    Fault(
        "threshold-missing-lambda-squared",
        "the divergence threshold drops lambda^2 under the root: 2(lambda + lr)/lr^2",
        "curvature.claims.step_size_condition:divergence_threshold",
        _variants.make_threshold_without_square,
    ),
    Fault(
        "checkpoint-drops-generator",
        "load_state_dict restores everything but the probe generator",
        "curvature.optim.adaptive_sgd:CurvatureAdaptiveSGD.load_state_dict",
        _variants.make_load_keeping_generator,
        everywhere=False,
    ),
)
"""Every planted fault: a sign error, a missing root, a wrong factor, an off-by-one, missing or
extra variance terms, a NaN from rounding, a wrong closed form and an incomplete checkpoint."""


@dataclass(frozen=True)
class FaultOutcome:
    """The result of running the properties against one planted fault.

    Attributes:
        fault: the fault.
        caught_by: the properties that failed with an ``AssertionError``, in run order.
        messages: the first line of each such failure, by property name.
        errors: properties that raised another exception, with its first line.
        replaced: the module attributes the variant was planted into.
        seconds: wall time of the run.
    """

    fault: Fault
    caught_by: tuple[str, ...]
    messages: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    replaced: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def caught(self) -> bool:
        """Whether at least one property failed on the fault."""
        return bool(self.caught_by)


def fault_settings(short_profile: str = "ci") -> settings:
    """Return the settings for fault runs: the profile's, without shrinking and output.

    A fault run needs only whether a property fails, so it skips shrinking, the example
    database (a fault's failures must not be replayed on the correct code) and reports.
    """
    base = profile_settings(short_profile)
    return settings(
        base,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


def run_fault(
    fault: Fault,
    properties: Sequence[Property] = PROPERTIES,
    *,
    stop_at_first: bool = True,
    hypothesis_settings: settings | None = None,
) -> FaultOutcome:
    """Plant ``fault``, run ``properties`` in order and return which ones caught it.

    With ``stop_at_first`` the run ends at the first property that fails; otherwise every
    property runs, so the outcome lists all that catch the fault.
    """
    active = hypothesis_settings if hypothesis_settings is not None else fault_settings()
    caught_by: list[str] = []
    messages: dict[str, str] = {}
    errors: dict[str, str] = {}
    start = time.perf_counter()

    with replaced(fault.target, fault.make_variant, everywhere=fault.everywhere) as locations:
        for prop in properties:
            try:
                prop.run(active)
            except AssertionError as failure:
                caught_by.append(prop.name)
                messages[prop.name] = _first_line(failure)
                if stop_at_first:
                    break
            except Exception as error:
                errors[prop.name] = f"{type(error).__name__}: {_first_line(error)}"

    return FaultOutcome(
        fault=fault,
        caught_by=tuple(caught_by),
        messages=messages,
        errors=errors,
        replaced=tuple(locations),
        seconds=time.perf_counter() - start,
    )


def run_faults(
    faults: Sequence[Fault] = FAULTS,
    properties: Sequence[Property] = PROPERTIES,
    *,
    stop_at_first: bool = True,
    hypothesis_settings: settings | None = None,
) -> list[FaultOutcome]:
    """Run :func:`run_fault` for every fault and return the outcomes in order."""
    return [
        run_fault(
            fault,
            properties,
            stop_at_first=stop_at_first,
            hypothesis_settings=hypothesis_settings,
        )
        for fault in faults
    ]


def format_report(outcomes: Sequence[FaultOutcome]) -> str:
    """Return one block per fault and the fraction caught, as plain text."""
    lines = []
    for outcome in outcomes:
        fault = outcome.fault
        verdict = "caught by " + ", ".join(outcome.caught_by) if outcome.caught else "NOT CAUGHT"
        lines.append(f"{fault.name}: {verdict} ({outcome.seconds:.1f} s)")
        lines.append(f"    fault: {fault.description} [{fault.target}]")
        for name in outcome.caught_by:
            lines.append(f"    {name}: {outcome.messages[name]}")
        for name, error in outcome.errors.items():
            lines.append(f"    error in {name} (not counted as caught): {error}")
    caught = sum(outcome.caught for outcome in outcomes)
    total = len(outcomes)
    fraction = caught / total if total else 0.0
    lines.append(f"\ncaught {caught} of {total} planted faults ({fraction:.0%})")
    return "\n".join(lines)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    return line if len(line) <= 200 else line[:197] + "..."


def run_from_arguments(arguments: argparse.Namespace) -> int:
    """Run the faults the arguments select and print the report.

    Returns 0 when every fault was caught, 1 when one was not, 2 on an unknown fault name.
    """
    names = [fault.name for fault in FAULTS]
    if arguments.list:
        for fault in FAULTS:
            print(f"{fault.name}: {fault.description} [{fault.target}]")
        return 0
    unknown = [name for name in arguments.fault or () if name not in names]
    if unknown:
        print(
            f"error: unknown fault {unknown[0]!r}; the faults are {', '.join(names)}",
            file=sys.stderr,
        )
        return 2

    chosen = [fault for fault in FAULTS if not arguments.fault or fault.name in arguments.fault]
    outcomes = run_faults(
        chosen,
        stop_at_first=not arguments.all,
        hypothesis_settings=fault_settings(arguments.profile),
    )
    print(format_report(outcomes))
    return 0 if all(outcome.caught for outcome in outcomes) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line of ``python -m curvature.testing.faults``."""
    from curvature.cli.faults_command import add_arguments

    parser = argparse.ArgumentParser(
        prog="python -m curvature.testing.faults",
        description="Run the planted faults and print which property caught each.",
    )
    add_arguments(parser)
    return run_from_arguments(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

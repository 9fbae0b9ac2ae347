"""Every planted fault makes at least one property fail; the originals come back after."""

from __future__ import annotations

import pytest

import curvature.estimators.hutchinson as hutchinson
from curvature.estimators import trace_variance
from curvature.testing import faults
from curvature.testing._patching import replaced, resolve
from curvature.testing.faults import FAULTS, Fault, FaultOutcome, format_report, run_fault
from curvature.testing.properties import PROPERTIES, property_by_name

LIKELY_CATCHERS = {
    "probe-product-sign": "hutchinson-unbiased",
    "checkpoint-drops-generator": "state-dict-round-trip",
}
"""Properties tried first for faults that the cheap properties miss. The order only saves
time: a fault counts as caught when any property fails, whichever runs first."""


def properties_for(fault: Fault) -> list:
    first = LIKELY_CATCHERS.get(fault.name)
    return sorted(PROPERTIES, key=lambda prop: prop.name != first)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_planted_fault_is_caught(fault: Fault):
    outcome = run_fault(fault, properties_for(fault))

    assert outcome.caught, format_report([outcome])
    assert not outcome.errors, format_report([outcome])


def test_fault_targets_exist():
    for fault in FAULTS:
        resolve(fault.target)


def test_plant_reaches_reexports_and_is_undone():
    original = hutchinson.trace_variance

    with replaced(
        "curvature.estimators.hutchinson:trace_variance", lambda f: "variant", everywhere=True
    ) as locations:
        import curvature.estimators

        assert curvature.estimators.trace_variance == "variant"
        assert hutchinson.trace_variance == "variant"
        assert "curvature.estimators.trace_variance" in locations

    assert hutchinson.trace_variance is original
    assert trace_variance is original


def test_plant_is_undone_when_the_block_raises():
    original = hutchinson.batched_hvp
    with (
        pytest.raises(RuntimeError, match="inside"),
        replaced("curvature.estimators.hutchinson:batched_hvp", lambda f: None, everywhere=False),
    ):
        raise RuntimeError("inside")
    assert hutchinson.batched_hvp is original


def test_missing_target_names_it():
    with pytest.raises(LookupError, match=r"curvature\.optim\.rule:no_such_function"):
        resolve("curvature.optim.rule:no_such_function")


def test_crash_is_an_error_not_a_catch():
    def make_crash(original):
        def crash(*args, **kwargs):
            raise RuntimeError("variant crashed")

        return crash

    crashing = Fault("crash", "raises", "curvature.testing.bounds:descent_lemma_bound", make_crash)

    outcome = run_fault(crashing, [property_by_name("descent-lemma-bound")])

    assert not outcome.caught
    assert "RuntimeError: variant crashed" in outcome.errors["descent-lemma-bound"]


def test_report_gives_fraction_caught():
    fault = FAULTS[0]
    outcomes = [
        FaultOutcome(fault, ("hutchinson-unbiased",), {"hutchinson-unbiased": "off by 3 radii"}),
        FaultOutcome(FAULTS[1], ()),
    ]

    report = format_report(outcomes)

    assert f"{fault.name}: caught by hutchinson-unbiased" in report
    assert f"{FAULTS[1].name}: NOT CAUGHT" in report
    assert report.endswith("caught 1 of 2 planted faults (50%)")


def test_command_line_exit_status(capsys):
    status = faults.main(["--fault", "telescoping-off-by-one"])

    assert status == 0
    assert "caught 1 of 1 planted faults (100%)" in capsys.readouterr().out


def test_command_line_lists_faults(capsys):
    from curvature.cli import main as curvature_main

    assert curvature_main(["faults", "--list"]) == 0
    output = capsys.readouterr().out
    assert all(f"{fault.name}: {fault.description}" in output for fault in FAULTS)


def test_command_line_rejects_unknown_fault(capsys):
    assert faults.main(["--fault", "no-such-fault"]) == 2
    assert "unknown fault 'no-such-fault'; the faults are probe-product-sign" in (
        capsys.readouterr().err
    )

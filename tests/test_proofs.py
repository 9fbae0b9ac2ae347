"""The symbolic proofs: every proof checks, and a broken step fails by name."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from curvature.proofs import (
    ProofError,
    all_proofs,
    build_proof,
    proof_ids,
    result_function,
    run_proof,
)
from curvature.proofs.framework import Assumption, Proof, Result
from curvature.proofs.signs import Fact, fact_from_relation, is_nonnegative
from curvature.proofs.steps import Exhaustive, Expectation, Identity, Inequality, LimitStep

EXPECTED_IDS = {
    "descent-lemma",
    "stationarity-bound",
    "step-size-threshold",
    "stochastic-bound",
    "learning-rate-bounds",
    "hutchinson-moments",
    "estimator-cost",
    "loss-model",
}


@pytest.mark.parametrize("proof_id", sorted(EXPECTED_IDS))
def test_proof_checks(proof_id):
    proof = build_proof(proof_id)
    proof.check()
    assert proof.steps
    assert proof.results


def test_proof_ids_cover_every_result():
    assert set(proof_ids()) == EXPECTED_IDS
    assert len(proof_ids()) == len(EXPECTED_IDS)


def test_proved_in_names_existing_proofs():
    ids = set(proof_ids())
    for proof in all_proofs():
        for assumption in proof.assumptions:
            assert assumption.proved_in is None or assumption.proved_in in ids, assumption.name


def test_every_result_evaluates():
    for proof in all_proofs():
        for result in proof.results:
            function = result.function()
            values = [0.3 + 0.1 * position for position in range(len(result.arguments))]
            value = function(*values)
            assert isinstance(float(value), float), (proof.id, result.name)


def test_unknown_proof_id_names_it():
    with pytest.raises(ValueError, match="unknown proof id 'nope'"):
        build_proof("nope")


def test_unknown_result_name_lists_known():
    with pytest.raises(KeyError, match="has no result 'nope'"):
        build_proof("descent-lemma").result("nope")


def test_result_function_is_cached():
    first = result_function("step-size-threshold", "divergence_threshold")
    second = result_function("step-size-threshold", "divergence_threshold")
    assert first is second


def _replace_step(proof: Proof, name: str, **changes: object) -> Proof:
    steps = tuple(
        dataclasses.replace(step, **changes) if step.name == name else step for step in proof.steps
    )
    assert any(step.name == name for step in proof.steps), name
    return dataclasses.replace(proof, steps=steps)


def test_wrong_identity_fails_by_name():
    proof = build_proof("descent-lemma")
    L = sp.Symbol("L", positive=True)
    d_norm = sp.Symbol("d_norm", nonnegative=True)
    broken = _replace_step(proof, "integrate the bound", rhs=L * d_norm**2 / 3)

    with pytest.raises(ProofError, match="integrate the bound") as caught:
        broken.check()
    assert caught.value.proof_id == "descent-lemma"
    assert caught.value.step == "integrate the bound"


def test_missing_step_size_condition_fails():
    # Without eta_t*L < 2 the weights eta_t(1 - L*eta_t/2) may be negative.
    proof = build_proof("stationarity-bound")
    assumptions = tuple(a for a in proof.assumptions if a.name != "step-size condition")
    broken = dataclasses.replace(proof, assumptions=assumptions)

    with pytest.raises(ProofError) as caught:
        broken.check()
    assert caught.value.step == "the minimum is at most the weighted mean"
    assert "not known to be >= 0" in caught.value.reason


def test_missing_psd_assumption_fails():
    proof = build_proof("step-size-threshold")
    assumptions = tuple(a for a in proof.assumptions if "semi-definite" not in a.name)
    broken = dataclasses.replace(proof, assumptions=assumptions)

    with pytest.raises(ProofError) as caught:
        broken.check()
    assert caught.value.step == "exact trace in n dimensions"


def test_wrong_variance_fails():
    proof = build_proof("hutchinson-moments")
    steps = {step.name: step for step in proof.steps}
    gaussian = steps["variance of the trace term, Gaussian"]
    broken = _replace_step(proof, "variance of the trace term, Rademacher", rhs=gaussian.rhs)

    with pytest.raises(ProofError, match="variance of the trace term, Rademacher"):
        broken.check()


def test_run_proof_reports_failed_step():
    proof = build_proof("descent-lemma")
    broken = _replace_step(proof, "the rule's step", rhs=sp.Integer(0))

    outcome = run_proof(broken)
    assert outcome.failed_step == "the rule's step"
    assert outcome.status == 'failed at step "the rule\'s step"'
    document = outcome.to_dict()
    assert document["status"] == "failed"
    assert document["failed_step"] == "the rule's step"


x, y = sp.symbols("x y", real=True)
a = sp.Symbol("a", positive=True)


def test_inequality_needs_nonnegative_terms():
    step = Inequality("x <= y", "unjustified", lhs=x, rhs=y, certificate=(y - x,))
    with pytest.raises(Exception, match="not known to be >= 0"):
        step.check([])
    # The same step checks once y - x >= 0 is a fact.
    assert step.check([Fact(y - x, False, "given")])


def test_inequality_needs_matching_certificate():
    step = Inequality("x <= x + a", "wrong sum", lhs=x, rhs=x + a, certificate=(2 * a,))
    with pytest.raises(Exception, match="differs from the sum"):
        step.check([])


def test_strict_inequality_needs_positive_term():
    step = Inequality(
        "x < x + y^2", "may be equal", lhs=x, rhs=x + y**2, certificate=(y**2,), strict=True
    )
    with pytest.raises(Exception, match="known to be > 0"):
        step.check([])


def test_exhaustive_reports_failing_case():
    step = Exhaustive(
        "squares of signs",
        "z^2 = 1",
        statement="z^2 = 1",
        domain="z in {-1, 0, 1}",
        cases=lambda: ((str(z), sp.Integer(z) ** 2 - 1) for z in (-1, 0, 1)),
    )
    with pytest.raises(Exception, match="case 0"):
        step.check([])


def test_exhaustive_rejects_empty_domain():
    step = Exhaustive("nothing", "no cases", statement="", domain="none", cases=lambda: ())
    with pytest.raises(Exception, match="no cases"):
        step.check([])


def test_expectation_needs_linearity():
    noise = sp.Symbol("xi", real=True)
    step = Expectation(
        "square", "not linear", expression=noise**2, means={noise: 0}, result=sp.Integer(0)
    )
    with pytest.raises(Exception, match="degree 2"):
        step.check([])


def test_limit_mismatch_fails():
    step = LimitStep(
        "1/x", "wrong value", expression=1 / a, variable=a, point=sp.oo, value=1, direction="-"
    )
    with pytest.raises(Exception, match="the limit is 0"):
        step.check([])


def test_unstated_substitution_fails():
    step = Identity("x = y", "by fiat", lhs=x, rhs=y, substitutions=((x, y),))
    with pytest.raises(Exception, match="not stated by any assumption"):
        step.check([], [])
    assert step.check([], [(x, y)]) == []


def test_sign_checker_does_not_guess():
    assert is_nonnegative(a * (x**2 + 1), [])
    assert not is_nonnegative(x, [])
    assert not is_nonnegative(a - 1, [])
    assert is_nonnegative(1 / sp.sqrt(a + x**2), [])


def test_fact_from_relation_rejects_booleans():
    with pytest.raises(ValueError, match="must be an inequality"):
        fact_from_relation(sp.true, "test")


def test_duplicate_step_names_rejected():
    step = Identity("same", "trivial", lhs=x, rhs=x)
    with pytest.raises(ValueError, match="two steps are named 'same'"):
        Proof(
            id="duplicate",
            title="duplicate",
            statement="",
            assumptions=(Assumption("none", "nothing"),),
            steps=(step, step),
            results=(Result("x", x, (x,), "x"),),
        )

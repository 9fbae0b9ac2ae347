"""Verdict ``estimator-cost``: how the cost of a diagonal estimate grows with n.

"Adaptive Learning Rate Scheduling for Large-Scale Neural Networks" (ICML 2024) states that
the Hessian diagonal "can be efficiently computed using automatic differentiation with
complexity O(n)". Automatic differentiation gives one HVP for a constant multiple of a
gradient's cost, O(n) for a fixed batch, so one Hutchinson probe z ⊙ Hz should cost O(n):
exponent 1. The exact diagonal the paper writes, the second derivatives ∂²L/∂θ_i², needs
one HVP per parameter, so it should cost O(n²): exponent 2.

The check compares each measured exponent's confidence interval with a band around its
theoretical value: the verdict holds when both intervals lie inside their bands, fails when
either interval lies wholly outside its band, and is inconclusive otherwise.
"""

from __future__ import annotations

from curvature.bench.scaling import ScalingFit
from curvature.claims.base import ClaimResult, Verdict

CLAIM = "estimator-cost"
STATEMENT = (
    "One Hutchinson probe of diag(H) costs O(n) (exponent 1); the exact diagonal, one HVP per "
    "parameter, costs O(n^2) (exponent 2)."
)
PROBE_BAND = (0.9, 1.1)
EXACT_BAND = (1.8, 2.2)


def estimator_cost_verdicts(fits: list[ScalingFit]) -> list[ClaimResult]:
    """Return one ``estimator-cost`` result per problem family that has both fits."""
    results = []
    for family in sorted({fit.family for fit in fits}):
        probe = _find(fits, family, "hutchinson-probe", "asymptotic")
        exact = _find(fits, family, "exact-diagonal", "all")
        if probe is None or exact is None:
            continue
        results.append(_verdict(family, probe, exact))
    return results


def _verdict(family: str, probe: ScalingFit, exact: ScalingFit) -> ClaimResult:
    checks = ((probe, PROBE_BAND, "Hutchinson probe"), (exact, EXACT_BAND, "exact diagonal"))
    described = "; ".join(
        f"{label} exponent {item.fit.exponent:.2f} [{item.fit.low:.2f}, {item.fit.high:.2f}] "
        f"over n = {min(item.fit.sizes)}..{max(item.fit.sizes)}, band {band[0]}..{band[1]}"
        for item, band, label in checks
    )

    if all(item.fit.within(*band) for item, band, _ in checks):
        verdict = Verdict.HOLDS
    elif any(item.fit.outside(*band) for item, band, _ in checks):
        verdict = Verdict.FAILS
    else:
        verdict = Verdict.INCONCLUSIVE

    evidence = {
        "statement": STATEMENT,
        "hutchinson_probe": probe.fit.to_dict(),
        "exact_diagonal": exact.fit.to_dict(),
        "probe_band": list(PROBE_BAND),
        "exact_band": list(EXACT_BAND),
        "paper_claim": "Hessian diagonal estimation: O(n)",
        "paper_claim_applies_to": "the Hutchinson probe, not the exact diagonal of the paper's "
        "formula, which needs n HVPs",
    }
    return ClaimResult(CLAIM, family, verdict, described, evidence)


def _find(fits: list[ScalingFit], family: str, workload: str, span: str) -> ScalingFit | None:
    for fit in fits:
        if (fit.family, fit.workload, fit.quantity, fit.span) == (family, workload, "time", span):
            return fit
    return None

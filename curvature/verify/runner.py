"""Run every claim check on its objectives and collect the verdicts.

Each (claim, objective) pair is one task with its own seed, derived from the run's seed and
the two ids, so adding or removing a task changes no other task's randomness. A task gives
one result, or one per setting for a claim checked in several settings. A task that
raises is recorded as an error and the run goes on. The report is written after every task,
so an interrupted run keeps every finished result.
"""

from __future__ import annotations

import logging
import time
import traceback
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from curvature.claims import CheckContext, Claim, ClaimResult, all_claims
from curvature.objectives import Objective, make_objective
from curvature.verify.output import write_report

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskError:
    """A check that could not run.

    Attributes:
        claim, objective: the ids of the task.
        error: the exception type and message.
        traceback: the formatted traceback, for bug reports.
    """

    claim: str
    objective: str
    error: str
    traceback: str


@dataclass(frozen=True)
class SkippedTask:
    """A claim that does not apply to an objective, with the reason."""

    claim: str
    objective: str
    reason: str


@dataclass
class Verification:
    """The outcome of a run of ``curvature verify``.

    Attributes:
        claims: the ids of the claims run, in order.
        objective_specs: the objectives requested, or None for each claim's own.
        started_at: the UTC start time in ISO 8601.
    """

    seed: int
    quick: bool
    results: list[ClaimResult] = field(default_factory=list)
    errors: list[TaskError] = field(default_factory=list)
    skipped: list[SkippedTask] = field(default_factory=list)
    seconds: float = 0.0
    claims: list[str] = field(default_factory=list)
    objective_specs: list[str] | None = None
    started_at: str = ""


ProgressCallback = Callable[[int, int, str, str, str, float], None]
"""Called after each task with (index, total, claim, objective, outcome, seconds)."""


def task_seed(seed: int, claim: str, objective: str) -> int:
    """Return the seed of one task: a stable hash of the run seed and the two ids."""
    return zlib.crc32(f"{seed}/{claim}/{objective}".encode()) & 0x7FFFFFFF


def plan_tasks(
    claims: Sequence[Claim], objective_specs: Sequence[str] | None
) -> list[tuple[Claim, str]]:
    """Return the (claim, objective spec) pairs to run.

    Without ``objective_specs`` each claim runs on its default objectives. With them, every
    claim is tried on every given objective, and claims that do not apply are skipped later.
    """
    tasks: list[tuple[Claim, str]] = []
    for claim in claims:
        specs = claim.default_objectives if objective_specs is None else objective_specs
        tasks.extend((claim, spec) for spec in specs)
    return tasks


def run_verification(
    *,
    seed: int = 0,
    quick: bool = False,
    out_dir: Path | None = None,
    objective_specs: Sequence[str] | None = None,
    claim_ids: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> Verification:
    """Run the claim checks and write ``verdicts.json`` and ``verdicts.md`` to ``out_dir``.

    Args:
        seed: the run's seed; the same seed gives the same verdicts.
        quick: use the small budgets (a run of about half a minute on two cores).
        out_dir: where to write the report after each task; None writes nothing.
        objective_specs: built-in ids or ``module:factory`` specs; None uses each claim's
            default objectives.
        claim_ids: the claims to run; None runs all.
        progress: called after each task.

    Raises:
        ValueError: for an unknown claim id or objective spec, before any task runs.
    """
    claims = _select_claims(claim_ids)
    tasks = plan_tasks(claims, objective_specs)
    if objective_specs is not None:
        for spec in objective_specs:
            make_objective(spec, seed)

    verification = Verification(
        seed=seed,
        quick=quick,
        claims=[claim.id for claim in claims],
        objective_specs=None if objective_specs is None else list(objective_specs),
        started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    started = time.perf_counter()
    objectives: dict[str, Objective] = {}
    store: dict[Any, Any] = {}

    for index, (claim, spec) in enumerate(tasks, start=1):
        task_started = time.perf_counter()
        outcome = _run_task(claim, spec, seed, quick, objectives, verification, store)
        elapsed = time.perf_counter() - task_started
        verification.seconds = time.perf_counter() - started
        if out_dir is not None:
            write_report(verification, out_dir)
        if progress is not None:
            progress(index, len(tasks), claim.id, spec, outcome, elapsed)

    return verification


def _run_task(
    claim: Claim,
    spec: str,
    seed: int,
    quick: bool,
    objectives: dict[str, Objective],
    verification: Verification,
    store: dict[Any, Any],
) -> str:
    try:
        if spec not in objectives:
            objectives[spec] = make_objective(spec, seed)
        objective = objectives[spec]

        reason = claim.skip_reason(objective)
        if reason is not None:
            verification.skipped.append(SkippedTask(claim.id, objective.name, reason))
            return f"skipped: {reason}"

        context = CheckContext(
            seed=task_seed(seed, claim.id, objective.name), quick=quick, store=store
        )
        results = claim.check_all(objective, context)
        verification.results.extend(results)
        return _outcome(results)
    except Exception as error:
        logger.warning("check %s on %s failed: %s: %s", claim.id, spec, type(error).__name__, error)
        logger.debug("traceback of the failed check", exc_info=True)
        verification.errors.append(
            TaskError(claim.id, spec, f"{type(error).__name__}: {error}", traceback.format_exc())
        )
        return f"error: {type(error).__name__}: {error}"


def _outcome(results: Sequence[ClaimResult]) -> str:
    if len(results) == 1 and results[0].setting is None:
        return results[0].verdict.value
    return "; ".join(f"{result.setting}: {result.verdict.value}" for result in results)


def _select_claims(claim_ids: Sequence[str] | None) -> list[Claim]:
    claims = list(all_claims())
    if claim_ids is None:
        return claims
    known = {claim.id: claim for claim in claims}
    unknown = [claim_id for claim_id in claim_ids if claim_id not in known]
    if unknown:
        raise ValueError(
            f"unknown claim id {', '.join(map(repr, unknown))}; known claims: {', '.join(known)}"
        )
    return [known[claim_id] for claim_id in claim_ids]

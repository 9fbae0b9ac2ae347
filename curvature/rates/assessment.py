"""The verdict on a rate claim "Q(T) ≤ C·T^(−p)" from Q measured on a grid of T over seeds.

The rules, in order:

1. An explicit bound Q ≤ B, where given, is checked at every horizon of every seed. A
   violation is a counterexample, so the claim fails at the smallest such T.
2. An infinite Q (a diverged run) contradicts any decay: the claim fails.
3. Values at or below the precision floor end the usable horizons. If every seed reaches
   the floor, Q fell faster than any power law and the claim holds.
4. The usable horizons must span ``min_decades`` decades; otherwise the verdict is
   inconclusive, with the horizon that would settle it. A Q that has not changed at all over
   its last ``min_points`` horizons on any seed has stalled: its slope there is 0.
5. The fit window (:mod:`curvature.rates.window`) is the longest stretch ending at the last
   horizon on which log Q is straight in log T; earlier horizons are the transient. On it, a
   quadratic in log T per seed gives the slope at the last horizon, b, and that slope
   carried ``lookahead_decades`` further along the fitted bending, b'. The slope is also read
   on the last ``window_decades`` alone, because a long window can hide a bend under noise.
   Without two seeds the verdict is inconclusive, unless the runs are deterministic.
6. Over seeds, each slope gets an upper bound at ``holds_confidence`` and a lower bound at
   ``fails_confidence`` (:func:`curvature.rates.seeds.seed_bounds`). The claim holds when
   the upper bounds of b on both windows are at most −p and, for a flattening curve
   (b' > b: it may be heading for a floor), so is that of b'. It fails when the lower bound
   of b exceeds −p and, for a steepening curve (it may still reach the rate), so does that
   of b'. Anything else is inconclusive, with the seeds or horizon estimated to settle it.

:mod:`curvature.rates.calibration` measures how often these rules are wrong on planted
sequences; ``docs/rates.md`` records the rates (at most 1 % false holds and 5 % false fails
in every scenario measured).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from curvature._validation import (
    check_finite,
    check_positive,
    check_positive_int,
    check_probability,
)
from curvature.rates.seeds import SeedBounds, fit_log_log, seed_bounds, seeds_needed
from curvature.rates.window import FitWindow, floor_index, select_window

HOLDS = "holds"
FAILS = "fails"
INCONCLUSIVE = "inconclusive"

MAX_ADVISED_FACTOR = 1000
"""A horizon beyond this multiple of the last one is not given as advice."""


@dataclass(frozen=True)
class RateRules:
    """The settings of the decision rules; the defaults are the calibrated ones.

    Attributes:
        holds_confidence: level of the upper bound on the slope that ``holds`` needs.
        fails_confidence: level of the lower bound on the slope that ``fails`` needs.
        curvature_confidence: level of the two-sided test that finds the straight window.
        min_decades: the decades of T the usable horizons must span.
        window_decades: the shortest fit window, in decades of T.
        min_points: the minimum number of horizons in a fit window.
        lookahead_decades: how far beyond the last horizon the bending of a curved window is
            carried before a verdict is given.
        relative_floor: a value at or below this multiple of a seed's first value is at the
            precision floor, unless an absolute ``floor`` is passed to :func:`assess_rate`.
    """

    holds_confidence: float = 0.99
    fails_confidence: float = 0.95
    curvature_confidence: float = 0.8
    min_decades: float = 2.0
    window_decades: float = 1.0
    min_points: int = 5
    lookahead_decades: float = 1.0
    relative_floor: float = 1e-20

    def __post_init__(self) -> None:
        check_probability("holds_confidence", self.holds_confidence)
        check_probability("fails_confidence", self.fails_confidence)
        check_probability("curvature_confidence", self.curvature_confidence)
        check_positive("min_decades", self.min_decades)
        check_positive("window_decades", self.window_decades)
        check_positive_int("min_points", self.min_points)
        check_positive("lookahead_decades", self.lookahead_decades)
        check_positive("relative_floor", self.relative_floor)
        if self.min_points < 4:
            raise ValueError(
                "`min_points` must be at least 4 to fit and test a quadratic, got "
                f"{self.min_points}"
            )
        if self.window_decades > self.min_decades:
            raise ValueError(
                f"`window_decades` ({self.window_decades}) must not exceed `min_decades` "
                f"({self.min_decades})"
            )


@dataclass(frozen=True)
class BoundCheck:
    """Q against an explicit bound B at every horizon and seed.

    Attributes:
        worst_ratio: max Q/B.
        worst_horizon, worst_seed: where the worst ratio occurs.
        violated_at: the smallest horizon T with Q > B on some seed, and that seed; None when
            Q ≤ B everywhere.
    """

    worst_ratio: float
    worst_horizon: int
    worst_seed: int
    violated_at: tuple[int, int] | None


@dataclass(frozen=True)
class RateAssessment:
    """The verdict on Q(T) ≤ C·T^(−p), with the numbers behind it.

    Attributes:
        verdict: ``"holds"``, ``"fails"`` or ``"inconclusive"``.
        summary: one sentence with the deciding numbers.
        exponent: p.
        seeds: the number of seeds.
        horizons: the first and last usable horizon.
        slope: bounds on the fitted exponent (d log Q / d log T) over seeds, or None.
        projected_slope: bounds on the slope carried ``lookahead_decades`` beyond the last
            horizon along the fitted bending.
        window: the fit window: [T_first, T_last], its number of points, its shape
            (straight, flattening or steepening) and its mean quadratic coefficient.
        transient_end: the first horizon of the fit window when earlier horizons were left
            out as a transient, else None.
        plateau: the first horizon of the window and the level of Q at the last horizon,
            for a failing Q whose slope is 0 within its bounds now or a lookahead further.
            None otherwise.
        floor_reached: the first horizon at the precision floor, per seed (None: never).
        bound: the explicit bound check, where a bound was given.
        settle: for an inconclusive verdict, the seeds or horizon estimated to settle it.
    """

    verdict: str
    summary: str
    exponent: float
    seeds: int
    horizons: tuple[int, int]
    slope: SeedBounds | None = None
    projected_slope: SeedBounds | None = None
    window: dict[str, Any] | None = None
    transient_end: int | None = None
    plateau: dict[str, float] | None = None
    floor_reached: list[int | None] | None = None
    bound: BoundCheck | None = None
    settle: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the assessment as a JSON-ready dict."""
        document = asdict(self)
        document["slope"] = None if self.slope is None else self.slope.to_dict()
        document["projected_slope"] = (
            None if self.projected_slope is None else self.projected_slope.to_dict()
        )
        document["horizons"] = list(self.horizons)
        return document


def assess_rate(
    horizons: np.ndarray,
    values: np.ndarray,
    exponent: float,
    *,
    bound: np.ndarray | None = None,
    floor: float | np.ndarray | None = None,
    rules: RateRules | None = None,
    seed: int = 0,
    deterministic: bool = False,
    seed_names: Sequence[str] | None = None,
    bound_check: BoundCheck | None = None,
) -> RateAssessment:
    """Decide whether Q(T) ≤ C·T^(−p) from Q measured at ``horizons`` on several seeds.

    Args:
        horizons: T, shape (K,), increasing positive integers.
        values: Q, shape (S, K) or (K,) for one seed; non-negative, +inf for a diverged run.
        exponent: p of the claim.
        bound: an explicit bound B with Q ≤ B claimed pointwise, shape (S, K) or (K,).
        floor: the precision floor, one value or one per seed; by default
            ``rules.relative_floor`` times each seed's first value.
        rules: the decision rules.
        seed: seeds the bootstrap over seeds.
        deterministic: whether the values come from a deterministic process, such as plain
            gradient descent. Then one seed is exact. Otherwise a verdict needs two seeds.
        seed_names: names of the seeds for messages; by default their row indices.
        bound_check: the result of :func:`check_bound` on more horizons than ``horizons``
            (for example every logged step), used instead of checking ``bound``.

    Returns:
        The verdict with its evidence; see the module docstring for the rules.

    Example:
        >>> import numpy as np
        >>> horizons = np.unique(np.geomspace(10, 1000, 21).round().astype(int))
        >>> noise = np.random.default_rng(0).normal(0.0, 0.02, (4, horizons.size))
        >>> assess_rate(horizons, horizons**-1.0 * np.exp(noise), 0.5).verdict
        'holds'
        >>> assess_rate(horizons, horizons**-0.25 * np.exp(noise), 0.5).verdict
        'fails'
    """
    rules = RateRules() if rules is None else rules
    p = check_finite("exponent", exponent)
    grid, table = _validate(horizons, values)
    seeds = table.shape[0]
    names = [str(index) for index in range(seeds)] if seed_names is None else list(seed_names)
    if len(names) != seeds:
        raise ValueError(f"`seed_names` must name all {seeds} seeds, got {len(names)} names")
    full_range = (int(grid[0]), int(grid[-1]))

    # 1. The explicit bound, checked pointwise.
    if bound is not None and bound_check is not None:
        raise ValueError("pass either `bound` or `bound_check`, not both")
    if bound is not None:
        bound_check = check_bound(grid, table, bound)
    if bound_check is not None and bound_check.violated_at is not None:
        horizon, violating_seed = bound_check.violated_at
        return RateAssessment(
            FAILS,
            f"the explicit bound is violated first at T = {horizon} (seed "
            f"{names[violating_seed]}); "
            f"worst ratio Q/B = {bound_check.worst_ratio:.3g} at T = "
            f"{bound_check.worst_horizon}",
            p,
            seeds,
            full_range,
            bound=bound_check,
        )

    # 2. A diverged run.
    infinite = np.isinf(table)
    if infinite.any():
        column = int(np.argmax(infinite.any(axis=0)))
        return RateAssessment(
            FAILS,
            f"Q is infinite from T = {int(grid[column])} on (seed "
            f"{names[int(np.argmax(infinite[:, column]))]}): the run diverged, which no decaying "
            "bound allows",
            p,
            seeds,
            full_range,
            bound=bound_check,
        )

    # 3. The precision floor ends the usable horizons.
    first_floor = floor_index(table, _floors(table, floor, rules))
    floor_reached = [int(grid[index]) if index < grid.size else None for index in first_floor]
    if np.all(first_floor < grid.size):
        return RateAssessment(
            HOLDS,
            f"every seed reached the precision floor by T = {int(grid[first_floor.max()])}: Q "
            "fell faster than any power law",
            p,
            seeds,
            full_range,
            floor_reached=floor_reached,
            bound=bound_check,
        )
    usable = int(first_floor.min())
    reported_floor = floor_reached if usable < grid.size else None
    grid, log_table = grid[:usable], np.log(table[:, :usable])
    partial: dict[str, Any] = {"floor_reached": reported_floor, "bound": bound_check}

    # 4. Enough decades for a window.
    span = math.log10(grid[-1] / grid[0]) if grid.size > 1 else 0.0
    window = None
    if grid.size >= rules.min_points and span >= rules.min_decades - 1e-9:
        window = select_window(
            grid,
            log_table,
            window_decades=rules.window_decades,
            min_points=rules.min_points,
            curvature_confidence=rules.curvature_confidence,
        )
    if window is None:
        needed = math.ceil(grid[0] * 10**rules.min_decades)
        return RateAssessment(
            INCONCLUSIVE,
            f"the usable horizons T in [{int(grid[0])}, {int(grid[-1])}] span {span:.2g} decades "
            f"in {grid.size} points, but {rules.min_decades:g} decades with at least "
            f"{rules.min_points} points per {_decades(rules.window_decades)} are needed: run "
            f"to T = {needed} or beyond",
            p,
            seeds,
            (int(grid[0]), int(grid[-1])),
            settle={"seeds": None, "horizon": needed},
            **partial,
        )

    # A quantity that has not changed at all over its last min_points horizons on any seed
    # has stalled: its slope there is exactly 0, which no quadratic fit needs to estimate.
    # The stall is reported from where it began.
    unchanged = np.all(log_table == log_table[:, -1:], axis=0)
    if unchanged[-rules.min_points :].all():
        stall_start = int(grid.size - np.argmin(unchanged[::-1])) if not unchanged.all() else 0
        level = float(np.exp(log_table[:, -1].mean()))
        return RateAssessment(
            HOLDS if p <= 0 else FAILS,
            f"Q has not changed on any seed over T in [{int(grid[stall_start])}, "
            f"{int(grid[-1])}]: it stalled near {level:.3g}, a slope of 0 against the claimed "
            f"{-p:g}",
            p,
            seeds,
            (int(grid[0]), int(grid[-1])),
            window=_window_facts(grid, FitWindow(stall_start, grid.size, True, 0.0)),
            plateau={"from": float(grid[stall_start]), "level": level},
            **partial,
        )

    # 5. The per-seed slope at the last horizon, from a quadratic fit on the window, and that
    # slope carried lookahead_decades further along the fitted bending. A long window can hide
    # a bend under noise, so the slope is also read on the shortest window alone.
    lookahead = rules.lookahead_decades * math.log(10)
    slopes, curvatures = _end_slopes(grid, log_table, window.start)
    projected = slopes + 2 * curvatures * lookahead
    last_start = _shortest_window_start(grid, rules)
    last_slopes = (
        slopes if last_start <= window.start else _end_slopes(grid, log_table, last_start)[0]
    )
    facts: dict[str, Any] = {
        "window": _window_facts(grid, window),
        "transient_end": int(grid[window.start]) if window.start > 0 else None,
        **partial,
    }
    if seeds < 2 and not deterministic:
        return RateAssessment(
            INCONCLUSIVE,
            f"one seed gives slope {float(slopes[0]):.3f} but no interval, because the spread "
            "over seeds is unknown: rerun with at least 2 seeds (5 or more for noisy runs)",
            p,
            seeds,
            (int(grid[0]), int(grid[-1])),
            settle={"seeds": 2, "horizon": None},
            **facts,
        )

    # 6. Bounds over seeds, then the verdict.
    generator = np.random.default_rng([seed, 7919])

    def bounds(values: np.ndarray) -> SeedBounds:
        return seed_bounds(
            values,
            lower_confidence=rules.fails_confidence,
            upper_confidence=rules.holds_confidence,
            generator=generator,
        )

    slope = bounds(slopes)
    projected_slope = bounds(projected)
    last_slope = bounds(last_slopes)
    claimed = -p
    verdict = _decide(slope, projected_slope, last_slope, claimed)

    # A plateau: a failing curve whose slope is zero within its bounds now, or once its
    # flattening is carried further.
    plateau = None
    levels_off = slope.lower <= 0.0 <= slope.upper or (
        projected_slope.mean > slope.mean and projected_slope.upper >= 0.0
    )
    if verdict == FAILS and levels_off:
        plateau = {
            "from": float(grid[window.start]),
            "level": float(np.exp(log_table[:, -1].mean())),
        }
    settle = None
    if verdict == INCONCLUSIVE:
        settle = _settle(grid, window, slope, projected_slope, claimed, rules)
    return RateAssessment(
        verdict,
        _summary(verdict, slope, projected_slope, grid, window, claimed, plateau, settle, rules),
        p,
        seeds,
        (int(grid[0]), int(grid[-1])),
        slope=slope,
        projected_slope=projected_slope,
        plateau=plateau,
        settle=settle,
        **facts,
    )


def _decide(
    slope: SeedBounds, projected: SeedBounds, last_slope: SeedBounds, claimed: float
) -> str:
    # A flattening curve may be heading for a floor, and a steepening one may still reach
    # the rate, so each must keep its side of −p when the bending is carried further.
    # Holding also needs the slope read on the shortest window, which a long window can miss.
    flattening = projected.mean > slope.mean
    holds = (
        slope.upper <= claimed
        and last_slope.upper <= claimed
        and (not flattening or projected.upper <= claimed)
    )
    fails = slope.lower > claimed and (flattening or projected.lower > claimed)
    if holds:
        return HOLDS
    if fails:
        return FAILS
    return INCONCLUSIVE


def _end_slopes(
    grid: np.ndarray, log_table: np.ndarray, start: int
) -> tuple[np.ndarray, np.ndarray]:
    # Per seed, log Q ≈ a + b·x + c·x² with x = log T − log T_end: b is the slope at T_end.
    x = np.log(grid[start:].astype(np.float64))
    coefficients = fit_log_log(x - x[-1], log_table[:, start:], 2)
    return coefficients[:, 1], coefficients[:, 2]


def _shortest_window_start(grid: np.ndarray, rules: RateRules) -> int:
    # The latest start that still spans window_decades and min_points horizons.
    x = np.log(grid.astype(np.float64))
    start = (
        int(np.searchsorted(x, x[-1] - rules.window_decades * math.log(10) + 1e-12, "right")) - 1
    )
    return max(0, min(start, grid.size - rules.min_points))


def _settle(
    grid: np.ndarray,
    window: FitWindow,
    slope: SeedBounds,
    projected: SeedBounds,
    claimed: float,
    rules: RateRules,
) -> dict[str, Any]:
    below = slope.mean <= claimed
    confidence = rules.holds_confidence if below else rules.fails_confidence
    seeds = seeds_needed(slope, claimed, confidence)

    # Where the fitted bending carries the slope across −p, if it heads that way.
    horizon = None
    bending = (projected.mean - slope.mean) / (rules.lookahead_decades * math.log(10))
    if bending != 0.0 and (claimed - slope.mean) / bending > 0:
        crossing = (claimed - slope.mean) / bending
        horizon = math.ceil(grid[-1] * math.exp(min(crossing, math.log(1e12))))
    elif slope.mean != claimed:
        # Otherwise a longer window: the slope's standard error falls like span^(−3/2) for
        # noise independent between horizons, so the span must grow by
        # (half-width / distance)^(2/3).
        half_width = (slope.upper - slope.mean) if below else (slope.mean - slope.lower)
        ratio = half_width / abs(slope.mean - claimed)
        span = math.log(grid[-1] / grid[window.start])
        growth = span * (ratio ** (2 / 3) - 1)
        if growth > 0:
            horizon = math.ceil(grid[-1] * math.exp(min(growth, math.log(1e12))))
    # Extrapolations beyond a thousand times the last horizon are not advice.
    if horizon is not None and horizon > MAX_ADVISED_FACTOR * grid[-1]:
        horizon = None
    return {"seeds": seeds, "horizon": horizon}


def _summary(
    verdict: str,
    slope: SeedBounds,
    projected: SeedBounds,
    grid: np.ndarray,
    window: FitWindow,
    claimed: float,
    plateau: dict[str, float] | None,
    settle: dict[str, Any] | None,
    rules: RateRules,
) -> str:
    text = (
        f"slope at T = {int(grid[-1])}: {slope.mean:.3f} (<= {slope.upper:.3f} at "
        f"{rules.holds_confidence:.0%}, >= {slope.lower:.3f} at {rules.fails_confidence:.0%}), "
        f"{rules.lookahead_decades:g} decade on: {projected.mean:.3f}; fit on T in "
        f"[{int(grid[window.start])}, {int(grid[-1])}] over {slope.seeds} "
        f"{'seed' if slope.seeds == 1 else 'seeds'}"
    )
    if slope.seeds > 1 and slope.lower == slope.upper:
        text += " (the seeds gave identical values, so the bounds are those of one run)"
    if window.start > 0:
        text += f", transient T < {int(grid[window.start])} left out"
    if plateau is not None:
        text += f", Q levels off near {plateau['level']:.3g}"

    if verdict == HOLDS:
        return f"{text}: decays at least as fast as T^{claimed:g}"
    if verdict == FAILS:
        return f"{text}: decays slower than T^{claimed:g}"
    advice = []
    if settle is not None and settle.get("seeds"):
        advice.append(f"about {settle['seeds']} seeds")
    if settle is not None and settle.get("horizon"):
        advice.append(f"horizons to about T = {settle['horizon']}")
    if advice:
        remedy = " or ".join(advice) + " would likely settle it (estimated from this fit)"
    else:
        remedy = (
            "no number of seeds, and no horizon within a thousand times the last one, is "
            "estimated to settle it"
        )
    return f"{text}: the bounds straddle {claimed:g}; {remedy}"


def _window_facts(grid: np.ndarray, window: FitWindow) -> dict[str, Any]:
    if window.straight:
        shape = "straight"
    else:
        shape = "flattening" if window.curvature > 0 else "steepening"
    return {
        "horizons": [int(grid[window.start]), int(grid[-1])],
        "points": int(grid.size - window.start),
        "shape": shape,
        "curvature": window.curvature,
    }


def check_bound(horizons: np.ndarray, values: np.ndarray, bound: np.ndarray) -> BoundCheck:
    """Compare Q with an explicit bound B at every horizon and seed.

    Args:
        horizons: T, shape (K,).
        values: Q, shape (S, K).
        bound: B, shape (S, K) or (K,), positive and finite.
    """
    grid = np.asarray(horizons)
    table = np.atleast_2d(np.asarray(values, dtype=np.float64))
    limits = np.broadcast_to(np.asarray(bound, dtype=np.float64), table.shape)
    if not np.all(np.isfinite(limits)) or np.any(limits <= 0):
        raise ValueError("`bound` must be positive and finite at every horizon")
    ratios = table / limits
    worst = np.unravel_index(int(np.argmax(ratios)), ratios.shape)
    violated = ratios > 1.0
    violated_at = None
    if violated.any():
        column = int(np.argmax(violated.any(axis=0)))
        violated_at = (int(grid[column]), int(np.argmax(violated[:, column])))
    return BoundCheck(
        worst_ratio=float(ratios[worst]),
        worst_horizon=int(grid[worst[1]]),
        worst_seed=int(worst[0]),
        violated_at=violated_at,
    )


def _floors(table: np.ndarray, floor: float | np.ndarray | None, rules: RateRules) -> np.ndarray:
    if floor is None:
        return rules.relative_floor * table[:, 0]
    floors = np.broadcast_to(np.asarray(floor, dtype=np.float64), (table.shape[0],)).copy()
    if not np.all(np.isfinite(floors)) or np.any(floors < 0):
        raise ValueError(f"`floor` must be non-negative and finite, got {floor!r}")
    return floors


def _validate(horizons: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    grid = np.asarray(horizons)
    if grid.ndim != 1 or not np.issubdtype(grid.dtype, np.integer):
        raise ValueError(
            f"`horizons` must be a 1-D integer array, got {grid.dtype} of shape {grid.shape}"
        )
    if grid.size < 3:
        raise ValueError(f"`horizons` must contain at least 3 horizons, got {grid.size}")
    if grid[0] < 1 or np.any(np.diff(grid) <= 0):
        raise ValueError("`horizons` must be positive and strictly increasing")

    table = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if table.ndim != 2 or table.shape[1] != grid.size:
        raise ValueError(
            f"`values` must have shape (seeds, {grid.size}) or ({grid.size},), got "
            f"{np.shape(values)}"
        )
    if np.isnan(table).any():
        raise ValueError("`values` must not contain NaN")
    if np.any(table < 0):
        raise ValueError(
            f"`values` must be non-negative, got minimum {float(np.min(table))}; a rate is "
            "measured on a quantity such as a squared gradient norm or a loss gap"
        )
    return grid.astype(np.int64), table


def _decades(count: float) -> str:
    return "decade" if count == 1 else f"{count:g} decades"

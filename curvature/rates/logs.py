"""Users' training logs as (step, value) series per seed, read from CSV or JSON.

Accepted layouts:

* CSV with a header. Either ``seed``, ``step`` and ``value`` columns with one row per seed
  and step, or a ``step`` column and one column per seed. In the second layout the header
  names the seeds, and an empty cell means that the seed was not logged at that step.
* JSON: a list of records ``{"step": 10, "value": 0.3, "seed": 0}`` (``seed`` optional), or
  an object ``{"series": [{"seed": 0, "steps": [...], "values": [...]}, ...]}``.

Steps are non-negative integers, strictly increasing within a seed. Values are numbers
other than NaN, and ``inf`` marks a run that diverged. Every error names the line (CSV and
record lists) or the series and position, and what was expected there.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


class LogFormatError(ValueError):
    """A log file that does not have one of the accepted layouts."""


@dataclass(frozen=True)
class LogSeries:
    """The logged values of one seed.

    Attributes:
        seed: the seed's name in the file.
        steps: the logged steps, strictly increasing.
        values: the value at each step.
        locations: the position of each value in the file, for error messages.
    """

    seed: str
    steps: np.ndarray
    values: np.ndarray
    locations: tuple[str, ...]


def read_log(path: Path) -> list[LogSeries]:
    """Read the series of a CSV or JSON log; the layout is chosen by the file's first character.

    Raises:
        LogFormatError: naming the line or position and what was expected there.
        OSError: when the file cannot be read.
    """
    text = Path(path).read_text(encoding="utf-8")
    if not text.strip():
        raise LogFormatError(f"{path}: the file is empty; expected CSV with a header or JSON")
    first = text.lstrip()[0]
    points = _read_json(path, text) if first in "[{" else _read_csv(path, text)
    return _group(path, points)


def _read_csv(path: Path, text: str) -> list[tuple[str, int, float, str]]:
    rows = list(csv.reader(text.splitlines()))
    header = [name.strip() for name in rows[0]]
    if "step" not in header:
        raise LogFormatError(
            f"{path}:1: expected a header with a 'step' column, got {', '.join(header)!s}"
        )
    if len(set(header)) != len(header):
        raise LogFormatError(f"{path}:1: column names must be distinct, got {', '.join(header)}")
    step_column = header.index("step")

    points = []
    long_layout = "seed" in header
    if long_layout and "value" not in header:
        raise LogFormatError(
            f"{path}:1: a 'seed' column needs a 'value' column beside 'step', got "
            f"{', '.join(header)}"
        )
    if not long_layout and len(header) < 2:
        raise LogFormatError(
            f"{path}:1: expected 'step' and at least one value column (one per seed)"
        )

    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise LogFormatError(
                f"{path}:{line}: expected {len(header)} fields as in the header, got {len(row)}"
            )
        where = f"{path}:{line}"
        step = _parse_step(row[step_column], where)
        if long_layout:
            seed = row[header.index("seed")].strip()
            if not seed:
                raise LogFormatError(f"{where}: expected a seed name in column 'seed', got ''")
            value = _parse_value(row[header.index("value")], where)
            points.append((seed, step, value, where))
            continue
        for column, name in enumerate(header):
            if column == step_column or not row[column].strip():
                continue
            points.append(
                (name, step, _parse_value(row[column], f"{where} (column {name!r})"), where)
            )
    return points


def _read_json(path: Path, text: str) -> list[tuple[str, int, float, str]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise LogFormatError(
            f"{path}:{error.lineno}: invalid JSON ({error.msg} at column {error.colno})"
        ) from None

    if isinstance(document, list):
        lines = _record_lines(text)
        points = []
        for index, record in enumerate(document):
            line = lines[index] if index < len(lines) else "?"
            where = f"{path}:{line} (record {index})"
            if not isinstance(record, dict) or "step" not in record or "value" not in record:
                raise LogFormatError(
                    f"{where}: expected an object with 'step' and 'value' (and optionally "
                    f"'seed'), got {_preview(record)}"
                )
            seed = str(record.get("seed", "0"))
            points.append(
                (
                    seed,
                    _parse_step(record["step"], where),
                    _parse_value(record["value"], where),
                    where,
                )
            )
        return points

    series = document.get("series") if isinstance(document, dict) else None
    if not isinstance(series, list):
        raise LogFormatError(
            f"{path}:1: expected a list of records or an object with a 'series' list, got an "
            f"object with keys {', '.join(map(str, document)) or 'none'}"
        )
    points = []
    for index, entry in enumerate(series):
        where = f"{path}: series {index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("steps"), list):
            raise LogFormatError(f"{where}: expected an object with lists 'steps' and 'values'")
        steps, values = entry["steps"], entry.get("values")
        if not isinstance(values, list) or len(values) != len(steps):
            raise LogFormatError(
                f"{where}: expected 'values' as a list as long as 'steps' ({len(steps)}), got "
                f"{_preview(values)}"
            )
        seed = str(entry.get("seed", index))
        for position, (step, value) in enumerate(zip(steps, values)):
            at = f"{where}, position {position}"
            points.append((seed, _parse_step(step, at), _parse_value(value, at), at))
    return points


def _group(path: Path, points: list[tuple[str, int, float, str]]) -> list[LogSeries]:
    if not points:
        raise LogFormatError(f"{path}: no (step, value) pairs found")
    by_seed: dict[str, list[tuple[int, float, str]]] = {}
    for seed, step, value, where in points:
        by_seed.setdefault(seed, []).append((step, value, where))

    series = []
    for seed, entries in by_seed.items():
        for (previous, _, _), (step, _, where) in itertools.pairwise(entries):
            if step <= previous:
                raise LogFormatError(
                    f"{where}: steps of seed {seed!r} must increase, got {step} after {previous}"
                )
        steps = np.array([entry[0] for entry in entries], dtype=np.int64)
        values = np.array([entry[1] for entry in entries], dtype=np.float64)
        series.append(LogSeries(seed, steps, values, tuple(entry[2] for entry in entries)))
    return series


QUANTITIES = ("value", "best", "average")
"""The readings of logged values as Q(T): as logged, running minimum, or running mean."""


def common_table(series: list[LogSeries], quantity: str = "value") -> tuple[np.ndarray, np.ndarray]:
    """Return every step ≥ 1 logged by all seeds and Q there per seed, shape (seeds, K).

    Q(T) is the logged value at step T (``"value"``), the minimum of the values logged at
    steps ≤ T (``"best"``), or their mean (``"average"``, which needs every step logged).

    Raises:
        LogFormatError: for negative values, gaps in a log read as ``"average"``, or seeds
            that share fewer than 3 logged steps.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"`quantity` must be one of {', '.join(QUANTITIES)}, got {quantity!r}")
    transformed = []
    for entry in series:
        negative = np.flatnonzero(entry.values < 0)
        if negative.size:
            index = int(negative[0])
            raise LogFormatError(
                f"{entry.locations[index]}: expected a non-negative value (a rate is measured on "
                f"a quantity such as a squared gradient norm or a loss gap), got "
                f"{entry.values[index]:g}"
            )
        if quantity == "best":
            values = np.minimum.accumulate(entry.values)
        elif quantity == "average":
            gaps = np.flatnonzero(np.diff(entry.steps) != 1)
            if gaps.size:
                index = int(gaps[0]) + 1
                raise LogFormatError(
                    f"{entry.locations[index]}: 'average' needs every step logged, but seed "
                    f"{entry.seed!r} jumps from step {entry.steps[index - 1]} to "
                    f"{entry.steps[index]}"
                )
            values = np.cumsum(entry.values) / np.arange(1, entry.values.size + 1)
        else:
            values = entry.values
        transformed.append(dict(zip(entry.steps.tolist(), values.tolist())))

    common = sorted(set.intersection(*(set(steps) for steps in transformed)) - {0})
    if len(common) < 3:
        raise LogFormatError(
            f"the {len(series)} seeds share {len(common)} logged steps >= 1 (at least 3 are "
            "needed): log every seed at the same steps"
        )

    steps = np.asarray(common, dtype=np.int64)
    table = np.array([[values[int(step)] for step in steps] for values in transformed])
    return steps, table


def horizon_table(
    series: list[LogSeries], quantity: str = "value", per_decade: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Return :func:`common_table` thinned by :func:`thin_table`."""
    steps, table = common_table(series, quantity)
    return thin_table(steps, table, per_decade)


def thin_table(
    steps: np.ndarray, table: np.ndarray, per_decade: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Return the columns of ``table`` at about ``per_decade`` steps per decade of T.

    Each kept step is the largest one at or below a point of a geometric grid, so the fit
    weighs every decade of T alike.
    """
    count = max(2, math.ceil(math.log10(steps[-1] / steps[0]) * per_decade) + 1)
    targets = np.geomspace(steps[0], steps[-1], count)
    indices = np.unique(np.searchsorted(steps, targets + 1e-9, side="right") - 1)
    return steps[indices], table[:, indices]


def _parse_step(raw: Any, where: str) -> int:
    text = str(raw).strip()
    try:
        number = float(text)
    except ValueError:
        raise LogFormatError(f"{where}: expected an integer step, got {text!r}") from None
    if isinstance(raw, bool) or not math.isfinite(number) or number != int(number) or number < 0:
        raise LogFormatError(f"{where}: expected a non-negative integer step, got {text!r}")
    return int(number)


def _parse_value(raw: Any, where: str) -> float:
    text = str(raw).strip()
    if isinstance(raw, bool):
        raise LogFormatError(f"{where}: expected a number as value, got {text!r}")
    try:
        number = float(text)
    except ValueError:
        raise LogFormatError(f"{where}: expected a number as value, got {text!r}") from None
    if math.isnan(number):
        raise LogFormatError(f"{where}: expected a number as value, got NaN")
    return number


def _record_lines(text: str) -> list[int]:
    # The line on which each element of a top-level JSON array starts.
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    lines: list[int] = []
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return lines
        lines.append(text.count("\n", 0, position) + 1)
        _, position = decoder.raw_decode(text, position)


def _preview(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."

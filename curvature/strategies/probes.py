"""A strategy for Hutchinson probe vectors whose entries have exactly the stated distribution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from hypothesis import strategies as st
from torch import Tensor

from curvature._validation import check_choice, check_positive_int
from curvature.estimators.hutchinson import PROBE_DISTRIBUTIONS, draw_probes
from curvature.strategies._limits import MAX_DIMENSION
from curvature.strategies.matrices import SEEDS

MAX_PROBES = 4096


@dataclass(frozen=True)
class ProbeDraw:
    """A (num_probes, n) float64 matrix of independent probes and how it was drawn.

    Attributes:
        distribution: ``"rademacher"`` (entries ±1, each with probability 1/2) or
            ``"gaussian"`` (standard normal entries).
        seed: the seed of the torch generator that drew the entries.
        probes: the matrix; row k is probe z_k.
    """

    distribution: str
    seed: int
    probes: Tensor = field(repr=False)

    @property
    def num_probes(self) -> int:
        """The number of probes m."""
        return int(self.probes.shape[0])


def probe_matrices(
    n: int,
    *,
    min_probes: int = 1,
    max_probes: int = 64,
    distributions: Sequence[str] = PROBE_DISTRIBUTIONS,
) -> st.SearchStrategy[ProbeDraw]:
    """Generate m independent probe vectors of length n, Rademacher or Gaussian.

    Hypothesis chooses the distribution, m in [``min_probes``, ``max_probes``] and a seed;
    torch draws the entries from that seed with
    :func:`curvature.estimators.draw_probes`. Hypothesis' own choices lean toward simple
    values, so drawing the entries through a seeded generator is what keeps E[z zᵀ] = I and
    makes the statistical properties valid. Shrinking moves toward Rademacher probes, fewer
    of them and seed 0. Limits: n ≤ 64, m ≤ 4096.
    """
    check_positive_int("n", n)
    if n > MAX_DIMENSION:
        raise ValueError(f"`n` must be at most {MAX_DIMENSION}, got {n}")
    check_positive_int("min_probes", min_probes)
    check_positive_int("max_probes", max_probes)
    if not min_probes <= max_probes <= MAX_PROBES:
        raise ValueError(
            f"`max_probes` must lie in [min_probes, {MAX_PROBES}] = [{min_probes}, "
            f"{MAX_PROBES}], got {max_probes}"
        )
    if not distributions:
        raise ValueError("`distributions` must name at least one distribution")
    for distribution in distributions:
        check_choice("distributions", distribution, PROBE_DISTRIBUTIONS)

    @st.composite
    def draw_matrix(draw: st.DrawFn) -> ProbeDraw:
        distribution = draw(st.sampled_from(tuple(distributions)))
        num_probes = draw(st.integers(min_probes, max_probes))
        seed = draw(SEEDS)
        generator = torch.Generator().manual_seed(seed)
        probes = draw_probes(num_probes, n, distribution=distribution, generator=generator)
        return ProbeDraw(distribution=distribution, seed=seed, probes=probes)

    return draw_matrix()

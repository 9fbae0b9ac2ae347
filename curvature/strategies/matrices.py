"""Strategies for spectra and for symmetric matrices built from them by a random rotation.

A matrix is drawn as H = Q diag(λ) Qᵀ: hypothesis chooses the eigenvalues λ directly, so they
shrink toward short lists of simple numbers, and it chooses Q through a seed (or the identity,
which shrinking prefers), so a failing matrix shrinks toward a diagonal one. The eigenvalues
are exact as prescribed; the entries of the float64 matrix carry rounding of order
n·2⁻⁵²·max|λ|, so its computed spectrum agrees with the prescribed one to that accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from hypothesis import strategies as st
from scipy.stats import ortho_group
from torch import Tensor

from curvature._validation import check_positive
from curvature.strategies._limits import check_size_range, check_value_range, finite_floats

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
"""Seeds for NumPy and torch generators; shrinking moves them toward 0."""


@dataclass(frozen=True)
class SymmetricMatrix:
    """A symmetric float64 matrix H = Q diag(eigenvalues) Qᵀ with its known spectrum.

    Attributes:
        eigenvalues: the prescribed spectrum, ascending, as a float64 vector of length n.
        rotation_seed: the seed of the Haar-distributed rotation Q, or None for Q = I.
        matrix: H, shape (n, n), symmetric to the last bit.
        rotation: Q, shape (n, n).
    """

    eigenvalues: Tensor
    rotation_seed: int | None
    matrix: Tensor = field(repr=False)
    rotation: Tensor = field(repr=False)

    @property
    def n(self) -> int:
        """The dimension n."""
        return int(self.eigenvalues.numel())

    @property
    def L(self) -> float:
        """The spectral norm max |λ_i|, the smoothness constant of ½ θᵀHθ."""
        return float(self.eigenvalues.abs().max())

    @property
    def mu(self) -> float:
        """The smallest eigenvalue; negative when H is indefinite."""
        return float(self.eigenvalues.min())

    @property
    def trace(self) -> float:
        """tr(H) as the sum of the prescribed eigenvalues."""
        return float(self.eigenvalues.sum())

    def __repr__(self) -> str:
        values = ", ".join(f"{value:.17g}" for value in self.eigenvalues.tolist())
        return f"SymmetricMatrix(eigenvalues=[{values}], rotation_seed={self.rotation_seed})"


def spectra(
    *,
    min_size: int = 1,
    max_size: int = 8,
    min_value: float = -10.0,
    max_value: float = 10.0,
) -> st.SearchStrategy[list[float]]:
    """Generate eigenvalue lists of length ``min_size`` to ``max_size`` in [min_value, max_value].

    Sizes are at most 64. Values are finite floats without subnormals, so a list may be
    positive definite, semi-definite, indefinite or negative definite, whatever the range
    allows. Shrinks toward shorter lists and toward 0 (or the bound nearest it).
    """
    check_size_range(min_size, max_size)
    low, high = check_value_range("min_value", min_value, "max_value", max_value)
    return st.lists(finite_floats(low, high), min_size=min_size, max_size=max_size).map(sorted)


def psd_spectra(
    *, min_size: int = 1, max_size: int = 8, max_eigenvalue: float = 100.0
) -> st.SearchStrategy[list[float]]:
    """Generate positive semi-definite spectra: eigenvalues in [0, ``max_eigenvalue``].

    Zero eigenvalues are allowed (and preferred by shrinking); sizes up to 64.
    """
    check_positive("max_eigenvalue", max_eigenvalue)
    return spectra(min_size=min_size, max_size=max_size, min_value=0.0, max_value=max_eigenvalue)


def indefinite_spectra(
    *,
    min_size: int = 2,
    max_size: int = 8,
    max_magnitude: float = 10.0,
    min_magnitude: float = 1e-3,
) -> st.SearchStrategy[list[float]]:
    """Generate spectra with at least one negative and one positive eigenvalue.

    The negative and positive eigenvalues have magnitudes in [``min_magnitude``,
    ``max_magnitude``], which keeps the sign visible above rounding; further eigenvalues may
    also be 0. Sizes are 2 to 64.
    """
    check_size_range(min_size, max_size, smallest=2)
    low, high = check_value_range("min_magnitude", min_magnitude, "max_magnitude", max_magnitude)
    check_positive("min_magnitude", low)

    @st.composite
    def draw_spectrum(draw: st.DrawFn) -> list[float]:
        negative = draw(finite_floats(-high, -low))
        positive = draw(finite_floats(low, high))
        rest = draw(
            st.lists(finite_floats(-high, high), min_size=min_size - 2, max_size=max_size - 2)
        )
        return sorted([negative, positive, *rest])

    return draw_spectrum()


def ill_conditioned_spectra(
    *,
    min_size: int = 2,
    max_size: int = 8,
    min_condition: float = 1e4,
    max_condition: float = 1e10,
    max_eigenvalue: float = 1e3,
) -> st.SearchStrategy[list[float]]:
    """Generate positive definite spectra whose condition number lies in the given range.

    The largest eigenvalue L is drawn in [1e-2, ``max_eigenvalue``] and the condition number κ
    log-uniformly in [``min_condition``, ``max_condition``]; the spectrum contains L and L/κ,
    and the others lie log-uniformly between them. Sizes are 2 to 64 and κ is at most 1e14:
    the rotated float64 matrix carries rounding of about n·ε·L, which beyond that approaches
    the smallest eigenvalue L/κ.
    """
    check_size_range(min_size, max_size, smallest=2)
    low, high = check_value_range("min_condition", min_condition, "max_condition", max_condition)
    if low < 1.0 or high > 1e14:
        raise ValueError(
            "the condition range must lie in [1, 1e14], got "
            f"min_condition={min_condition!r}, max_condition={max_condition!r}"
        )
    largest_bound = check_positive("max_eigenvalue", max_eigenvalue)
    if largest_bound < 1e-2:
        raise ValueError(f"`max_eigenvalue` must be at least 0.01, got {max_eigenvalue!r}")

    @st.composite
    def draw_spectrum(draw: st.DrawFn) -> list[float]:
        largest = draw(finite_floats(1e-2, largest_bound))
        exponent = draw(finite_floats(math.log10(low), math.log10(high)))
        fractions = draw(
            st.lists(finite_floats(0.0, 1.0), min_size=min_size - 2, max_size=max_size - 2)
        )
        condition = 10.0**exponent
        interior = [largest * condition ** (-fraction) for fraction in fractions]
        return sorted([largest / condition, *interior, largest])

    return draw_spectrum()


def repeated_spectra(
    *,
    min_size: int = 2,
    max_size: int = 8,
    min_value: float = -10.0,
    max_value: float = 10.0,
) -> st.SearchStrategy[list[float]]:
    """Generate spectra in which at least one eigenvalue has multiplicity two or more.

    One to ``max_size // 2`` distinct values in [min_value, max_value] each get a multiplicity;
    the first gets at least 2. Sizes are 2 to 64 (lists shorter than ``min_size`` are padded
    by repeating the first value).
    """
    check_size_range(min_size, max_size, smallest=2)
    low, high = check_value_range("min_value", min_value, "max_value", max_value)

    @st.composite
    def draw_spectrum(draw: st.DrawFn) -> list[float]:
        values = draw(
            st.lists(finite_floats(low, high), min_size=1, max_size=max_size // 2, unique=True)
        )

        # Each later value keeps room for one copy of every value after it.
        spectrum = [values[0]] * draw(st.integers(2, max_size - (len(values) - 1)))
        for position, value in enumerate(values[1:], start=1):
            still_to_place = len(values) - 1 - position
            room = max_size - len(spectrum) - still_to_place
            spectrum += [value] * draw(st.integers(1, room))

        spectrum += [values[0]] * max(0, min_size - len(spectrum))
        return sorted(spectrum)

    return draw_spectrum()


def rotations(n: int) -> st.SearchStrategy[tuple[int | None, Tensor]]:
    """Generate (seed, Q) with Q an n-by-n orthogonal float64 matrix.

    Q is the identity (seed None, which shrinking prefers) or Haar-distributed, drawn by
    ``scipy.stats.ortho_group`` from the seed. n is at most 64.
    """
    check_size_range(n, n)
    identity = torch.eye(n, dtype=torch.float64)
    if n == 1:
        return st.just((None, identity))
    return st.one_of(
        st.just((None, identity)),
        SEEDS.map(lambda seed: (seed, _haar_rotation(n, seed))),
    )


def symmetric_matrices(
    spectrum: st.SearchStrategy[list[float]] | None = None, *, rotate: bool = True
) -> st.SearchStrategy[SymmetricMatrix]:
    """Generate H = Q diag(λ) Qᵀ with λ from ``spectrum`` (default :func:`spectra`).

    With ``rotate=False`` every matrix is diagonal. The size and values follow the spectrum
    strategy (at most 64 by 64). H is symmetrized as (H + Hᵀ)/2, so it is exactly symmetric.
    """
    eigenvalue_lists = spectrum if spectrum is not None else spectra()

    @st.composite
    def draw_matrix(draw: st.DrawFn) -> SymmetricMatrix:
        eigenvalues = torch.tensor(sorted(draw(eigenvalue_lists)), dtype=torch.float64)
        n = int(eigenvalues.numel())
        if rotate:
            seed, rotation = draw(rotations(n))
        else:
            seed, rotation = None, torch.eye(n, dtype=torch.float64)
        matrix = rotation @ torch.diag(eigenvalues) @ rotation.T
        return SymmetricMatrix(
            eigenvalues=eigenvalues,
            rotation_seed=seed,
            matrix=0.5 * (matrix + matrix.T),
            rotation=rotation,
        )

    return draw_matrix()


def _haar_rotation(n: int, seed: int) -> Tensor:
    matrix = ortho_group.rvs(n, random_state=np.random.default_rng(seed))
    return torch.from_numpy(np.asarray(matrix, dtype=np.float64))

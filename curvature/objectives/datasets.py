"""Real data sets that ship inside scikit-learn's wheel; nothing is downloaded."""

from __future__ import annotations

from functools import cache

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.preprocessing import StandardScaler


@cache
def breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """Return the Wisconsin breast cancer data: standardized X (569 × 30) and y in {−1, +1}.

    Standardization uses the whole data set (zero mean, unit variance per feature).
    """
    data = load_breast_cancer()
    features = StandardScaler().fit_transform(np.asarray(data.data, dtype=np.float64))
    labels = np.where(np.asarray(data.target) == 1, 1.0, -1.0)
    features.setflags(write=False)
    labels.setflags(write=False)
    return features, labels


@cache
def digits() -> tuple[np.ndarray, np.ndarray]:
    """Return the 8 × 8 handwritten digits: X (1797 × 64) scaled to [0, 1] and labels 0–9."""
    data = load_digits()
    features = np.asarray(data.data, dtype=np.float64) / 16.0
    labels = np.asarray(data.target, dtype=np.int64)
    features.setflags(write=False)
    labels.setflags(write=False)
    return features, labels

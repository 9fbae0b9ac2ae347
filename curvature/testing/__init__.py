"""Property testing of curvature-based learning-rate rules: the pytest plugin and its parts.

* :mod:`curvature.testing.plugin`: the pytest plugin (hypothesis profiles, fixtures);
* :mod:`curvature.testing.profiles`: the ``ci``, ``default`` and ``thorough`` profiles;
* :mod:`curvature.testing.reference`: independent references (dense Hessians, sign vectors,
  the literal formula);
* :mod:`curvature.testing.bounds`: the telescoped descent-lemma bound, for any step sizes;
* :mod:`curvature.testing.statistics`: false-alarm shares across hypothesis examples;
* :mod:`curvature.testing.properties`: the properties the toolkit checks on itself;
* :mod:`curvature.testing.faults`: planted faults that the properties must catch;
* :mod:`curvature.testing.counterexamples`: smallest counterexamples found by hypothesis.

The strategies live in :mod:`curvature.strategies`. Importing this package loads only the
small helpers re-exported below, so that loading the plugin stays cheap.
"""

from curvature.testing.bounds import descent_lemma_bound
from curvature.testing.reference import dense_hessian, literal_learning_rate, rademacher_vectors
from curvature.testing.statistics import FAMILY_FALSE_ALARM_RATE, per_estimate_rate

__all__ = [
    "FAMILY_FALSE_ALARM_RATE",
    "dense_hessian",
    "descent_lemma_bound",
    "literal_learning_rate",
    "per_estimate_rate",
    "rademacher_vectors",
]

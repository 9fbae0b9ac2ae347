"""The properties the toolkit checks on itself with hypothesis.

:data:`PROPERTIES` lists them, cheapest first; each is a :class:`Property` whose
:meth:`~Property.run` checks it over generated cases with the active hypothesis settings.
``tests/properties`` runs each under pytest, and :mod:`curvature.testing.faults` runs them
against deliberately wrong variants of the toolkit.
"""

from curvature.testing.properties.base import Property, PropertyContext
from curvature.testing.properties.descent import (
    DESCENT,
    DESCENT_LEMMA_BOUND,
    DIVERGENCE_THRESHOLD,
)
from curvature.testing.properties.estimators import (
    EXACT_DIAGONAL,
    HUTCHINSON_UNBIASED,
    VARIANCE_FORMULAS,
)
from curvature.testing.properties.invariance import LAYOUT_INVARIANCE, TRACE_GROWS_WITH_COPIES
from curvature.testing.properties.optimizer import OPTIMIZER_EXACT_STEP, STATE_DICT_ROUND_TRIP
from curvature.testing.properties.rule import LR_BOUNDS_PSD, RULE_POLICIES

PROPERTIES: tuple[Property, ...] = (
    RULE_POLICIES,
    LR_BOUNDS_PSD,
    DIVERGENCE_THRESHOLD,
    DESCENT,
    DESCENT_LEMMA_BOUND,
    VARIANCE_FORMULAS,
    EXACT_DIAGONAL,
    OPTIMIZER_EXACT_STEP,
    HUTCHINSON_UNBIASED,
    TRACE_GROWS_WITH_COPIES,
    LAYOUT_INVARIANCE,
    STATE_DICT_ROUND_TRIP,
)
"""Every property, in the order the fault runner tries them."""


def property_by_name(name: str) -> Property:
    """Return the property called ``name``; raise ``ValueError`` listing the names otherwise."""
    for candidate in PROPERTIES:
        if candidate.name == name:
            return candidate
    names = ", ".join(candidate.name for candidate in PROPERTIES)
    raise ValueError(f"unknown property {name!r}; the properties are {names}")


__all__ = ["PROPERTIES", "Property", "PropertyContext", "property_by_name"]

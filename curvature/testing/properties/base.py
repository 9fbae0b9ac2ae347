"""A property: a strategy for cases and a check that raises ``AssertionError`` on a bad one.

Keeping the two apart lets the same property run under pytest with the active hypothesis
profile, under the planted-fault runner with its own settings, and from the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis.strategies import SearchStrategy

from curvature.testing.profiles import current_settings

FLOAT64_EPS = 2.0**-52
"""Machine epsilon of float64, the unit of every rounding allowance in the properties."""


@dataclass(frozen=True)
class PropertyContext:
    """Facts about the current run that a check may need.

    Attributes:
        max_examples: the largest number of examples hypothesis runs, for Bonferroni shares
            of a false-alarm rate across examples.
    """

    max_examples: int


@dataclass(frozen=True)
class Property:
    """A property of the toolkit that hypothesis checks over generated cases.

    Attributes:
        name: the id used in reports, such as ``"lr-bounds-psd"``.
        statement: what holds for every case, in one or two sentences.
        cases: returns the strategy that generates one case.
        check: ``check(case, context)`` returns when the property holds for ``case`` and
            raises ``AssertionError`` with the size of the violation when it does not.
    """

    name: str
    statement: str
    cases: Callable[[], SearchStrategy[Any]]
    check: Callable[[Any, PropertyContext], None]

    def run(self, hypothesis_settings: settings | None = None) -> None:
        """Check the property over generated cases; raise the first failure, shrunk.

        Without ``hypothesis_settings`` the current default settings apply, which the
        pytest plugin sets from the selected profile.
        """
        active = hypothesis_settings if hypothesis_settings is not None else current_settings()
        context = PropertyContext(max_examples=int(active.max_examples))
        check = self.check

        def test(case: Any) -> None:
            check(case, context)

        # Named after the property, so that hypothesis reports, derandomizes and stores
        # examples per property.
        test.__name__ = test.__qualname__ = "property_" + self.name.replace("-", "_")
        test._hypothesis_internal_add_digest = self.name.encode()  # type: ignore[attr-defined]
        settings(active)(given(case=self.cases())(test))()

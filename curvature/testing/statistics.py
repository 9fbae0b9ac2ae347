"""False-alarm control for statistical properties that hypothesis runs over many examples.

A property that tests q estimates per example, over at most N examples, gives each estimate
the share α/(N·q) of the family-wise false-alarm rate α (Bonferroni). Then a correct
estimator fails a whole run of the property with probability at most α, whatever the
examples hypothesis chooses and however they depend on each other. In the generate phase
hypothesis runs at most ``max_examples`` examples that reach the assertion, so N is the
active profile's ``max_examples``.
"""

from __future__ import annotations

from curvature._validation import check_positive_int, check_probability

FAMILY_FALSE_ALARM_RATE = 0.01
"""α: the probability that a statistical property fails a whole run on a correct estimator."""


def per_estimate_rate(
    estimates_per_example: int,
    max_examples: int | None = None,
    family_rate: float = FAMILY_FALSE_ALARM_RATE,
) -> float:
    """Return α/(N·q), the false-alarm rate each estimate may spend.

    Args:
        estimates_per_example: q, the number of estimates one example tests.
        max_examples: N; by default the ``max_examples`` of hypothesis' current settings.
        family_rate: α, for the whole run of the property.
    """
    check_positive_int("estimates_per_example", estimates_per_example)
    check_probability("family_rate", family_rate)
    if max_examples is None:
        from curvature.testing.profiles import current_settings

        max_examples = int(current_settings().max_examples)
    check_positive_int("max_examples", max_examples)
    return family_rate / (max_examples * estimates_per_example)

"""The toolkit's own properties, each run by hypothesis under the active profile."""

from __future__ import annotations

import pytest

from curvature.testing.properties import PROPERTIES, Property, property_by_name


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda prop: prop.name)
def test_property_holds(prop: Property):
    prop.run()


def test_property_names_are_unique():
    names = [prop.name for prop in PROPERTIES]
    assert len(names) == len(set(names))


def test_unknown_property_name_lists_the_names():
    with pytest.raises(ValueError, match=r"unknown property 'no-such'.*lr-bounds-psd"):
        property_by_name("no-such")

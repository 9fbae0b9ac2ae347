"""Hypothesis settings profiles for curvature property suites, and how one is selected.

Three profiles are registered with hypothesis under these names:

* ``curvature-ci``: 25 examples per property, derandomized (the examples depend only on the
  test, so every CI run gets the same ones), no example database, no deadline;
* ``curvature-default``: 100 random examples, the example database on, no deadline;
* ``curvature-thorough``: 1,000 random examples, the example database on, no deadline.

Every profile drops hypothesis' deadline and its too-slow health check, because one example
may run an optimizer or take a Hessian, which is slower than hypothesis expects.

A profile is selected by the pytest option ``--curvature-profile``, else by the environment
variable ``CURVATURE_HYPOTHESIS_PROFILE``, else by the ini setting ``curvature_profile``;
each takes ``ci``, ``default`` or ``thorough``. Without any of them hypothesis keeps its own
settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, settings

PROFILE_ENVIRONMENT_VARIABLE = "CURVATURE_HYPOTHESIS_PROFILE"

PROFILES: Mapping[str, Mapping[str, Any]] = {
    "ci": {"max_examples": 25, "derandomize": True, "database": None, "print_blob": True},
    "default": {"max_examples": 100},
    "thorough": {"max_examples": 1000},
}
"""Each profile's settings beyond the shared ones (no deadline, no too-slow check)."""


def profile_name(short_name: str) -> str:
    """Return the name under which the profile ``short_name`` is registered with hypothesis."""
    return f"curvature-{short_name}"


def register_profiles() -> None:
    """Register the three profiles with hypothesis; registering again replaces them.

    Each profile derives from hypothesis' own ``default`` profile, not from whatever profile
    is loaded at the time.
    """
    for short_name, values in PROFILES.items():
        settings.register_profile(
            profile_name(short_name),
            parent=settings.get_profile("default"),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            **values,
        )


def profile_settings(short_name: str) -> settings:
    """Return the settings of profile ``short_name`` without making them the default."""
    check_profile(short_name, "profile")
    register_profiles()
    return settings.get_profile(profile_name(short_name))


def load_profile(short_name: str) -> settings:
    """Register the profiles, make ``short_name`` hypothesis' default and return its settings."""
    check_profile(short_name, "profile")
    register_profiles()
    settings.load_profile(profile_name(short_name))
    return current_settings()


def current_settings() -> settings:
    """Return hypothesis' current default settings (inside a test: that test's settings)."""
    active = settings.default
    if active is None:
        raise RuntimeError("hypothesis has no default settings; load a profile first")
    return active


def check_profile(short_name: str, source: str) -> str:
    """Return ``short_name`` if it names a profile; raise ``ValueError`` naming ``source``."""
    if short_name not in PROFILES:
        choices = ", ".join(PROFILES)
        raise ValueError(f"{source} must be one of {choices}, got {short_name!r}")
    return short_name


def select_profile(
    option: str | None, environment: Mapping[str, str], ini_value: str | None
) -> str | None:
    """Return the profile that the option, the environment or the ini setting selects.

    The first one given wins, in that order; an empty string counts as not given. Returns
    None when none is given.
    """
    if option:
        return check_profile(option, "--curvature-profile")
    from_environment = environment.get(PROFILE_ENVIRONMENT_VARIABLE, "")
    if from_environment:
        return check_profile(from_environment, PROFILE_ENVIRONMENT_VARIABLE)
    if ini_value:
        return check_profile(ini_value, "the ini setting curvature_profile")
    return None

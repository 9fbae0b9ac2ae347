"""The pytest plugin of the toolkit, loaded through the ``pytest11`` entry point ``curvature``.

It adds:

* the option ``--curvature-profile {ci,default,thorough}`` (also the environment variable
  ``CURVATURE_HYPOTHESIS_PROFILE`` and the ini setting ``curvature_profile``), which loads
  one of the hypothesis profiles of :mod:`curvature.testing.profiles`;
* a header line naming the active profile;
* fixtures: ``builtin_objective`` (build a built-in objective by id, cached per session),
  ``small_builtin_objective`` (each built-in objective with at most 100 parameters, as a
  parametrized fixture) and ``exact_hessian`` (the dense reference Hessian of a loss).

The plugin does no work of its own at import or configuration, and objectives are built on
first use. Disable it with ``-p no:curvature``.

NOTE: importing this module imports the ``curvature`` package, and with it torch, which adds
about 2 s to the start of every pytest run in an environment where curvature is installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from torch import Tensor

    from curvature.objectives import Objective

PROFILE_KEY = pytest.StashKey[str]()

SMALL_BUILTIN_OBJECTIVES = (
    "quadratic-psd",
    "quadratic-indefinite",
    "quadratic-1d",
    "rosenbrock",
    "logreg-breast-cancer",
)
"""The deterministic built-in objectives with at most 100 parameters, whose dense Hessian
costs milliseconds."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--curvature-profile`` and the ini setting ``curvature_profile``."""
    group = parser.getgroup("curvature", "curvature property testing")
    group.addoption(
        "--curvature-profile",
        choices=("ci", "default", "thorough"),
        default=None,
        help="hypothesis profile: ci (25 derandomized examples), default (100 random) or "
        "thorough (1000 random); overrides CURVATURE_HYPOTHESIS_PROFILE and the ini setting",
    )
    parser.addini(
        "curvature_profile",
        "hypothesis profile loaded when neither --curvature-profile nor "
        "CURVATURE_HYPOTHESIS_PROFILE is given: ci, default or thorough",
        default="",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register the profiles and load the selected one, before hypothesis' own plugin runs.

    Running first lets ``--hypothesis-profile=curvature-ci`` name a registered profile, and
    lets an explicit ``--hypothesis-profile`` override the profile selected here.
    """
    from curvature.testing.profiles import load_profile, register_profiles, select_profile

    register_profiles()
    try:
        name = select_profile(
            config.getoption("curvature_profile"),
            os.environ,
            str(config.getini("curvature_profile") or ""),
        )
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    if name is not None:
        load_profile(name)
        config.stash[PROFILE_KEY] = name


def pytest_report_header(config: pytest.Config) -> str:
    """Name the hypothesis profile in the session header."""
    name = config.stash.get(PROFILE_KEY, None)
    if name is None:
        return "curvature: no curvature profile selected; hypothesis keeps its own settings"
    from curvature.testing.profiles import current_settings

    active = current_settings()
    return (
        f"curvature: hypothesis profile curvature-{name} (max_examples={active.max_examples}, "
        f"derandomize={active.derandomize})"
    )


@pytest.fixture(scope="session")
def builtin_objective() -> Callable[..., Objective]:
    """Return ``make(name, seed=0)``, which builds a built-in objective once per session.

    ``name`` is an id of ``curvature objectives`` (for example ``"quadratic-psd"``) or
    ``module.path:factory``. The same (name, seed) returns the same object, so a test must
    not modify it.
    """
    from curvature.objectives import make_objective

    cache: dict[tuple[str, int], Objective] = {}

    def make(name: str, seed: int = 0) -> Objective:
        key = (name, seed)
        if key not in cache:
            cache[key] = make_objective(name, seed=seed)
        return cache[key]

    return make


@pytest.fixture(params=SMALL_BUILTIN_OBJECTIVES)
def small_builtin_objective(
    request: pytest.FixtureRequest, builtin_objective: Callable[..., Objective]
) -> Objective:
    """Return each built-in deterministic objective with at most 100 parameters, seed 0."""
    return builtin_objective(request.param)


@pytest.fixture(scope="session")
def exact_hessian() -> Callable[[Callable[[Sequence[Tensor]], Tensor], Sequence[Tensor]], Tensor]:
    """Return ``exact_hessian(loss_fn, params)``: the dense float64 Hessian by torch.func.

    See :func:`curvature.testing.reference.dense_hessian`; n is limited to 2,048. The
    fixture is session-scoped, so hypothesis tests may use it.
    """
    from curvature.testing.reference import dense_hessian

    return dense_hessian

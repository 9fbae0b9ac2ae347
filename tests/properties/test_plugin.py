"""The pytest plugin, run as a user would: pytest in a fresh folder with a test file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from hypothesis import settings

from curvature.testing.plugin import SMALL_BUILTIN_OBJECTIVES, pytest_report_header
from curvature.testing.profiles import PROFILE_ENVIRONMENT_VARIABLE, select_profile

USER_TESTS = textwrap.dedent(
    """
    import torch
    from hypothesis import settings


    def test_profile_is_loaded():
        assert settings.default.max_examples == 1000
        assert settings.default.deadline is None


    def test_fixtures(builtin_objective, exact_hessian):
        objective = builtin_objective("quadratic-psd")
        H = exact_hessian(objective.loss, objective.initial_parameters())
        assert torch.allclose(H, objective.hessian(objective.initial_parameters()), atol=1e-12)
        assert builtin_objective("quadratic-psd") is objective
    """
)


def run_pytest(folder, *arguments, environment=None):
    env = {key: value for key, value in os.environ.items() if key != PROFILE_ENVIRONMENT_VARIABLE}
    env.update(environment or {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_option_selects_profile_and_fixtures_work(tmp_path):
    (tmp_path / "test_user.py").write_text(USER_TESTS)

    result = run_pytest(tmp_path, "--curvature-profile=thorough")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert "curvature: hypothesis profile curvature-thorough (max_examples=1000" in result.stdout


def test_invalid_environment_value_is_a_usage_error(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_nothing():\n    pass\n")

    invalid = run_pytest(tmp_path, environment={PROFILE_ENVIRONMENT_VARIABLE: "fast"})

    assert invalid.returncode == 4
    assert f"{PROFILE_ENVIRONMENT_VARIABLE} must be one of ci, default, thorough, got 'fast'" in (
        invalid.stderr
    )


def test_header_names_this_session_profile(pytestconfig):
    selected = select_profile(
        pytestconfig.getoption("curvature_profile"),
        os.environ,
        str(pytestconfig.getini("curvature_profile") or ""),
    )

    header = pytest_report_header(pytestconfig)

    if selected is None:
        assert header.startswith("curvature: no curvature profile selected")
    else:
        assert header.startswith(f"curvature: hypothesis profile curvature-{selected}")
        assert f"max_examples={settings.default.max_examples}" in header


def test_small_builtin_objectives_are_small(builtin_objective):
    for name in SMALL_BUILTIN_OBJECTIVES:
        assert builtin_objective(name).num_parameters <= 100

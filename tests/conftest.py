# SPDX-License-Identifier: BSD-3-Clause
"""Optional test dependencies that CI requires: a missing one fails, never skips.

Tests that need an optional package (PyTorch for the parity tests, Dask's
``distributed`` for the scale-out tests, matplotlib for the examples) skip
where it is not importable, which is right on a user's machine. In a CI stage
that installs the package, the same skip would turn a broken install into a
green run that tested nothing. Such a stage names the packages it installs in
the environment variable ``SKRNN_TEST_REQUIRE`` (comma-separated import names,
e.g. ``SKRNN_TEST_REQUIRE=torch``), and then:

- the run stops before collecting anything if one of them does not import;
- a test or module skipped because one of them could not be imported is
  reported as failed.
"""

import importlib
import os

import pytest

REQUIRE_VARIABLE = "SKRNN_TEST_REQUIRE"


def required_modules():
    """The import names listed in ``SKRNN_TEST_REQUIRE`` (empty if unset)."""
    value = os.environ.get(REQUIRE_VARIABLE, "")
    return [name.strip() for name in value.split(",") if name.strip()]


def pytest_configure(config):
    missing = []
    for name in required_modules():
        try:
            importlib.import_module(name)
        except ImportError as exc:
            missing.append(f"{name} ({exc})")
    if missing:
        raise pytest.UsageError(
            f"{REQUIRE_VARIABLE} requires {', '.join(missing)}: "
            "install it, or unset the variable to let its tests skip"
        )


def _skip_names_required_module(report):
    """The required module a skipped report could not import, or None."""
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return None
    reason = report.longrepr[2]
    for name in required_modules():
        # pytest.importorskip's reason, the one form a skip for want of a
        # module takes in this suite: matching it is what turns such a skip
        # into a failure (it tightens the run, it never excuses a test)
        if f"could not import '{name}'" in reason:
            return name
    return None


def _fail_required_skip(report):
    name = _skip_names_required_module(report)
    if name is not None:
        report.outcome = "failed"
        report.longrepr = (
            f"skipped for want of {name!r}, which {REQUIRE_VARIABLE} requires: "
            f"{report.longrepr[2]}"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_required_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_required_skip(outcome.get_result())

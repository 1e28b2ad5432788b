# SPDX-License-Identifier: BSD-3-Clause
"""``SKRNN_TEST_REQUIRE`` turns the skips of a required module into failures.

Each test runs pytest in a subprocess on a small test tree that uses this
suite's ``conftest.py``, so the hooks are exercised exactly as CI uses them.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")

SKIPPING_TESTS = {
    # Tests that skip with the reason pytest.importorskip gives for a missing
    # module, at function and at module level: the hook must turn them into
    # failures (these skips are the input of the test, which asserts that
    # they fail). (json always imports; only the reason text matters here.)
    "test_function_skip.py": (
        "import pytest\n\n"
        "def test_needs_json():\n"
        "    pytest.skip(\"could not import 'json': No module named 'json'\")\n"
    ),
    "test_module_skip.py": (
        "import pytest\n\n"
        "pytest.skip(\"could not import 'json': No module named 'json'\",\n"
        "            allow_module_level=True)\n\n"
        "def test_never_collected():\n"
        "    pass\n"
    ),
    # a skip for another reason stays a skip
    "test_other_skip.py": (
        "import pytest\n\n"
        "def test_other():\n"
        "    pytest.skip('runs sequentially on one core')\n"
    ),
}


def _run_pytest(tmp_path, require, files=tuple(SKIPPING_TESTS)):
    for name in files:
        (tmp_path / name).write_text(SKIPPING_TESTS[name])
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    env = {k: v for k, v in os.environ.items() if k != "SKRNN_TEST_REQUIRE"}
    if require is not None:
        env["SKRNN_TEST_REQUIRE"] = require
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "."],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_skips_stay_skips_without_the_variable(tmp_path):
    result = _run_pytest(tmp_path, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 skipped" in result.stdout


def test_skip_for_a_required_module_fails(tmp_path):
    files = ("test_function_skip.py", "test_other_skip.py")
    result = _run_pytest(tmp_path, "json", files)
    out = result.stdout
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, out + result.stderr
    assert "1 failed, 1 skipped" in out
    assert "skipped for want of 'json', which SKRNN_TEST_REQUIRE requires" in out
    assert "runs sequentially on one core" in out  # the other skip is kept


def test_module_skipped_for_a_required_module_is_a_collection_error(tmp_path):
    files = ("test_module_skip.py", "test_other_skip.py")
    result = _run_pytest(tmp_path, "json", files)
    out = result.stdout
    assert result.returncode == pytest.ExitCode.INTERRUPTED, out + result.stderr
    assert "ERROR test_module_skip.py - skipped for want of 'json'" in out


@pytest.mark.parametrize("require", ["skrnn_no_such_module", " json , nope_x "])
def test_missing_required_module_stops_the_run(tmp_path, require):
    result = _run_pytest(tmp_path, require)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout
    missing = require.split(",")[-1].strip()
    assert f"SKRNN_TEST_REQUIRE requires {missing}" in result.stderr

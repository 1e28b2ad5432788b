# SPDX-License-Identifier: BSD-3-Clause
"""The layering rules: the engine (STYLE.md, section 3, rule 1) and the estimators.

Every module under ``skrnn/_engine`` imports only the standard library, numpy,
scipy and modules of ``skrnn._engine`` itself: never scikit-learn, never the
rest of skrnn. The AST check reads every engine file, including imports inside
functions. The subprocess check adds what the AST cannot see: that importing
``skrnn`` and the engine modules, in a fresh interpreter, loads no sklearn
module, which requires ``skrnn/__init__.py`` to import its estimators lazily.

Above the engine, each estimator module builds on the shared layers only:
no module imports an estimator's module but ``skrnn/__init__.py`` (the lazy
exports) and the command line.
"""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = "skrnn._engine"
ENGINE_DIR = ROOT / "skrnn" / "_engine"
THIRD_PARTY_ALLOWED = frozenset({"numpy", "scipy"})
DYNAMIC_IMPORTERS = frozenset({"__import__", "import_module"})


def _is_allowed(target):
    if target == ENGINE or target.startswith(ENGINE + "."):
        return True
    top = target.partition(".")[0]
    if top == "skrnn":
        return False
    return top in THIRD_PARTY_ALLOWED or top in sys.stdlib_module_names


def _resolve_relative(name, level, package):
    """Absolute name of ``from <level dots><name> import ...`` inside package.

    Returns None when the dots climb above the top-level package.
    """
    parts = package.split(".")
    if level > len(parts):
        return None
    anchor = ".".join(parts[: len(parts) - level + 1])
    return f"{anchor}.{name}" if name else anchor


def _import_targets(node, package):
    """Absolute module names that an AST node imports, or None if unknown."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level == 0:
            return [node.module]
        return [_resolve_relative(node.module, node.level, package)]
    # __import__("x"), importlib.import_module("x"), import_module(".x", ...)
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in DYNAMIC_IMPORTERS:
        return []
    arg = node.args[0] if node.args else None
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return [None]
    stripped = arg.value.lstrip(".")
    level = len(arg.value) - len(stripped)
    if level == 0:
        return [arg.value]
    return [_resolve_relative(stripped, level, package)]


def layering_violations(source, module, *, is_package=False, filename="<string>"):
    """List the imports in ``source`` that an engine module may not make.

    Parameters
    ----------
    source : str
        Python source of the module.
    module : str
        Its dotted name, e.g. ``"skrnn._engine.cells"``.
    is_package : bool, default=False
        True for an ``__init__.py``: its relative imports start from itself.
    filename : str, default="<string>"
        Used in the messages.

    Returns
    -------
    violations : list of str
        One ``"filename:line: statement"`` per forbidden import.
    """
    package = module if is_package else module.rpartition(".")[0]
    violations = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)):
            continue
        for target in _import_targets(node, package):
            if target is None or not _is_allowed(target):
                violations.append((node.lineno, ast.unparse(node)))
    return [f"{filename}:{line}: {code}" for line, code in sorted(violations)]


def _engine_modules():
    """(path, dotted name, is_package) of every .py file under skrnn/_engine."""
    for path in sorted(ENGINE_DIR.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        yield path, ".".join(parts), is_package


def test_engine_imports_only_stdlib_numpy_scipy_and_itself():
    violations = []
    for path, module, is_package in _engine_modules():
        violations += layering_violations(
            path.read_text(encoding="utf-8"),
            module,
            is_package=is_package,
            filename=str(path.relative_to(ROOT)),
        )
    assert not violations, "the engine may not make these imports:\n" + "\n".join(
        violations
    )


def test_layering_checker_flags_forbidden_imports():
    source = textwrap.dedent(
        """\
        from __future__ import annotations
        import math, os.path
        import numpy as np
        from scipy.special import expit
        from . import cells
        from .cells import lstm_forward
        from skrnn._engine.layers import RNNLayer
        import sklearn
        from sklearn.utils import check_array
        import skrnn
        from skrnn.datasets import load_shakespeare
        from .. import datasets
        from ..utils import validation
        import torch

        def lazy():
            import pandas
            import importlib
            importlib.import_module("sklearn.base")
            importlib.import_module(".cells", __package__)
            return __import__(name)
        """
    )
    assert layering_violations(source, "skrnn._engine.layers", filename="bad.py") == [
        "bad.py:8: import sklearn",
        "bad.py:9: from sklearn.utils import check_array",
        "bad.py:10: import skrnn",
        "bad.py:11: from skrnn.datasets import load_shakespeare",
        "bad.py:12: from .. import datasets",
        "bad.py:13: from ..utils import validation",
        "bad.py:14: import torch",
        "bad.py:17: import pandas",
        "bad.py:19: importlib.import_module('sklearn.base')",
        "bad.py:21: __import__(name)",
    ]


def test_layering_checker_resolves_relative_imports_from_the_package():
    # In a subpackage "..", goes back to the engine, which is allowed; from the
    # engine's own __init__.py, "." is the engine and ".." is skrnn.
    assert not layering_violations(
        "from .. import cells", "skrnn._engine.sub.mod", filename="ok.py"
    )
    assert not layering_violations(
        "from . import cells", ENGINE, is_package=True, filename="ok.py"
    )
    assert layering_violations(
        "from .. import datasets", ENGINE, is_package=True, filename="bad.py"
    ) == ["bad.py:1: from .. import datasets"]


def test_importing_the_engine_loads_no_sklearn():
    # skrnn/__init__.py must import its estimators lazily (PEP 562 __getattr__),
    # so that importing skrnn, or any engine module, leaves sklearn unloaded.
    modules = ["skrnn"]
    if ENGINE_DIR.is_dir():
        modules.append(ENGINE)
        modules += [name for _, name, _ in _engine_modules() if name != ENGINE]
    code = textwrap.dedent(
        """\
        import importlib, sys
        for name in sys.argv[1:]:
            importlib.import_module(name)
            leaked = sorted(m for m in sys.modules if m.partition(".")[0] == "sklearn")
            if leaked:
                sys.exit(f"importing {name} loaded {', '.join(leaked)}")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


#: The modules that each define a public estimator.
ESTIMATOR_MODULES = frozenset(
    f"skrnn.{name}"
    for name in ("classifier", "regressor", "tagger", "generator", "preprocessing")
)
#: The only modules that may import them: the lazy exports and the CLI.
ESTIMATOR_IMPORTERS = frozenset({"skrnn", "skrnn._cli"})


def _package_modules():
    """(path, dotted name, is_package) of every .py file under skrnn."""
    for path in sorted((ROOT / "skrnn").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        yield path, ".".join(parts[:-1] if is_package else parts), is_package


def estimator_imports(source, module, *, is_package=False):
    """The estimator modules that ``source`` imports (``from . import x`` too)."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)):
            continue
        for target in _import_targets(node, package) or []:
            names = [target]
            if isinstance(node, ast.ImportFrom) and target:
                names += [f"{target}.{alias.name}" for alias in node.names]
            found.update(name for name in names if name in ESTIMATOR_MODULES)
    return found


def test_no_module_imports_an_estimator_module_but_the_exports_and_the_cli():
    # each estimator states what is new about it and builds on the shared
    # layers below it; none builds on another
    imports = {
        module: estimator_imports(
            path.read_text(encoding="utf-8"), module, is_package=is_package
        )  # fmt: skip
        for path, module, is_package in _package_modules()
    }
    offending = {
        module: sorted(found)
        for module, found in imports.items()
        if found and module not in ESTIMATOR_IMPORTERS
    }
    assert not offending
    assert imports["skrnn._cli"] == {"skrnn.generator"}  # the check sees imports


def test_estimator_imports_sees_every_form_of_import():
    source = textwrap.dedent(
        """\
        from .classifier import RNNClassifier
        from . import regressor
        import skrnn.tagger
        from skrnn.generator import CharRNNGenerator
        from ._targets import encode_labels
        """
    )
    assert estimator_imports(source, "skrnn.other") == {
        "skrnn.classifier",
        "skrnn.regressor",
        "skrnn.tagger",
        "skrnn.generator",
    }

"""Every import in the benchmarks resolves, including those inside functions: `make bench`
is not run by the suite, and a module moved by a refactor (the test harness, a selector)
otherwise breaks it unseen until someone benchmarks."""

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
# Third-party packages of the load test's own processes (the `bench` extra): not imported
# here (locust patches the standard library with gevent when imported).
OPTIONAL = {"locust", "pyotp", "requests", "gunicorn"}


def _imports():
    for path in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    yield path.name, node.module, alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path.name, alias.name, None


@pytest.mark.parametrize(("module_file", "module", "name"), list(_imports()))
def test_the_benchmarks_imports_resolve(module_file, module, name):
    if module.split(".")[0] in OPTIONAL:
        pytest.skip(f"{module} belongs to the load test's processes")
    imported = importlib.import_module(module)
    if name is not None and not hasattr(imported, name):
        importlib.import_module(f"{module}.{name}")  # a submodule

"""
The problem types the code can give are the table's (app/api/problem_types.py), and the
documents made from the table are up to date. tests/e2e/test_problem_types.py triggers each.
"""

import ast
from pathlib import Path

import pytest

from app.api import problem_types
from app.api.problems import _HTTP_TYPES, PROBLEM_TYPES

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "app" / "api" / "problem_types.py"
SOURCES = sorted(p for p in (ROOT / "app").rglob("*.py") if p != TABLE)


def _string_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _problem_type_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and getattr(n.func, "id", getattr(n.func, "attr", "")) == "ProblemType"
    ]


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_no_module_but_the_table_writes_a_problem_type(path: Path) -> None:
    """A `/problems/...` string or a ProblemType(...) outside the table would be undocumented."""
    written = [s for s in _string_literals(path) if s.startswith("/problems/")]

    assert (written, _problem_type_calls(path)) == ([], [])


def test_every_exception_maps_to_a_type_of_the_table() -> None:
    assert set(PROBLEM_TYPES.values()) | set(_HTTP_TYPES.values()) <= set(problem_types.ALL)


def test_each_type_is_in_the_table_once() -> None:
    slugs = [p.slug for p in problem_types.ALL]

    assert len(slugs) == len(set(slugs))


def test_docs_problems_md_is_generated_from_the_table() -> None:
    """`make openapi` writes it; edit app/api/problem_types.py instead."""
    assert (ROOT / "docs" / "problems.md").read_text(encoding="utf-8") == problem_types.markdown()

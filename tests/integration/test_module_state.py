"""
No hidden state in the store or the app factory: every cache, registry and setting is an
object `create_app` makes and passes on, never a module global that code mutates, and no
cache is keyed by `id()` (an id is reused once its object is freed).
"""

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# every hand-written module of the service (migrations are Alembic's scripts)
MODULES = sorted(
    (path for path in (ROOT / "app").rglob("*.py") if "migrations" not in path.parts),
    key=lambda path: str(path.relative_to(ROOT)),
)
_MUTATORS = frozenset(
    {"append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem", "clear",
     "remove", "discard"}
)  # fmt: skip


def _module_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _mutated_globals(tree: ast.Module) -> set[str]:
    """Module-level names that some code assigns into, calls a mutator of, or rebinds."""
    names = _module_names(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found |= set(node.names)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            found |= {
                t.value.id
                for t in targets
                if isinstance(t, ast.Subscript | ast.Attribute) and isinstance(t.value, ast.Name)
            } & names
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _MUTATORS
            and isinstance(node.func.value, ast.Name)
        ):
            found |= {node.func.value.id} & names
    return found


def _id_calls(tree: ast.Module) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "id"
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_global_is_mutated(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))

    assert _mutated_globals(tree) == set()


# Where id() may key a cache, and why it is safe there: nowhere at module level.
ID_KEYED = {
    # a snapshot's JSON fragments, in a per-organisation cache held by the app's state and
    # dropped with its snapshot; each entry holds its value, so no id is reused meanwhile (2);
    # and a batch's pieces, in dicts local to one `decision_parts` call whose `decisions`
    # keep every object named alive until the dicts are dropped (5)
    "app/api/decision_json.py": 7,
}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_nothing_is_keyed_by_id(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))

    assert len(_id_calls(tree)) == ID_KEYED.get(str(path.relative_to(ROOT)), 0)


def test_the_checks_find_a_mutated_global_and_an_id_key() -> None:
    """The two checks above can fail: a module-level cache keyed by id() is caught by both."""
    tree = ast.parse("CACHE = {}\ndef f(x):\n    CACHE[id(x)] = x\n")

    assert _mutated_globals(tree) == {"CACHE"}
    assert _id_calls(tree) == [3]

"""Imports flow one way: core → notifications → cases → feedback / surveys → reports; only wsgi.py sees
them all. Every import counts, inside functions too (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ALLOWED = {
    "core": {"core"},
    "notifications": {"core", "notifications"},
    "cases": {"core", "notifications", "cases"},
    "feedback": {"core", "notifications", "cases", "feedback"},
    "surveys": {"core", "notifications", "cases", "surveys"},
    # Cross-domain read-only views over cases and surveys.
    "reports": {"core", "notifications", "cases", "surveys", "reports"},
}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def upward_imports() -> list[str]:
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for imported, line in sorted(imported_packages(path)):
                if imported in ALLOWED and imported not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return wrong


def test_no_package_imports_one_downstream_of_it():
    assert upward_imports() == []


def test_the_check_sees_a_lazy_upward_import(tmp_path, monkeypatch):
    # The check itself must be able to fail: a function-level import of feedback from cases is found.
    fake = tmp_path / "cases"
    fake.mkdir()
    (fake / "x.py").write_text("def f():\n    from feedback.views import bp\n    return bp\n", encoding="utf-8")
    for package in ALLOWED:
        if package != "cases":
            (tmp_path / package).mkdir()
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert upward_imports() == ["cases/x.py:2 imports feedback"]


def test_only_the_composition_root_names_every_domain():
    names = {name for name, _line in imported_packages(ROOT / "wsgi.py")}
    assert set(ALLOWED) - {"core"} <= names

"""Imports between domains run one way: the order docs/architecture.md states, bottom first.

A module of ``transforms/<domain>/`` may import its own domain and the domains before it in that
order, never one after it (function-local and type-checking imports count too); ``transforms``
never imports Dagster or ``orchestration``. The order is read from the architecture page, so
the page and this test cannot disagree.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRANSFORMS = ROOT / "transforms"
ORDER_LINE = re.compile(r"^Import order: (.+)$", re.MULTILINE)


def domain_order() -> list[str]:
    found = ORDER_LINE.search((ROOT / "docs" / "architecture.md").read_text())
    assert found, "docs/architecture.md must state 'Import order: `core` → `privacy` → …'"
    return re.findall(r"`([a-z_]+)`", found.group(1))


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, wherever it stands."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
            # ``from transforms import score`` names the domain in the imported names
            if node.module == "transforms":
                out += [(node.lineno, f"transforms.{a.name}") for a in node.names]
    return out


def violations(order: list[str]) -> list[str]:
    rank = {d: i for i, d in enumerate(order)}
    found = []
    for path in sorted(TRANSFORMS.rglob("*.py")):
        rel = path.relative_to(ROOT)
        parts = path.relative_to(TRANSFORMS).parts
        domain = parts[0] if len(parts) > 1 else "core"
        for line, module in imports(path):
            top = module.split(".")[0]
            if top in ("dagster", "dagster_dbt", "dagster_celery", "orchestration"):
                found.append(f"{rel}:{line} imports {module} (transforms has no Dagster)")
            if top != "transforms" or module == "transforms":
                continue
            target = module.split(".")[1]
            if target not in rank:
                found.append(f"{rel}:{line} imports domain {target!r}, not in the import order")
            elif rank[target] > rank[domain]:
                found.append(f"{rel}:{line}: {domain} imports {module}, which comes after it")
    return found


def test_the_documented_order_names_every_domain_once():
    order = domain_order()
    domains = {p.name for p in TRANSFORMS.iterdir() if (p / "__init__.py").exists()}
    assert len(order) == len(set(order))
    assert set(order) == domains


def test_no_domain_imports_one_that_comes_after_it():
    assert violations(domain_order()) == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from transforms.score.matching import similarity\n", "privacy imports"),
        ("def f():\n    import transforms.kpis.publish\n", "privacy imports"),
        ("from transforms import compliance\n", "privacy imports"),
        ("import dagster as dg\n", "has no Dagster"),
    ],
)
def test_the_check_catches_an_import_back_up_the_order(tmp_path, monkeypatch, source, expected):
    """The check itself can fail: a privacy module importing upwards (at top level, inside a
    function, or by naming the domain) and a Dagster import are each reported."""
    order = domain_order()
    fake = tmp_path / "transforms"
    for domain in order:
        (fake / domain).mkdir(parents=True)
        (fake / domain / "__init__.py").write_text("")
    (fake / "privacy" / "bad.py").write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "TRANSFORMS", fake)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert any(expected in v for v in violations(order))

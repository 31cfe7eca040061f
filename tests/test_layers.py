"""Lower layers never import higher ones (STYLE.md habit 12): org → catalog → cases → …

`web` holds the shared layout and page helpers, so it may use only `org`; apps' views use it.
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "veche"
LAYERS = {
    "org": 0,
    "web": 1,
    "catalog": 1,
    "cases": 2,
    "deadlines": 3,
    "problems": 4,
    "triage": 5,
    "intake": 6,
    "feedback": 7,
    "monitoring": 7,
    "publishing": 7,
    "participation": 7,
    "analytics": 8,
    "reports": 9,
    "privacy": 9,
    "ops": 9,
    "demo": 10,
}


def _imported_apps(path: Path) -> set[str]:
    apps = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        apps |= {n.split(".")[1] for n in names if n.startswith("veche.") and n.count(".") >= 1}
    return apps


@pytest.mark.parametrize("app", sorted(LAYERS))
def test_app_imports_only_lower_layers(app: str) -> None:
    violations = {
        f"{path.relative_to(SRC)} → {other}"
        for path in (SRC / app).rglob("*.py")
        for other in _imported_apps(path)
        if other in LAYERS and other != app and LAYERS[other] >= LAYERS[app]
    }

    assert violations == set()


def test_every_app_has_a_layer() -> None:
    apps = {p.parent.name for p in SRC.glob("*/apps.py")}

    assert apps == set(LAYERS)

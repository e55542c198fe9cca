"""Imports only go down the layers, as the README's architecture map says:

    empathy_crm (the shared bottom: access, inbox, crypto, …)
    → people → prospects → concierge, empathy_maps → commissions, insights, rooms → home, api

An app imports the apps below it, never one beside or above it. ``empathy_crm``'s settings,
URLs and Celery wiring name every app by nature (they are the project, not the bottom), and
so do the migrations' lazy model references; both are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LAYERS = {
    "empathy_crm": 0,
    "people": 1,
    "prospects": 2,
    "concierge": 3,
    "empathy_maps": 3,
    "commissions": 4,
    "insights": 4,
    "rooms": 4,
    "home": 5,
    "api": 5,
}
WIRING = {"settings.py", "urls.py", "celery.py", "wsgi.py", "asgi.py"}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


def modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or (app == "empathy_crm" and path.name in WIRING):
                continue
            yield app, path


def test_imports_only_go_down_the_layers():
    wrong = [
        f"{path.relative_to(ROOT)} imports {other}"
        for app, path in modules()
        for other in imported_apps(path)
        if other != app and LAYERS[other] >= LAYERS[app]
    ]
    assert wrong == []


def test_the_check_sees_an_import_going_up(tmp_path):
    module = tmp_path / "people_module.py"
    module.write_text("from concierge.models import FollowUp\nimport prospects.models\n")
    assert imported_apps(module) == {"concierge", "prospects"}

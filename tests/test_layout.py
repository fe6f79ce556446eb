"""The design card's layout and the one-way import rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ["textual", "cv2", "zxingcpp", "pyzbar", "PIL", "qrcode", "screens", "kiosk", "badges"]


def modules_loaded_by_core(candidates: list[str]) -> list[str]:
    """Imports every module of eventdesk in a fresh interpreter; which candidates got loaded."""
    code = f"""
import importlib, json, pkgutil, sys
import eventdesk
for mod in pkgutil.walk_packages(eventdesk.__path__, "eventdesk."):
    if ".migrations." in mod.name:
        continue
    importlib.import_module(mod.name)
print(json.dumps(sorted(m for m in {candidates!r} if m in sys.modules)))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return list(json.loads(out.stdout))


def test_layout_folders_exist() -> None:
    for folder in ("eventdesk", "screens", "kiosk", "badges", "data", "tests", "bench"):
        assert (ROOT / folder).is_dir(), folder
    assert (ROOT / "pyproject.toml").is_file()


def test_core_imports_no_ui_or_device_library() -> None:
    assert modules_loaded_by_core(FORBIDDEN) == []


def test_the_probe_sees_what_the_core_does_import() -> None:
    assert modules_loaded_by_core(["sqlalchemy", "click", *FORBIDDEN]) == ["click", "sqlalchemy"]

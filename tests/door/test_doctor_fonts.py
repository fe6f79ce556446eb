"""The fonts a station is told to install (`eventdesk doctor`'s fonts check, a badge refused for
a name no font draws): each Debian package named holds a font of that family drawing that
script, read from the package installed here (dpkg's own list of its files); a script no
package holds is given its family alone.

Before: every script was said to be in fonts-noto-core ("Noto Sans Khitan Small Script (Debian:
fonts-noto-core)"), which holds no such font."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools import unicodedata as ucd
from fontTools.ttLib import TTFont

from badges.fonts import font_advice
from tests.fonts_here import RARE_LETTERS

CORE = "fonts-noto-core"


def files_of(package: str) -> list[Path]:
    """The font files of ``package`` installed here (skips where dpkg or the package is not)."""
    if shutil.which("dpkg") is None:
        pytest.skip("no dpkg here")
    listed = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip(f"{package} is not installed here")
    return [Path(line) for line in listed.stdout.splitlines() if line.endswith((".ttf", ".otf"))]


def families_of(files: list[Path]) -> dict[str, Path]:
    """Each family of ``files`` and one regular file of it."""
    found: dict[str, Path] = {}
    for path in sorted(files, key=lambda p: "Regular" not in p.name):
        names = TTFont(path, lazy=True)["name"]
        found.setdefault(str(names.getDebugName(16) or names.getDebugName(1)), path)
    return found


def test_the_package_named_for_a_script_holds_a_font_of_that_family_for_it() -> None:
    from badges.font_packages import PACKAGED

    families = families_of(files_of(CORE))
    for script, (family, package) in PACKAGED.items():
        assert package == CORE, (script, package)
        path = families.get(family)
        assert path is not None, f"{CORE} holds no {family} (said for {script})"
        drawn = {ucd.script(chr(cp)) for cp in TTFont(path, lazy=True).getBestCmap()}
        assert script in drawn, f"{family} in {CORE} draws no letter of {script}"


def test_a_script_no_package_holds_is_given_its_family_and_no_package() -> None:
    families = families_of(files_of(CORE))
    for letter in RARE_LETTERS:  # Khitan, Chorasmian, Toto, Vithkuqi, Dives Akuru
        said = font_advice(letter)
        assert "Debian" not in said and said.startswith("Noto S"), (letter, said)
        assert said not in families, f"{CORE} holds {said}: name the package"
    assert font_advice("\U00018b00") == "Noto Serif Khitan Small Script"
    assert font_advice("த") == f"Noto Sans Tamil (Debian: {CORE})"
    assert font_advice("山") == "Noto Sans CJK (Debian: fonts-noto-cjk)"

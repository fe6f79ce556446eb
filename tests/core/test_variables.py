"""Every ``EVENTDESK_*`` variable in one table (eventdesk/variables.py): the configuration page
shows that table, every variable named anywhere (docs, code, tests, CI) is in it, a wrong value
names its variable, and nothing in the product reads or writes the environment on its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from eventdesk import variables
from eventdesk.config import load_config
from eventdesk.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION = ROOT / "docs" / "configuration.md"
PRODUCT = ("eventdesk", "screens", "devices", "badges")
NAMED = re.compile(r"\bEVENTDESK_[A-Z][A-Z_]*[A-Z]\b")


def shown(audience: str) -> str:
    """The table docs/configuration.md shows between its markers for ``audience``."""
    page = CONFIGURATION.read_text(encoding="utf-8")
    found = re.search(rf"<!-- variables: {audience} -->\n(.*?)<!-- /variables -->", page, re.S)
    assert found is not None, f"docs/configuration.md has no '<!-- variables: {audience} -->'"
    return found.group(1)


@pytest.mark.parametrize("audience", ["station", "tests"])
def test_the_configuration_page_shows_the_table(audience: variables.Audience) -> None:
    wanted = variables.markdown_table(audience)
    assert shown(audience) == wanted, f"docs/configuration.md should show:\n{wanted}"


def test_every_variable_named_anywhere_is_in_the_table_and_back() -> None:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), ROOT / ".ci" / "run"]
    for folder in (*PRODUCT, "tests", "bench", "testkit"):
        files += sorted((ROOT / folder).rglob("*.py"))
    named: dict[str, str] = {}
    for path in files:
        for name in NAMED.findall(path.read_text(encoding="utf-8")):
            named.setdefault(name, str(path.relative_to(ROOT)))
    unknown = {name: where for name, where in named.items() if name not in variables.BY_NAME}
    assert unknown == {}, "named but not in eventdesk/variables.py"
    page = CONFIGURATION.read_text(encoding="utf-8")
    assert [v.name for v in variables.VARIABLES if f"`{v.name}`" not in page] == []


def environment_uses(path: Path) -> list[str]:
    """Where ``path`` touches os.environ, os.getenv or os.putenv (line: what)."""
    uses = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ("environ", "getenv", "putenv", "unsetenv")
        ):
            uses.append(f"{node.lineno}: os.{node.attr}")
    return uses


def test_nothing_in_the_product_reads_or_writes_the_environment_on_its_own() -> None:
    # The one reader is the table; load_config hands os.environ to it as the mapping to read.
    allowed = {"eventdesk/variables.py", "eventdesk/config.py"}
    found = {
        str(path.relative_to(ROOT)): uses
        for folder in PRODUCT
        for path in sorted((ROOT / folder).rglob("*.py"))
        if str(path.relative_to(ROOT)) not in allowed and (uses := environment_uses(path))
    }
    assert found == {}
    config = (ROOT / "eventdesk" / "config.py").read_text(encoding="utf-8")
    assert "os.environ[" not in config and ".setdefault(" not in config


def test_the_check_finds_a_planted_read(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("import os\n\nDEBUG = os.environ.get('EVENTDESK_DEBUG')\n")
    assert environment_uses(planted) == ["3: os.environ"]


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("EVENTDESK_OFFLINE_AFTER", "soon", "a number of seconds from 0.1 to 60"),
        ("EVENTDESK_OFFLINE_AFTER", "61", "a number of seconds from 0.1 to 60"),
        ("EVENTDESK_SOUND", "loud", "auto, on or off, not 'loud'"),
        ("EVENTDESK_KIOSK_THEME", "dark", "standard or high-contrast, not 'dark'"),
        ("EVENTDESK_DEBUG", "maybe", "1 or 0, not 'maybe'"),
        ("EVENTDESK_GRAPHICS", "ascii", "kitty, sixel or cells, not 'ascii'"),
    ],
)
def test_a_wrong_value_is_refused_by_its_name(name: str, value: str, said: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"{name} must be {said}")):
        variables.read(name, {name: value})


def test_the_stations_variables_reach_its_settings(tmp_path: Path) -> None:
    config = load_config(
        data_dir=tmp_path,
        environ={
            "EVENTDESK_STATION": "Door 7",
            "EVENTDESK_OFFLINE_AFTER": "2.5",
            "EVENTDESK_SOUND": " Off ",
            "EVENTDESK_KIOSK_THEME": "high-contrast",
            "EVENTDESK_DATABASE_URL": "",  # blank: unset, the station's own SQLite file
        },
    )
    assert (config.station, config.offline_after) == ("Door 7", 2.5)
    assert (config.sound, config.kiosk_theme) == ("off", "high-contrast")
    assert config.database_url.endswith("eventdesk.db") and not config.database_given
    given = load_config(data_dir=tmp_path, environ={"EVENTDESK_DATABASE_URL": "sqlite:///x.db"})
    assert given.database_given and given.database_url == "sqlite:///x.db"

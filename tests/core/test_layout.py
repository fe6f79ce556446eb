"""The design card's layout: folders with one job each, and the one-way import rule, which the
import-linter contracts in pyproject.toml check statically (the test command runs them too)."""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("eventdesk", "screens", "devices", "badges")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
MAX_LINES = 800


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter over the packages found in ``root``, with the project's contracts."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        check=False,
    )


def test_layout_folders_exist() -> None:
    for folder in ("eventdesk", "screens", "devices", "badges", "tests", "bench"):
        assert (ROOT / folder).is_dir(), folder
    assert (ROOT / "pyproject.toml").is_file()


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_the_import_contracts_hold() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "breach", "contract"),
    [
        # An import hidden in a function body is a breach too (the old CLI did this).
        ("eventdesk/cli/door.py", "def _late() -> None:\n    import screens.app\n", "core"),
        (
            "eventdesk/services/stats/reports.py",
            "def _draw() -> None:\n    import PIL.Image\n",
            "core",
        ),
        ("devices/scanner.py", "from screens import app as _app\n", "devices"),
        ("badges/render.py", "def _ui() -> None:\n    import textual\n", "devices"),
        # Inside the core: the stats reading the door (a lower layer importing a higher one),
        # a service reaching for the command line.
        ("eventdesk/services/stats/tallies.py", "import eventdesk.services.door.undo\n", "layers"),
        (
            "eventdesk/services/door/undo.py",
            "def _cli() -> None:\n    import eventdesk.cli.json_option\n",
            "cli",
        ),
        # Inside the app: a shared widget importing a mode, a mode importing another.
        (
            "screens/widgets/confirm.py",
            "def _mode() -> None:\n    import screens.desk.refusals\n",
            "widgets",
        ),
        (
            "screens/kiosk/answer.py",
            "def _desk() -> None:\n    import screens.desk.refusals\n",
            "modes",
        ),
    ],
)
@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_breach_of_the_one_way_rule_is_caught(
    tmp_path: Path, module: str, breach: str, contract: str
) -> None:
    copy = tmp_path / "tree"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("*.pyc"))
    with (copy / module).open("a") as fh:
        fh.write("\n\n" + breach)
    done = lint_imports(copy)
    assert done.returncode != 0
    broken = {
        "core": "the core imports nothing above it",
        "devices": "the devices",
        "layers": "the core's services in layers",
        "cli": "the core's services never import its command line",
        "widgets": "the widgets several modes share import no mode",
        "modes": "each mode stands alone",
    }[contract]
    assert "0 broken" not in done.stdout  # (a widget importing a mode ties the modes too)
    assert broken in done.stdout.split("Broken contracts")[-1]


def test_no_source_file_is_over_800_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for folder in (*PACKAGES, "tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


LAYERED = {
    "app": "screens",
    "serve": "screens",
    "demo": "screens",
    "scan": "devices",
    "print": "devices",
    "print-queue": "devices",
    "badge": "badges",
    "doctor": "devices",
}


def test_each_layer_brings_its_own_commands_to_the_one_group() -> None:
    from eventdesk.cli import cli

    context = click.Context(cli)
    listed = cli.list_commands(context)
    assert set(LAYERED) <= set(listed)
    assert not set(LAYERED) & set(cli.commands)  # the core does not hold them itself
    for name, layer in LAYERED.items():
        command = cli.get_command(context, name)
        assert command is not None and command.callback is not None
        module = command.callback.__module__  # the layer's command module (devices has two)
        assert module.split(".")[0] == layer and module.endswith("cli"), (name, module)
    core = {c.callback.__module__ for c in cli.commands.values() if c.callback is not None}
    assert all(module.startswith("eventdesk.cli.") for module in core), core


def test_the_core_knows_where_each_of_its_commands_is_made() -> None:
    """The group names each core command's module without importing it (CORE_COMMANDS): the
    names are those the modules make, all of them, each in its own module."""
    import eventdesk.cli
    from eventdesk.cli import cli
    from eventdesk.cli.root import CORE_COMMANDS

    made: dict[str, str] = {}
    for found in pkgutil.iter_modules(eventdesk.cli.__path__):
        module = importlib.import_module(f"eventdesk.cli.{found.name}")
        for command in getattr(module, "COMMANDS", ()):
            made[command.name] = found.name
    assert made == CORE_COMMANDS
    context = click.Context(cli)
    assert set(CORE_COMMANDS) <= set(cli.list_commands(context))
    for name in CORE_COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None and command.name == name


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_a_core_command_loads_no_upper_layer() -> None:
    """A core command runs without importing screens, kiosk, badges or Textual (only `--help`
    of the whole group loads every command, to list it)."""
    code = (
        "import sys\n"
        "from eventdesk.cli import main\n"
        "main(['event', '--help'])\n"
        "main(['checkin', '--help'])\n"
        "print(sorted(m for m in ('screens', 'devices', 'badges', 'textual', 'cv2', 'PIL')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def import_circles(*packages: str) -> set[frozenset[str]]:
    """The groups of the packages' modules that import one another in a circle (imports
    under TYPE_CHECKING left out: they never run), by Tarjan's strongly connected components."""
    import grimp

    graph = grimp.build_graph(*packages, exclude_type_checking_imports=True)
    modules = graph.modules
    edges = {m: set(graph.find_modules_directly_imported_by(m)) & modules for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[frozenset[str]] = set()

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in edges[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.add(frozenset(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle_in_the_products_packages() -> None:
    """The event's rules and a list's (services/door/rules.py, list_door.py), the reports and
    the conflicts report, the store with its upgrade and its signer (eventdesk/opening.py opens
    the store), and the badges' outputs with their dispatcher (badges/printable.py below them
    all) imported one another."""
    circles = import_circles("eventdesk", "screens", "devices", "badges")
    assert circles == set(), sorted(map(sorted, circles))


def test_the_circle_check_finds_a_planted_circle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from planted import b\n")
    (package / "b.py").write_text("def f():\n    from planted import a\n")
    (package / "c.py").write_text("from planted import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_circles("planted") == {frozenset({"planted.a", "planted.b"})}


def _top_level_classes(roots: tuple[str, ...]) -> dict[str, list[str]]:
    """Every class defined at the top of a product module, by name: the files defining it."""
    found: dict[str, list[str]] = {}
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.ClassDef):
                    found.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    return found


def test_a_class_name_means_one_thing() -> None:
    """No two of the product's modules define a class of the same name (a reader who finds one
    ``StationLogin`` or ``Door`` has found the only one)."""
    found = _top_level_classes(("eventdesk", "screens", "devices", "badges"))
    assert "StationLogin" in found and "Door" in found
    twice = {name: files for name, files in found.items() if len(files) > 1}
    assert twice == {}


def test_no_class_is_defined_inside_a_function() -> None:
    """A class is found where a reader looks: at the top of a module (or inside another
    class), never made anew by a function (as a check-in subclass once was in a cached one)."""
    inside = []
    for root in ("eventdesk", "screens", "devices", "badges"):
        for path in sorted((ROOT / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    inside += [
                        f"{path.relative_to(ROOT)}:{made.lineno} {made.name} in {node.name}"
                        for made in ast.walk(node)
                        if isinstance(made, ast.ClassDef)
                    ]
    assert inside == []

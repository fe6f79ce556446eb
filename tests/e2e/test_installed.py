"""eventdesk as its users install it (docs/development.md): the sdist and the wheel built
with `python -m build`, the wheel installed with the lock file as constraints into a fresh
virtual environment outside the checkout, and the installed program run from a folder outside
the checkout, so that nothing comes from the source tree.

The wheel and the sdist must hold every file the packages read at run time: the list is made
from the source tree (every file under the four packages, and every file the code names by a
path beside its own module, as ``CSS_PATH = "desk.tcss"`` does), so that a style file, a
catalogue or a template added without package data in pyproject.toml fails here.

The build, the virtual environment and the demo are made once per test run, whichever worker
asks first (the others wait for it and use the same).
"""

from __future__ import annotations

import fcntl
import json
import os
import posixpath
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from testkit.terminal import in_terminal, stop

# Building and installing come first, in the first test's set-up: more than the suite's five
# minutes on a machine that is busy with other work.
pytestmark = [
    pytest.mark.slow,  # the wheel installed in a fresh venv
    pytest.mark.timeout(900),
]

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("eventdesk", "screens", "devices", "badges")
LOCK = ROOT / "requirements.lock"
PILOT = Path(__file__).with_name("installed_pilot.py")
SECONDS = 120  # a command of the installed program, on a busy 2-core machine (it compiles
# every module on its first import: the wheel is installed without byte-compiling, which halves
# the install)
DEMO_ATTENDEES = 60
STAFF = {  # the demo's accounts (eventdesk/services/data/demo.py) and the mode each opens
    "desk": ("Sam Desk", "2345"),
    "kiosk": ("Kiosk Door 1", "3456"),
    "organizer": ("Olivia Organizer", "1234"),
    "stats": ("Olivia Organizer", "1234"),
}
BADGE_WRITTEN = "{format} badge of {ticket} ({layout}) written to {path} ({size} bytes)"


# --- what the packages read at run time, from the source tree ---------------------------------
def source_files() -> list[str]:
    """The checkout's files as a developer has them: tracked, or new and not ignored (a
    compiled catalogue, a __pycache__ are ignored, and never ship)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(name for name in listed.split("\0") if name and (ROOT / name).is_file())


def in_packages(files: list[str]) -> list[str]:
    return [name for name in files if name.split("/", 1)[0] in PACKAGES]


# A string in the code that may be a path: "desk.tcss", "templates", "locale/de.po".
PATH_LITERAL = re.compile(r"""(["'])([\w.][\w./-]{0,199})\1""")


def named_by_the_code(files: list[str]) -> set[str]:
    """The files a module names by a path relative to its own folder, and those in a folder it
    names so: ``CSS_PATH = "desk.tcss"``, ``Path(__file__).parent / "templates"``, ``/ "locale"``.
    Every string in the code that is such a path counts (one that names a package's own folder
    or module adds nothing new); one that names a file the tree ignores counts too."""
    known = set(files)
    beneath: dict[str, list[str]] = {}  # a folder: the files in it and in its folders
    for name in files:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            beneath.setdefault("/".join(parts[:depth]), []).append(name)
    found: set[str] = set()
    for module in (name for name in in_packages(files) if name.endswith(".py")):
        folder = posixpath.dirname(module)
        code = (ROOT / module).read_text(encoding="utf-8")
        for text in {literal for _quote, literal in PATH_LITERAL.findall(code)}:
            path = posixpath.normpath(posixpath.join(folder, text))
            if path.split("/", 1)[0] not in PACKAGES:
                continue
            if path in known:
                found.add(path)
            elif path in beneath:
                found.update(beneath[path])
            elif "." in posixpath.basename(path) and (ROOT / path).is_file():
                found.add(path)
    return found


def read_at_run_time() -> list[str]:
    """Every file under the four packages (modules and data), and every file their code names."""
    files = source_files()
    return sorted(set(in_packages(files)) | named_by_the_code(files))


# --- made once per run: the build, the environment, the demo ------------------------------------
class CommandFailed(RuntimeError):
    pass


def run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """``argv``'s output; its whole output in the error when it fails."""
    done = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise CommandFailed(
            f"{' '.join(argv)} ended with {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


@contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """Held by one process of the run at a time (the pytest workers share the run's folder)."""
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """This test run's folder, which every worker of the run shares (outside the checkout)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once(root: Path, name: str, make: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """``make(root / name)``'s answer, made by the first worker that asks; the others wait for
    it. A failure is made once too: each test that needs it fails with the same message."""
    answer = root / f"{name}.json"
    with exclusive(root / f"{name}.lock"):
        if not answer.exists():
            started = time.monotonic()
            (root / name).mkdir(exist_ok=True)
            try:
                made: dict[str, Any] = {"made": make(root / name)}
            except Exception as exc:  # said to every test that needs it, the same
                made = {"failed": f"{type(exc).__name__}: {exc}"}
            made["seconds"] = round(time.monotonic() - started, 1)
            answer.write_text(json.dumps(made), encoding="utf-8")
    said = json.loads(answer.read_text(encoding="utf-8"))
    if "failed" in said:
        pytest.fail(f"{name}: {said['failed']}", pytrace=False)
    result: dict[str, Any] = said["made"]
    return result


def build(folder: Path) -> dict[str, Any]:
    """The sdist and the wheel, as `python -m build` makes them (the wheel from the sdist), from
    a copy of the checkout's files: the build writes nothing into the checkout."""
    source = folder / "source"
    for name in source_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    run([sys.executable, "-m", "build", "--outdir", str(folder / "dist"), str(source)], cwd=folder)
    [sdist] = (folder / "dist").glob("*.tar.gz")
    [wheel] = (folder / "dist").glob("*.whl")
    return {"sdist": str(sdist), "wheel": str(wheel)}


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path


@dataclass(frozen=True)
class Installed:
    venv: Path
    site_packages: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def python(self) -> str:
        return str(self.bin / "python")

    @property
    def eventdesk(self) -> str:
        return str(self.bin / "eventdesk")

    def env(self, **extra: str) -> dict[str, str]:
        """A user's environment with the virtual environment first on the path: nothing of
        the test run's (no PYTHONPATH, no EVENTDESK_ settings), the door's sounds silent."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTHON", "EVENTDESK_", "PYTEST_", "VIRTUAL_ENV"))
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        env["EVENTDESK_SOUND_BACKEND"] = "null"
        return {**env, **extra}

    def run(self, *args: str, cwd: Path, **extra: str) -> str:
        """``eventdesk ARGS`` as a user runs it, from ``cwd`` (outside the checkout)."""
        assert not cwd.resolve().is_relative_to(ROOT)
        return run([self.eventdesk, *args], cwd=cwd, env=self.env(**extra))


def install(folder: Path, wheel: str) -> dict[str, Any]:
    """A fresh virtual environment with the wheel in it, at the lock file's versions. pip is
    this run's own (``--python``): the environment needs none of its own, which saves seconds;
    byte-compiling is left to the first import, which saves more."""
    venv = folder / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=folder)
    python = str(venv / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", "--no-compile", "-c", str(LOCK), wheel], cwd=folder)
    purelib = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=folder
    )
    return {"venv": str(venv), "site_packages": purelib.strip()}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    made = once(run_folder(tmp_path_factory), "build", build)
    return Built(Path(made["sdist"]), Path(made["wheel"]))


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, built: Built) -> Installed:
    made = once(
        run_folder(tmp_path_factory), "install", lambda folder: install(folder, str(built.wheel))
    )
    return Installed(Path(made["venv"]), Path(made["site_packages"]))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, installed: Installed) -> dict[str, Any]:
    """`eventdesk demo --no-ui` run by the installed program in a data folder of its own: what
    it said (--json) and where."""

    def make(folder: Path) -> dict[str, Any]:
        data = folder / "data"
        said = installed.run(
            "--data-dir",
            str(data),
            "--json",
            "demo",
            "--no-ui",
            "--attendees",
            str(DEMO_ATTENDEES),
            cwd=folder,
        )
        return {"data": str(data), "said": json.loads(said)}

    return once(run_folder(tmp_path_factory), "demo", make)


@pytest.fixture
def data(demo: dict[str, Any], tmp_path: Path) -> Path:
    """A copy of the demo's data folder for one test."""
    copy = tmp_path / "data"
    shutil.copytree(demo["data"], copy)
    return copy


def a_ticket(data: Path) -> str:
    """A registered ticket of the demo."""
    with sqlite3.connect(data / "demo.db") as conn:
        row = conn.execute(
            "SELECT id FROM ticket WHERE status = 'registered' ORDER BY id LIMIT 1"
        ).fetchone()
    return str(row[0])


def in_folder(folder: Path) -> list[str]:
    """A command prefix that runs the command in ``folder`` (a terminal's process starts in
    the test run's folder, the checkout)."""
    assert not folder.resolve().is_relative_to(ROOT)
    return ["sh", "-c", 'cd "$0" && exec "$@"', str(folder)]


def said_in(language: str, message: str) -> re.Pattern[str]:
    """``message`` as the source tree's catalogue of ``language`` says it, its values any."""
    with (ROOT / "eventdesk" / "locale" / f"{language}.po").open("rb") as source:
        translated = read_po(source, locale=language).get(message)
    assert translated is not None and translated.string, f"{language}.po lacks {message!r}"
    parts = re.split(r"\{[^}]*\}", str(translated.string))
    return re.compile(".+?".join(re.escape(part) for part in parts))


# --- the wheel and the sdist ----------------------------------------------------------------------
def test_the_wheel_and_the_sdist_hold_every_file_the_packages_read(built: Built) -> None:
    wanted = read_at_run_time()
    # The list is made from the tree: it holds at least these, or it is made wrong.
    for known in (
        "screens/app.tcss",
        "screens/desk/desk.tcss",
        "screens/kiosk/kiosk.tcss",
        "screens/organizer/organizer.tcss",
        "screens/stats/stats.tcss",
        "screens/serve/templates/app_index.html",
        "eventdesk/locale/de.po",
        "eventdesk/migrations/script.py.mako",
        "eventdesk/migrations/versions/0001_initial_schema.py",
    ):
        assert known in wanted
    with zipfile.ZipFile(built.wheel) as wheel:
        in_wheel = set(wheel.namelist())
    with tarfile.open(built.sdist) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    missing = {
        "wheel": [name for name in wanted if name not in in_wheel],
        "sdist": [name for name in wanted if name not in in_sdist],
    }
    assert missing == {"wheel": [], "sdist": []}, (
        "files the packages read are not packaged: list them in pyproject.toml's "
        f"[tool.setuptools.package-data]: {missing}"
    )
    # Only the four packages ship, and nothing made on a developer's machine
    # (compiled catalogues, byte code).
    shipped = {name.split("/", 1)[0] for name in in_wheel}
    assert {top for top in shipped if not top.endswith(".dist-info")} == set(PACKAGES)
    assert not [name for name in in_wheel if name.endswith((".mo", ".pyc"))]


# --- the installed program ------------------------------------------------------------------------
def test_the_installed_modules_come_from_the_virtual_environment(
    installed: Installed, tmp_path: Path
) -> None:
    said = run(
        [
            installed.python,
            "-c",
            "import json, eventdesk, screens, devices, badges; print(json.dumps("
            "{m.__name__: m.__file__ for m in (eventdesk, screens, devices, badges)}))",
        ],
        cwd=tmp_path,
        env=installed.env(),
    )
    files = json.loads(said)
    assert sorted(files) == sorted(PACKAGES)
    for name, file in files.items():
        assert Path(file).is_relative_to(installed.site_packages), (name, file)


def test_demo_builds_from_the_installed_package(demo: dict[str, Any]) -> None:
    said = demo["said"]
    assert said["attendees"] == DEMO_ATTENDEES and said["registered"] > 0
    assert {name for name, _pin in STAFF.values()} <= {s["name"] for s in said["staff"]}
    assert said["database"].endswith("/demo.db") and (Path(demo["data"]) / "demo.db").is_file()


def test_every_mode_opens_and_the_desk_and_the_kiosk_decide_a_scan(
    installed: Installed, demo: dict[str, Any], data: Path, tmp_path: Path
) -> None:
    """The installed app through Textual's Pilot, in the environment's own Python: every mode
    opens with its own styles, and a ticket scanned at the desk and at the kiosk (80x24) is
    admitted on the screen, the holder's name shown."""
    script = tmp_path / PILOT.name
    shutil.copy2(PILOT, script)
    report = tmp_path / "report.json"
    run(
        [installed.python, str(script), str(data), demo["said"]["event"], str(report)],
        cwd=tmp_path,
        env=installed.env(),
    )
    seen = json.loads(report.read_text(encoding="utf-8"))
    for name, file in seen["modules"].items():
        assert Path(file).is_relative_to(installed.site_packages), (name, file)
    modes = {mode["mode"]: mode for mode in seen["modes"]}
    assert sorted(modes) == sorted(STAFF)
    for mode, shown in modes.items():
        assert shown["started"] and shown["running"], (mode, shown["text"])
        styles = [Path(path) for path in shown["styles"]]  # read from the installed package
        assert installed.site_packages / "screens" / mode / f"{mode}.tcss" in styles, styles
    desk, kiosk = modes["desk"], modes["kiosk"]
    assert desk["decided"] and "ADMITTED" in desk["text"], desk["text"]
    assert f"Welcome, {desk['attendee']}" in desk["text"]
    assert kiosk["decided"] and f"Welcome, {kiosk['attendee']}" in kiosk["text"], kiosk["text"]
    assert "Northwind DevConf" in modes["organizer"]["text"]
    assert "Checked in" in modes["stats"]["text"] and "loading" not in modes["stats"]["text"]


def test_eventdesk_app_starts_the_desk_and_the_kiosk_in_a_terminal(
    installed: Installed, data: Path, tmp_path: Path
) -> None:
    """`eventdesk app --mode desk|kiosk`, the commands a user reported crashing, in real
    terminals of 80x24: each draws its first screen and goes on (the missing styles ended it
    before that). Every mode's start, and what it shows, is the Pilot test's above."""
    started = {}
    for mode in ("desk", "kiosk"):
        who, pin = STAFF[mode]
        ready = tmp_path / f"ready-{mode}"
        output = bytearray()
        argv = [*in_folder(tmp_path), installed.eventdesk, "--data-dir", str(data), "app"]
        argv += ["--mode", mode, "--sign-in-as", who, "--ready-file", str(ready)]
        env = installed.env(TERM="xterm-256color", EVENTDESK_SIGN_IN_PIN=pin)
        process, terminal = in_terminal(argv, env, size=(80, 24), output=output)
        started[mode] = (process, terminal, ready, output)
    try:
        deadline = time.monotonic() + SECONDS
        waiting = set(started)
        while waiting:
            for mode in sorted(waiting):
                process, _terminal, ready, output = started[mode]
                if ready.exists() and ready.read_text().endswith("\n"):
                    waiting.discard(mode)
                elif process.poll() is not None:
                    shown = output.decode(errors="replace")[-3000:]
                    pytest.fail(f"`app --mode {mode}` ended with {process.returncode}:\n{shown}")
            assert time.monotonic() < deadline, f"no first screen in {SECONDS} s: {waiting}"
            if waiting:  # until one of them ends, or a tenth of a second
                with suppress(subprocess.TimeoutExpired):
                    started[min(waiting)][0].wait(timeout=0.1)
        for mode, (process, _terminal, _ready, output) in started.items():
            assert process.poll() is None, (mode, output.decode(errors="replace")[-3000:])
    finally:
        for process, terminal, _ready, _output in started.values():
            stop(process, terminal)


# The kind of each badge format's bytes: how the file starts (and ends).
BADGE_KINDS: dict[str, Callable[[bytes], bool]] = {
    "text": lambda made: made.decode("utf-8").strip() != "",
    "png": lambda made: made.startswith(b"\x89PNG\r\n\x1a\n"),
    "pdf": lambda made: made.startswith(b"%PDF-") and made.rstrip().endswith(b"%%EOF"),
    "zpl": lambda made: made.startswith(b"^XA") and made.rstrip().endswith(b"^XZ"),
    # ESC @ (initialize), a GS v 0 raster picture
    "escpos": lambda made: made.startswith(b"\x1b@") and b"\x1dv0" in made,
    # ESC i a 1 (raster mode) first, the print command (0x1A) last
    "ql": lambda made: made.startswith(b"\x1bia\x01") and made.endswith(b"\x1a"),
}


def test_badge_writes_every_format(installed: Installed, data: Path, tmp_path: Path) -> None:
    """`eventdesk badge TICKET --format F --output FILE` for every format. One after another:
    the first compiles the badge modules for the others (the wheel is installed without byte
    code), which then start sooner than they would all at once on a busy machine."""
    ticket = a_ticket(data)
    badge = ["--data-dir", str(data), "badge", ticket]
    for kind, is_of_its_kind in BADGE_KINDS.items():
        output = tmp_path / f"badge.{kind}"
        installed.run(*badge, "--format", kind, "--output", str(output), cwd=tmp_path)
        made = output.read_bytes()
        assert made and is_of_its_kind(made), (kind, made[:64])
    assert f"ticket {ticket}" in (tmp_path / "badge.text").read_text(encoding="utf-8")


@pytest.fixture
def catalogues(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The installed catalogues' folder, for one test of the run at a time (the tests that
    compile a catalogue there, or that make it read-only)."""
    with exclusive(run_folder(tmp_path_factory) / "catalogues.lock"):
        yield installed.site_packages / "eventdesk" / "locale"


def test_the_installed_program_speaks_german(
    installed: Installed, catalogues: Path, data: Path, tmp_path: Path
) -> None:
    """The German catalogue ships, and is compiled at its first use and kept beside its source
    (the installed folder can be written here)."""
    for compiled in catalogues.glob("de.*mo"):
        compiled.unlink()
    ticket = a_ticket(data)
    german = said_in("de", BADGE_WRITTEN)
    badge = ["--lang", "de", "--data-dir", str(data), "badge", ticket]
    said = installed.run(*badge, "--output", str(tmp_path / "badge.txt"), cwd=tmp_path)
    assert german.search(said), said
    assert (catalogues / "de.mo").is_file()


@contextmanager
def read_only(folder: Path) -> Iterator[list[str]]:
    """A command prefix under which ``folder`` (and all in it) cannot be written, as a package
    installed by root is for the user who runs it. Its folders' write bits are taken away, or,
    for root, whom write bits do not stop, the command runs in a mount namespace of its own in
    which the folder is mounted read-only (skipped where neither can be had)."""
    if os.geteuid() != 0:
        folders = [folder, *(path for path in folder.rglob("*") if path.is_dir())]
        modes = {path: path.stat().st_mode for path in folders}
        for path, mode in modes.items():
            path.chmod(mode & ~0o222)
        try:
            yield []
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    mounted = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'
    prefix = ["unshare", "--mount", "sh", "-c", mounted, str(folder)]
    try:
        probe = subprocess.run(
            [*prefix, "sh", "-c", 'test ! -w "$0"', str(folder)],
            capture_output=True,
            text=True,
            timeout=SECONDS,
        )
    except FileNotFoundError:
        pytest.skip("root cannot make a folder read-only here: unshare is not installed")
    if probe.returncode != 0:
        pytest.skip(f"root cannot make a folder read-only here: {probe.stderr.strip()}")
    yield prefix


def test_a_read_only_installation_speaks_french_all_the_same(
    installed: Installed, catalogues: Path, data: Path, tmp_path: Path
) -> None:
    """Installed where its user cannot write, the catalogue is compiled in memory: French is
    spoken, and nothing is left in the package's folder."""
    for compiled in catalogues.glob("fr.*mo"):
        compiled.unlink()
    ticket = a_ticket(data)
    badge = ["--lang", "fr", "--data-dir", str(data), "badge", ticket]
    with read_only(installed.site_packages) as prefix:
        said = run(
            [*prefix, installed.eventdesk, *badge, "--output", str(tmp_path / "badge.txt")],
            cwd=tmp_path,
            env=installed.env(),
        )
    assert said_in("fr", BADGE_WRITTEN).search(said), said
    assert sorted(path.name for path in catalogues.glob("fr.*")) == ["fr.po"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_with_its_page(installed: Installed, data: Path, tmp_path: Path) -> None:
    """`eventdesk serve`: its own page (from the package's templates), and the font that page
    loads from textual-serve's static files, both from the installed environment."""
    port = free_port()
    server = subprocess.Popen(
        [installed.eventdesk, "--data-dir", str(data), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=installed.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + SECONDS
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"nothing listens on {port}"
            with suppress(subprocess.TimeoutExpired):  # until it ends, or a tenth of a second
                server.wait(timeout=0.1)
            assert server.poll() is None, f"serve ended: {server.communicate()[0]}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=SECONDS) as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "text/html"
            page = response.read().decode("utf-8")
        assert "<div>eventdesk wall screen</div>" in page
        assert "document.fonts" in page and "fonts.googleapis.com" not in page  # ours
        font = re.search(r'href="([^"]+/RobotoMono-VariableFont_wght\.ttf)"', page)
        assert font, page
        address = font.group(1)
        if address.startswith("/"):
            address = f"http://127.0.0.1:{port}{address}"
        with urllib.request.urlopen(address, timeout=SECONDS) as response:
            assert response.status == 200 and len(response.read()) > 10_000
    finally:
        if server.poll() is None:
            server.terminate()
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()

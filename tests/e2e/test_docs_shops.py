"""The page for an organizer whose tickets a shop sells (docs/shops.md) runs as written, as the
tour of docs/cli.md does (tests/e2e/test_docs_tour.py, whose reading of a page this shares): its
``<!-- tour -->`` blocks run in the page's order as one bash script in an empty folder, each
command's exit code and ``#>`` lines checked; a heredoc (``cat > FILE <<'EOF'`` to ``EOF``) is
one command.

Its pretix is a real one (tests/pretix_shop.py), filled through pretix's API as the page says:
the event `spring`, its lists (Main entrance, a Sunday gate, and Gate B, whose rule only pretix's
gates can decide), Ada's and Alan's paid order, Bo's pending one and Dee's cancelled one. The
shell variables the page reads ($PRETIX_URL, $PRETIX_ORGANIZER, $PRETIX_TOKEN_FILE, the
tickets' codes, Bo's order) are set in the script's environment. Where the page tells what
happens in pretix meanwhile (its line ``<!-- meanwhile in pretix ...``), the script waits while
the test does it through pretix's API: Bo's order marked paid, Cy's bought, Cy and Alan admitted
by pretix's own redeem call. The token never shows in what a command prints."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import forks
from tests.e2e.test_docs_tour import (
    ALIAS,
    ROOT,
    Step,
    plain_environment,
    script,
    steps_of,
    tour_blocks,
    verdict,
)
from tests.e2e.test_pretix_connect import mark, redeem, secrets
from tests.e2e.test_pretix_lists import made_list
from tests.pretix_shop import Pretix, organizer_name, regular, sunday_pass
from tests.pretix_shop import pretix_server as pretix_server  # the fixture

pytestmark = [
    pytest.mark.slow,  # a real pretix, and the page's commands as a user types them
    pytest.mark.timeout(1200),  # pretix's first install, beside the rest of the suite
]

PAGE = ROOT / "docs" / "shops.md"
MEANWHILE = "<!-- meanwhile in pretix"  # the line after which pretix changes, as the page says
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
SCRIPT_SECONDS = 900  # the whole page: a command takes a second or two, more on a busy machine
# What the page reads from its reader's shell: set in the script's environment here.
GIVEN = ("PRETIX_URL", "PRETIX_ORGANIZER", "PRETIX_TOKEN_FILE", "ADA", "ALAN", "BO", "DEE")
GIVEN_ORDER = "BO_ORDER"
# What the page must show an organizer, each at least once: (what, words of the command, exit).
MUST_SHOW = [
    ("a pretix event connected", "ed shop connect pretix", 0),
    ("a shop's code admitted", "ed checkin --event spring", 0),
    ("a shop's code refused", "ed checkin --event spring", 1),
    ("a list made from pretix's", "--list sunday-gate", 1),
    ("a person found by the shop's order code", "ed attendee find", 0),
    ("a sync", "ed shop sync", 0),
    ("the connection's status", "ed shop status", 0),
    ("the conflicts", "ed report conflicts", 0),
    ("an Eventbrite export imported", "--from eventbrite", 0),
    ("a CSV's code column named", "--code-column", 0),
    ("a barcode admitted", "ed checkin --event autumn-meetup", 0),
    ("a ticket gone from the export refused", "ed checkin --event autumn-meetup", 1),
]


def heredocs_joined(blocks: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """The blocks with each heredoc as one line (its command, its text, its end), the lines it
    took left blank so that the page's line numbers stay."""
    joined = []
    for first, lines in blocks:
        kept = list(lines)
        at = 0
        while at < len(kept):
            found = HEREDOC.search(kept[at])
            if found is not None:
                ends = [n for n in range(at + 1, len(kept)) if kept[n] == found.group(2)]
                assert ends, f"{PAGE.name}:{first + at}: a heredoc with no {found.group(2)} line"
                end = ends[0]
                kept[at : end + 1] = ["\n".join(kept[at : end + 1]), *([""] * (end - at))]
                at = end
            at += 1
        joined.append((first, kept))
    return joined


def page_steps() -> tuple[list[Step], int]:
    """The page's commands, and the index of the first one after pretix's changes."""
    text = PAGE.read_text(encoding="utf-8")
    steps = steps_of(heredocs_joined(tour_blocks(text, PAGE)), PAGE)
    assert steps, f"{PAGE.name} marks no command block to run (<!-- tour --> before ```sh)"
    assert ALIAS.match(steps[0].command), f"the page starts with `alias ed=...`: {steps[0]}"
    marks = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith(MEANWHILE)]
    assert len(marks) == 1, f"{PAGE.name}: {len(marks)} lines {MEANWHILE!r}, one expected"
    later = [n for n, step in enumerate(steps) if step.line > marks[0]]
    assert later and later[0] > 0, f"{PAGE.name}:{marks[0]}: commands before and after it"
    return steps, later[0]


def test_the_page_shows_what_an_organizer_needs() -> None:
    """The page keeps its parts, reads from the reader's shell only what it says to set, and
    types no calendar date (a date is derived from today, as the tour's are)."""
    steps, _split = page_steps()
    for what, start, exit_code in MUST_SHOW:
        found = [s for s in steps if start in s.command and s.exit_code == exit_code]
        assert found, f"the page does not show {what} (`{start} ...`, exit {exit_code})"
    commands = "\n".join(step.command for step in steps)
    read = set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", commands))
    assigned = set(re.findall(r"(?:^|\s)([A-Z_][A-Z0-9_]*)=", commands))
    text = PAGE.read_text(encoding="utf-8")
    for name in (*GIVEN, GIVEN_ORDER):
        assert f"{name}=" in text, f"{PAGE.name} does not say to set ${name}"
    unset = read - assigned - {*GIVEN, GIVEN_ORDER}
    assert not unset, f"the page reads variables neither it nor its reader sets: {unset}"
    dates = re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text)
    assert not dates, f"{PAGE.name} types calendar dates: {dates}"


def holder(position: dict[str, Any], email: str) -> dict[str, Any]:
    """An order position with its holder's name in the parts the event's name scheme has
    (given and family: pretix names the holder from those) and an e-mail of their own."""
    given, _, family = str(position["attendee_name_parts"]["full_name"]).partition(" ")
    parts = {"given_name": given, "family_name": family}
    return {**position, "attendee_name_parts": parts, "attendee_email": email}


def ran(
    steps: list[Step],
    split: int,
    env: dict[str, str],
    tmp_path: Path,
    meanwhile: Callable[[], None],
) -> tuple[str, list[tuple[int | None, str]]]:
    """The page as one bash script in an empty folder, ``meanwhile`` done while it waits after
    ``split`` commands: what bash said on stderr, and each command's exit code and output."""
    folder, out = tmp_path / "checkout", tmp_path / "out"
    parts = [(steps[:split], out / "before"), (steps[split:], out / "after")]
    for _, place in parts:
        place.mkdir(parents=True)
    folder.mkdir()
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    # The script says it is there, then waits until the test is done (its end of the pipe closed).
    wait = f"echo meanwhile >&{ready_w}\nexec {ready_w}>&-\nread -r _ <&{go_r}\nexec {go_r}<&-\n"
    eventdesk = forks.command_line(env)
    first, second = (script(part, eventdesk, place) for part, place in parts)
    page_script = tmp_path / "shops.sh"
    page_script.write_text(first + wait + second, encoding="utf-8")
    process = subprocess.Popen(
        ["bash", str(page_script)],
        cwd=folder,
        env=env,
        pass_fds=(ready_w, go_r),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(ready_w)
    os.close(go_r)
    try:
        with os.fdopen(ready_r) as ready:
            if ready.readline():  # else the script ended before it: its commands say why
                meanwhile()
    except BaseException:
        process.kill()
        raise
    finally:
        os.close(go_w)
        _, said = process.communicate(timeout=SCRIPT_SECONDS)
    results = []
    for part, place in parts:
        for n in range(len(part)):
            rc_file, out_file = place / f"{n}.rc", place / f"{n}.out"
            code = int(rc_file.read_text()) if rc_file.exists() else None
            output = out_file.read_text("utf-8", "replace") if out_file.exists() else ""
            results.append((code, output))
    return said.strip(), results


def test_the_page_runs_as_written(pretix_server: Pretix, tmp_path: Path) -> None:
    steps, split = page_steps()
    organizer = organizer_name()
    (spring,) = pretix_server.seed(organizer, "spring")
    sunday = {"lookup": ["variation", str(spring.variations["Sunday"]), "Sunday"]}
    made_list(
        pretix_server, organizer, spring, name="Sunday gate", all_products=False,
        limit_products=[spring.items["Day pass"]],
        rules={"inList": [{"var": "variation"}, {"objectList": [sunday]}]},
    )  # fmt: skip
    gate_b = {"inList": [{"var": "gate"}, {"objectList": [{"lookup": ["gate", "1", "B"]}]}]}
    made_list(pretix_server, organizer, spring, name="Gate B", all_products=True, rules=gate_b)
    paid = pretix_server.order(
        organizer,
        spring,
        [
            holder(regular(spring, "Ada Byron"), "ada@example.org"),
            holder(sunday_pass(spring, "Alan Turing"), "alan@example.org"),
        ],
        paid=True,
    )
    pending = pretix_server.order(
        organizer, spring, [holder(regular(spring, "Bo Chen"), "bo@example.org")], paid=False
    )
    cancelled = pretix_server.order(
        organizer, spring, [holder(regular(spring, "Dee Vance"), "dee@example.org")], paid=True
    )
    mark(pretix_server, organizer, cancelled, "mark_canceled")
    (ada, alan), (bo,), (dee,) = secrets(paid), secrets(pending), secrets(cancelled)
    token = tmp_path / "pretix.token"
    token.write_text(pretix_server.token + "\n", encoding="utf-8")
    token.chmod(0o600)
    env = plain_environment(tmp_path)
    env.update(
        PRETIX_URL=pretix_server.url,
        PRETIX_ORGANIZER=organizer,
        PRETIX_TOKEN_FILE=str(token),
        ADA=ada,
        ALAN=alan,
        BO=bo,
        DEE=dee,
        BO_ORDER=str(pending["code"]),
    )

    def meanwhile() -> None:
        """In pretix, as the page says: Bo pays; Cy buys and pretix's gate admits him, and
        Alan."""
        mark(pretix_server, organizer, pending, "mark_paid")
        bought = pretix_server.order(
            organizer, spring, [holder(regular(spring, "Cy Late"), "cy@example.org")], paid=True
        )
        for secret in (*secrets(bought), alan):
            assert redeem(pretix_server, organizer, spring, secret) == (201, "ok")

    bash, results = ran(steps, split, env, tmp_path, meanwhile)
    problems = [
        why
        for step, (code, output) in zip(steps, results, strict=True)
        if (why := verdict(step, code, output, PAGE)) is not None
    ]
    assert not problems, (
        f"{len(problems)} of the page's {len(steps)} commands do not do what docs/shops.md "
        f"says (bash said: {bash or 'nothing'}):\n" + "\n".join(problems)
    )
    shown = [n for n, (_, output) in enumerate(results) if pretix_server.token in output]
    assert not shown, f"the token is in what these commands print: {[steps[n] for n in shown]}"
    # The page's door sent its check-ins up: pretix has Bo in (admitted here after he paid).
    assert redeem(pretix_server, organizer, spring, bo) == (400, "already_redeemed")
    door = tmp_path / "checkout" / "door"
    assert (door / "eventdesk.db").is_file(), "the page's door keeps its own data folder"
    assert not (tmp_path / "checkout" / "data").exists(), "the page leaves data/ as it was"

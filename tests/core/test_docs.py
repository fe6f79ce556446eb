"""The documentation holds together. README.md stays a two-minute read (at most 8 KB) that
starts with the two commands; every relative link in README.md and docs/*.md names a file that
exists and, with a #fragment, a heading of that file (GitHub's anchors); every page of docs/ is
linked from the README; and every pointer into docs/ in the code's docstrings and comments
(the packages pyproject.toml ships, and tests/) names a page and a heading that exist, so a
renamed page or heading fails here instead of leaving a dead pointer.

The docs also say nothing the code has moved away from: every command and option they name
exists (as `eventdesk COMMAND --help` lists it), and every count they keep (packages, import
contracts, languages, built-in layouts, sheet stocks, the demo's size, the QR code's length,
a few limits, the migrations named) is checked here against the source. Counts that drift with
every change, such as how many tests there are, are not written in the docs at all. (The tour
of docs/cli.md runs as written in tests/e2e/test_docs_tour.py.)"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_LIMIT = 8192  # bytes: what a newcomer reads in two minutes
FIRST_COMMANDS = ("python3 dev.py demo", "python3 dev.py test")

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+).+?\1", re.S)
# [text](target) and ![alt](target), with an optional "title"; the text may wrap lines.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
# docs/PAGE.md, then either #anchor or a quoted heading ("docs/architecture.md, "Time"").
CODE_POINTER = re.compile(
    r"(?<![\w-])(docs/[\w./-]*?\.md)(?:#([\w-]+)|,?\s+\"([^\"\n]+)\")?", re.IGNORECASE
)


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def unfenced(text: str) -> str:
    """The text with its fenced code blocks blanked (a fence's lines too: line numbers kept)."""
    kept: list[str] = []
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            kept.append("")
            continue
        kept.append("" if fenced else line)
    return "\n".join(kept)


def prose(text: str) -> str:
    """The text outside fenced code blocks and code spans (where links and headings are)."""
    return CODE_SPAN.sub("", unfenced(text))


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: the text as shown (a link's text, code without
    its backticks), lowercase, punctuation other than '-' and '_' dropped, spaces to '-'."""
    shown = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", shown.strip().lower()).replace(" ", "-")


@cache
def headings(page: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A Markdown file's headings as written, and their anchors (a repeated one numbered -1,
    -2, ... as GitHub does)."""
    texts: list[str] = []
    anchors: list[str] = []
    seen: dict[str, int] = {}
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        found = None if fenced else HEADING.match(line)
        if found is None:
            continue
        text = found.group(2)
        base = slug(text)
        count = seen.get(base, 0)
        seen[base] = count + 1
        texts.append(text)
        anchors.append(base if count == 0 else f"{base}-{count}")
    return tuple(texts), tuple(anchors)


def links(page: Path) -> Iterator[str]:
    yield from LINK.findall(prose(page.read_text(encoding="utf-8")))


def broken_link(page: Path, target: str) -> str | None:
    """Why a link of ``page`` leads nowhere, or None when it resolves."""
    if SCHEME.match(target) or target.startswith("//"):
        return None  # the web: not checked here (the suite runs offline)
    path_part, _, fragment = target.partition("#")
    file = (page.parent / path_part).resolve() if path_part else page
    shown = file.relative_to(ROOT) if file.is_relative_to(ROOT) else file
    if not file.exists():
        return f"{target}: no file {shown}"
    if fragment and file.suffix == ".md" and fragment not in headings(file)[1]:
        return f"{target}: {shown} has no heading with the anchor #{fragment}"
    return None


def broken_pointer(page: str, anchor: str, heading: str) -> str | None:
    """Why a pointer into docs/ from the code leads nowhere, or None when it resolves."""
    file = ROOT / page
    if not file.is_file():
        return f"{page}: no such page"
    texts, anchors = headings(file)
    if anchor and anchor not in anchors:
        return f"{page}#{anchor}: no heading with that anchor"
    shown = [slug(text) for text in texts]
    if heading and not any(s.startswith(slug(heading)) for s in shown):
        return f'{page}, "{heading}": no heading that starts so'
    return None


def code_folders() -> list[str]:
    """The packages pyproject.toml ships (eventdesk, screens, the devices, badges), and tests."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = settings["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted({name.rstrip("*") for name in shipped} | {"tests"})


def code_files() -> list[Path]:
    here = Path(__file__).resolve()
    return [
        path
        for folder in code_folders()
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.resolve() != here
    ]


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    problems = [why for target in links(page) if (why := broken_link(page, target)) is not None]
    assert not problems, f"{page.relative_to(ROOT)}: " + "; ".join(problems)


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    size = len(README.read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes: move detail into docs/"
    text = README.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# eventdesk"
    fence = next(i for i, line in enumerate(lines) if FENCE.match(line))
    assert not any(line.strip() for line in lines[1:fence]), "only the title before the commands"
    commands = lines[fence + 1 : fence + 1 + len(FIRST_COMMANDS)]
    for line, command in zip(commands, FIRST_COMMANDS, strict=True):
        assert line.startswith(command), f"README.md's first code block: {line!r}"
    assert "`python3 dev.py test --fast`" in text, "the README names the fast inner loop"


def test_the_readme_links_every_page_of_docs() -> None:
    linked = {
        (README.parent / target.partition("#")[0]).resolve()
        for target in links(README)
        if not SCHEME.match(target)
    }
    missing = [p.relative_to(ROOT) for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked]
    assert not missing, f"pages of docs/ no link in README.md leads to: {missing}"


def test_pointers_into_docs_from_the_code_resolve() -> None:
    problems = []
    for path in code_files():
        text = path.read_text(encoding="utf-8")
        for found in CODE_POINTER.finditer(text):
            page, anchor, heading = found.group(1), found.group(2) or "", found.group(3) or ""
            why = broken_pointer(page, anchor, heading)
            if why is not None:
                line = text.count("\n", 0, found.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {why}")
    assert not problems, "\n".join(problems)


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """The checks above fail on a dead link, a missing anchor and a dead pointer."""
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## Check-in rules\n\n```sh\n# not a heading\n```\n"
        "[ok](#check-in-rules) [bad](#not-a-heading) [gone](missing.md) `[code](nowhere.md)`\n",
        encoding="utf-8",
    )
    assert headings(page)[1] == ("title", "check-in-rules")
    verdicts = {target: broken_link(page, target) for target in links(page)}
    assert verdicts["#check-in-rules"] is None
    assert verdicts["#not-a-heading"] is not None
    assert verdicts["missing.md"] is not None
    assert "nowhere.md" not in verdicts
    assert slug("Roles for many stations (PostgreSQL)") == "roles-for-many-stations-postgresql"
    assert slug("Check-in throughput (`bench/checkin.py`)") == "check-in-throughput-benchcheckinpy"
    assert broken_pointer("docs/architecture.md", "check-in-rules", "") is None
    assert broken_pointer("docs/architecture.md", "", "Money") is None
    assert broken_pointer("docs/architecture.md", "no-such-rules", "") is not None
    assert broken_pointer("docs/architecture.md", "", "No such heading") is not None
    assert broken_pointer("docs/no-such-page.md", "", "") is not None


# --- what the docs say of the code ------------------------------------------------------------
NUMBER_WORDS = dict(
    zip(
        ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
        range(1, 11),
        strict=True,
    )
)
# The root group's options that take a value (the others are flags).
GLOBAL_VALUES = ("--db", "--db-file", "--data-dir", "--station", "--lang")
ALWAYS = {"--help", "-h"}
# Where a shell line's commands start and end: a command substitution, a pipe, a list.
SEGMENT = re.compile(r"\$\(|\)|\||;|&&")
RUNS_EVENTDESK = re.compile(r"(?:^|\s|/bin/)(?:ed|eventdesk)\s+(.+)")  # a venv's too
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
LISTED = r"`[\w-]+`(?: \([^)]*\))?(?:, and |, | and )?"  # one of a list of `names` in prose


def number(text: str) -> int:
    """A count as the docs write it: a numeral or a word ("four", "Four")."""
    return int(text.replace(",", "")) if text[0].isdigit() else NUMBER_WORDS[text.lower()]


def said(page: str, pattern: str) -> re.Match[str]:
    """The one place of ``page`` (whitespace as one space) that ``pattern`` finds: a count that
    is reworded must be found again, not silently left unchecked."""
    text = " ".join((ROOT / page).read_text(encoding="utf-8").split())
    found = list(re.finditer(pattern, text))
    assert len(found) == 1, f"{page}: {len(found)} places match {pattern!r}, one expected"
    return found[0]


def eventdesk_commands(page: Path) -> Iterator[tuple[int, str]]:
    """The eventdesk commands a page shows, with their line: each `ed`/`eventdesk` command of its
    sh blocks (a command substitution's too), and each code span of its prose that starts with
    `eventdesk`, `ed` or a command's name followed by more (`checkin --exit`)."""
    from eventdesk.cli.root import CORE_COMMANDS

    top = {*CORE_COMMANDS, *_plugin_commands()}
    text = page.read_text(encoding="utf-8")
    lines = text.splitlines()
    fenced, shell = False, False
    for n, line in enumerate(lines, 1):
        if FENCE.match(line):
            fenced = not fenced
            shell = fenced and line.strip().strip("`~") in ("sh", "bash", "")
            continue
        if fenced and shell:
            command = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]  # a comment is words
            for segment in SEGMENT.split(command.rstrip("\\")):
                found = RUNS_EVENTDESK.search(segment)
                if found:
                    yield n, found.group(1)
    spans = unfenced(text)
    for found in CODE_SPAN.finditer(spans):
        body = " ".join(found.group(0).strip("`").split())
        at = spans.count("\n", 0, found.start()) + 1
        first, _, rest = body.partition(" ")
        if first in ("ed", "eventdesk") and rest:
            yield at, rest
        elif first in top and rest:
            yield at, body


@cache
def _plugin_commands() -> tuple[str, ...]:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return tuple(settings["project"]["entry-points"]["eventdesk.commands"])


def _option_names(command: object) -> set[str]:
    import click

    assert isinstance(command, click.Command)
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)}


def unknown_in(words: list[str]) -> str | None:
    """What of a command line (its words after `eventdesk`) names no command or option there is:
    the command is found as click finds it, then every --option after it must be its own or
    the root's."""
    import click

    from eventdesk.cli.root import cli

    ctx = click.Context(cli)
    roots = _option_names(cli) | ALWAYS
    at = 0
    while at < len(words) and words[at].startswith("-"):
        option = words[at].split("=")[0]
        if option not in roots:
            return f"no option {option} before a command"
        at += 2 if option in GLOBAL_VALUES and "=" not in words[at] else 1
    command: click.Command = cli
    path: list[str] = []
    while at < len(words) and isinstance(command, click.Group):
        word = words[at]
        found = command.get_command(ctx, word)
        if found is None and path == ["badge"]:  # `badge TICKET`: the group's ticket command
            found, word = command.get_command(ctx, "ticket"), "ticket"
            at -= 1
        if found is None:
            if re.fullmatch(r"[a-z][a-z-]*", word) and path[:1] != ["badge"]:
                return f"no command `{' '.join([*path, word])}`"
            break
        command, at = found, at + 1
        path.append(word)
    known = _option_names(command) | roots
    for word in words[at:]:
        for option in OPTION.findall(word):
            if option not in known:
                return f"`{' '.join(path) or 'eventdesk'}` has no option {option}"
    return None


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_and_option_the_docs_name_exists(page: Path) -> None:
    problems = [
        f"{page.relative_to(ROOT)}:{line}: {why}  ({command})"
        for line, command in eventdesk_commands(page)
        if (why := unknown_in(command.split())) is not None
    ]
    assert not problems, "\n".join(problems)


TEST_COUNT = re.compile(r"\b\d[\d,]*\s+(?:\w+\s+)?tests?\b", re.IGNORECASE)
TESTS_COLUMN = re.compile(r"^\|.*\|\s*tests\s*\|", re.IGNORECASE | re.MULTILINE)


def typed_test_counts(text: str) -> list[str]:
    """Where ``text`` types how many tests there are: "744 fast tests", a table's tests column."""
    return [m.group(0) for m in (*TEST_COUNT.finditer(text), *TESTS_COLUMN.finditer(text))]


@cache
def language_names() -> tuple[dict[str, str], re.Pattern[str]]:
    """The languages shipped, by their names folded (English, and each in its own: "deutsch")
    to their codes; and a pattern finding a list of language names ("A, B and C")."""
    from babel import Locale

    from eventdesk.i18n import languages, own_name

    shipped = languages()
    names = [(Locale.parse(code).get_display_name("en") or code, code) for code in shipped]
    named = {n.casefold(): c for n, c in [*names, *((own_name(c), c) for c in shipped)]}
    others = [n for n in Locale.parse("en").languages.values() if n.casefold() not in named]
    name = "|".join(re.escape(n) for n in sorted([*named, *others], key=len, reverse=True))
    return named, re.compile(rf"\b(?:{name})\b(?:(?:, | and |, and | or )\b(?:{name})\b)+", re.I)


def wrong_language_lists(text: str) -> list[str]:
    """The lists of the languages shipped in ``text`` (three names or more, two of them shipped:
    lists of scripts, "Arabic, Hebrew or Chinese", are not lists of what is shipped) that do not
    name exactly the languages there are catalogues for."""
    from eventdesk.i18n import languages

    named, run = language_names()
    wrong = []
    for found in run.finditer(" ".join(prose(text).split())):
        listed = re.split(r", and |, | and | or ", found.group(0))
        codes = {named.get(n.casefold()) for n in listed}
        if len(listed) >= 3 and len(codes - {None}) >= 2 and codes != set(languages()):
            wrong.append(found.group(0))
    return wrong


def test_no_count_of_tests_is_typed_in_the_docs() -> None:
    """How many tests there are changes with every change: the docs say how to count them."""
    problems = [
        f"{page.relative_to(ROOT)}: {typed!r}"
        for page in markdown_files()
        if page.name != "benchmarks.md"  # measurements, each with its date and run
        for typed in typed_test_counts(page.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


def test_the_import_contracts_are_the_ones_documented() -> None:
    """docs/architecture.md lists every import-linter contract of pyproject.toml by its name."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["name"] for c in settings["tool"]["importlinter"]["contracts"]}
    listed = said("docs/architecture.md", r"Each, by its name there: (.*?) A test \(")
    named = set(re.findall(r'- "([^"]+)"', listed.group(1)))
    assert named == contracts, (
        f"listed but not there: {named - contracts}; there but not listed: {contracts - named}"
    )


def test_every_list_of_languages_names_those_shipped() -> None:
    """ "English, German, French and Spanish", or the kiosk's "English, Deutsch, Español,
    Français": each list of the languages names every one there is a catalogue for."""
    problems = [
        f"{page.relative_to(ROOT)}: {listed}"
        for page in markdown_files()
        for listed in wrong_language_lists(page.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


def test_the_counts_the_docs_keep_are_the_code_s() -> None:
    import click
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from badges.layout import BUILT_IN
    from badges.sheets import STOCKS
    from devices.wedge import GROUP_MOST
    from eventdesk.cli.root import cli
    from eventdesk.door_event import DOOR_CLOSES_AFTER, DOOR_OPENS_BEFORE
    from eventdesk.services.data.csvio import MAX_ERRORS
    from eventdesk.services.stations.paper_file import MAX_BYTES, MAX_TICKS
    from eventdesk.tickets import MAX_PAYLOAD, Signer, qr_code

    shipped = code_folders()
    shipped.remove("tests")
    packages = said("docs/architecture.md", r"in (\w+) packages that depend on each other")
    assert number(packages.group(1)) == len(shipped), shipped

    demo = cli.get_command(click.Context(cli), "demo")
    assert demo is not None
    default = next(p.default for p in demo.params if p.name == "attendee_count")
    assert number(said("docs/app.md", r"a demo conference \((\d+) attendees").group(1)) == default

    built_in = said("docs/cli.md", rf"(\w+) are built in: ((?:{LISTED})+)")
    assert number(built_in.group(1)) == len(BUILT_IN)
    assert set(re.findall(r"`([\w-]+)`", built_in.group(2))) == set(BUILT_IN)

    stocks = said("docs/cli.md", rf"The stocks are ((?:{LISTED})+)")
    assert set(re.findall(r"`([\w-]+)`", stocks.group(1))) == set(STOCKS)

    qr = said(
        "docs/cli.md",
        r"upper-case base32: (\d+) characters, QR version (\d+) at error correction M",
    )
    payload = Signer(Ed25519PrivateKey.generate()).payload("7Q2M9XKD")
    assert number(qr.group(1)) == len(payload) == MAX_PAYLOAD
    assert number(qr.group(2)) == qr_code(payload).version

    assert number(said("docs/cli.md", r"up to (\d+) that waited").group(1)) == GROUP_MOST
    assert (
        number(said("docs/architecture.md", r"up to (\d+) in one transaction").group(1))
        == GROUP_MOST
    )
    assert number(said("docs/cli.md", r"names up to (\d+) bad rows").group(1)) == MAX_ERRORS

    for page in ("docs/cli.md", "docs/operators-guide.md"):
        bound = said(page, r"at most (\d+) MB and ([\d,]+) ticket ids")
        assert number(bound.group(1)) * 1_000_000 == MAX_BYTES, page
        assert number(bound.group(2)) == MAX_TICKS, page

    door = r"the door opens a day before the start and closes (\w+) hours after the end"
    assert timedelta(days=1) == DOOR_OPENS_BEFORE
    for page in ("docs/cli.md", "docs/architecture.md"):
        assert timedelta(hours=number(said(page, door).group(1))) == DOOR_CLOSES_AFTER, page


def test_the_migrations_the_docs_name_exist() -> None:
    versions = {p.name[:4] for p in (ROOT / "eventdesk" / "migrations" / "versions").glob("*.py")}
    problems = [
        f"{page.relative_to(ROOT)}: migration {found}"
        for page in markdown_files()
        for found in re.findall(r"\b[Mm]igration (\d{4})\b", page.read_text(encoding="utf-8"))
        if found not in versions
    ]
    assert not problems, problems


def test_the_checks_of_what_the_docs_say_catch_it(tmp_path: Path) -> None:
    """The checks above fail on an option or a command that is not there, a typed count of
    tests and a list of languages that misses one."""
    assert unknown_in("--json event create --name X --starts A --ends B".split()) is None
    assert unknown_in("badge T1 --format png --output b.png".split()) is None
    assert unknown_in("badge layout set VIP vip-ribbon --event E".split()) is None
    assert unknown_in("checkin undo T1".split()) is None
    assert unknown_in("checkin --no-such-option".split()) is not None
    assert unknown_in("event no-such-command".split()) is not None
    assert unknown_in("--no-such-global stats E".split()) is not None
    page = tmp_path / "page.md"
    page.write_text(
        "Run `ed stats devconf` or `checkin --exit`.\n\n```sh\n"
        "X=$(ed --json register E --attendee A | json ticket_id)   # not ed scan here\n"
        "```\n",
        encoding="utf-8",
    )
    shown = [command for _, command in eventdesk_commands(page)]
    assert shown == ["--json register E --attendee A ", "stats devconf", "checkin --exit"]
    assert typed_test_counts("the fast loop runs 744 fast tests") == ["744 fast tests"]
    assert typed_test_counts("| | tests | pytest |\n| --- | --- | --- |")
    assert typed_test_counts("a test of 3 ms") == []
    assert wrong_language_lists("English, German, French and Spanish are shipped.") == []
    assert wrong_language_lists("English, German and French are shipped.")
    assert wrong_language_lists("English, Deutsch, Español, Français, Italiano.") == []
    assert wrong_language_lists("names in Arabic, Hebrew or Chinese read right") == []

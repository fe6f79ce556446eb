"""The documentation holds together. README.md stays a two-minute read (at most 8 KB) that
starts with the two commands; every relative link in README.md and docs/*.md names a file that
exists and, with a #fragment, a heading of that file (GitHub's anchors); every page of docs/ is
linked from the README; and every pointer into docs/ in the code's docstrings and comments
(the packages pyproject.toml ships, and tests/) names a page and a heading that exist, so a
renamed page or heading fails here instead of leaving a dead pointer."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
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


def prose(text: str) -> str:
    """The text outside fenced code blocks and code spans (where links and headings are)."""
    kept: list[str] = []
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        kept.append("" if fenced else line)
    return CODE_SPAN.sub("", "\n".join(kept))


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

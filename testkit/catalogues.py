"""The message catalogues kept in step with the code (docs/languages.md).

    python3 dev.py i18n update        every catalogue gets the code's new messages (empty) and
                                      loses those the code no longer has
    python3 dev.py i18n check         what a catalogue lacks: a message not translated, a fuzzy one,
                                      a translation whose {placeholders} differ
    python3 dev.py i18n add CODE      a catalogue for a new language, every message to translate
    python3 dev.py i18n typeset       the French catalogue's punctuation as French writes it

The messages are what the code marks with ``_``, ``N_`` and ``ngettext`` (eventdesk.i18n), found
by Babel's extractor; a comment just above a message that starts with ``TRANSLATORS:`` goes into
the catalogue beside it. The command line's help (each command's docstring, each option's help)
is read from the commands themselves (eventdesk.cli.help.help_texts).
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "eventdesk" / "locale"
SOURCES = ("eventdesk", "screens", "badges", "devices")
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NC_": ((1, "c"), 2),
}
WIDTH = 100
PROJECT = "eventdesk"


def template() -> Catalog:
    """Every message the code marks, with where it is written and its translators' comments."""
    catalog = Catalog(project=PROJECT, fuzzy=False)
    for folder in SOURCES:
        found = extract_from_dir(
            ROOT / folder,
            method_map=[("**/migrations/**.py", "ignore"), ("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        )
        for filename, lineno, text, comments, context in found:
            where = f"{folder}/{filename}"
            catalog.add(text, None, [(where, lineno)], auto_comments=comments, context=context)
    for text, where, line in command_help():
        catalog.add(text, None, [(where, line)], auto_comments=[HELP_COMMENT])
    for entry in _messages(catalog):
        if entry.id and any("{" in text for text in _texts(entry.id)):
            entry.flags.add("python-brace-format")
    return catalog


HELP_COMMENT = (
    "the command line's help (--help): keep `commands`, --options, CAPITALS and "
    "[station] settings as they are"
)


def command_help() -> list[tuple[str, str, int]]:
    """Each help text of the command line (every command's, every layer's), where it is."""
    from eventdesk.cli.help import help_texts
    from eventdesk.cli.root import cli

    found = []
    for text, path, line in help_texts(cli):
        try:
            where = path.resolve().relative_to(ROOT).as_posix()
        except ValueError:
            where = path.name
        found.append((text, where, line))
    return found


def _messages(catalog: Catalog) -> list[Message]:
    """A catalogue's messages (its iterator is typed as their ids)."""
    return cast("list[Message]", list(catalog))


def _texts(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def path_of(code: str) -> Path:
    return LOCALE_DIR / f"{code}.po"


def read(code: str) -> Catalog:
    with path_of(code).open("rb") as file:
        return read_po(file, locale=code)


def write(catalog: Catalog, code: str) -> None:
    with path_of(code).open("wb") as file:
        write_po(file, catalog, width=WIDTH, omit_header=False, ignore_obsolete=True)


def codes() -> list[str]:
    return sorted(path.stem for path in LOCALE_DIR.glob("*.po"))


def update() -> None:
    """Each catalogue takes the code's messages: new ones empty, gone ones dropped."""
    new = template()
    for code in codes():
        catalog = read(code)
        catalog.update(new, no_fuzzy_matching=True)
        write(catalog, code)


def add(code: str) -> Path:
    """A new language's catalogue, every message waiting for its translation."""
    if path_of(code).exists():
        raise SystemExit(f"{path_of(code)} is there already")
    catalog = Catalog(locale=code, project=PROJECT, fuzzy=False)
    catalog.update(template(), no_fuzzy_matching=True)
    write(catalog, code)
    return path_of(code)


# French puts a no-break space before : ; ! ? and inside « » (a space the line can never break
# at, leaving the mark alone at the start of a line). A mark counts when it ends a phrase: what
# follows it is a space, the end, or a closing bracket or quote ("12:30", "http://", "{value!r}",
# "KEY:yesno" and the address "::" are not punctuation).
NO_BREAK_SPACE = "\u00a0"
_SPACES = " \u00a0\u202f"
_PUNCTUATION = re.compile(r"(?<!:)[ \u00a0\u202f]*(?P<mark>[:;!?])(?=$|[\s)\]»\"'.,]|\[/)")
_OPENING = re.compile(r"«[ \u00a0\u202f]*")
_CLOSING = re.compile(r"[ \u00a0\u202f]*»")
_FIELDS = re.compile(r"(\{[^{}]*\})")


def french_spaced(text: str) -> str:
    """``text`` with a no-break space before each : ; ! ? that ends a phrase and inside « »
    (a narrow one already there is kept); placeholders ({value!r}) are left as they are."""
    parts = _FIELDS.split(text)
    for index in range(0, len(parts), 2):  # the text between the {placeholders}
        part = parts[index]

        def spaced(found: re.Match[str], part: str = part, index: int = index) -> str:
            before = part[: found.start()]
            if not before.strip(_SPACES) and index == 0:
                return found.group(0)  # a mark that starts the text follows nothing
            if before.endswith("\n"):
                return found.group(0)
            kept = "\u202f" if "\u202f" in found.group(0) else NO_BREAK_SPACE
            return kept + found["mark"]

        part = _PUNCTUATION.sub(spaced, part)
        part = _OPENING.sub("«" + NO_BREAK_SPACE, part)
        parts[index] = _CLOSING.sub(NO_BREAK_SPACE + "»", part)
    return "".join(parts)


def typeset(code: str = "fr") -> int:
    """The catalogue's translations spaced as French writes them; how many changed."""
    catalog = read(code)
    changed = 0
    for message in _messages(catalog):
        if not message.id:
            continue
        if isinstance(message.string, str):
            spaced: str | tuple[str, ...] = french_spaced(message.string)
        else:
            spaced = tuple(french_spaced(text) for text in _strings(message.string))
        if spaced != message.string:
            message.string = spaced
            changed += 1
    write(catalog, code)
    return changed


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message fills in (what a translation must keep)."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def _strings(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return _texts(value)


def problems(code: str, wanted: Catalog | None = None) -> list[str]:
    """What the catalogue of ``code`` lacks for the code as it is: each said in one line."""
    catalog = read(code)
    wanted = template() if wanted is None else wanted
    said: list[str] = []
    for message in _messages(wanted):
        if not message.id:
            continue
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        have = catalog.get(message.id, context=message.context)
        shown = _texts(message.id)[0]
        if have is None:
            said.append(f"{code}: missing {shown!r} ({where})")
            continue
        said.extend(_faults(code, message, have, shown, where))
    return said


def _faults(code: str, message: Message, have: Message, shown: str, where: str) -> Iterable[str]:
    if have.fuzzy:
        yield f"{code}: fuzzy {shown!r} ({where})"
    translations = [t for t in _strings(have.string)]
    if not translations or not all(translations):
        yield f"{code}: not translated {shown!r} ({where})"
        return
    if code == "fr":
        for text in translations:
            if french_spaced(text) != text:
                yield f"{code}: {text!r} ({where}) is not spaced as French writes it"
    sources = _texts(message.id)
    for index, text in enumerate(translations):
        source = sources[min(index, len(sources) - 1)]
        expected = placeholders(source)
        # A plural's singular may say "one" instead of {count} (the form a language picks for 1).
        got = placeholders(text)
        if got != expected and not (index == 0 and len(sources) > 1 and got < expected):
            yield f"{code}: {shown!r} ({where}) fills in {sorted(got)}, not {sorted(expected)}"


def untranslated(code: str) -> str:
    """The catalogue's messages still to translate, as a .po text (for a translator)."""
    catalog = read(code)
    todo = Catalog(locale=code, project=PROJECT, fuzzy=False)
    for message in _messages(catalog):
        if message.id and (message.fuzzy or not all(_strings(message.string) or ("",))):
            todo[message.id] = message
    import io

    out = io.BytesIO()
    write_po(out, todo, width=WIDTH, omit_header=True)
    return out.getvalue().decode()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "update":
        update()
        return 0
    if command == "add" and len(argv) == 2:
        print(add(argv[1]))
        return 0
    if command == "check":
        wanted = template()
        found = [line for code in codes() for line in problems(code, wanted)]
        print("\n".join(found) or "every catalogue has every message")
        return 1 if found else 0
    if command == "typeset":
        print(f"{typeset('fr')} French translations spaced")
        return 0
    if command == "todo" and len(argv) == 2:
        print(untranslated(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

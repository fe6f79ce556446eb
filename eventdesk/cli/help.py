"""`--help` in the reader's language (docs/languages.md).

A command's help is written in English where the command is (its docstring, its options'
``help=``); each is a message of the catalogues (``help_texts`` lists them for
testkit.catalogues, which adds them to the messages the code marks). Every command runs in a
``HelpContext``: while it writes a command's help, the command's texts (its own, its options',
those of the commands it lists) are their translations, and click's own words (Usage, Options,
Commands, required, default) are ours. The language is the station's: ``--lang``, then
``EVENTDESK_LANG``, then ``[station] language`` in the data folder's eventdesk.toml, whichever
the command line reaches first, as for every other text.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from eventdesk.errors import EventdeskError
from eventdesk.i18n import N_, SOURCE, _, language_of, speaking

# click's own words in a help page (click writes them in English; translated where written)
CLICK_WORDS = (
    # TRANSLATORS: the command line's help: before the command's form ("Usage: eventdesk ...")
    N_("Usage:"),
    # TRANSLATORS: the command line's help: the heading above a command's options
    N_("Options"),
    # TRANSLATORS: the command line's help: the heading above a group's commands
    N_("Commands"),
    # TRANSLATORS: the command line's help: the heading above a command's arguments
    N_("Positional arguments"),
    # TRANSLATORS: the command line's help: what -h, --help does
    N_("Show this message and exit."),
    # TRANSLATORS: the command line's help: what --version does
    N_("Show the version and exit."),
)
# TRANSLATORS: the command line's help: a heading ("Options:", "Commands:")
HEADING = N_("{heading}:")
# TRANSLATORS: the command line's help, after an option that must be given: "[required]"
REQUIRED = N_("required")
# TRANSLATORS: the command line's help, after an option: "[default: 50]"
DEFAULT = N_("default: {default}")
# TRANSLATORS: the command line's help, after an option: "[env var: EVENTDESK_DATA_DIR]"
ENV_VAR = N_("env var: {var}")

ARGS = "eventdesk.args"  # the root's context keeps the command line here (its help's language)
_EXTRAS = re.compile(r"(?P<help>.*?)(?P<gap>(?:^|  ))\[(?P<extras>[^\[\]]*)\]$", re.DOTALL)


def message_of(text: str) -> str:
    """A help text as the catalogue holds it: without its indentation, and without what click
    never shows (after a form feed)."""
    return inspect.cleandoc(text).partition("\f")[0].strip()


def translated(text: str) -> str:
    """A help text in the reader's language."""
    return _(message_of(text))


def _extra(item: str) -> str:
    """One of click's notes after an option's help, in the reader's language."""
    if item == "required":
        return _(REQUIRED)
    if item.startswith("default: "):
        return _(DEFAULT).format(default=item.removeprefix("default: "))
    if item.startswith("env var: "):
        return _(ENV_VAR).format(var=item.removeprefix("env var: "))
    return item  # a range (1<=x<=500) reads the same in every language


def with_extras(text: str) -> str:
    """An option's help with click's notes ("[default: 50; required]") translated."""
    found = _EXTRAS.fullmatch(text)
    if found is None:
        return text
    extras = "; ".join(_extra(item) for item in found["extras"].split("; "))
    return f"{found['help']}{found['gap']}[{extras}]"


class TranslatedHelp(click.HelpFormatter):
    """click's help page with its own words in the reader's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, f"{_('Usage:')} " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        # click's English heading (one of CLICK_WORDS), with its colon as the language writes it
        self.write(f"{'':>{self.current_indent}}{_(HEADING).format(heading=_(heading))}\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        super().write_dl([(term, with_extras(text)) for term, text in rows], col_max, col_spacing)


class HelpContext(click.Context):
    """The context of every eventdesk command: its help is written in the station's language."""

    formatter_class = TranslatedHelp

    def get_help(self) -> str:
        with speaking(self._language()), _in_language(self.command, self):
            return super().get_help()

    def get_usage(self) -> str:
        with speaking(self._language()):
            return super().get_usage()

    def _language(self) -> str | None:
        """The station's language. Below the root, its callback has set it; the root's own
        help is written before that: its command line says it (or the settings do)."""
        if self.parent is not None:
            return None
        args = self.meta.get(ARGS)
        if not isinstance(args, list):
            return None
        from eventdesk.config import load_config

        try:
            asked, _rest, _order = self.command.make_parser(self).parse_args(list(args))
        except click.ClickException:
            return SOURCE  # a command line it cannot read: help in English
        data_dir, given = asked.get("data_dir"), asked.get("language")
        language = given if isinstance(given, str) else None
        try:
            return load_config(
                data_dir=data_dir if isinstance(data_dir, str) else None, language=language
            ).language
        except EventdeskError:  # settings it cannot read: the language asked, or English
            return language_of(language) or SOURCE


@contextmanager
def _in_language(command: click.Command, ctx: click.Context) -> Iterator[None]:
    """While the block writes ``command``'s help: its texts, its options' and those of the
    commands it lists, in the reader's language."""
    kept: list[tuple[object, str, str]] = []

    def swap(owner: object, attribute: str) -> None:
        text = getattr(owner, attribute, None)
        if isinstance(text, str) and text:
            kept.append((owner, attribute, text))
            setattr(owner, attribute, translated(text))

    for attribute in ("help", "short_help", "epilog"):
        swap(command, attribute)
    for param in command.get_params(ctx):
        swap(param, "help")
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            listed = command.get_command(ctx, name)
            if listed is not None and listed is not command:
                swap(listed, "help")
                swap(listed, "short_help")
    try:
        yield
    finally:
        for owner, attribute, text in reversed(kept):
            setattr(owner, attribute, text)


def speak_help(command: click.Command) -> click.Command:
    """``command`` (and each command under it) writes its help in the station's language."""
    command.context_class = HelpContext
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            listed = command.get_command(ctx, name)
            if listed is not None and listed is not command:
                speak_help(listed)
    return command


def help_texts(
    command: click.Command, name: str = "eventdesk", seen: set[str] | None = None
) -> Iterator[tuple[str, Path, int]]:
    """Every help text of ``command`` and the commands under it, as the catalogue's messages:
    (text, the file that first writes it, its line), each once."""
    seen = set() if seen is None else seen
    for text, where, line in _own_help_texts(command, name):
        if text not in seen:
            seen.add(text)
            yield text, where, line
    if isinstance(command, click.Group):
        ctx = command.context_class(command, info_name=name, **command.context_settings)
        for listed_name in command.list_commands(ctx):
            listed = command.get_command(ctx, listed_name)
            if listed is not None and listed is not command:
                yield from help_texts(listed, listed_name, seen)


def _own_help_texts(command: click.Command, name: str) -> Iterator[tuple[str, Path, int]]:
    # The command's own settings: click keeps the help option it makes for the first context
    # (a context without them would leave the command answering --help alone, not -h).
    ctx = command.context_class(command, info_name=name, **command.context_settings)
    callback = inspect.unwrap(command.callback) if command.callback else None
    try:
        where = Path(inspect.getsourcefile(callback) or "") if callback else Path()
        line = inspect.getsourcelines(callback)[1] if callback else 0
    except (OSError, TypeError):
        where, line = Path(), 0
    for text in (command.help, command.short_help, command.epilog):
        if text:
            yield message_of(text), where, line
    for param in command.get_params(ctx):
        text = getattr(param, "help", None)
        if isinstance(text, str) and text:
            yield message_of(text), where, line

"""`--json` before the command or after it (docs/cli.md): the group gives every command it runs,
nested groups' commands included, its own `--json` flag, so click parses it where the user put
it; a `--json` that is another option's value, or comes after `--`, stays a value."""

from __future__ import annotations

from collections.abc import Sequence

import click

from eventdesk.cli.common import Ctx
from eventdesk.i18n import N_

# translated where the help is written (cli/help.py)
JSON_HELP = N_("Print one JSON document (a line per item for streams).")
FLAG = "--json"


def _has_json(command: click.Command) -> bool:
    return any(isinstance(p, click.Option) and FLAG in p.opts for p in command.params)


def _json_given(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The command's own `--json`: the output of the whole command line is JSON."""
    if not value:
        return
    obj = ctx.find_object(Ctx)
    if obj is not None:
        obj.as_json = True


def accept_json(command: click.Command) -> click.Command:
    """``command`` (and, for a group, each command under it) with a `--json` flag of its own,
    unless it has one: the group's commands and those the layers above add alike."""
    if not _has_json(command):
        command.params.append(
            click.Option(
                [FLAG],
                is_flag=True,
                expose_value=False,
                is_eager=True,  # said first: an error in a later option is a JSON document too
                callback=_json_given,
                help=JSON_HELP,
            )
        )
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                accept_json(sub)
    return command


def _before_double_dash(words: Sequence[str]) -> list[str]:
    words = list(words)
    return words[: words.index("--")] if "--" in words else words


def json_wanted(root: click.Command, args: Sequence[str]) -> bool:
    """Whether the command line asks for JSON, read as click reads it: a `--json` flag at any
    level of the command path, not a `--json` that is an option's value or follows `--`. Used
    to say an error as a JSON document: where click cannot read the line (an unknown option or
    command), any `--json` among the options still counts."""
    words = list(args)
    command, parent, name = root, None, "eventdesk"
    try:
        while True:
            ctx = click.Context(command, info_name=name, parent=parent, **command.context_settings)
            opts, rest, _order = command.make_parser(ctx).parse_args(list(words))
            flags = (p for p in command.params if isinstance(p, click.Option) and FLAG in p.opts)
            if any(opts.get(p.name or "") for p in flags):
                return True
            if not isinstance(command, click.Group) or not rest:
                return False
            sub = command.get_command(ctx, rest[0])
            if sub is None:
                return FLAG in _before_double_dash(rest[1:])
            command, parent, name, words = sub, ctx, rest[0], rest[1:]
    except Exception:  # a line click cannot read: any `--json` among its options
        return FLAG in _before_double_dash(words)

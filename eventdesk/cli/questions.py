"""Registration questions: what an event asks when a person registers
(services.people.questions); `register --answer` answers them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import Ctx, pass_ctx, table
from eventdesk.i18n import _, ngettext

if TYPE_CHECKING:
    from eventdesk.services.people.questions import QuestionInfo

KINDS = ["text", "longtext", "choice", "choices", "yesno", "number", "date"]


@click.group("question")
def question() -> None:
    """Registration questions: what an event asks when a person registers (job title,
    pronouns, diet, T-shirt size...), answered with `register --answer KEY=VALUE`."""


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [p.strip() for p in text.split(",") if p.strip()]


def _line(q: QuestionInfo) -> str:
    said = f"{q.key} ({q.kind}): {q.text}"
    if q.choices:
        said += f" [{' | '.join(q.choices)}]"
    marks = []
    if q.required:
        marks.append(_("required"))
    marks.append(_("per holder") if q.per == "holder" else _("per order"))
    if q.ticket_types:
        marks.append(_("for {types}").format(types=", ".join(q.ticket_types)))
    return f"{said} — {', '.join(marks)}"


def _emit_asked(obj: Ctx, made: QuestionInfo, line: str) -> None:
    """The question as it now stands; of a required one, how many tickets registered before
    have no answer to it (``"unanswered"``), and that the door does not ask it."""
    from eventdesk.services.people.questions import unanswered_tickets

    found = made.as_dict()
    if not made.required:
        obj.emit(found, line)
        return
    count = unanswered_tickets(obj.store, made.event, made.key)
    found["unanswered"] = count
    if count:
        # TRANSLATORS: after `question add --required`: people who registered before it;
        # "--question" is a check-in list's option, not to be translated
        line += "\n" + ngettext(
            "{count} ticket registered before has no answer to it: a registration question "
            "holds back no entry and no badge at the door (a check-in list asks at the door "
            "with --question)",
            "{count} tickets registered before have no answer to it: a registration question "
            "holds back no entry and no badge at the door (a check-in list asks at the door "
            "with --question)",
            count,
        ).format(count=count)
    obj.emit(found, line)


@question.command("add")
@click.argument("event_ref", metavar="EVENT")
@click.option("--key", required=True, help="Its key: a lowercase word (diet, tshirt_size).")
@click.option("--text", "text", required=True, help="The question as it is asked.")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="text",
    show_default=True,
    help="text (short), longtext, choice (one option), choices (several), yesno, number or "
    "date (YYYY-MM-DD).",
)
@click.option(
    "--choices",
    multiple=True,
    metavar="A|B|C",
    help='The options of a choice, in order: "A|B|C", or again for more.',
)
@click.option(
    "--required",
    is_flag=True,
    help="It must be answered to register (the door never asks it: a check-in list's "
    "--question is asked at the door).",
)
@click.option(
    "--ticket-types",
    metavar="T1,T2",
    help="Ask it only of these ticket types (names or ids; default: every one).",
)
@click.option(
    "--per",
    type=click.Choice(["order", "holder"]),
    default="order",
    show_default=True,
    help="Asked once an order (the buyer answers) or of each ticket's holder.",
)
@click.option("--position", type=int, help="Where it is asked (default: last).")
@pass_ctx
@organizer_only
def question_add(
    obj: Ctx,
    event_ref: str,
    key: str,
    text: str,
    kind: str,
    choices: tuple[str, ...],
    required: bool,
    ticket_types: str | None,
    per: str,
    position: int | None,
) -> None:
    """Add a registration question to EVENT."""
    from eventdesk.services.people.questions import add_question

    made = add_question(
        obj.store,
        event_ref,
        key=key,
        text=text,
        kind=kind,
        choices=choices,
        required=required,
        ticket_types=_split(ticket_types) or (),
        per=per,
        position=position,
        station=obj.station,
    )
    _emit_asked(obj, made, _("question added: {line}").format(line=_line(made)))


@question.command("list")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def question_list(obj: Ctx, event_ref: str) -> None:
    """EVENT's registration questions, in the order they are asked."""
    from eventdesk.services.people.questions import list_questions

    found = list_questions(obj.store, event_ref)
    obj.emit(
        [q.as_dict() for q in found],
        lambda: table(
            # TRANSLATORS: the headings of the table of registration questions
            [_("key"), _("kind"), _("question"), _("options"), _("required"), _("asked")],
            [
                (
                    q.key,
                    q.kind,
                    q.text,
                    " | ".join(q.choices),
                    _("yes") if q.required else _("no"),
                    (_("per holder") if q.per == "holder" else _("per order"))
                    + (f" ({', '.join(q.ticket_types)})" if q.ticket_types else ""),
                )
                for q in found
            ],
        ),
    )


@question.command("update")
@click.argument("event_ref", metavar="EVENT")
@click.argument("key")
@click.option("--text", "text", help="The question as it is asked.")
@click.option("--kind", type=click.Choice(KINDS), help="Its kind (the answers kept must fit).")
@click.option(
    "--choices", multiple=True, metavar="A|B|C", help="Its options, replacing them (in order)."
)
@click.option(
    "--required/--optional",
    default=None,
    help="Whether it must be answered to register (never at the door).",
)
@click.option(
    "--ticket-types",
    metavar="T1,T2",
    help='Ask it only of these ticket types ("": of every one).',
)
@click.option(
    "--per",
    type=click.Choice(["order", "holder"]),
    help="Asked once an order or of each holder (only while it has no answers).",
)
@click.option("--position", type=int, help="Where it is asked.")
@pass_ctx
@organizer_only
def question_update(
    obj: Ctx,
    event_ref: str,
    key: str,
    text: str | None,
    kind: str | None,
    choices: tuple[str, ...],
    required: bool | None,
    ticket_types: str | None,
    per: str | None,
    position: int | None,
) -> None:
    """Change EVENT's question KEY."""
    from eventdesk.services.people.questions import QuestionChange, update_question

    made = update_question(
        obj.store,
        event_ref,
        key,
        QuestionChange(
            text=text,
            kind=kind,
            choices=list(choices) or None,
            required=required,
            ticket_types=_split(ticket_types),
            per=per,
            position=position,
        ),
        station=obj.station,
    )
    _emit_asked(obj, made, _("question changed: {line}").format(line=_line(made)))


@question.command("remove")
@click.argument("event_ref", metavar="EVENT")
@click.argument("key")
@pass_ctx
@organizer_only
def question_remove(obj: Ctx, event_ref: str, key: str) -> None:
    """Remove EVENT's question KEY, and the answers given to it."""
    from eventdesk.services.people.questions import remove_question

    answers = remove_question(obj.store, event_ref, key, station=obj.station)
    obj.emit(
        {"key": key.strip().lower(), "removed": True, "answers": answers},
        ngettext(
            "question {key} removed, with {count} answer",
            "question {key} removed, with {count} answers",
            answers,
        ).format(key=key.strip().lower(), count=answers),
    )


COMMANDS = [question]

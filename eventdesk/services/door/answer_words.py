"""A decision's fields said in words, for the readers that show a door's sentence as it is (the
desk's banner, the command line): made here, from the fields, in the reader's language. The
kiosk words its large-letter answer itself (screens.kiosk.answer), from the same fields."""

from __future__ import annotations

from eventdesk.i18n import _
from eventdesk.services.door.scan_result import ScanResult
from eventdesk.values import format_cents, money_text

# The door's answers whose sentence is followed by where to go: the desk.
SENT_TO_THE_DESK = frozenset({"unpaid"})


def sentence(result: ScanResult) -> str:
    """The door's sentence in full: the decision's message, then "Please see the desk." where
    the person is sent there (an unpaid ticket refused)."""
    if result.see_desk and result.result in SENT_TO_THE_DESK:
        go = _("Please see the desk.")
        return f"{result.message} {go}"
    return result.message


def flag_codes(result: ScanResult) -> list[str]:
    """What an answer adds to its result, as codes (`checkin --json`'s "flags", and the
    command line's lines under its answer): the money to collect from a person let in, a badge
    queued, a re-entry, a repaired line. Codes, not words: scripts read them."""
    found = []
    if _to_collect(result):
        found.append(f"unpaid: collect {format_cents(result.due, result.currency)}")
    if result.badge_queued:
        found.append("badge queued")
    if result.reentry:
        found.append("re-entry")
    if result.repaired is not None:
        found.append(f"repaired: {result.repaired}")
    return found


def extras(result: ScanResult) -> list[str]:
    """The same marks in the reader's words (the desk's line under its answer)."""
    said = []
    if _to_collect(result):
        # TRANSLATORS: under an admission: the money still to take from the person
        said.append(_("unpaid: collect {amount}").format(amount=owed_text(result)))
    if result.reentry:
        # TRANSLATORS: under an admission: the person was let in again (after an exit)
        said.append(_("re-entry"))
    if result.repaired is not None:
        # TRANSLATORS: under an answer: how a scanned line typed through another keyboard
        # layout was read ("QWERTZ")
        said.append(_("repaired: {how}").format(how=result.repaired))
    if result.badge_queued:
        said.append(_("badge queued"))
    return said


def owed_text(result: ScanResult) -> str:
    """The money a decision says is due, as the reader writes an amount ("" when none)."""
    if result.due <= 0 or not result.currency:
        return ""
    return money_text(result.due, result.currency)


def _to_collect(result: ScanResult) -> bool:
    """The person was let in owing money: the desk takes it."""
    return result.admitted and result.due > 0 and bool(result.currency)

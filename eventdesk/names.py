"""A person's name as they write it, and its family part where it came apart (issue 60).

The whole name (attendee.name, ticket.holder_name) is kept as the person writes it, in their own
order. Where the name came in parts (registration's ``--given``/``--family``, an import's First
and Last Name, a shop's name parts) the family part is kept too (attendee.family_name,
ticket.holder_family_name): lists sort by it (eventdesk.collation.name_key). Parts without a
whole name are joined given first, or family first where the shop's scheme writes them so
(pretix's "family_given" schemes; "family_nospace_given" without a space). A name given as one
string keeps no family part: a list tells it from the name, as it always did.
"""

from __future__ import annotations

from eventdesk.i18n import _
from eventdesk.values import optional_text, require_text

NAME_LENGTH = 200  # attendee.name's, and the family part's


def parse_family(value: str | None) -> str | None:
    """A family name as given: trimmed and checked as a name is; None for nothing or blanks."""
    # TRANSLATORS: the field a refusal names: "family name is longer than 200 characters"
    return optional_text(value, _("family name"), max_length=NAME_LENGTH)


def joined(
    given: str | None, family: str | None, *, family_first: bool = False, space: bool = True
) -> str:
    """The parts as one name: given then family, or family then given (``family_first``),
    with a space between them (none: ``space`` False, as names in CJK are written)."""
    parts = [p.strip() for p in (given, family) if p and p.strip()]
    if family_first:
        parts.reverse()
    return ("" if not space else " ").join(parts)


def name_in_parts(
    name: str | None,
    given: str | None = None,
    family: str | None = None,
    *,
    family_first: bool = False,
) -> tuple[str, str | None]:
    """The whole name and its family part (None: not given apart). A whole name given is kept
    as written, with ``family`` as the part it sorts under; else the parts are joined (given
    first unless ``family_first``). InvalidInput (field "name") when there is no name at all."""
    kept_family = parse_family(family)
    if name is not None and name.strip():
        return require_text(name, "name", max_length=NAME_LENGTH), kept_family
    # TRANSLATORS: the field a refusal names: "given name is longer than 200 characters"
    kept_given = optional_text(given, _("given name"), max_length=NAME_LENGTH)
    made = joined(kept_given, kept_family, family_first=family_first)
    return require_text(made, "name", max_length=NAME_LENGTH), kept_family


def given_of(name: str, family: str | None) -> str | None:
    """The name without its family part (at its end, or its start), as the given name; None
    where the family part is not known or not part of the name as written."""
    if not family:
        return None
    whole, part = name.strip(), family.strip()
    if whole == part:
        return None
    if whole.endswith(part):
        return whole[: -len(part)].strip() or None
    if whole.startswith(part):
        return whole[len(part) :].strip() or None
    return None


def holder_family(
    holder: str | None, holder_family_name: str | None, name: str, family: str | None
) -> str | None:
    """The family part of the person a ticket is named for: its holder's, where the buyer named
    someone else; the buyer's own where the ticket is theirs (no holder, or their own name)."""
    if holder is None or holder == name:
        return holder_family_name if holder is not None and holder_family_name else family
    return holder_family_name


def holders_in_parts(
    holders: tuple[str, ...], givens: tuple[str, ...], families: tuple[str, ...]
) -> tuple[list[str | None], list[str | None]]:
    """Each ticket's holder and family part, the i-th of each option for the i-th ticket: a
    holder named whole (``--holder``) with its family part (``--family``), or made of its parts
    (``--given`` and ``--family``); a family part alone is the buyer's on their own ticket."""
    names: list[str | None] = []
    kept: list[str | None] = []
    for index in range(max(len(holders), len(givens), len(families))):
        holder = holders[index] if index < len(holders) else None
        given = givens[index] if index < len(givens) else None
        family = parse_family(families[index] if index < len(families) else None)
        if not (holder and holder.strip()) and given and given.strip():
            holder = name_in_parts(None, given, family)[0]
        names.append(holder)
        kept.append(family)
    return names, kept

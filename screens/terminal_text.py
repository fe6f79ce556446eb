"""Text on the screens is shown, never acted on by the terminal.

Whatever widget shows a text (a label, a table cell, a card, a notification), Textual keeps it as
a ``Content`` and Rich as a ``Text``, and each drops a few control characters from every text it
is given (bell, backspace, carriage return) through one translation table, passing every other
one to the terminal as it is: an attendee's or a station's name from the database holding an
escape sequence would clear the station's screen, move its cursor or retitle its window. Both
tables also write out, from the start of the app, what a terminal would act on, as the CLI does
(``eventdesk.text.for_terminal``): ``\\x1b``, never the escape itself.
"""

from __future__ import annotations

from typing import cast

import rich.control
import textual.content

from eventdesk.text import for_terminal_table


def show_control_characters() -> None:
    """Every text the app shows from now on, with what a terminal acts on written out (line
    breaks and tabs are the text's own; what the toolkits already drop stays dropped)."""
    written_out = for_terminal_table(keep="\n\t")
    for table in (
        textual.content._CONTROL_STRIP_TRANSLATE,
        rich.control._CONTROL_STRIP_TRANSLATE,
    ):
        mapping = cast(
            dict[int, str | None], table
        )  # typed for deletions; str.translate takes both
        for code, shown in written_out.items():
            mapping.setdefault(code, shown)

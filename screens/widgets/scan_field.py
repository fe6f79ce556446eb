"""Text fields a keyboard-wedge scanner types into: its lines end where its Enters are."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from screens.widgets.desk_answer import scan_payload


class InOrderInput(Input):
    """An Input whose Enter says the text at once, in the order of the keys.

    Input's own Enter is a binding, run once the key has gone round the screen: a scanner's
    next keys, typed right behind it, are in the field by then, and its line ran into the next
    one (a batch scanner sends its stored scans a few milliseconds apart; a busy screen falls
    behind a scanner typing 125 keys at once). Here the key itself says the text as it is
    (Input.Submitted); what is typed after it stays in the field."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            line = self.value
            self.value = self.left_after(line)
            self.post_message(self.Submitted(self, line))
            return
        await super()._on_key(event)

    def left_after(self, line: str) -> str:
        """What the field holds once its Enter has said ``line``."""
        return line


class ScanField(InOrderInput):
    """The scanner's own field: each Enter takes its line and empties it (the Submitted
    handler must not empty it again: it may hold the next line's first keys already)."""

    def left_after(self, line: str) -> str:
        return ""


class SearchField(InOrderInput):
    """The search box, which a scanner may type into too: an Enter after a ticket takes the
    ticket out of the box there and then (the Submitted handler must not: the box may hold the
    next line's first keys already); an Enter after a search leaves it."""

    def left_after(self, line: str) -> str:
        payload = scan_payload(line)
        return line if payload is None else line[: len(line) - len(payload)]

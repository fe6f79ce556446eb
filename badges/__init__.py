"""Badge layouts and renderers: one attendee to text, ZPL, ESC/POS or PNG bytes.

Every renderer takes a Badge (plain data) and returns the bytes a printer or a file takes.
Anything an attendee typed is cleaned for the printer language on the way in: a name can never
end a label, start another or send a command.
"""

from __future__ import annotations

from badges.badge import Badge, LabelSize, load_badge
from badges.render import FORMATS, render

__all__ = ["FORMATS", "Badge", "LabelSize", "load_badge", "render"]

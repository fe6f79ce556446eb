"""Badge layouts and renderers: one attendee to text, ZPL, ESC/POS or PNG bytes.

Every renderer takes a Badge (plain data) and returns the bytes a printer or a file takes.
Anything an attendee typed is cleaned for the printer language on the way in: a name can never
end a label, start another or send a command.

The renderers (and Pillow with them) are in ``badges.render``, imported where a badge is made,
so that a station's start-up does not pay for them.
"""

from __future__ import annotations

from badges.badge import Badge, LabelSize, load_badge

__all__ = ["Badge", "LabelSize", "load_badge"]

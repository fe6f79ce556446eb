"""What a person can read on a screen, as drawn (issue 43): every widget inside the container
that holds it, or inside one they can scroll; every text whole, or cut with "…".

Read from the running app after ``pilot.pause()``: the screen's layout (each widget's region
and the region its containers leave it, Textual's compositor map) and what is drawn there (the
compositor's lines); what an open drop-down list covers is not read. ``misfits(screen)`` says
each fault in one line; a dialog is checked with its ``frame``, the box that holds it: nothing
of it is drawn outside that box, not even a drop-down list (an overlay, which no container
clips). ``left_in_english(screen, language)`` says each text on it that is an English message
its language's catalogue says otherwise.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from rich.text import Text
from textual.content import Content
from textual.geometry import Region
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarCorner
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from screens.widgets.key_bar import KeyBar
from tests.apptools import compositor_of

ELLIPSIS = "…"


def name_of(widget: Widget) -> str:
    """The widget as a person debugging it finds it: its class, its id, its parent's."""
    own = f"{type(widget).__name__}" + (f"#{widget.id}" if widget.id else "")
    parent = widget.parent
    if isinstance(parent, Widget) and not isinstance(parent, Screen):
        inside = type(parent).__name__ + (f"#{parent.id}" if parent.id else "")
        return f"{own} (in {inside})"
    return own


def shown_text(widget: Widget) -> str | None:
    """The text ``widget`` has to show whole (None: it shows no text of its own, or one that is
    not read as a line of words: a table, a picture, a typed value that scrolls)."""
    if isinstance(widget, Input):
        return widget.placeholder if not widget.value else None
    if widget.is_container or widget.children:
        return None
    try:
        rendered: Any = widget.render()
    except Exception:  # a widget that draws only once it has its data
        return None
    if isinstance(rendered, Content):
        return rendered.plain
    if isinstance(rendered, Text):
        return rendered.plain
    if isinstance(rendered, str):
        return rendered
    return None


def squashed(text: str) -> str:
    """``text`` without any space: a text wrapped over lines is the same text."""
    return "".join(text.split())


def drawn(lines: list[Strip], region: Region) -> list[str]:
    """The text drawn in ``region`` of the screen, a string a line."""
    found = []
    for y in range(region.y, region.bottom):
        if 0 <= y < len(lines):
            found.append(lines[y].crop(region.x, region.right).text)
    return found


def _shown_whole(widget: Widget) -> bool:
    """Displayed and not hidden, nor any container it is in."""
    node: Any = widget
    while isinstance(node, Widget):
        if not node.display or not node.visible:
            return False
        node = node.parent
    return True


def _scrolls_to(widget: Widget, region: Region, clip: Region) -> bool:
    """The part of ``region`` outside ``clip`` (what its containers show) is there to scroll to:
    a container around the widget scrolls in each way it is cut (a scroll bar shows it)."""
    cut_down = region.y < clip.y or region.bottom > clip.bottom
    cut_across = region.x < clip.x or region.right > clip.right
    ancestors = [node for node in widget.ancestors_with_self[1:] if isinstance(node, Widget)]
    down = any(node.allow_vertical_scroll for node in ancestors)
    across = any(node.allow_horizontal_scroll for node in ancestors)
    return (not cut_down or down) and (not cut_across or across)


def misfits(screen: Screen[Any], frame: Widget | None = None) -> list[str]:
    """Each widget of ``screen`` that is cut by its container (with no way to scroll to the
    rest), drawn outside ``frame`` (a dialog's box), or whose text is cut with no "…"."""
    compositor = compositor_of(screen)
    layout = compositor.full_map
    lines = compositor.render_strips()
    screen_region = screen.region
    frame_region = layout[frame].region if frame is not None and frame in layout else None
    said: list[str] = []
    # What a drop-down list (an overlay) covers while it is open is covered on purpose: its
    # text is not read there.
    covers = [
        (widget, geometry.region)
        for widget, geometry in layout.items()
        if widget.styles.overlay == "screen" and _shown_whole(widget)
    ]
    if frame is not None:
        if frame_region is None:
            return [f"{name_of(frame)} is not on the screen"]
        if not screen_region.contains_region(frame_region):
            said.append(f"{name_of(frame)} {frame_region} is larger than the screen")
    for widget, geometry in layout.items():
        if isinstance(widget, ScrollBar | ScrollBarCorner) or not _shown_whole(widget):
            continue
        region = geometry.region
        if not region.area:
            continue
        clip = geometry.clip.intersection(screen_region)
        visible = region.intersection(clip)
        if frame_region is not None and widget is not frame and visible:
            outside = not frame_region.contains_region(visible)
            if outside and frame in widget.ancestors:
                said.append(f"{name_of(widget)} {visible} is drawn outside {frame_region}")
                continue
        if visible != region:
            if not _scrolls_to(widget, region, clip):
                said.append(f"{name_of(widget)} {region} is cut: only {visible} shows")
            continue
        text = shown_text(widget)
        if not text or not squashed(text):
            continue
        content = widget.content_region.intersection(visible)
        if any(
            cover.overlaps(content) and over is not widget and over not in widget.ancestors
            for over, cover in covers
        ):
            continue
        seen = drawn(lines, content)
        whole = squashed(text) in squashed("".join(seen))
        marked = ELLIPSIS not in text and any(ELLIPSIS in line for line in seen)
        if not whole and not marked:
            shown = " / ".join(line.rstrip() for line in seen if line.strip())
            said.append(f"{name_of(widget)} shows {shown!r} of {text!r}, with no {ELLIPSIS}")
    return said


# --- in the station's language ------------------------------------------------------------------
@cache
def english_messages(language: str) -> frozenset[str]:
    """The English messages the catalogue of ``language`` says otherwise, and Textual's own
    words a screen may show."""
    from testkit.catalogues import read

    if language == "en":
        return frozenset()
    translated = {
        message.id
        for message in read(language)
        # (a language's own name, on the kiosk's row of languages, is not English)
        if isinstance(message.id, str)
        and message.id
        and message.context is None
        and message.string != message.id
    }
    return frozenset(translated | {"Dismiss menu", "Select"})


def left_in_english(screen: Screen[Any], language: str) -> list[str]:
    """The texts on ``screen`` that are an English message its language says otherwise."""
    english = english_messages(language)
    said = []
    for widget in screen.walk_children(Widget):
        text = shown_text(widget) if widget.display else None
        if text is not None and text.strip() in english:
            said.append(f"{type(widget).__name__}#{widget.id}: {text.strip()!r} in English")
    for bar in screen.query(KeyBar):
        keys = [entry.description for line in bar.lines for entry in line]
        said += [f"KeyBar: {key!r} in English" for key in keys if key in english]
    return said

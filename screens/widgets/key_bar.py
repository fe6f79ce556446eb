"""The key bar: every key a screen offers, each once, wrapped onto more lines when they do not fit.

Used instead of Textual's Footer, which scrolls what does not fit out of sight. The screen's
own keys come first, then the keys of the widgets in focus, then the app's (the F-keys, sign
out and quit), kept together on the last line. A key whose ``check_action`` says ``None`` is
shown dimmed; pressed or clicked, it says why when its node has a ``key_refusal`` method (see
``say_refusal``). A key whose ``check_action`` says ``False`` is not shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.actions import ActionError, parse
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup
from textual.content import Content
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.keys import format_key
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets._toast import ToastRack

from eventdesk.i18n import N_, _

GAP = 2  # cells between two keys on a line
# The keys' names as printed on a keyboard (translated where shown: a German one says "Strg").
MODIFIERS = {
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "ctrl": N_("Ctrl"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "shift": N_("Shift"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "alt": N_("Alt"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "meta": N_("Meta"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "super": N_("Super"),
}
KEY_NAMES = {
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "escape": N_("Esc"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "enter": N_("Enter"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "tab": N_("Tab"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "space": N_("Space"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "delete": N_("Del"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "backspace": N_("Backspace"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "insert": N_("Ins"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "home": N_("Home"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "end": N_("End"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "pageup": N_("PgUp"),
    # TRANSLATORS: the name of a keyboard key, as printed on the keyboard
    "pagedown": N_("PgDn"),
}

# Textual's own keys a screen can show (a drop-down list's, while it is open): their English
# descriptions are messages of the catalogues too, translated where drawn as the others are.
TEXTUAL_KEYS = (
    # TRANSLATORS: a key: close an open drop-down list without choosing
    N_("Dismiss menu"),
)

Refusal = Callable[[str, tuple[object, ...]], str | None]


def key_label(binding: Binding) -> str:
    """The key as a person reads it on the keyboard: 'F1', 'Ctrl+Q', 'Esc', 'n'."""
    if binding.key_display:
        return binding.key_display
    modifiers, key = binding.parse_key()
    if key in KEY_NAMES:
        name = _(KEY_NAMES[key])
    elif key[:1] == "f" and key[1:].isdigit():
        name = key.upper()
    else:
        name = format_key(key)
        if modifiers and len(name) == 1:
            name = name.upper()
    return "+".join([*(_(MODIFIERS[m]) if m in MODIFIERS else m.title() for m in modifiers), name])


def key_named(key: str) -> str:
    """``key`` ("ctrl+o") as the key bar writes it, in the language spoken now: "Ctrl+O", a
    German "Strg+O" (a hint that names a key writes it as the key bar beside it does)."""
    return key_label(Binding(key, ""))


_CARET_KEY = re.compile(r"\^([A-Z])\b")


def keys_in(text: str) -> str:
    """A message's keys ("^N registers a walk-in") written as the key bar writes them, in the
    language spoken now ("Ctrl+N", a German "Strg+N"). Given the translated message before its
    fields are filled: a name that holds "^N" stays as typed."""
    return _CARET_KEY.sub(lambda found: key_named(f"ctrl+{found.group(1).lower()}"), text)


def refusal_of(node: DOMNode, action: str, parameters: tuple[object, ...]) -> str | None:
    """Why ``node`` refuses ``action`` now, if it says (a ``key_refusal`` method)."""
    why: Refusal | None = getattr(node, "key_refusal", None)
    return why(action, parameters) if callable(why) else None


def say_refusal(app: App[Any], action: object, namespace: DOMNode | None) -> bool:
    """After ``app.run_action`` did not run ``action``: when its node disabled it (``None``
    from ``check_action``) and says why, the reason is shown. True if something was said."""
    if not isinstance(action, str):
        return False
    try:
        destination, name, parameters = parse(action)
    except ActionError:
        return False
    targets: dict[str, DOMNode] = {"": namespace or app, "app": app, "screen": app.screen}
    target = targets.get(destination)
    if target is None or target.check_action(name, parameters) is not None:
        return False  # it ran, is hidden (False), or belongs to a node not looked at here
    reason = refusal_of(target, name, parameters)
    if not reason:
        return False
    say_not_available(app, reason)
    return True


def say_not_available(app: App[Any], reason: str) -> None:
    """Why a key does nothing now, as a notification. A reason is plain text, never markup:
    it may name an attendee, and a name is whatever was typed ("Ann [/i] Lee")."""
    app.notify(reason, title=_("Not available"), severity="warning", markup=False)


@dataclass(frozen=True)
class KeyEntry:
    """One key as the bar shows it."""

    key: str
    label: str
    description: str  # in the reader's language: the width is the translated text's
    action: str
    enabled: bool
    reason: str  # why it is disabled (its tooltip), or its own tooltip
    is_global: bool  # the app's own key (F-keys, sign out, quit)
    node: DOMNode

    @property
    def width(self) -> int:
        return cell_len(self.label) + 1 + cell_len(self.description)


def key_entries(screen: Screen[Any]) -> list[KeyEntry]:
    """The keys to show on ``screen``: each action once, the screen's first, the app's last,
    each node's in the order it declares them."""
    app = screen.app
    ranked: list[tuple[tuple[int, int], KeyEntry]] = []
    seen: set[tuple[int, str]] = set()
    # Textual keeps the chain of nodes whose keys count (the focused widget up to the screen)
    # to itself; the keys shown are ranked by it.
    chain = [node for node, _bindings in screen._modal_binding_chain]  # noqa: SLF001
    for node, binding, enabled, tooltip in screen.active_bindings.values():
        if not binding.show or (id(node), binding.action) in seen:
            continue
        seen.add((id(node), binding.action))
        is_global = node is app
        rank = 0 if node is screen else 2 if is_global else 1
        order = _declared_at(node, binding)
        depth = chain.index(node) if node in chain else 0
        own_tip = tooltip or binding.tooltip  # marked with N_ where the binding is declared
        reason = _(own_tip) if own_tip else ""
        if not enabled:
            destination, name, parameters = _parsed(binding.action)
            reason = (refusal_of(node, name, parameters) if not destination else None) or reason
        entry = KeyEntry(
            binding.key,
            key_label(binding),
            # Descriptions are marked with N_ in BINDINGS, and translated here, where drawn.
            _(binding.description) if binding.description else "",
            binding.action,
            enabled,
            reason,
            is_global,
            node,
        )
        ranked.append(((rank * 1000 + depth, order), entry))
    ranked.sort(key=lambda pair: pair[0])
    return [entry for _rank, entry in ranked]


def _declared_at(node: DOMNode, binding: Binding) -> int:
    """Where ``binding`` is in the BINDINGS of ``node``'s own class (a subclass's order wins
    over the base classes' keys it takes over), else in the node's merged bindings."""
    for index, declared in enumerate(getattr(type(node), "BINDINGS", [])):
        if isinstance(declared, Binding) and declared.action == binding.action:
            return index
    merged = [b.action for _node, b in node._bindings]  # noqa: SLF001 (Textual's merged keys)
    return 1000 + (merged.index(binding.action) if binding.action in merged else 0)


def _parsed(action: str) -> tuple[str, str, tuple[object, ...]]:
    try:
        return parse(action)
    except ActionError:
        return "?", action, ()


def pack_lines(entries: Iterable[KeyEntry], width: int) -> list[list[KeyEntry]]:
    """The keys in lines of at most ``width`` cells; the app's keys start a line of their own
    unless all of them fit on the line they would follow."""
    entries = list(entries)
    local = [e for e in entries if not e.is_global]
    shared = [e for e in entries if e.is_global]
    lines = _fill([], local, width)
    shared_width = sum(e.width for e in shared) + GAP * max(len(shared) - 1, 0)
    if lines and shared and _used(lines[-1]) + GAP + shared_width > width:
        lines.append([])
    return [line for line in _fill(lines, shared, width) if line]


def _used(line: list[KeyEntry]) -> int:
    return sum(e.width for e in line) + GAP * max(len(line) - 1, 0)


def _fill(lines: list[list[KeyEntry]], entries: list[KeyEntry], width: int) -> list[list[KeyEntry]]:
    for entry in entries:
        if not lines or (lines[-1] and _used(lines[-1]) + GAP + entry.width > width):
            lines.append([])
        lines[-1].append(entry)
    return lines


class KeyHint(Widget):
    """One key and what it does; a click runs it (or says why it cannot)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-hint--key", "key-hint--description"}
    DEFAULT_CSS = """
    KeyHint {
        width: auto;
        height: 1;
        margin-right: 2;
        text-wrap: nowrap;
        .key-hint--key { color: $footer-key-foreground; text-style: bold; }
        .key-hint--description { color: $footer-description-foreground; }
        &:hover { background: $block-hover-background; pointer: pointer; }
        &.-disabled { text-style: dim; }
        &:last-child { margin-right: 0; }
    }
    """

    def __init__(self, entry: KeyEntry) -> None:
        classes = "-global" if entry.is_global else ""
        super().__init__(classes=classes + ("" if entry.enabled else " -disabled"))
        self.entry = entry
        self.set_reactive(Widget.shrink, False)
        if entry.reason:
            self.tooltip = Content(entry.reason)  # plain text, as in say_not_available

    def render(self) -> Text:
        entry = self.entry
        text = Text.assemble(
            (entry.label, self.get_component_rich_style("key-hint--key")),
            " ",
            (entry.description, self.get_component_rich_style("key-hint--description")),
        )
        text.stylize_before(self.rich_style)
        return text

    def on_click(self, event: events.Click) -> None:
        event.stop()
        entry = self.entry
        app = self.app
        if entry.enabled or entry.reason:
            # Run after this event: the action may switch the screen this bar is on.
            app.call_later(app.run_action, entry.action, entry.node)
        else:
            app.bell()


class KeyLine(HorizontalGroup):
    """One line of the bar."""

    DEFAULT_CSS = """
    KeyLine { height: 1; width: 1fr; overflow: hidden hidden; }
    """


class KeyBar(Widget, can_focus=False, can_focus_children=False):
    """The keys of the screen it is on, all of them in sight: more lines when they do not fit."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        width: 1fr;
        height: auto;
        layout: vertical;
        padding: 0 1;
        color: $footer-foreground;
        background: $footer-background;
        KeyLine.-global { background: $footer-background; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._entries: list[KeyEntry] = []
        self._shown: tuple[object, ...] | None = None  # what the lines were built from

    @property
    def lines(self) -> list[list[KeyEntry]]:
        """The keys shown, line by line."""
        return pack_lines(self._entries, self._width())

    def _width(self) -> int:
        width = self.content_region.width or self.app.size.width - 2
        return max(width, 1)

    def compose(self) -> ComposeResult:
        for line in self.lines:
            key_line = KeyLine()
            if line and line[0].is_global:
                key_line.add_class("-global")
            with key_line:
                for entry in line:
                    yield KeyHint(entry)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update)

    def on_resize(self) -> None:
        self._lift_notices()
        self.call_after_refresh(self._update)

    def _lift_notices(self) -> None:
        """The screen's notices (Textual's toasts, docked bottom right) sit above the bar, never
        over its keys, however many lines it takes."""
        height = self.outer_size.height
        if not height or not self.screen.is_attached:
            return
        try:
            rack = self.screen.get_child_by_type(ToastRack)
        except NoMatches:
            return
        if rack.styles.margin.bottom != height:
            rack.styles.margin = (0, 0, height, 0)

    async def _update(self) -> None:
        """Build the lines again when the keys, their states or the width changed."""
        if not self.is_attached or not self.screen.is_attached:
            return
        self._entries = key_entries(self.screen)
        shown = (
            self._width(),
            tuple((e.key, e.description, e.enabled, e.reason, id(e.node)) for e in self._entries),
        )
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

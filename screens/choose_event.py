"""Choosing this door's event: asked when the station has none (several could be admitted
now) or its event has ended. The answer is kept, as "Use at this door" is (eventdesk.door_event).

The app asks through ``ask_door_event`` once its station is open and again after each sign-in:
only the organizer or desk staff are asked, never an attendee at the kiosk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from eventdesk.errors import EventdeskError
from eventdesk.event_time import show
from eventdesk.i18n import N_, _

if TYPE_CHECKING:
    from eventdesk.services.catalogue.events import EventInfo
    from screens.backend import Backend

CHOOSING_ROLES = ("organizer", "staff")


def choice_text(info: EventInfo) -> str:
    """One line per event: its title, when it runs (in its own zone) and its slug."""
    # TRANSLATORS: an event to choose: its title, when it starts and ends, its slug
    return _("{title}  ·  {starts} to {ends}  ·  {slug}").format(
        title=info.title,
        starts=show(info.starts_at, info.zone),
        ends=show(info.ends_at, info.zone),
        slug=info.slug,
    )


class ChooseEventScreen(ModalScreen["EventInfo | None"]):
    """Dismissed with the event chosen; escape chooses nothing (asked again at next sign-in)."""

    DEFAULT_CSS = """
    ChooseEventScreen { align: center middle; }
    ChooseEventScreen #choose-box {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        padding: 1 2; border: round $warning; background: $surface;
    }
    ChooseEventScreen #choose-question { height: auto; margin-bottom: 1; }
    ChooseEventScreen #choose-events { height: auto; max-height: 16; }
    """
    # TRANSLATORS: a key: choose the door's event later
    BINDINGS = [Binding("escape", "later", N_("Later"), id="choose-event.later")]

    def __init__(self, station: str, notice: str | None, choices: tuple[EventInfo, ...]) -> None:
        super().__init__()
        self.station, self.notice, self.choices = station, notice, choices

    def compose(self) -> ComposeResult:
        question = _("Which event does {station} admit? Its desk and kiosk keep it.").format(
            station=self.station
        )
        if self.notice:
            question = f"{self.notice[:1].upper()}{self.notice[1:]}.\n{question}"
        with Vertical(id="choose-box"):
            yield Static(question, id="choose-question", markup=False)
            yield OptionList(
                *(Option(choice_text(e), id=e.slug) for e in self.choices), id="choose-events"
            )

    def on_mount(self) -> None:
        self.query_one("#choose-events", OptionList).focus()

    @on(OptionList.OptionSelected, "#choose-events")
    def chosen(self, message: OptionList.OptionSelected) -> None:
        slug = message.option.id
        self.dismiss(next((e for e in self.choices if e.slug == slug), None))

    def action_later(self) -> None:
        self.dismiss(None)


def ask_door_event(app: App[Any], backend: Backend) -> bool:
    """Ask the staff signed in to choose this door's event, if it needs one (none chosen, or
    it ended) and they may (organizer or desk staff, not at the kiosk). The answer is kept.
    True when the question was put."""
    staff = backend.staff
    if not backend.is_open or not backend.door_asks or staff is None:
        return False
    if staff.role not in CHOOSING_ROLES or app.current_mode == "kiosk":
        return False
    if any(isinstance(screen, ChooseEventScreen) for screen in app.screen_stack):
        return False

    def answered(info: EventInfo | None) -> None:
        if info is None:
            return
        try:
            backend.use_at_door(info)
        except EventdeskError as exc:
            app.notify(exc.message, title=_("This door's event"), severity="error")
            return
        show_who = getattr(app, "show_who", None)
        if callable(show_who):
            show_who()
        app.notify(
            _("This door admits {title} ({slug}) now.").format(title=info.title, slug=info.slug),
            title=_("This door's event"),
        )

    app.push_screen(
        ChooseEventScreen(backend.station, backend.door_says, backend.door_choices), answered
    )
    return True

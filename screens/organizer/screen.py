"""The organizer screen: the event worked on, and a tab per kind of record.

The tabs (a module each) fill their own lists and open their own forms; this shell holds what
they share (the workspace), the event bar above them, the keys, and what a change means for
every tab: it is said, and each list it touched is read again.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import (
    Header,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from eventdesk.i18n import N_, _, ngettext
from eventdesk.labels import label
from eventdesk.services.catalogue.events import EventInfo
from screens.base import StationScreen
from screens.organizer.attendees import AttendeesTab
from screens.organizer.badges import BadgesTab
from screens.organizer.base import (
    EVENT_TABLES,
    OrganizerTab,
    Workspace,
    count_text,
    tab_title,
)
from screens.organizer.data import DataPane
from screens.organizer.events import EventsTab
from screens.organizer.lists import ListsTab
from screens.organizer.payments import PaymentsTab
from screens.organizer.program import ProgramTab
from screens.organizer.staff import StaffTab
from screens.organizer.stations import StationsTab
from screens.organizer.venues import VenuesTab
from screens.organizer.waitlist import WaitlistTab
from screens.widgets.arrival_alerts import ArrivalAlerts
from screens.widgets.key_bar import KeyBar

TABS = (
    "tab-events",
    "tab-program",
    "tab-venues",
    "tab-attendees",
    "tab-payments",
    "tab-waitlist",
    "tab-staff",
    "tab-lists",
    "tab-badges",
    "tab-data",
)  # keys 1-9 and 0 show them (the key is on each tab's label)
KEYS = {tab: str(number % 10) for number, tab in enumerate(TABS, start=1)}


TAB_KINDS: tuple[type[OrganizerTab], ...] = (
    EventsTab,
    ProgramTab,
    VenuesTab,
    AttendeesTab,
    PaymentsTab,
    WaitlistTab,
    StaffTab,
    ListsTab,
    BadgesTab,
)  # the tabs of TABS before the Data tab, in the same order


class OrganizerScreen(StationScreen):
    """Everything an organizer sets up and looks after, one tab per kind of record."""

    CSS_PATH = "organizer.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("n", "new", N_("New"), id="organizer.new"),
        Binding("e", "edit", N_("Edit"), id="organizer.edit"),
        Binding("ctrl+r", "reload", N_("Reload"), id="organizer.reload", show=False),
        # TRANSLATORS: a key: the arrival alert shown has been seen (it goes away)
        Binding("a", "alert_seen", N_("Alert seen"), id="organizer.alert_seen"),
        *[
            Binding(KEYS[tab], f"show_tab('{tab}')", tab, id=f"organizer.{tab}", show=False)
            for tab in TABS
        ],
    ]

    def __init__(self) -> None:
        super().__init__()
        self.workspace = Workspace()
        self.offered: set[str] = set()  # the events the bar's chooser offers
        self._tabs: TabbedContent | None = None  # found once (_active)
        self._lists: dict[str, OrganizerTab] = {}  # the tabs of lists by id, found once (_tab)

    @property
    def edited_event(self) -> str | None:
        """The event the tabs show (the door's is ``backend.event``)."""
        return self.workspace.event

    # --- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        ws = self.workspace
        yield Header()
        with Horizontal(id="org-bar"):
            yield Label(_("Event"), id="org-event-label")
            yield Select[str]([], prompt=_("no event"), id="org-event", compact=True)
            yield Static("", id="org-event-info")
        yield ArrivalAlerts(
            lambda: self.backend.store,
            lambda: self.edited_event,
            lambda: self.backend.zone,
            id="org-alerts",
        )
        with TabbedContent(id="org-tabs"):
            for kind, tab in zip(TAB_KINDS, TABS, strict=False):
                yield kind(ws, id=tab, key=KEYS[tab])
            with TabPane(tab_title(KEYS["tab-data"], _("Data")), id="tab-data"):
                yield DataPane(self.backend, keep=self.station_app.backup_keep, id="data-pane")
            # With no number key (a click, or Tab from the event chooser to the tabs, then the
            # arrows): the stations' logins on a server.
            yield StationsTab(ws, id="tab-stations")
        yield KeyBar()

    def on_mount(self) -> None:
        self.workspace.event = self.backend.event
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.reload("events-table")  # another mode may have changed counts

    def reload(self, *targets: str) -> None:
        """Read these lists again, on whichever tab they are."""
        for tab in self.query(OrganizerTab).results(OrganizerTab):
            mine = [target for target in targets if target in tab.COLUMNS]
            if mine:
                tab.reload(*mine)

    # --- the event worked on ------------------------------------------------------------------
    @on(EventsTab.Listed)
    def events_listed(self) -> None:
        select = self.query_one("#org-event", Select)
        found = self.workspace.records("events-table", EventInfo)
        self.offered = {e.slug for e in found}
        with select.prevent(Select.Changed):
            select.set_options((e.title, e.slug) for e in found)
            if self.edited_event in self.offered:
                select.value = self.edited_event
        self._show_event_info()

    def _show_event_info(self) -> None:
        info = self.workspace.event_info()
        text = _("no event yet: create one on the Events tab")
        if info is not None:
            registered = count_text(info.registered)
            if info.capacity is None:
                held = ngettext(
                    "{registered} registered", "{registered} registered", info.registered
                ).format(registered=registered)
            else:
                held = ngettext(
                    "{registered} / {capacity} registered",
                    "{registered} / {capacity} registered",
                    info.registered,
                ).format(registered=registered, capacity=count_text(info.capacity))
            waiting = ngettext("{count} waiting", "{count} waiting", info.waitlisted).format(
                count=count_text(info.waitlisted)
            )
            text = f"{held} · {waiting} · {label('event_status', info.status)}"
        door = self.backend.event
        if door == self.edited_event:
            text += " · " + _("at this door")
        else:
            text += " · " + _("door: {event}").format(event=door or _("none"))
        self.query_one("#org-event-info", Static).update(text)

    @on(Select.Changed, "#org-event")
    def event_chosen(self, message: Select.Changed) -> None:
        if isinstance(message.value, str) and message.value != self.edited_event:
            self.use_event(message.value)

    def use_event(self, slug: str) -> None:
        """Work on this event from now on (the door's event stays as it is)."""
        self.workspace.event = slug
        select = self.query_one("#org-event", Select)
        if select.value != slug and slug in self.offered:
            with select.prevent(Select.Changed):  # a new event: set when the list comes back
                select.value = slug
        self._show_event_info()
        self.query_one(DataPane).event_changed(slug)
        self.reload(*EVENT_TABLES)

    # --- what one tab does that others show ---------------------------------------------------
    @on(OrganizerTab.Changed)
    def changed(self, message: OrganizerTab.Changed) -> None:
        change = message.change
        self.notify(change.text)
        if change.event is not None:
            self.use_event(change.event)
        else:
            self._show_event_info()  # the door's event may be another one now
        self.reload(*change.reload)

    @on(AttendeesTab.TicketChosen)
    def ticket_chosen(self, message: AttendeesTab.TicketChosen) -> None:
        """A ticket chosen on the Attendees tab is the one the Payments tab shows."""
        self.query_one(PaymentsTab).show_payments(message.ticket_id)

    @on(DataPane.Finished)
    def data_changed(self) -> None:
        self.reload("events-table", "attendees-table", "regs-table", "waitlist-table")

    # --- keys ---------------------------------------------------------------------------------
    def _active(self) -> str:
        if self._tabs is None:
            self._tabs = next(iter(self.query("#org-tabs").results(TabbedContent)), None)
        return self._tabs.active if self._tabs is not None else ""

    def _tab(self) -> OrganizerTab | None:
        """The tab shown, if it is one of lists (the Data tab is not). The tabs are made once,
        in compose, and found once: Textual asks for each key's state (check_action) a thousand
        times in an organizer's day, and a query walks every widget of every tab."""
        if not self._lists:
            self._lists = {str(t.id): t for t in self.query(OrganizerTab).results(OrganizerTab)}
        return self._lists.get(self._active())

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_bindings()

    def action_alert_seen(self) -> None:
        self.query_one(ArrivalAlerts).seen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "alert_seen":  # only while an alert is shown
            return self.query_one(ArrivalAlerts).shown is not None
        if action not in ("new", "edit"):
            return True
        tab = self._tab()
        allowed = tab is not None and (tab.CAN_NEW if action == "new" else tab.CAN_EDIT)
        return allowed or None

    def key_refusal(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action not in ("new", "edit"):
            return None
        tab = self._tab()
        title = _(tab.TITLE) if tab is not None else _("Data")
        if action == "new":
            return _("Nothing to add with this key on the {tab} tab: use its buttons.").format(
                tab=title
            )
        return _("Nothing to edit with this key on the {tab} tab: use its buttons.").format(
            tab=title
        )

    def action_new(self) -> None:
        tab = self._tab()
        if tab is not None and tab.CAN_NEW:
            tab.new()

    def action_edit(self) -> None:
        tab = self._tab()
        if tab is not None and tab.CAN_EDIT:
            tab.edit()

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#org-tabs", TabbedContent).active = tab
        self.call_after_refresh(self._focus_pane, tab)

    def _focus_pane(self, tab: str) -> None:
        """Keys go to the tab shown: its first list (or the Data tab's file field)."""
        pane = self.query_one(f"#{tab}", TabPane)
        first = next(iter(pane.query("DataTable, #import-path")), None)
        if first is not None and self._active() == tab:
            first.focus()

    def action_reload(self) -> None:
        for tab in self.query(OrganizerTab).results(OrganizerTab):
            tab.reload(*tab.COLUMNS)

"""The eventdesk app: a sign-in screen, then one Textual mode per role.

``make_app`` builds it for the CLI, the tests and the snapshot tests alike.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.actions import ActionParseResult
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import Screen

from eventdesk.config import Config
from eventdesk.errors import EventdeskError, InvalidInput, NotFound
from eventdesk.i18n import N_, _, ngettext, set_language
from eventdesk.labels import label
from eventdesk.private import keep_private
from screens.backend import MODES, Backend, open_station
from screens.devices import Devices
from screens.login import LoginScreen
from screens.messages import (
    BackupProblem,
    BadgePrinted,
    DatabaseStatus,
    ShopProblem,
    SignedIn,
    StationOffered,
    StationOpen,
    StationUnopened,
    SyncProblem,
    UploadRefused,
)
from screens.scanner_keys import KeysPaused, ScannedLine, ScannerGate, SerialScannerState
from screens.terminal import measure_as_the_terminal, show_control_characters
from screens.widgets.key_bar import say_refusal

if TYPE_CHECKING:
    from devices.serial_scanner import SerialScanner
    from devices.wedge import Line
    from eventdesk.db import Store
    from eventdesk.services.people.auth import StaffInfo


def lazy_screen(module: str, name: str) -> Callable[[], Screen[Any]]:
    def build() -> Screen[Any]:
        screen: Screen[Any] = getattr(importlib.import_module(module), name)()
        return screen

    return build


KIOSK_LOCKED_OUT = {"open_mode", "sign_out", "quit", "command_palette", "help_quit", "doctor"}

# Said when an F-key's screen is not for the person signed in (the key is shown dimmed).
# Marked here, translated where said.
MODE_REFUSALS = {
    "desk": N_("The desk is for desk staff and organizers: sign out (F9) and sign in as one."),
    "kiosk": N_("The kiosk needs a kiosk or organizer sign-in: sign out (F9) and sign in as one."),
    "organizer": N_(
        "The organizer screen is for organizers: sign out (F9) and sign in as an organizer."
    ),
    "stats": N_("Stats are for desk staff and organizers: sign out (F9) and sign in as one."),
}
# Who is signed in, said before a mode's refusal.
SIGNED_IN_AS = {
    "staff": N_("{name} is signed in as desk staff."),
    "organizer": N_("{name} is signed in as an organizer."),
    "kiosk": N_("{name} is signed in as a kiosk."),
}
# A notice of offline scans the server refused stays until dismissed (a day at most).
REFUSED_NOTICE_SECONDS = 24 * 3600
WALL_REFUSAL = N_("This wall screen shows the figures only: nobody signs in here.")
# A serial scanner's port states (codes: devices.serial_scanner) as said.
SERIAL_STATES = {
    # TRANSLATORS: a serial scanner's state
    "connected": N_("connected"),
    # TRANSLATORS: a serial scanner's state
    "not answering": N_("not answering"),
    # TRANSLATORS: a serial scanner's state
    "disconnected": N_("disconnected"),
    # TRANSLATORS: a serial scanner's state: connected again after it was away
    "back": N_("back"),
}


class EventdeskApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "eventdesk"
    ENABLE_COMMAND_PALETTE = False
    # A mode's module is imported when the mode is first opened: the sign-in screen comes up
    # without loading the others (and OpenCV with them).
    MODES = {
        "login": LoginScreen,
        "desk": lazy_screen("screens.desk.screen", "DeskScreen"),
        "kiosk": lazy_screen("screens.kiosk.screen", "KioskScreen"),
        "organizer": lazy_screen("screens.organizer", "OrganizerScreen"),
        "stats": lazy_screen("screens.stats.screen", "StatsScreen"),
    }
    # Descriptions and tooltips are marked here and translated by the key bar, where drawn.
    BINDINGS = [
        # TRANSLATORS: a key: the registration desk's screen
        Binding("f1", "open_mode('desk')", N_("Desk"), id="mode.desk"),
        # TRANSLATORS: a key: the self-service kiosk's screen
        Binding("f2", "open_mode('kiosk')", N_("Kiosk"), id="mode.kiosk"),
        # TRANSLATORS: a key: the organizer's screen
        Binding("f3", "open_mode('organizer')", N_("Organizer"), id="mode.organizer"),
        # TRANSLATORS: a key: the statistics screen
        Binding("f4", "open_mode('stats')", N_("Stats"), id="mode.stats"),
        # TRANSLATORS: a key: the station's checks before the doors open (screens/doctor.py)
        Binding("f7", "doctor", N_("Checks"), id="doctor"),
        Binding("f9", "sign_out", N_("Sign out"), id="sign-out"),
        Binding(
            "ctrl+q",
            "quit",
            N_("Quit"),
            id="quit",
            priority=True,
            tooltip=N_("Close eventdesk on this station."),
        ),
        # Tab moves on at once, in the order the keys came: a fast typist's or a scanner's
        # burst ("Robin Walker<Tab>robin@example.com") puts each part in its own field. Without
        # this, the keys after a Tab reach the field it left (they were handed to it before the
        # field passed the Tab on to the screen). A screen that decides Tab itself says so
        # (``OWN_TAB``: the desk ends a scan with it).
        Binding("tab", "next_field", N_("Next field"), show=False, priority=True, id="app.tab"),
        Binding(
            "shift+tab",
            "previous_field",
            N_("Previous field"),
            show=False,
            priority=True,
            id="app.shift-tab",
        ),
    ]

    def __init__(
        self,
        backend: Backend,
        *,
        mode: str = "desk",
        backup_minutes: float | None = None,
        backup_keep: int = 24,
        ready_file: Path | None = None,
        open_store: Callable[[], Store] | None = None,
    ) -> None:
        self.backend = backend
        set_language(backend.config.language)  # the station's: the staff's screens speak it
        # Opens the station's database once the first screen is drawn, if it is not open yet:
        # the sign-in screen comes up before SQLAlchemy and the models are loaded.
        self.open_store = open_store
        self.failure: BaseException | None = None  # why the station could not be opened
        self._unlock_asked = False  # the copy's passphrase was asked for (screens/unlock.py)
        self.ready_file = ready_file
        self.start_mode = mode
        self.backup_minutes, self.backup_keep = backup_minutes, backup_keep
        # When the key being handled was read from the terminal (its event's time, on
        # time.monotonic's clock): a scanner's keys come together, however long a busy
        # station takes to handle them one by one.
        self.key_time = 0.0
        self.serial_scanner: SerialScanner | None = None  # [station] scanner = "serial:PATH"
        # Scanned where no screen decides scans: held, in order, for the desk or kiosk.
        self.held_scans: list[tuple[Line, float]] = []
        super().__init__()
        self.devices = Devices(backend, self)
        self.scanner_gate = ScannerGate(self, backend.config.scanner_keys, self._hand_on_key)
        self.scanner_keys = backend.config.scanner_keys  # read by the terminal driver

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux one that stamps each key with the time
        its bytes were read (screens/terminal_driver.py: a scanner's keys stay together)."""
        driver = super().get_driver_class()
        if driver.__module__ == "textual.drivers.linux_driver":
            from screens.terminal_driver import ReadTimeDriver

            return ReadTimeDriver
        return driver

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self.scanner_gate.key(event)  # a scanner's lines are taken, the rest handed on
            return
        await super().on_event(event)

    async def _hand_on_key(self, event: events.Key) -> None:
        """A key as the app handles it: its priority bindings, then the focused widget."""
        self.key_time = event.time
        await super().on_event(event)

    @on(KeysPaused)
    async def _keys_paused(self) -> None:
        await self.scanner_gate.paused()

    @on(ScannedLine)
    def _scanned_line(self, message: ScannedLine) -> None:
        self.scanner_gate.take_line(message.line, message.ended_at)

    async def _press_keys(self, keys: Iterable[str]) -> None:
        """Pilot's press types as a person does, one key handled before the next is made."""
        done = self.scanner_gate.typing_by_hand()
        try:
            await super()._press_keys(keys)
        finally:
            done()

    def on_mount(self) -> None:
        self.show_who()
        if self.backend.staff is None and not self.backend.wall:
            self.switch_mode("login")
        else:
            self.switch_mode(self._allowed(self.start_mode))

    def on_ready(self) -> None:
        """The first screen is drawn: say so to whoever waits (bench/startup.py), then open
        the database if it is not open yet, and start the station's devices. What they load
        (SQLAlchemy, Pillow, the badge renderers), begun any earlier, would take turns with the
        first screen for the interpreter."""
        if self.ready_file is not None:
            self.ready_file.write_text(f"{time.time():.6f}\n")
        if self.backend.is_open:
            self._start_station()
        else:
            self._open_station()

    @work(thread=True, exclusive=True, group="open-station")
    def _open_station(self) -> None:
        """Open the database, then hand it to the UI thread by a message: never by waiting
        for it (an app closing meanwhile would never answer)."""
        backend = self.backend
        try:
            assert self.open_store is not None, "an app without a store is given how to open it"
            opened = open_station(
                backend.config, self.open_store, event=backend.event, clock=backend.clock
            )
        except Exception as exc:  # said by the command once the app is closed
            backend.unopened(str(exc))  # whoever waits for the store is told
            with contextlib.suppress(RuntimeError):  # the app has closed already
                self.post_message(StationUnopened(exc))
            return
        if not backend.offer(opened):  # the app closed meanwhile: nobody will use it
            opened.close()
            return
        with contextlib.suppress(RuntimeError):  # closed: its close gives the offer back
            self.post_message(StationOffered())

    @on(StationOffered)
    def _opened(self) -> None:
        if not self.backend.take():
            return
        self.show_who()
        self.screen.post_message(StationOpen())
        self._start_station()

    @on(StationUnopened)
    def _unopened(self, message: StationUnopened) -> None:
        from eventdesk.services.stations.copy_key import CopyLocked

        exc = message.error
        if isinstance(exc, CopyLocked) and not self._unlock_asked:
            # Its server away, this machine switched off since: staff type the passphrase.
            self._ask_passphrase(self._open_station, lambda: self._stop(exc))
            return
        self._stop(exc)

    def _ask_passphrase(self, then: Callable[[], object], or_else: Callable[[], object]) -> None:
        """The copy's passphrase asked for (screens/unlock.py): ``then`` once its key is held,
        ``or_else`` when staff gave up."""
        from screens.unlock import UnlockScreen

        self._unlock_asked = True

        def unlocked(done: bool | None) -> None:
            if done:
                self._unlock_asked = False  # a later start may ask again
                then()
            else:
                or_else()

        config = self.backend.config
        self.push_screen(UnlockScreen(config.station, config.data_dir), unlocked)

    def _stop(self, exc: Exception) -> None:
        self.failure = exc
        self.exit(return_code=exc.exit_code if isinstance(exc, EventdeskError) else 3)

    def _start_station(self) -> None:
        """The database is open: the station's sync, backups and print queue start (and the
        ready file gets its second line: bench/startup.py)."""
        if self.ready_file is not None:
            with self.ready_file.open("a") as ready:
                ready.write(f"{time.time():.6f}\n")
        self.devices.start_sync()
        if self.backup_minutes:
            self.devices.start_backups(
                self.backend.config.data_dir, self.backup_minutes, self.backup_keep
            )
        self.devices.start_shops(self.backend.config.data_dir)
        self.run_worker(self.devices.start_printing, thread=True, group="devices")
        self._undo_stopped_imports()
        if self.backend.config.scanner:
            self._start_serial_scanner(self.backend.config.scanner)
        self._ask_door_event()

    @work(thread=True, group="stopped-imports")
    def _undo_stopped_imports(self) -> None:
        """An import whose process was killed half-way is taken away when the app starts
        (services.data.import_runs.undo_stopped), beside the door, each said: with the
        organizer's rights only (a station's own login may not delete its rows)."""
        from sqlalchemy.exc import SQLAlchemyError

        from eventdesk.services.data.import_runs import undo_stopped

        store = self.backend.store
        try:
            if store.station_login() is not None:
                return
            notes = undo_stopped(store)
        except (SQLAlchemyError, EventdeskError, OSError):
            return  # the next start, command or import does it
        for note in notes:
            with contextlib.suppress(RuntimeError):  # the app has closed already
                # TRANSLATORS: the title of a notice: an import that stopped half-way was undone
                self.call_from_thread(self.notify, note, title=_("Import"), severity="warning")

    def _start_serial_scanner(self, source: str) -> None:
        """A scanner in serial (USB CDC) mode: its lines go where the keyboard's go."""
        from devices.serial_scanner import SerialScanner, serial_source

        try:
            port = serial_source(source)
        except ValueError as exc:
            port, problem = None, str(exc)
        else:
            problem = _("the scanner must be serial:PATH, not {source!r}").format(source=source)
        if port is None:
            self.notify(problem, title=_("Scanner"), severity="error")
            return

        away = False

        def state(said: str, why: str | None) -> None:  # in the scanner's thread, once a change
            nonlocal away
            back = said == "connected" and away
            away = said in ("not answering", "disconnected")
            self.post_message(SerialScannerState("back" if back else said, why, port=port[0]))

        def line(read: Line, ended_at: float) -> None:  # in the scanner's thread
            self.post_message(ScannedLine(read, ended_at))

        self.serial_scanner = SerialScanner(*port, line, state)
        self.serial_scanner.start()

    @on(SerialScannerState)
    def _serial_scanner_state(self, message: SerialScannerState) -> None:
        code = message.state
        state = _(SERIAL_STATES[code]) if code in SERIAL_STATES else code
        if code in ("connected", "back", "disconnected") and message.why is None:
            # TRANSLATORS: {port} is the scanner's port ("/dev/ttyACM0"), {state} e.g. "connected"
            said = _("Serial scanner {port}: {state}.").format(port=message.port, state=state)
            self.notify(said, title=_("Scanner"))
        else:
            if message.why:
                # TRANSLATORS: {state} e.g. "not answering"; {why} what the port said
                said = _("Serial scanner {port}: {state} ({why}).").format(
                    port=message.port, state=state, why=message.why
                )
            else:
                said = _("Serial scanner {port}: {state}.").format(port=message.port, state=state)
            self.notify(said, title=_("Scanner"), severity="warning")

    def _ask_door_event(self) -> None:
        """Staff signed in at a door with no event, or one that ended, are asked to choose."""
        from screens.choose_event import ask_door_event

        ask_door_event(self, self.backend)

    def on_unmount(self) -> None:
        if self.serial_scanner is not None:
            self.serial_scanner.stop()
        self.devices.stop()
        self.backend.close()

    # --- who may go where -------------------------------------------------------------------
    def _allowed(self, wanted: str) -> str:
        modes = self.backend.modes()
        return wanted if wanted in modes else modes[0]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text, whoever raises it: messages name attendees,
        events, stations and files as they were typed, and "Ann [/i] Lee" read as markup would
        show wrong or stop the app. (``markup`` is taken and ignored.)"""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_next_field(self) -> None:
        self.screen.focus_next()

    def action_previous_field(self) -> None:
        self.screen.focus_previous()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_field", "previous_field"):
            return not getattr(self.screen, "OWN_TAB", False)
        if self.current_mode == "kiosk" and action in KIOSK_LOCKED_OUT:
            return False  # the kiosk is locked: only its own keys work
        # A key this sign-in cannot use is shown dimmed (None), and says why (key_refusal).
        if action == "open_mode":
            return True if parameters[0] in self.backend.modes() else None
        if action == "sign_out":
            return True if self.backend.staff is not None else None
        return True

    def key_refusal(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why a dimmed key of the app does nothing now (the key bar and a press say it)."""
        staff = self.backend.staff
        if staff is None and self.backend.wall:
            return _(WALL_REFUSAL)
        if action == "sign_out":
            return _("Nobody is signed in.") if staff is None else None
        if action == "open_mode" and parameters and parameters[0] in MODE_REFUSALS:
            if staff is None:
                return _("Sign in first: choose your name and type your PIN.")
            refusal = _(MODE_REFUSALS[str(parameters[0])])
            if staff.role in SIGNED_IN_AS:
                who = _(SIGNED_IN_AS[staff.role]).format(name=staff.name)
            else:
                who = _("{name} is signed in as {role}.").format(name=staff.name, role=staff.role)
            return f"{who} {refusal}"
        return None

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Run an action; a disabled one whose node says why says it (and counts as handled)."""
        if await super().run_action(action, default_namespace, namespaces):
            return True
        return say_refusal(self, action, default_namespace)

    async def action_open_mode(self, mode: str) -> None:
        if mode in self.backend.modes() and mode != self.current_mode:
            await self.switch_mode(mode)
            self.show_who()

    def action_doctor(self) -> None:
        """The station's checks before the doors open (screens/doctor.py)."""
        from screens.doctor import DoctorScreen

        if not isinstance(self.screen, DoctorScreen):
            self.push_screen(DoctorScreen(self.backend))

    async def action_sign_out(self) -> None:
        """Sign out; offline too, once this station's copy holds the staff accounts (desk and
        kiosk accounts then sign in from it)."""
        station = self.backend.door_station
        if self.backend.offline and station is not None:
            from eventdesk.services.stations.mirror_staff import has_accounts

            if not has_accounts(station.mirror):  # no copy of the accounts yet
                self.notify(
                    _(
                        "Offline: this station has no copy of the staff accounts yet, so it stays "
                        "signed in until the server is back."
                    ),
                    title=_("Sign out"),
                    severity="warning",
                )
                return
        await self.sign_in(None)

    async def sign_in(self, staff: StaffInfo | None, mode: str | None = None) -> None:
        """Change who is signed in; the screens of the one before are dropped."""
        self.backend.staff = staff
        target = "login" if not self.backend.modes() else self._allowed(mode or self.start_mode)
        await self.switch_mode(target)
        for name in MODES:
            if name != target:
                await self._reset_mode(name)
        self.show_who()
        self.refresh_bindings()
        if staff is not None and self.backend.is_open:
            self._ask_door_event()

    async def _reset_mode(self, name: str) -> None:
        if name in self._screen_stacks:
            await self.remove_mode(name)
            self.add_mode(name, self.MODES[name])

    @on(SignedIn)
    async def signed_in(self, message: SignedIn) -> None:
        await self.sign_in(message.staff)

    @on(BadgePrinted)
    def badge_printed(self, message: BadgePrinted) -> None:
        outcome = message.outcome
        if message.news == "back" and self.current_mode != "kiosk":
            self.notify(
                # TRANSLATORS: a printer whose trouble was said printed a badge again
                _("{printer} is back: badges print again.").format(printer=outcome.job.printer),
                title=_("Printer"),
            )
        elif outcome.state != "done" and self.current_mode != "kiosk":
            job = outcome.job
            self.notify(
                # TRANSLATORS: {problem} says what the printer did ("out of paper")
                _("Badge for {ticket} on {printer}: {problem}").format(
                    ticket=job.ticket_id, printer=job.printer, problem=outcome.detail
                ),
                title=_("Printer"),
                severity="warning" if outcome.state == "queued" else "error",
            )
        if outcome.state == "done" and outcome.latin and self.current_mode != "kiosk":
            # Printed, a name in Latin letters: no font on this station draws it as written.
            job = outcome.job
            self.notify(
                _("Badge for {ticket} on {printer}: {problem}").format(
                    ticket=job.ticket_id, printer=job.printer, problem="; ".join(outcome.latin)
                ),
                title=_("Printer"),
                severity="warning",
            )

    @on(DatabaseStatus)
    def database_status(self, message: DatabaseStatus) -> None:
        """The print queue waits for the database (the screens say it for their scans)."""
        if message.source == "printer" and self.current_mode != "kiosk":
            state = message.state
            said = state.sentence()
            if self.backend.door_station is not None and not state.answering:
                said = _("badges wait for the server, and are printed when it is back")
            self.notify(
                # TRANSLATORS: {state} says how the database answers the print queue
                _("Print queue: {state}").format(state=said),
                title=_("Printer"),
                severity="information" if state.answering else "warning",
            )

    @on(BackupProblem)
    def backup_problem(self, message: BackupProblem) -> None:
        if self.current_mode == "kiosk":
            return  # attendees at the kiosk: the desk and the organizer see it
        if message.problem is None:
            self.notify(_("Backups work again."), title=_("Backup"))
        else:
            self.notify(
                _("Backup failed: {problem}").format(problem=message.problem),
                title=_("Backup"),
                severity="warning",
            )

    @on(ShopProblem)
    def shop_problem(self, message: ShopProblem) -> None:
        if self.current_mode == "kiosk":
            return  # attendees at the kiosk: the organizer sees it
        if message.problem is None:
            self.notify(_("The shop answers again."), title=_("Shop"))
        else:
            self.notify(message.problem, title=_("Shop"), severity="warning")

    @on(SyncProblem)
    def sync_problem(self, message: SyncProblem) -> None:
        if message.locked:  # asked once; given up, said once (the sync tries every round)
            if not self._unlock_asked:
                self._ask_passphrase(self.devices.poke_sync, lambda: self._locked_said(message))
            return
        if self.current_mode != "kiosk":
            self.notify(
                _("Syncing this station's mirror failed: {problem}").format(
                    problem=message.problem
                ),
                # TRANSLATORS: a notification's title: the station's copy of the server's data
                title=_("Offline copy"),
                severity="warning",
            )

    def _locked_said(self, message: SyncProblem) -> None:
        self.notify(message.problem, title=_("Offline copy"), severity="warning", timeout=30)

    @on(UploadRefused)
    def upload_refused(self, message: UploadRefused) -> None:
        """Scans this station decided offline that the server refused: a notice that stays
        until someone dismisses it (a click), on every screen, the kiosk's too (for staff)."""
        said = ngettext(
            "The server refused {count} scan this station decided offline: it is kept, and "
            "`eventdesk station outbox` says why.",
            "The server refused {count} scans this station decided offline: they are kept, and "
            "`eventdesk station outbox` says why.",
            message.count,
        ).format(count=message.count)
        if message.problem:
            said = f"{said} {message.problem}"
        self.notify(
            said,
            # TRANSLATORS: a notification's title: scans decided offline, refused on upload
            title=_("Offline scans refused"),
            severity="error",
            timeout=REFUSED_NOTICE_SECONDS,
            markup=False,
        )

    def show_who(self) -> None:
        staff = self.backend.staff
        if staff is not None:
            who = _("{name} ({role})").format(name=staff.name, role=label("staff_role", staff.role))
        else:
            who = _("not signed in")
        event = self.backend.door_title or _("no event")
        # TRANSLATORS: the top line (the header): the event, the station, who is signed in
        self.sub_title = _("{event}  ·  station {station}  ·  {who}").format(
            event=event, station=self.backend.station, who=who
        )


def make_app(
    config: Config,
    *,
    store: Store | None = None,
    opens: Callable[[], Store] | None = None,
    mode: str = "desk",
    sign_in_as: str | None = None,
    wall: bool = False,
    ready_file: str | Path | None = None,
) -> EventdeskApp:
    """The app for one station, on its settings (a command's options already put over them,
    ``Config.with_options``). Its database is ``store``; or ``opens`` opens it once the first
    screen is drawn (the sign-in screen: not with ``sign_in_as`` or ``wall``, which show the
    store's content first); else it is opened now."""
    if mode not in MODES:
        raise InvalidInput(
            _("mode must be one of {modes}").format(modes=", ".join(MODES)), field="mode"
        )
    show_control_characters()  # a name's escape sequences shown, never acted on
    measure_as_the_terminal()  # a Devanagari vowel sign takes the cell the terminal gives it
    keep_private(config.data_dir)
    from devices.printers import printers_of

    backend = Backend(
        config=config,
        event=config.door_event,
        camera=config.camera,
        decoder=config.decoder,
        printer=config.printer,
        auto_print=config.auto_print,
        direction=config.gate,
        checkin_list=config.checkin_list,
        printers=printers_of(config),
        wall=wall,
    )
    if store is None and (opens is None or sign_in_as is not None or wall):
        if opens is None:
            from eventdesk.opening import open_store

            store = open_store(config)
        else:
            store, opens = opens(), None
    if store is not None:  # open now; else the app opens it once its first screen is drawn
        backend.settle(open_station(config, store, event=backend.event, clock=backend.clock))
    if sign_in_as is not None:
        backend.staff = _staff_named(backend, sign_in_as)
    return EventdeskApp(
        backend,
        mode=mode,
        backup_minutes=config.backup_every_minutes,
        backup_keep=config.backup_keep,
        ready_file=Path(ready_file) if ready_file else None,
        open_store=opens,
    )


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _staff_named(backend: Backend, name: str) -> StaffInfo:
    """The account signed in with --sign-in-as (its PIN was checked already): on a server that
    does not answer, as the station's copy has it."""
    from eventdesk.services.stations.signin import staff_to_choose

    listed, _from_copy = staff_to_choose(backend.store, backend.door_station)
    for staff in listed:
        if staff.name.casefold() == name.casefold() and staff.active:
            return staff
    raise NotFound(_("no active staff account {name!r}").format(name=name), field="staff")

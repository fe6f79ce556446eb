"""The station's background machinery: camera scanner, print worker and backup schedule.

Each runs in its own thread and reports by posting messages (screens/messages.py) to whichever
screen is listening (the ``sink``); nothing here touches a widget.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from textual.message import Message
from textual.message_pump import MessagePump

from eventdesk.config import SoundScreen
from eventdesk.errors import EventdeskError
from eventdesk.i18n import _
from screens.backend import Backend
from screens.messages import (
    BackupProblem,
    BadgePrinted,
    CameraFrame,
    CameraStatus,
    DatabaseStatus,
    ShopProblem,
    SyncProblem,
    UploadRefused,
)
from screens.scanner_keys import scan_decided

if TYPE_CHECKING:  # OpenCV, the printer stack and sound load when first used (start-up time)
    from devices.capture import CaptureState, CaptureWorker, Frame
    from devices.news import PrinterNews
    from devices.outage import DatabaseState
    from devices.print_worker import PrintOutcome, PrintWorker
    from devices.scanner import Decision, ScanWorker
    from devices.sound import Cue, DoorSound
    from eventdesk.services.data.backup import BackupSchedule
    from eventdesk.services.data.shop_loop import ShopLoop, ShopRound
    from eventdesk.services.door.scan_result import ScanResult
    from eventdesk.services.stations.offline import SyncReport
    from eventdesk.services.stations.sync_loop import SyncLoop

PREVIEW_FPS = 5.0
BELLS = {"yes": 1, "desk": 2, "no": 3}  # the terminal's bells for an answer, without sound
BELL_GAP = 0.25  # seconds between two of them


class Devices:
    """Starts and stops the station's devices; routes what they say to the current sink."""

    def __init__(self, backend: Backend, sink: MessagePump) -> None:
        self.backend = backend
        self.app_sink = sink
        self.sink: MessagePump = sink  # the screen that shows scans (kiosk or desk), else the app
        self.capture: CaptureWorker | None = None
        self.scanner: ScanWorker | None = None
        self.printer: PrintWorker | None = None
        self.backups: BackupSchedule | None = None
        self.shops: ShopLoop | None = None
        self.shop_problem: str | None = None  # the last one said
        self.sync: SyncLoop | None = None
        self.refused_said = 0  # offline scans the server refused, said on the screen
        self.sound: DoorSound | None = None
        # The screens that play a sound per answer, as the station's settings say (read once:
        # a station's settings are fixed while it runs).
        self.sound_screens = frozenset(
            screen for screen in get_args(SoundScreen) if backend.config.sound_on(screen)
        )
        self.last_cue: Cue | None = None  # the sound of the last answer, when one was played
        self.decoder_name = ""
        self.camera_state = "stopped"
        self.camera_detail = _("no camera configured") if backend.camera is None else ""
        self.last_print: PrintOutcome | None = None
        self.printer_news: PrinterNews | None = None  # what the app is told of the print queue
        self.preview_size = (64, 36)  # pixels: one terminal cell shows two stacked pixels
        # The door's event, operator, printer and self-service the scanner decides for.
        self._scanning_for: tuple[str | bool | None, ...] = ()
        self._last_preview = 0.0
        self._lock = threading.Lock()
        self._stopped = False  # the app is closing: the print queue no longer starts

    # --- routing ----------------------------------------------------------------------------
    def listen(self, sink: MessagePump | None) -> None:
        """Scans, camera state and previews go to ``sink`` from now on (None: the app)."""
        self.sink = sink or self.app_sink
        self.sink.post_message(CameraStatus(self.camera_state, self.camera_detail))

    def _post(self, message: Message) -> None:
        self.sink.post_message(message)

    def warm_scanner(self) -> None:
        """Load the scan pipeline (OpenCV with it) in the background, once the screen is up:
        the first ticket scanned is then answered as fast as the next ones."""
        if "devices.scanner" not in sys.modules:
            threading.Thread(
                target=importlib.import_module, args=("devices.scanner",), daemon=True
            ).start()

    # --- camera -----------------------------------------------------------------------------
    def start_camera(self, *, self_service: bool = False) -> bool:
        """Start the configured camera once; False (with a CameraStatus saying why) if it can't.
        When the door's event (or who is signed in, or the printer) changed since, the scanner
        is started again for it: a camera never admits for the event the door had before. A
        self-service kiosk's scanner sends a ticket that needs staff to the desk."""
        with self._lock:
            backend = self.backend
            wanted = (backend.admits, backend.operator, backend.print_to, self_service)
            if self.scanner is not None and wanted != self._scanning_for:
                self._stop_camera()
            camera = backend.camera
            if camera is None or self.scanner is not None:
                return self.scanner is not None
            self._scanning_for = wanted
            from devices.capture import CaptureState, CaptureWorker, parse_source
            from devices.decoders import describe, make_decoder

            try:
                source = parse_source(camera)
                decoder = make_decoder(self.backend.decoder)
            except EventdeskError as exc:
                self._on_state(CaptureState.FAILED, exc.message)
                return False
            self.decoder_name = describe(decoder)
            self.capture = CaptureWorker(
                source, on_state=self._on_state, realtime=source.kind == "file"
            )
            self.scanner = backend.parts.scanner(
                # The station's one door, set as the station is (an exit gate, a list, a badge
                # station's kiosk, a server's copy while it is away).
                lambda: backend.checkin(self_service=self_service),
                self.capture,
                decoder,
                on_decision=self._on_decision,
                on_failure=self._on_failure,
                on_database=self._on_database,
                on_frame=self._on_frame,
            )
            self.capture.start()
            self.scanner.start()
            return True

    def _stop_camera(self) -> None:
        for worker in (self.scanner, self.capture):
            if worker is not None:
                worker.stop()
        for worker in (self.scanner, self.capture):
            if worker is not None and worker.is_alive():
                worker.join(2.0)
        self.scanner = self.capture = None

    def _on_state(self, state: CaptureState, detail: str) -> None:
        self.camera_state, self.camera_detail = state.value, detail
        self._post(CameraStatus(state.value, detail))

    def _on_decision(self, decision: Decision) -> None:
        self._post(scan_decided(decision, "camera"))
        if self.printer is not None and decision.result.badge_queued:
            self.printer.wake()

    def _on_failure(self, exc: BaseException) -> None:
        from devices.outage import is_outage

        if not is_outage(exc):  # the database not answering is said by _on_database
            # The state is a code (the screens say it in their words); the detail is said.
            state = "check-in failed"  # not for translation: a camera state code
            detail = _("shown again, it is tried again ({error})").format(error=exc)
            self._post(CameraStatus(state, detail))

    def _on_database(self, state: DatabaseState) -> None:
        """The camera's scans wait for the database (kept, decided when it answers)."""
        self._post(DatabaseStatus(state, "camera"))

    def _on_frame(self, frame: Frame) -> None:
        now = time.monotonic()
        if now - self._last_preview < 1 / PREVIEW_FPS:
            return  # stale frames are simply not shown
        self._last_preview = now
        import numpy as np

        from devices.opencv import cv2

        width, height = self.preview_size
        small = cv2.resize(frame.image, (width, height), interpolation=cv2.INTER_AREA)
        rgb = np.ascontiguousarray(small[:, :, ::-1], dtype=np.uint8)
        self._post(CameraFrame(rgb))

    # --- printing ---------------------------------------------------------------------------
    def start_printing(self) -> None:
        """Drain this station's print queue in the background (badges queued at check-in).
        Runs in a thread once the first screen is up: an app stopped meanwhile starts none."""
        if self.printer is not None or not self.backend.printers or self._stopped:
            return
        printer = self.backend.parts.printer(
            on_outcome=self._on_outcome, on_database=self._on_print_database
        )
        if printer is None:
            return
        with self._lock:
            if self._stopped or self.printer is not None:
                return
            printer.start()  # then shown: whoever sees it sees it running
            self.printer = printer

    def _on_outcome(self, outcome: PrintOutcome) -> None:
        self.last_print = outcome
        if self.printer_news is None:  # in the print worker's thread, the only one to come here
            from devices.news import PrinterNews

            self.printer_news = PrinterNews()
        news = self.printer_news.told(outcome)
        if news is not None:  # a printer off: once, not at each try
            self.app_sink.post_message(BadgePrinted(outcome, news))
        if self.sink is not self.app_sink:
            self.sink.post_message(BadgePrinted(outcome))

    def _on_print_database(self, state: DatabaseState) -> None:
        self.app_sink.post_message(DatabaseStatus(state, "printer"))

    def wake_printer(self) -> None:
        if self.printer is not None:
            self.printer.wake()

    # --- the server and the mirror -------------------------------------------------------
    def start_sync(self) -> None:
        """A station on a server: upload what was decided offline and refresh the mirror
        every few seconds (every second while the server is away), in a thread."""
        station = self.backend.door_station
        if station is None or self.sync is not None:
            return
        from eventdesk.services.folder_lock import FolderLock

        FolderLock.purpose = "eventdesk app"  # not for translation: a command
        self.sync = self.backend.parts.sync(on_round=self._sync_round, on_error=self._sync_failed)

    def poke_sync(self) -> None:
        """A round of sync now (the copy was just unlocked, say)."""
        if self.sync is not None:
            self.sync.poke()

    def _sync_round(self, report: SyncReport) -> None:
        """In the sync's thread: scans the server refused, said on the screen when there are
        more than were said (once at start for those refused before)."""
        if report.refused > self.refused_said:
            problem = next((p for p in report.problems if p), None)
            self.app_sink.post_message(UploadRefused(report.refused, problem))
        self.refused_said = report.refused

    def _sync_failed(self, exc: BaseException) -> None:
        from eventdesk.services.stations.copy_key import CopyLocked

        self.app_sink.post_message(SyncProblem(str(exc), locked=isinstance(exc, CopyLocked)))

    # --- shops ------------------------------------------------------------------------------
    def start_shops(self, data_dir: Path) -> None:
        """The shops this station holds connections to, exchanged with every minute while the
        app runs (services.data.shop_loop); nothing when it holds none."""
        from eventdesk.services.data import pretix

        if self.shops is not None or not pretix.connected(data_dir):
            return
        from eventdesk.services.data.shop_loop import ShopLoop

        self.shops = ShopLoop(self.backend.store, data_dir, on_round=self._shop_round)
        self.shops.start()

    def _shop_round(self, rounds: list[ShopRound]) -> None:
        """In the shops' thread: a problem said when it changes (a revoked token once)."""
        problem = next((r.words() for r in rounds if r.problem is not None), None)
        if problem != self.shop_problem:
            self.shop_problem = problem
            self.app_sink.post_message(ShopProblem(problem))

    # --- backups ----------------------------------------------------------------------------
    def start_backups(self, data_dir: Path, minutes: float, keep: int) -> None:
        if self.backups is None and self.backend.store.is_sqlite:
            from eventdesk.services.data.backup import BackupSchedule

            self.backups = BackupSchedule(
                self.backend.store,
                data_dir,
                minutes=minutes,
                keep=keep,
                on_problem=self._on_backup_problem,
            )
            self.backups.start()

    def _on_backup_problem(self, problem: str | None) -> None:
        self.app_sink.post_message(BackupProblem(problem))

    # --- shutdown ---------------------------------------------------------------------------
    # --- sound ------------------------------------------------------------------------------
    def sound_answer(self, screen: SoundScreen, result: ScanResult) -> Cue | None:
        """The answer's sound (yes, see the desk, no) where the station's settings want sound on
        ``screen``; the cue played, or None. Never waits and never fails: without a sound
        device it rings the terminal's bell."""
        from devices.sound import cue_for

        return self.sound_cue(screen, cue_for(result))

    def sound_cue(self, screen: SoundScreen, cue: Cue) -> Cue | None:
        """``cue`` played where the station's settings want sound on ``screen`` (a scan not
        decided sends the attendee to the desk: "desk")."""
        sound = self.warm_sound(screen)
        if sound is None:
            return None
        sound.play(cue)
        self.last_cue = cue
        return cue

    def warm_sound(self, screen: SoundScreen) -> DoorSound | None:
        """The station's sound, its device opened now (in its own thread) where ``screen``
        plays sounds: the first answer is heard as soon as the next. None: quiet here."""
        if screen not in self.sound_screens:
            return None
        from devices.sound import DoorSound

        with self._lock:
            if self.sound is None:
                self.sound = DoorSound(fallback=self._bell)
            return self.sound

    def _bell(self, cue: str) -> None:
        """No sound device: the terminal's bell, once for yes, twice for "see the desk",
        three times for no (a bell rung faster than this is heard as one)."""
        bell = getattr(self.app_sink, "bell", None)
        if not callable(bell):
            return
        for ring in range(BELLS.get(cue, 1)):
            timer = threading.Timer(ring * BELL_GAP, bell)
            timer.daemon = True
            timer.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        if self.sound is not None:
            self.sound.close()
        for worker in (
            self.scanner,
            self.capture,
            self.printer,
            self.backups,
            self.sync,
            self.shops,
        ):
            if worker is not None:
                worker.stop()
        for worker in (self.scanner, self.capture, self.printer):
            if worker is not None and worker.is_alive():
                worker.join(2.0)

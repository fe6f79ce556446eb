"""The organizer's Data tab: CSV import (dry run first), CSV export and backups, with progress.

Every file and database job runs in a thread worker that posts ``Progress`` and ``Said``
messages; the handlers move the bar and write the log.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Log, ProgressBar, Select, Static

from eventdesk.errors import EventdeskError
from eventdesk.event_time import show
from eventdesk.i18n import _, ngettext
from eventdesk.labels import label, options
from eventdesk.services.data.backup import PREFIX, backup, prune
from eventdesk.services.data.csvexport import EXPORTS, export
from eventdesk.services.data.csvio import ImportResult, import_attendees
from eventdesk.services.data.holds import export_holds
from eventdesk.values import number_text
from screens.backend import Backend
from screens.organizer.exports import chosen_file, suggested


def _size(count: int) -> str:
    if count >= 1024:
        # TRANSLATORS: a file's size in kibibytes
        return _("{size} KiB").format(size=number_text(count / 1024))
    # TRANSLATORS: a file's size in bytes
    return _("{size} B").format(size=count)


def backup_time(name: str, zone: ZoneInfo) -> str:
    """When a backup was taken, in ``zone`` (the door's event's, as every time on the screens):
    'eventdesk-20261121-073522-140485.db' (its name says UTC) -> '2026-11-21 08:35:22 CET'
    in Europe/Berlin (else the name)."""
    stamp = name.removeprefix(PREFIX).removesuffix(".db")
    try:
        taken = datetime.strptime(stamp, "%Y%m%d-%H%M%S-%f").replace(tzinfo=UTC)
    except ValueError:
        return name
    return show(taken, zone, "stamp_seconds")


def latest_backups(data_dir: Path, count: int = 3) -> list[Path]:
    """The newest backup files, newest first."""
    return sorted((data_dir / "backups").glob(f"{PREFIX}*.db"), reverse=True)[:count]


def describe_import(result: ImportResult, path: str) -> list[str]:
    values = {
        "path": path,
        "rows": result.rows,
        "count": result.imported,
        "new": result.new_attendees,
        "waitlisted": result.waitlisted,
        "skipped": result.skipped,
    }
    if result.dry_run:
        head = ngettext(
            "Dry run of {path}: {rows} row", "Dry run of {path}: {rows} rows", result.rows
        )
        said = ngettext(
            "{count} would be registered ({new} new attendees, {waitlisted} on the waitlist), "
            "{skipped} already there or repeated",
            "{count} would be registered ({new} new attendees, {waitlisted} on the waitlist), "
            "{skipped} already there or repeated",
            result.imported,
        )
    else:
        head = ngettext("Imported {path}: {rows} row", "Imported {path}: {rows} rows", result.rows)
        said = ngettext(
            "{count} registered ({new} new attendees, {waitlisted} on the waitlist), "
            "{skipped} already there or repeated",
            "{count} registered ({new} new attendees, {waitlisted} on the waitlist), "
            "{skipped} already there or repeated",
            result.imported,
        )
    lines = [head.format(**values), "  " + said.format(**values)]
    lines += [f"  {note}" for note in result.notes]
    return lines


def problem_lines(message: str) -> list[str]:
    """An import error names its bad rows after a colon, separated by '; ': one per line."""
    head, sep, rest = message.partition(": row ")
    if not sep:
        return [message]
    return [head + ":"] + [f"  row {part}" for part in rest.split("; row ")]


class DataPane(Vertical):
    """Import attendees from CSV, export CSVs, make and prune backups."""

    @dataclass
    class Progress(Message):
        """How far a job is; ``total`` None means we cannot tell (indeterminate)."""

        done: int
        total: int | None

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, DataPane.Progress)

    @dataclass
    class Said(Message):
        """Lines for the log; ``ok`` False marks a failure."""

        lines: list[str]
        ok: bool = True

    @dataclass
    class Finished(Message):
        """A job ended. ``checked`` is (path, event) after a good dry run."""

        job: str
        ok: bool
        checked: tuple[str, str] | None = None
        expected: int | None = None  # rows a good dry run would register
        latest: str | None = None
        shop: str | None = None  # the event's shop connection in a line ("": none)
        changed: bool = False  # the database changed: the screen reloads its lists

    def __init__(self, backend: Backend, *, keep: int = 24, id: str | None = None) -> None:
        super().__init__(id=id)
        self.backend, self.keep = backend, keep
        self.event = backend.event  # the event the organizer works on (not the door's)
        self.checked: tuple[str, str] | None = None  # the file and event of the last dry run
        self.expected: int | None = None  # how many rows that dry run would register
        self.auto_path = True  # the export path follows the kind and event until typed over
        self.busy = False
        self.shop_connected = False  # the event has a shop connected at this station

    def compose(self) -> ComposeResult:
        with Horizontal(classes="data-row"):
            yield Label(_("Import CSV"), classes="data-label")
            yield Input(placeholder="path/to/attendees.csv", id="import-path", compact=True)
            yield Button(_("Dry run"), id="import-check", compact=True)
            yield Button(
                _("Import"), id="import-run", variant="primary", compact=True, disabled=True
            )
        with Horizontal(classes="data-row"):
            yield Label(_("Export"), classes="data-label")
            yield Select[str](
                options("export", EXPORTS),
                value="attendees",
                allow_blank=False,
                id="export-kind",
                compact=True,
            )
            yield Input(id="export-path", compact=True)
            yield Button(_("Export"), id="export-run", compact=True)
        with Horizontal(classes="data-row"):
            yield Label(_("Backup"), classes="data-label")
            yield Button(_("Back up now"), id="backup-run", compact=True)
            prune = ngettext("Prune (keep {count})", "Prune (keep {count})", self.keep)
            yield Button(prune.format(count=self.keep), id="backup-prune", compact=True)
            yield Static("", id="backup-latest")
        with Horizontal(classes="data-row", id="shop-row"):
            # TRANSLATORS: the row of the Data tab with the online shop the event sells on
            yield Label(_("Shop"), classes="data-label")
            yield Button(_("Sync with the shop"), id="shop-sync", compact=True, disabled=True)
            yield Static("", id="shop-state")
        with Horizontal(classes="data-row"):
            yield Label(_("Progress"), classes="data-label")
            yield ProgressBar(total=1, show_eta=False, id="data-progress")
        yield Log(id="data-log", highlight=False)

    def on_mount(self) -> None:
        self.refresh_export_path()
        self.list_backups()
        self.show_shop(self.event)

    # --- helpers on the UI thread -------------------------------------------------------------
    def write(self, lines: list[str], ok: bool = True) -> None:
        log = self.query_one("#data-log", Log)
        width = max(log.size.width - 2, 40)
        for number, line in enumerate(lines):
            text = ("✓ " if ok else "✗ ") + line if number == 0 else "  " + line
            log.write_lines(textwrap.wrap(text, width, subsequent_indent="    ") or [""])

    def shop_said(self, line: str) -> None:
        self.shop_connected = bool(line)
        self.query_one("#shop-state", Static).update(
            line or _("none connected: `eventdesk shop connect pretix URL …`")
        )
        self.query_one("#shop-sync", Button).disabled = self.busy or not line

    def refresh_export_path(self) -> None:
        """The export file offered: DATA_DIR/exports/<event>-<kind>.csv (any other typed)."""
        if not self.auto_path:
            return
        kind = self.query_one("#export-kind", Select).value
        event = self.event or "event"  # not for translation: a file's name
        path = self.query_one("#export-path", Input)
        with path.prevent(Input.Changed):
            path.value = suggested(self.backend, f"{event}-{kind}.csv")

    def event_changed(self, event: str) -> None:
        self.event = event
        self.checked = None
        self.query_one("#import-run", Button).disabled = True
        self.refresh_export_path()
        self.show_shop(event)

    def _start(self, text: str, total: int | None) -> bool:
        if self.busy:
            self.app.notify(_("Wait for the job that is running."), severity="warning")
            return False
        self.busy = True
        for button in self.query(Button).results(Button):
            button.disabled = True
        self.query_one("#data-progress", ProgressBar).update(total=total, progress=0)
        self.write([text])
        return True

    def _event(self) -> str | None:
        if self.event is None:
            self.app.notify(_("Choose or create an event first."), severity="error")
        return self.event

    # --- buttons ------------------------------------------------------------------------------
    @on(Input.Changed, "#import-path")
    def import_path_changed(self) -> None:
        self.checked = None
        self.query_one("#import-run", Button).disabled = True

    @on(Input.Changed, "#export-path")
    def export_path_typed(self) -> None:
        self.auto_path = False

    @on(Select.Changed, "#export-kind")
    def export_kind_changed(self) -> None:
        self.refresh_export_path()

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#import-check")
    def dry_run_pressed(self) -> None:
        path = self.query_one("#import-path", Input).value.strip()
        event = self._event()
        if not path:
            self.app.notify(_("Type the path of the CSV file first."), severity="error")
            return
        checking = _("Checking {path} for {event}…").format(path=path, event=event)
        if event is not None and self._start(checking, None):
            self.run_import(path, event, dry_run=True, total=None)

    @on(Button.Pressed, "#import-run")
    def import_pressed(self) -> None:
        path = self.query_one("#import-path", Input).value.strip()
        event = self._event()
        if event is None or self.checked is None or self.checked[:2] != (path, event):
            self.app.notify(_("Run the dry run of this file first."), severity="error")
            return
        importing = _("Importing {path} into {event}…").format(path=path, event=event)
        if self._start(importing, self.expected):
            self.run_import(path, event, dry_run=False, total=self.expected)

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-run")
    def export_pressed(self) -> None:
        kind = self.query_one("#export-kind", Select).value
        path = self.query_one("#export-path", Input).value.strip()
        event = self._event()
        if not isinstance(kind, str) or not path or event is None:
            if not path:
                self.app.notify(_("Type the path of the file to write."), severity="error")
            return
        exporting = _("Exporting {kind} of {event} to {path}…").format(
            kind=label("export", kind), event=event, path=path
        )
        if self._start(exporting, None):
            self.run_export(kind, event, path)

    @on(Button.Pressed, "#backup-run")
    def backup_pressed(self) -> None:
        if self._start(_("Backing up the database…"), None):
            self.run_backup()

    @on(Button.Pressed, "#backup-prune")
    def prune_pressed(self) -> None:
        removing = ngettext(
            "Removing all but the newest {count} backup…",
            "Removing all but the newest {count} backups…",
            self.keep,
        ).format(count=self.keep)
        if self._start(removing, None):
            self.run_prune()

    @on(Button.Pressed, "#shop-sync")
    def shop_sync_pressed(self) -> None:
        event = self._event()
        syncing = _("Syncing {event} with its shop…").format(event=event)
        if event is not None and self._start(syncing, None):
            self.run_shop_sync(event)

    # --- workers (no widgets here: they post) -------------------------------------------------
    @work(thread=True, exclusive=True, group="data-job")
    def run_import(self, path: str, event: str, *, dry_run: bool, total: int | None) -> None:
        done = 0

        def step(count: int) -> None:
            nonlocal done
            done += count
            self.post_message(self.Progress(done, total))

        try:
            result = import_attendees(
                self.backend.store,
                Path(path).expanduser(),
                event,
                dry_run=dry_run,
                station=self.backend.station,
                progress=None if dry_run else step,
            )
        except EventdeskError as exc:
            self.post_message(self.Said(problem_lines(exc.message), ok=False))
            self.post_message(self.Finished("import", False))
            return
        self.post_message(self.Progress(result.imported, result.imported))
        lines = describe_import(result, path)
        if dry_run:
            lines.append(
                _("Nothing changed yet: press Import to do it.")
                if result.imported
                else _("Nothing to import.")
            )
        self.post_message(self.Said(lines))
        checked = (path, event) if dry_run and result.imported else None
        self.post_message(
            self.Finished("import", True, checked, result.imported, changed=not dry_run)
        )

    @work(thread=True, exclusive=True, group="data-job")
    def run_export(self, kind: str, event: str, path: str) -> None:
        try:
            with chosen_file(path, field="export-path") as target:
                count = export(self.backend.store, kind, event, target)
        except EventdeskError as exc:
            self.post_message(self.Said([exc.message], ok=False))
            self.post_message(self.Finished("export", False))
            return
        self.post_message(self.Progress(1, 1))
        wrote = ngettext(
            "Wrote {count} {kind} row to {path}", "Wrote {count} {kind} rows to {path}", count
        ).format(count=count, kind=label("export", kind), path=target)
        self.post_message(self.Said([wrote, export_holds(kind, count)]))
        self.post_message(self.Finished("export", True))

    @work(thread=True, exclusive=True, group="data-job")
    def run_backup(self) -> None:
        data_dir = self.backend.config.data_dir
        try:
            made = backup(self.backend.store, data_dir)
        except EventdeskError as exc:
            self.post_message(self.Said([exc.message], ok=False))
            self.post_message(self.Finished("backup", False))
            return
        self.post_message(self.Progress(1, 1))
        lines = [
            _("Backup {path}").format(path=made.path),
            ngettext(
                "{size}, {tickets} ticket, {checked_in} checked in",
                "{size}, {tickets} tickets, {checked_in} checked in",
                made.tickets,
            ).format(size=_size(made.size), tickets=made.tickets, checked_in=made.checked_in),
            _("Latest backups:"),
        ]
        newest = latest_backups(data_dir)
        lines += [f"  {p.name} ({_size(p.stat().st_size)})" for p in newest]
        self.post_message(self.Said(lines))
        self.post_message(self.Finished("backup", True, latest=newest[0].name if newest else None))

    @work(thread=True, exclusive=True, group="data-job")
    def run_prune(self) -> None:
        data_dir = self.backend.config.data_dir
        try:
            removed = prune(data_dir, self.keep)
        except EventdeskError as exc:
            self.post_message(self.Said([exc.message], ok=False))
            self.post_message(self.Finished("prune", False))
            return
        self.post_message(self.Progress(1, 1))
        said = ngettext(
            "Removed {count} old backup", "Removed {count} old backups", len(removed)
        ).format(count=len(removed))
        self.post_message(self.Said([said]))
        newest = latest_backups(data_dir, 1)
        self.post_message(self.Finished("prune", True, latest=newest[0].name if newest else None))

    @work(thread=True, exclusive=True, group="data-job")
    def run_shop_sync(self, event: str) -> None:
        from eventdesk.services.data import pretix

        data_dir, written = self.backend.config.data_dir, 0

        def step(count: int) -> None:
            nonlocal written
            written += count
            self.post_message(self.Progress(written, None))

        try:
            connection = pretix.load(data_dir, event)
            done = pretix.pull(self.backend.store, connection, progress=step)
            pretix.reached(data_dir, connection, done)
        except EventdeskError as exc:
            self.post_message(self.Said([exc.message], ok=False))
            self.post_message(self.Finished("shop", False, shop=self._shop_line(event)))
            return
        lines = pretix.told(pretix.summary(event, done), done)
        self.post_message(self.Said(lines))
        self.post_message(self.Finished("shop", True, shop=self._shop_line(event), changed=True))

    def _shop_line(self, event: str | None) -> str:
        """The event's shop connection in a line, "" when it has none (on the worker)."""
        from eventdesk.services.data import pretix

        if event is None or event not in pretix.connected(self.backend.config.data_dir):
            return ""
        try:
            found = pretix.status(self.backend.store, self.backend.config.data_dir, event)
        except EventdeskError as exc:
            return exc.message
        when = found.reached()
        connection = found.connection
        return _(
            "pretix {organizer}/{shop_event}: last pull {reached}; {waiting} check-in(s) to "
            "send, {conflicts} conflict(s)"
        ).format(
            organizer=connection.organizer,
            shop_event=connection.event,
            reached=when,
            waiting=found.waiting,
            conflicts=found.conflicts,
        )

    @work(thread=True, exclusive=True, group="data-shop")
    def show_shop(self, event: str | None) -> None:
        self.post_message(self.Finished("list", True, shop=self._shop_line(event)))

    @work(thread=True, exclusive=True, group="data-list")
    def list_backups(self) -> None:
        newest = latest_backups(self.backend.config.data_dir, 1)
        self.post_message(self.Finished("list", True, latest=newest[0].name if newest else ""))

    # --- handlers -----------------------------------------------------------------------------
    @on(Progress)
    def progress(self, message: Progress) -> None:
        message.stop()
        self.query_one("#data-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )

    @on(Said)
    def said(self, message: Said) -> None:
        message.stop()
        self.write(message.lines, message.ok)
        if not message.ok:
            self.app.notify(message.lines[0], severity="error")

    @on(Finished)
    def finished(self, message: Finished) -> None:
        if message.latest is not None:
            latest = message.latest
            text = (
                _("latest {time}").format(time=backup_time(latest, self.backend.zone))
                if latest
                else _("no backup yet")
            )
            self.query_one("#backup-latest", Static).update(text)
        if message.shop is not None:
            self.shop_said(message.shop)
        if message.job == "list":
            message.stop()
            return
        self.busy = False
        for button in self.query(Button).results(Button):
            button.disabled = False
        bar = self.query_one("#data-progress", ProgressBar)
        if bar.total is None:
            bar.update(total=1, progress=1 if message.ok else 0)
        if message.job == "import":
            self.checked, self.expected = message.checked, message.expected
        path = self.query_one("#import-path", Input).value.strip()
        ready = self.checked is not None and self.checked == (path, self.event)
        self.query_one("#import-run", Button).disabled = not ready
        self.query_one("#shop-sync", Button).disabled = not self.shop_connected
        if not message.changed:
            message.stop()  # the screen hears only of changes to the database

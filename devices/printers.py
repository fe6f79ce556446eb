"""Printers: transports that take rendered bytes, named in DATA_DIR/eventdesk.toml (the settings
are read and checked in eventdesk.config):

    [station]
    printer = "front"        # where this station's badges go (default: "badges")
    auto_print = true        # print a badge at each check-in

    [printers.front]
    type = "tcp"             # folder | tcp | device | cups | file
    host = "192.168.1.50"    # tcp: raw port 9100 (Zebra ZPL, ESC/POS)
    language = "zpl"         # text | zpl | escpos | png
    width_mm = 62
    height_mm = 100
    dpi = 300

    [printers.labels]
    kind = "ql"              # a Brother QL (badges.brother makes its raster)
    model = "QL-820NWB"
    label = "62"             # 62 mm endless tape, or die-cut: "62x100"
    target = "tcp://192.168.1.51:9100"   # or /dev/usb/lp0, or file:PATH

The printer "badges" always exists: text badges written into DATA_DIR/badges/. A folder's or a
file printer's badge file nobody took is deleted once old (``keep_minutes``: devices.badge_files).
"""

from __future__ import annotations

import abc
import os
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from badges.badge import LabelSize
from devices.badge_files import sweep
from eventdesk.config import (
    CONFIG_FILE,
    DEFAULT_PRINTER,
    KEEP_MINUTES,
    Config,
    PrinterSettings,
    parse_settings,
    printer_tables,
)
from eventdesk.errors import EnvironmentProblem, InvalidInput
from eventdesk.i18n import N_, _

if TYPE_CHECKING:
    from badges.brother import QLStatus

SUFFIX = {"text": "txt", "zpl": "zpl", "escpos": "bin", "png": "png", "ql": "bin"}
HOST_STATUS = b"~HS"  # Zebra: three <STX>...<ETX> strings back
# What was sent, said in "printer NAME did not take ..." and "... did not answer ...".
# TRANSLATORS: completes "printer NAME did not take ..." and "printer NAME did not answer ..."
STATUS_ASKED = N_("a status request")
# TRANSLATORS: completes "printer NAME did not take ..." and "printer NAME did not answer ..."
TOOK_IT_ASKED = N_("a status request sent after the badge")
# TRANSLATORS: completes "printer NAME did not take ... (timed out)"
BADGE_SENT = N_("the badge")


class PrinterProblem(EnvironmentProblem):
    """A printer cannot print now."""


class PrinterOffline(PrinterProblem):
    """Off, unplugged, or not answering: the job waits and is tried again."""


class PrinterNeedsAttention(PrinterProblem):
    """Paper out, head open, paused: a person has to go to the printer."""


@dataclass(frozen=True)
class PrinterSpec:
    name: str
    kind: str
    language: str
    host: str | None = None
    port: int = 9100
    path: str | None = None
    queue: str | None = None
    timeout: float = 5.0
    size: LabelSize = field(default_factory=LabelSize)
    label_mm: tuple[float, float] | None = None  # the labels loaded (None: each layout's size)
    escpos_width_dots: int = 576
    zpl_font: str = "0"
    fonts: tuple[str, ...] = ()
    # A network printer is one machine every station may feed; a folder or USB printer belongs
    # to the station it hangs on, and only that station prints its jobs.
    shared: bool = False
    # A Brother QL (language "ql"): its model and label as brother_ql names them, and whether
    # its status is read back (auto | on | off: see send_ql).
    ql_model: str = "QL-810W"
    ql_label: str = "62"
    ql_status: str = "auto"
    # A folder's or a file printer's badge file nobody took is deleted this many seconds after
    # it was written (devices.badge_files).
    keep_seconds: float = KEEP_MINUTES * 60

    @property
    def render_options(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "label_mm": self.label_mm,
            "width_dots": self.escpos_width_dots,
            "fonts": self.fonts,
            "model": self.ql_model,
            "label": self.ql_label,
        }


def spec_of(name: str, settings: PrinterSettings, data_dir: Path) -> PrinterSpec:
    """The printer a checked ``[printers.NAME]`` table describes. A QL's model and label are
    checked against brother_ql's lists here: an unknown one is named before any badge."""
    path = settings.path or (str(data_dir / "badges") if settings.type == "folder" else None)
    model, label = "QL-810W", "62"
    if settings.language == "ql":
        from badges.brother import check

        try:
            model, label = check(str(settings.model), str(settings.label))
        except InvalidInput as exc:
            raise InvalidInput(
                f"{data_dir / CONFIG_FILE}: printers.{name}: {exc.message}",
                field=f"printers.{name}.{exc.field}",
            ) from None
    return PrinterSpec(
        name,
        settings.type,
        settings.language or "zpl",
        host=settings.host,
        port=settings.port,
        path=path,
        queue=settings.queue,
        timeout=float(settings.timeout),
        size=LabelSize(settings.width_mm or 62.0, settings.height_mm or 100.0, settings.dpi),
        label_mm=(
            None
            if settings.width_mm is None or settings.height_mm is None
            else (settings.width_mm, settings.height_mm)
        ),
        escpos_width_dots=settings.escpos_width_dots,
        zpl_font=settings.zpl_font,
        fonts=settings.fonts,
        shared=bool(settings.shared),
        ql_model=model,
        ql_label=label,
        ql_status=settings.status,
        keep_seconds=(settings.keep_minutes or KEEP_MINUTES) * 60,
    )


def printers_of(config: Config) -> dict[str, PrinterSpec]:
    """Every printer of this station's settings, the built-in text-badge folder included."""
    return {name: spec_of(name, raw, config.data_dir) for name, raw in config.printers.items()}


def printers_from_config(settings: Mapping[str, Any], data_dir: Path) -> dict[str, PrinterSpec]:
    """The printers of eventdesk.toml's content (a parsed table), checked as a station's are."""
    tables = printer_tables(parse_settings(settings, CONFIG_FILE), CONFIG_FILE)
    printers = {DEFAULT_PRINTER: PrinterSettings(type="folder"), **tables}
    return {name: spec_of(name, raw, data_dir) for name, raw in printers.items()}


# --- Zebra status -------------------------------------------------------------------------
@dataclass(frozen=True)
class ZebraStatus:
    paper_out: bool
    paused: bool
    head_open: bool
    ribbon_out: bool

    @property
    def problem(self) -> str | None:
        for flag, text in (
            # TRANSLATORS: a label printer's state, said after "printer NAME: "
            (self.paper_out, N_("paper out")),
            # TRANSLATORS: a label printer's state: its print head is open
            (self.head_open, N_("head open")),
            # TRANSLATORS: a label printer's state: its ink ribbon ran out
            (self.ribbon_out, N_("ribbon out")),
            # TRANSLATORS: a label printer's state
            (self.paused, N_("paused")),
        ):
            if flag:
                return _(text)
        return None


def parse_host_status(reply: bytes) -> ZebraStatus:
    """The three <STX>...<ETX> strings a Zebra answers to ~HS."""
    strings = [
        part.split(b"\x03")[0].decode("ascii", "replace") for part in reply.split(b"\x02")[1:]
    ]
    if len(strings) < 2:
        raise PrinterOffline(_("the printer's status answer was incomplete"))
    first, second = strings[0].split(","), strings[1].split(",")
    try:
        return ZebraStatus(
            paper_out=first[1].strip() == "1",
            paused=first[2].strip() == "1",
            head_open=second[2].strip() == "1",
            ribbon_out=second[3].strip() == "1",
        )
    except IndexError:
        raise PrinterOffline(_("the printer's status answer was not understood")) from None


# --- ESC/POS real-time status ---------------------------------------------------------------
# DLE EOT n (0x10 0x04 n) is answered at once with one byte, even while the printer is offline
# or busy: n=1 printer status, n=2 offline cause, n=4 roll paper sensor. In every answer bits 1
# and 4 are set and bits 0 and 7 clear.
REALTIME_STATUS = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12


@dataclass(frozen=True)
class EscposStatus:
    offline: bool  # n=1 bit 3
    cover_open: bool  # n=2 bit 2
    paper_out: bool  # n=2 bit 5 (stopped by paper end) or n=4 bits 5-6 (roll empty)
    error: bool  # n=2 bit 6
    paper_near_end: bool  # n=4 bits 2-3: still prints

    @property
    def problem(self) -> str | None:
        for flag, text in (
            (self.paper_out, N_("paper out")),
            # TRANSLATORS: a printer's state, said after "printer NAME: "
            (self.cover_open, N_("cover open")),
            # TRANSLATORS: a printer's state, said after "printer NAME: "
            (self.error, N_("printer error")),
            # TRANSLATORS: a printer's state, said after "printer NAME: "
            (self.offline, N_("offline (see the printer's panel)")),
        ):
            if flag:
                return _(text)
        return None


def parse_realtime_status(reply: bytes) -> EscposStatus:
    """The three bytes an ESC/POS printer answers to DLE EOT 1, DLE EOT 2 and DLE EOT 4."""
    if len(reply) < 3:
        raise PrinterOffline(_("the printer's status answer was incomplete"))
    printer, cause, paper = reply[:3]
    if any(byte & _FIXED_MASK != _FIXED_BITS for byte in (printer, cause, paper)):
        raise PrinterOffline(_("the printer's status answer was not understood"))
    return EscposStatus(
        offline=bool(printer & 0x08),
        cover_open=bool(cause & 0x04),
        paper_out=bool(cause & 0x20) or bool(paper & 0x60),
        error=bool(cause & 0x40),
        paper_near_end=bool(paper & 0x0C),
    )


def _write_device(spec: PrinterSpec, data: bytes) -> None:
    """Write to a device file without ever hanging: a stuck printer times out and waits."""
    try:
        fd = os.open(str(spec.path), os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise PrinterOffline(_device_problem(spec, exc)) from None
    try:
        _write_fd(spec, fd, data)
    finally:
        os.close(fd)


def _write_fd(spec: PrinterSpec, fd: int, data: bytes) -> None:
    """All of ``data`` to an open device file within the printer's timeout."""
    view = memoryview(data)
    deadline = time.monotonic() + spec.timeout
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            raise PrinterOffline(
                _("printer device {path} stopped taking data").format(path=spec.path)
            )
        _readable, ready, _failed = select.select([], [fd], [], left)
        if not ready:
            continue
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            continue
        except OSError as exc:
            raise PrinterOffline(_device_problem(spec, exc)) from None


def _device_problem(spec: PrinterSpec, exc: OSError) -> str:
    return _("printer device {path}: {problem}").format(path=spec.path, problem=exc.strerror or exc)


def _write_file(spec: PrinterSpec, target: Path, data: bytes) -> str:
    """A badge file, whole or absent (written beside it, then put in its place)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError as exc:
        raise PrinterOffline(
            _("printer {name}: cannot write {path}: {problem}").format(
                name=spec.name, path=target, problem=exc.strerror or exc
            )
        ) from None
    return str(target)


# --- transports ---------------------------------------------------------------------------
def _connect(spec: PrinterSpec) -> socket.socket:
    try:
        return socket.create_connection((str(spec.host), spec.port), timeout=spec.timeout)
    except ConnectionRefusedError:
        raise PrinterOffline(
            _("printer {name} at {host}:{port} refused the connection (is it switched on?)").format(
                name=spec.name, host=spec.host, port=spec.port
            )
        ) from None
    except TimeoutError:
        raise PrinterOffline(
            _("printer {name} at {host}:{port} did not answer").format(
                name=spec.name, host=spec.host, port=spec.port
            )
        ) from None
    except OSError as exc:
        raise PrinterOffline(
            _("printer {name} at {host}:{port}: {problem}").format(
                name=spec.name, host=spec.host, port=spec.port, problem=exc.strerror or exc
            )
        ) from None


def _read_answer(
    sock: socket.socket, enough: Callable[[bytes], bool], wait: float
) -> tuple[bytes, bool]:
    """What the printer says within ``wait`` seconds, until ``enough`` of it came; and whether
    it closed the connection."""
    reply = b""
    deadline = time.monotonic() + wait
    while not enough(reply):
        left = deadline - time.monotonic()
        if left <= 0:
            return reply, False
        sock.settimeout(left)
        try:
            chunk = sock.recv(1024)
        except TimeoutError:
            return reply, False
        except OSError:  # reset by the printer
            return reply, True
        if not chunk:
            return reply, True
        reply += chunk
    return reply, False


def _ask(
    spec: PrinterSpec,
    sock: socket.socket,
    request: bytes,
    enough: Callable[[bytes], bool],
    what: str,
    *,
    answered: Callable[[bytes], bool] | None = None,
) -> bytes:
    """Send ``request`` (a status request, or print data and a status request after it) and
    wait up to the printer's timeout until ``enough`` of an answer came; it counts as answered
    when ``answered`` (by default: ``enough``) holds. No answer means offline: the job waits."""
    try:
        sock.settimeout(spec.timeout)
        sock.sendall(request)  # the timeout bounds the whole write: a full buffer is a timeout
    except TimeoutError:
        raise PrinterOffline(_timed_out(spec, what)) from None
    except OSError as exc:
        raise PrinterOffline(_closed(spec, exc)) from None
    reply, closed = _read_answer(sock, enough, spec.timeout)
    if (answered or enough)(reply):
        return reply
    if closed:
        raise PrinterOffline(_closed_unanswered(spec))
    raise PrinterOffline(_unanswered(spec, what))


def _timed_out(spec: PrinterSpec, what: str) -> str:
    """``what`` (STATUS_ASKED, TOOK_IT_ASKED, BADGE_SENT) was not taken in time."""
    return _("printer {name} did not take {what} (timed out)").format(name=spec.name, what=_(what))


def _unanswered(spec: PrinterSpec, what: str) -> str:
    """``what`` (STATUS_ASKED, TOOK_IT_ASKED) had no answer."""
    return _("printer {name} did not answer {what}").format(name=spec.name, what=_(what))


def _closed(spec: PrinterSpec, exc: OSError) -> str:
    return _("printer {name} closed the connection ({problem})").format(
        name=spec.name, problem=exc.strerror or exc
    )


def _closed_unanswered(spec: PrinterSpec) -> str:
    return _("printer {name} closed the connection without answering").format(name=spec.name)


def _whole_host_status(reply: bytes) -> bool:
    return reply.count(b"\x03") >= 3


def zebra_status(spec: PrinterSpec) -> ZebraStatus:
    """Ask a ZPL printer ~HS; silence means offline."""
    with _connect(spec) as sock:
        return parse_host_status(_ask(spec, sock, HOST_STATUS, _whole_host_status, STATUS_ASKED))


def escpos_status(spec: PrinterSpec) -> EscposStatus:
    """Ask an ESC/POS printer DLE EOT 1, 2 and 4; silence means offline."""
    with _connect(spec) as sock:
        reply = _ask(spec, sock, REALTIME_STATUS, _three_bytes, STATUS_ASKED)
    return parse_realtime_status(reply)


def _three_bytes(reply: bytes) -> bool:
    return len(reply) >= 3


def _send_zpl(spec: PrinterSpec, data: bytes) -> None:
    """~HS, the label, ~HS: done only when the printer answered the status request that came
    after the label (it reads in order, so it has read the label)."""
    with _connect(spec) as sock:
        status = parse_host_status(_ask(spec, sock, HOST_STATUS, _whole_host_status, STATUS_ASKED))
        if status.problem:
            raise PrinterNeedsAttention(_attention(spec, status.problem))
        _ask(spec, sock, data + HOST_STATUS, _whole_host_status, TOOK_IT_ASKED)


def _attention(spec: PrinterSpec, problem: str) -> str:
    """What is wrong with the printer (``problem``: its state, said), naming it."""
    # TRANSLATORS: {problem} is the printer's state (paper out, cover open...)
    return _("printer {name}: {problem}").format(name=spec.name, problem=problem)


def _send_escpos(spec: PrinterSpec, data: bytes) -> None:
    """DLE EOT 1, 2, 4; the badge; DLE EOT 1: done only when the printer answered the status
    request that came after the badge (a real-time request is answered as it is read)."""
    with _connect(spec) as sock:
        status = parse_realtime_status(
            _ask(spec, sock, REALTIME_STATUS, _three_bytes, STATUS_ASKED)
        )
        if status.problem:
            raise PrinterNeedsAttention(_attention(spec, status.problem))
        # Bytes of an image that happen to read as DLE EOT n are answered too: wait (within the
        # timeout) for those answers and ours, so that the last one read is ours; any answer
        # says the printer is reading what was sent.
        expected = 1 + sum(data.count(b"\x10\x04" + bytes([n])) for n in (1, 2, 3, 4))
        _ask(
            spec,
            sock,
            data + b"\x10\x04\x01",
            lambda reply: len(reply) >= expected,
            TOOK_IT_ASKED,
            answered=bool,
        )


# --- Brother QL -------------------------------------------------------------------------------
# A QL answers a status request (ESC i S) with 32 bytes, and after a job says on its own that it
# printed it, or what went wrong (badges.brother reads them). On USB (a device file) it always
# answers; on the network many QLs say nothing at all on port 9100 (their status goes out by
# SNMP). So with ``status = "auto"`` a QL on the network that does not answer within
# QL_ANSWER_WAIT prints without it: its faults are not seen and the badge counts as printed once
# it took the bytes. "on" wants an answer everywhere (silence: offline), "off" never asks.
QL_ANSWER_WAIT = 1.0


class _QLLine(abc.ABC):
    """A two-way line to a QL: a TCP connection, or a device file opened read-write."""

    readable = True

    @abc.abstractmethod
    def write(self, data: bytes, what: str) -> None:
        """Send ``data`` (``what`` names it in a failure)."""

    @abc.abstractmethod
    def read(self, wait: float) -> bytes | None:
        """What came within ``wait`` seconds (b"": nothing); None: the line is closed."""

    def drain(self) -> None:  # noqa: B027 (a socket has nothing kept: no drain, by default)
        """Forget what the printer said before (a device file keeps its last notices)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Let the line go."""


class _SocketLine(_QLLine):
    def __init__(self, spec: PrinterSpec) -> None:
        self.spec, self.sock = spec, _connect(spec)

    def write(self, data: bytes, what: str) -> None:
        try:
            self.sock.settimeout(self.spec.timeout)
            self.sock.sendall(data)
        except TimeoutError:
            raise PrinterOffline(_timed_out(self.spec, what)) from None
        except OSError as exc:
            raise PrinterOffline(_closed(self.spec, exc)) from None

    def read(self, wait: float) -> bytes | None:
        self.sock.settimeout(max(wait, 0.001))
        try:
            chunk = self.sock.recv(1024)
        except TimeoutError:
            return b""
        except OSError:  # reset by the printer
            return None
        return chunk or None

    def close(self) -> None:
        self.sock.close()


class _DeviceLine(_QLLine):
    def __init__(self, spec: PrinterSpec) -> None:
        self.spec = spec
        try:
            self.fd = os.open(str(spec.path), os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY)
        except PermissionError:  # may be written but not read: no status from it
            self.readable = False
            try:
                self.fd = os.open(str(spec.path), os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
            except OSError as exc:
                raise PrinterOffline(_device_problem(spec, exc)) from None
        except OSError as exc:
            raise PrinterOffline(_device_problem(spec, exc)) from None

    def write(self, data: bytes, what: str) -> None:
        _write_fd(self.spec, self.fd, data)

    def read(self, wait: float) -> bytes | None:
        ready, _writable, _failed = select.select([self.fd], [], [], max(wait, 0))
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 1024)
        except BlockingIOError:
            return b""
        except OSError:  # unplugged
            return None
        if not chunk:  # nothing now, though the device said there was: do not spin
            time.sleep(min(wait, 0.02))
        return chunk

    def drain(self) -> None:
        for _try in range(64):
            if not self.read(0):
                return

    def close(self) -> None:
        os.close(self.fd)


def _ql_status(
    spec: PrinterSpec, line: _QLLine, wait: float, wanted: Callable[[QLStatus], bool]
) -> QLStatus | None:
    """The first status the printer sends within ``wait`` seconds (given again each time it
    says something) that ``wanted`` takes; None when none came."""
    from badges.brother import STATUS_HEADER, STATUS_SIZE, parse_status

    heard = b""
    deadline = time.monotonic() + wait
    while True:
        while (at := heard.find(STATUS_HEADER)) >= 0 and len(heard) >= at + STATUS_SIZE:
            record, heard = heard[at : at + STATUS_SIZE], heard[at + STATUS_SIZE :]
            try:
                status = parse_status(record, expected=spec.ql_label)
            except ValueError:
                continue
            if wanted(status):
                return status
            deadline = time.monotonic() + wait  # it is talking (printing): it has the time again
        if STATUS_HEADER[:1] not in heard:
            heard = b""  # nothing that starts a status
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        chunk = line.read(left)
        if chunk is None:
            raise PrinterOffline(_closed_unanswered(spec))
        heard += chunk


def _ql_fault(spec: PrinterSpec, status: QLStatus) -> None:
    """A status that says something is wrong, raised as the job's reason to wait."""
    problem = status.problem
    if problem is None:
        return
    if status.offline:
        raise PrinterOffline(_attention(spec, problem))
    raise PrinterNeedsAttention(_attention(spec, problem))


def _answer(status: QLStatus) -> bool:
    from badges.brother import ERROR, REPLY

    return status.kind in (REPLY, ERROR) or bool(status.errors)


def _finished(status: QLStatus) -> bool:
    return status.done or status.problem is not None


def _send_ql(spec: PrinterSpec, data: bytes) -> None:
    """Invalidate, initialize, ESC i S; the badge; then the printer's word that it printed it.

    A fault in the answer (out of labels, cover open, another label loaded) keeps the badge
    unsent: the job waits. A printer that answered is believed only when it says the job is
    printed: an error, or silence, and the job waits. One that does not answer (a QL on the
    network, with status "auto") gets the badge unasked (see QL_ANSWER_WAIT)."""
    from badges.brother import status_request

    line: _QLLine = _SocketLine(spec) if spec.kind == "tcp" else _DeviceLine(spec)
    try:
        answers = False
        if spec.ql_status != "off" and line.readable:
            required = spec.ql_status == "on" or spec.kind == "device"
            line.drain()
            line.write(status_request(spec.ql_model), STATUS_ASKED)
            wait = spec.timeout if required else min(spec.timeout, QL_ANSWER_WAIT)
            status = _ql_status(spec, line, wait, _answer)
            if status is None and required:
                raise PrinterOffline(_unanswered(spec, STATUS_ASKED))
            if status is not None:
                _ql_fault(spec, status)
                answers = True
        elif spec.ql_status == "on":
            raise PrinterOffline(
                _("printer {name}: {path} can be written but not read (no status)").format(
                    name=spec.name, path=spec.path
                )
            )
        line.write(data, BADGE_SENT)
        if answers:
            status = _ql_status(spec, line, spec.timeout, _finished)
            if status is None:
                raise PrinterOffline(
                    _("printer {name} did not say it printed the badge").format(name=spec.name)
                )
            _ql_fault(spec, status)
    finally:
        line.close()


def send(spec: PrinterSpec, data: bytes, *, label: str) -> str:
    """Deliver rendered bytes; returns where they went. Raises PrinterProblem.

    Over TCP a ZPL or ESC/POS badge is delivered only when the printer said so: its status is
    asked before (no answer: offline; paper out, cover open: needs attention) and after the
    data (an answer means it read the data). Text and PNG over TCP have no status to ask. A
    Brother QL over TCP or a device file: see _send_ql. A file printer's file holds the last
    badge, whole. A folder's or a file's badge nobody took is deleted once it is old (see
    devices.badge_files): a folder's are looked for before each badge written there."""
    if spec.kind == "folder":
        folder = Path(str(spec.path))
        sweep(spec)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{label}.{SUFFIX[spec.language]}"
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_bytes(data)
            os.replace(partial, target)  # a badge file is whole or absent
        except OSError as exc:
            raise PrinterOffline(
                _("cannot write badges to {folder}: {problem}").format(
                    folder=folder, problem=exc.strerror or exc
                )
            ) from None
        return str(target)
    if spec.kind == "file":
        return _write_file(spec, Path(str(spec.path)), data)
    if spec.language == "ql" and spec.kind in ("tcp", "device"):
        _send_ql(spec, data)
        return f"{spec.host}:{spec.port}" if spec.kind == "tcp" else str(spec.path)
    if spec.kind == "tcp":
        if spec.language == "zpl":
            _send_zpl(spec, data)
        elif spec.language == "escpos":
            _send_escpos(spec, data)
        else:
            with _connect(spec) as sock:
                try:
                    sock.sendall(data)
                    sock.shutdown(socket.SHUT_WR)
                except OSError as exc:
                    raise PrinterOffline(_attention(spec, exc.strerror or str(exc))) from None
        return f"{spec.host}:{spec.port}"
    if spec.kind == "device":
        _write_device(spec, data)
        return str(spec.path)
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterOffline(
            _("CUPS is not installed here: no lp command (apt-get install cups-client)")
        )
    try:
        done = subprocess.run(
            [lp, "-d", str(spec.queue), "-o", "raw", "-t", label, "-"],
            input=data,
            capture_output=True,
            timeout=max(spec.timeout, 10),
        )
    except subprocess.TimeoutExpired:
        raise PrinterOffline(_("lp -d {queue} did not finish").format(queue=spec.queue)) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = message[-1] if message else _("failed")  # lp's own words, else ours
        raise PrinterOffline(f"lp -d {spec.queue}: {said}")  # not for translation: a command
    return f"cups:{spec.queue}"

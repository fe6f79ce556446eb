"""Printers: transports that take rendered bytes, named in DATA_DIR/eventdesk.toml.

    [station]
    printer = "front"        # where this station's badges go (default: "badges")
    auto_print = true        # print a badge at each check-in

    [printers.front]
    type = "tcp"             # folder | tcp | device | cups
    host = "192.168.1.50"    # tcp: raw port 9100 (Zebra ZPL, ESC/POS)
    language = "zpl"         # text | zpl | escpos | png
    width_mm = 62
    height_mm = 100
    dpi = 300

The printer "badges" always exists: text badges written into DATA_DIR/badges/.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from badges.badge import LabelSize
from eventdesk.errors import EnvironmentProblem, InvalidInput, NotFound

KINDS = ("folder", "tcp", "device", "cups")
DEFAULT_PRINTER = "badges"
SUFFIX = {"text": "txt", "zpl": "zpl", "escpos": "bin", "png": "png"}


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
    escpos_width_dots: int = 576
    zpl_font: str = "0"
    fonts: tuple[str, ...] = ()
    # A network printer is one machine every station may feed; a folder or USB printer belongs
    # to the station it hangs on, and only that station prints its jobs.
    shared: bool = False

    @property
    def render_options(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "width_dots": self.escpos_width_dots,
            "font": self.zpl_font,
            "fonts": self.fonts,
        }


def _spec(name: str, raw: Mapping[str, Any], data_dir: Path) -> PrinterSpec:
    def bad(message: str) -> InvalidInput:
        return InvalidInput(
            f"printer {name!r} in eventdesk.toml: {message}", field=f"printers.{name}"
        )

    def number(key: str, default: float, low: float, high: float, *, whole: bool = False) -> Any:
        value = raw.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (whole and not isinstance(value, int))
        ):
            raise bad(f"{key} must be a {'whole ' if whole else ''}number")
        if not (low <= value <= high):  # also refuses nan and inf
            raise bad(f"{key} must be between {low:g} and {high:g}")
        return value

    kind = str(raw.get("type", "folder"))
    if kind not in KINDS:
        raise bad(f"type must be one of {', '.join(KINDS)}")
    language = str(raw.get("language", "text" if kind == "folder" else "zpl"))
    from badges.render import FORMATS

    if language not in FORMATS:
        raise bad(f"language must be one of {', '.join(FORMATS)}")
    try:
        size = LabelSize(
            number("width_mm", 62, 20, 300),
            number("height_mm", 100, 20, 500),
            number("dpi", 300, 150, 600, whole=True),
        )
    except InvalidInput as exc:
        raise bad(exc.message) from None
    port = number("port", 9100, 1, 65535, whole=True)
    timeout = number("timeout", 5, 0.1, 300)
    width_dots = number("escpos_width_dots", 576, 64, 4096, whole=True)
    if kind == "tcp" and not isinstance(raw.get("host"), str):
        raise bad("a tcp printer needs host")
    if kind == "device" and not isinstance(raw.get("path"), str):
        raise bad("a device printer needs path (e.g. /dev/usb/lp0)")
    if kind == "cups" and not isinstance(raw.get("queue"), str):
        raise bad("a cups printer needs queue (the name lp -d takes)")
    fonts = raw.get("fonts", [])
    if not isinstance(fonts, list) or not all(isinstance(f, str) for f in fonts):
        raise bad("fonts must be a list of font file paths")
    zpl_font = str(raw.get("zpl_font", "0"))
    if not re.fullmatch(r"[A-Z0-9]", zpl_font):
        raise bad("zpl_font must be one ZPL font letter or digit, e.g. 0")
    shared = raw.get("shared", kind in ("tcp", "cups"))
    if not isinstance(shared, bool):
        raise bad("shared must be true or false")
    path = raw.get("path") or (str(data_dir / "badges") if kind == "folder" else None)
    return PrinterSpec(
        name,
        kind,
        language,
        host=raw.get("host"),
        port=port,
        path=path,
        queue=raw.get("queue"),
        timeout=float(timeout),
        size=size,
        escpos_width_dots=width_dots,
        zpl_font=zpl_font,
        fonts=tuple(fonts),
        shared=shared,
    )


def printers_from_config(settings: Mapping[str, Any], data_dir: Path) -> dict[str, PrinterSpec]:
    """Every configured printer, and the built-in text-badge folder 'badges'."""
    section = settings.get("printers", {})
    if not isinstance(section, Mapping):
        raise InvalidInput(
            "[printers] in eventdesk.toml must be a table of printers", field="printers"
        )
    printers = {DEFAULT_PRINTER: _spec(DEFAULT_PRINTER, {"type": "folder"}, data_dir)}
    for name, raw in section.items():
        if not isinstance(raw, Mapping):
            raise InvalidInput(f"[printers.{name}] must be a table", field=f"printers.{name}")
        printers[str(name)] = _spec(str(name), raw, data_dir)
    return printers


def station_printing(settings: Mapping[str, Any]) -> tuple[str, bool]:
    """(this station's printer, whether it prints at every check-in)."""
    station = settings.get("station", {})
    if not isinstance(station, Mapping):
        raise InvalidInput("[station] in eventdesk.toml must be a table", field="station")
    auto = station.get("auto_print", False)
    if not isinstance(auto, bool):
        raise InvalidInput(
            "[station] auto_print in eventdesk.toml must be true or false", field="auto_print"
        )
    printer = station.get("printer", DEFAULT_PRINTER)
    if not isinstance(printer, str) or not printer.strip():
        raise InvalidInput(
            "[station] printer in eventdesk.toml must be a printer's name", field="printer"
        )
    return printer, auto


def pick(printers: Mapping[str, PrinterSpec], name: str) -> PrinterSpec:
    if name not in printers:
        known = ", ".join(sorted(printers))
        raise NotFound(
            f"no printer {name!r} (known: {known}; add it to eventdesk.toml)", field="printer"
        )
    return printers[name]


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
            (self.paper_out, "paper out"),
            (self.head_open, "head open"),
            (self.ribbon_out, "ribbon out"),
            (self.paused, "paused"),
        ):
            if flag:
                return text
        return None


def parse_host_status(reply: bytes) -> ZebraStatus:
    """The three <STX>...<ETX> strings a Zebra answers to ~HS."""
    strings = [
        part.split(b"\x03")[0].decode("ascii", "replace") for part in reply.split(b"\x02")[1:]
    ]
    if len(strings) < 2:
        raise PrinterOffline("the printer's status answer was incomplete")
    first, second = strings[0].split(","), strings[1].split(",")
    try:
        return ZebraStatus(
            paper_out=first[1].strip() == "1",
            paused=first[2].strip() == "1",
            head_open=second[2].strip() == "1",
            ribbon_out=second[3].strip() == "1",
        )
    except IndexError:
        raise PrinterOffline("the printer's status answer was not understood") from None


def _write_device(spec: PrinterSpec, data: bytes) -> None:
    """Write to a device file without ever hanging: a stuck printer times out and waits."""
    try:
        fd = os.open(str(spec.path), os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise PrinterOffline(f"printer device {spec.path}: {exc.strerror or exc}") from None
    try:
        view = memoryview(data)
        deadline = time.monotonic() + spec.timeout
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PrinterOffline(f"printer device {spec.path} stopped taking data")
            _, ready, _ = select.select([], [fd], [], left)
            if not ready:
                continue
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                continue
            except OSError as exc:
                raise PrinterOffline(f"printer device {spec.path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


# --- transports ---------------------------------------------------------------------------
def _connect(spec: PrinterSpec) -> socket.socket:
    try:
        return socket.create_connection((str(spec.host), spec.port), timeout=spec.timeout)
    except ConnectionRefusedError:
        raise PrinterOffline(
            f"printer {spec.name} at {spec.host}:{spec.port} refused the connection "
            "(is it switched on?)"
        ) from None
    except TimeoutError:
        raise PrinterOffline(
            f"printer {spec.name} at {spec.host}:{spec.port} did not answer"
        ) from None
    except OSError as exc:
        raise PrinterOffline(
            f"printer {spec.name} at {spec.host}:{spec.port}: {exc.strerror or exc}"
        ) from None


def zebra_status(spec: PrinterSpec, wait: float = 2.0) -> ZebraStatus:
    """Ask a ZPL printer ~HS; silence means offline."""
    with _connect(spec) as sock:
        sock.settimeout(wait)
        try:
            sock.sendall(b"~HS")
            reply = b""
            deadline = time.monotonic() + wait
            while reply.count(b"\x03") < 3 and time.monotonic() < deadline:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                reply += chunk
        except TimeoutError:
            pass
        except OSError as exc:
            raise PrinterOffline(f"printer {spec.name}: {exc.strerror or exc}") from None
    if not reply:
        raise PrinterOffline(f"printer {spec.name} did not answer a status request")
    return parse_host_status(reply)


def send(spec: PrinterSpec, data: bytes, *, label: str) -> str:
    """Deliver rendered bytes; returns where they went. Raises PrinterProblem."""
    if spec.kind == "folder":
        folder = Path(str(spec.path))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{label}.{SUFFIX[spec.language]}"
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_bytes(data)
            os.replace(partial, target)  # a badge file is whole or absent
        except OSError as exc:
            raise PrinterOffline(
                f"cannot write badges to {folder}: {exc.strerror or exc}"
            ) from None
        return str(target)
    if spec.kind == "tcp":
        if spec.language == "zpl":
            problem = zebra_status(spec).problem
            if problem:
                raise PrinterNeedsAttention(f"printer {spec.name}: {problem}")
        with _connect(spec) as sock:
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except OSError as exc:
                raise PrinterOffline(f"printer {spec.name}: {exc.strerror or exc}") from None
        return f"{spec.host}:{spec.port}"
    if spec.kind == "device":
        _write_device(spec, data)
        return str(spec.path)
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterOffline(
            "CUPS is not installed here: no lp command (apt-get install cups-client)"
        )
    try:
        done = subprocess.run(
            [lp, "-d", str(spec.queue), "-o", "raw", "-t", label, "-"],
            input=data,
            capture_output=True,
            timeout=max(spec.timeout, 10),
        )
    except subprocess.TimeoutExpired:
        raise PrinterOffline(f"lp -d {spec.queue} did not finish") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PrinterOffline(f"lp -d {spec.queue}: {message[-1] if message else 'failed'}")
    return f"cups:{spec.queue}"

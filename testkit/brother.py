"""A Brother QL label printer on a loopback TCP socket, and on a pseudo-terminal standing in for
its USB device file (/dev/usb/lp0), for tests.

``FakeQL`` reads the raster language instruction by instruction, with the opcode table of
brother_ql's own reader (so a raster row is never taken for a command, whatever its bytes). It
answers each status request (ESC i S) with a real 32-byte status; at each print command it
prints the job (records everything the connection sent since the last one, in ``labels``) and
says so, as a QL in automatic status mode does: phase change to printing, "printing completed",
phase change to waiting. A job it cannot print gets an "error occurred" status instead and is
not recorded (``refused`` counts them).

Modes: ok | no_media (out of labels) | cover_open | runs_out (fine until a job comes, then out
of labels) | silent | stalls | never_reads | closes (see testkit.zebra). ``loaded`` is the label
in the printer ("62", "29x90"...): a job for another gets "replace media" and is not printed.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import tty
from collections.abc import Callable

from brother_ql.labels import FormFactor, LabelsManager  # type: ignore[import-untyped]
from brother_ql.reader import OPCODES, RESP_MODEL_CODES  # type: ignore[import-untyped]

from testkit.zebra import LoopbackPrinter

# Status types and phases (byte 18 and 19 of a status).
REPLY, COMPLETED, ERROR, PHASE_CHANGE = 0x00, 0x01, 0x02, 0x06
WAITING, PRINTING = 0x00, 0x01
# Error bits: byte 8 (error information 1) and byte 9 (error information 2).
NO_MEDIA = 0x01  # byte 8 bit 0: no media when printing
REPLACE_MEDIA = 0x01  # byte 9 bit 0
COVER_OPEN = 0x10  # byte 9 bit 4
ENDLESS, DIE_CUT = 0x0A, 0x0B
FAULTS = ("no_media", "cover_open", "runs_out")


def model_code(model: str) -> int:
    """The code byte a QL of ``model`` puts in its status (brother_ql's reader's table)."""
    for code, names in RESP_MODEL_CODES.items():
        if model in str(names).split("/"):
            return int(code)
    raise ValueError(f"no status model code for {model}")


def status(
    *,
    model: str = "QL-810W",
    loaded: str | None = "62",
    kind: int = REPLY,
    phase: int = WAITING,
    error1: int = 0,
    error2: int = 0,
) -> bytes:
    """A QL's 32-byte status, laid out as Brother's raster command reference says: print head
    mark 0x80, size 32, "B", series "4", the model, errors, the media loaded (width, type,
    length in mm; none: ``loaded`` None), the status type and the phase."""
    width = length = media = 0
    if loaded is not None:
        label = LabelsManager()[loaded]
        width, length = label.tape_size
        media = ENDLESS if label.form_factor == FormFactor.ENDLESS else DIE_CUT
    out = bytearray(32)
    out[0:8] = bytes([0x80, 0x20, 0x42, 0x34, model_code(model), 0x30, 0x30, 0x00])
    out[8], out[9] = error1, error2
    out[10], out[11], out[17] = width, media, length
    out[18], out[19] = kind, phase
    return bytes(out)


def _instruction(data: bytes) -> tuple[str, int] | None:
    """The name and length of the instruction ``data`` starts with (brother_ql's opcodes); a
    byte no opcode starts is ("", 1); None: cut short, more is coming."""
    for opcode, (name, follows, _) in OPCODES.items():
        if data.startswith(opcode):
            if "raster" in name:  # opcode, a byte, the row's length, the row
                size = 3 + data[2] if len(data) >= 3 else len(data) + 1
            else:
                size = len(opcode) + max(int(follows), 0)
            return (str(name), size) if len(data) >= size else None
    if any(opcode.startswith(data) for opcode in OPCODES):
        return None
    return "", 1


class FakeQL(LoopbackPrinter):
    def __init__(self, model: str = "QL-810W", loaded: str | None = "62") -> None:
        super().__init__()
        self.model, self.loaded = model, loaded
        self.refused = 0  # jobs answered with an error instead of printed
        self.jobs_media: list[tuple[int, int, int]] = []  # (type, width, length) of each job
        self._device: tuple[int, int] | None = None  # a pseudo-terminal's two ends
        self._device_thread: threading.Thread | None = None

    def switch_on(self) -> FakeQL:
        super().switch_on()
        return self

    # --- its status -----------------------------------------------------------------------
    def status(self, kind: int = REPLY, phase: int = WAITING) -> bytes:
        """What the printer says now (``mode`` and ``loaded``)."""
        if self.mode == "no_media":
            return status(model=self.model, loaded=None, kind=kind, phase=phase, error1=NO_MEDIA)
        if self.mode == "cover_open":
            return status(
                model=self.model, loaded=self.loaded, kind=kind, phase=phase, error2=COVER_OPEN
            )
        return status(model=self.model, loaded=self.loaded, kind=kind, phase=phase)

    def _fault(self, media: tuple[int, int, int] | None) -> bytes | None:
        """The error status a job on ``media`` gets instead of printing, or None: it prints."""
        if self.mode in ("no_media", "runs_out"):
            return status(model=self.model, loaded=None, kind=ERROR, error1=NO_MEDIA)
        if self.mode == "cover_open":
            return self.status(ERROR)
        if media is not None and self.loaded is not None:
            label = LabelsManager()[self.loaded]
            endless = label.form_factor == FormFactor.ENDLESS
            loaded = (ENDLESS if endless else DIE_CUT, *label.tape_size)
            if (
                media[0] != loaded[0]
                or media[1] != loaded[1]
                or (not endless and media[2] != loaded[2])
            ):
                return status(
                    model=self.model, loaded=self.loaded, kind=ERROR, error2=REPLACE_MEDIA
                )
        return None

    # --- the raster language --------------------------------------------------------------
    def _take(self, conn: socket.socket, data: bytes, label: bytearray) -> bytes | None:
        return self._read(data, label, conn.sendall)

    def _read(self, data: bytes, label: bytearray, say: Callable[[bytes], object]) -> bytes | None:
        """Act on the whole instructions of ``data``; the bytes of one cut short are kept for
        later (returned); None: stalled, it reads nothing more."""
        while data:
            found = _instruction(data)
            if found is None:
                return data
            name, size = found
            instruction, data = data[:size], data[size:]
            if name == "status request":
                self._count_status_request()
                if self.mode != "silent":
                    say(self.status())
            elif "raster" in name and self.mode == "stalls":
                return None
            label += instruction
            if name == "print":
                self._print(bytes(label), say)
                label.clear()
        return b""

    def _print(self, job: bytes, say: Callable[[bytes], object]) -> None:
        media = _media(job)
        fault = self._fault(media)
        if fault is not None:
            with self._lock:
                self.refused += 1
            if self.mode != "silent":
                say(fault)
            return
        with self._lock:
            if media is not None:
                self.jobs_media.append(media)
        self._record(job)
        if self.mode != "silent":
            say(self.status(PHASE_CHANGE, PRINTING))
            say(self.status(COMPLETED, PRINTING))
            say(self.status(PHASE_CHANGE, WAITING))

    def _end(self, pending: bytes, label: bytearray) -> None:
        """A job without its print command is not printed (as on a real QL)."""

    # --- on USB: a pseudo-terminal as its device file ---------------------------------------
    def plug_in(self) -> str:
        """The printer on a device file (a pseudo-terminal in raw mode): its path. It reads
        and answers as on the network, until ``unplug``."""
        master, held = os.openpty()  # the far end stays open here: no hang-up between jobs
        tty.setraw(held)
        self._device = (master, held)
        self._device_thread = threading.Thread(
            target=self._serve_device, args=(master,), daemon=True
        )
        self._device_thread.start()
        return os.ttyname(held)

    def unplug(self) -> None:
        device, self._device = self._device, None
        if self._device_thread is not None:
            self._device_thread.join(2)
            self._device_thread = None
        if device is not None:
            for fd in device:
                os.close(fd)

    def _serve_device(self, master: int) -> None:
        pending, label = b"", bytearray()
        while self._device is not None and self._device[0] == master:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            taken = self._read(pending + chunk, label, lambda answer: os.write(master, answer))
            if taken is None:
                return
            pending = taken

    def close(self) -> None:
        self.unplug()
        super().close()


def _media(job: bytes) -> tuple[int, int, int] | None:
    """The (type, width, length) the job's media/quality command (ESC i z) names, read
    instruction by instruction (a raster row's bytes are never taken for it)."""
    media = None
    while job:
        found = _instruction(job)
        if found is None:
            break
        name, size = found
        if name == "media/quality":
            media = (job[4], job[5], job[6])  # after ESC i z and its flags byte
        job = job[size:]
    return media

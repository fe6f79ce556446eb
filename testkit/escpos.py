"""A receipt/badge printer on a loopback TCP socket that speaks ESC/POS: it records what it is
sent (a badge ends at its cut, GS V), and answers the real-time status request DLE EOT n
(0x10 0x04 n) wherever it comes in the stream, one byte each, as the ESC/POS reference lays
them out:

    n=1 printer status   bit 3 offline
    n=2 offline cause    bit 2 cover open, bit 5 stopped by paper end, bit 6 error
    n=3 error cause      bit 3 cutter, bit 5 unrecoverable, bit 6 auto-recoverable
    n=4 paper sensor     bits 2-3 roll near its end, bits 5-6 roll empty

Every answer has bits 1 and 4 set and bits 0 and 7 clear (0x12 when all is well).

Modes: ok | paper_out | cover_open | silent | stalls | never_reads | closes (see
testkit.zebra), and it can be switched off and on again.
"""

from __future__ import annotations

import socket

from testkit.zebra import LoopbackPrinter

READY = 0x12
OFFLINE = 0x08
COVER_OPEN = 0x04
STOPPED_BY_PAPER_END = 0x20
PAPER_NEAR_END = 0x0C
PAPER_END = 0x60
CUT = b"\x1dV"  # GS V m [n]: the cut that ends a badge


def answer(mode: str, n: int) -> bytes:
    """The status byte a printer in ``mode`` sends for DLE EOT ``n``."""
    printer = offline_cause = paper = READY
    if mode == "paper_out":
        printer |= OFFLINE
        offline_cause |= STOPPED_BY_PAPER_END
        paper |= PAPER_NEAR_END | PAPER_END
    elif mode == "cover_open":
        printer |= OFFLINE
        offline_cause |= COVER_OPEN
    return bytes([{1: printer, 2: offline_cause, 3: READY, 4: paper}[n]])


class FakeEscpos(LoopbackPrinter):
    def switch_on(self) -> FakeEscpos:
        super().switch_on()
        return self

    def _take(self, conn: socket.socket, data: bytes, label: bytearray) -> bytes | None:
        while data:
            at = data.find(b"\x10\x04")
            if at < 0:
                body, data = (data[:-1], data[-1:]) if data.endswith(b"\x10") else (data, b"")
            elif len(data) < at + 3:  # a request cut in two: wait for the rest
                body, data = data[:at], data[at:]
            else:
                body = data[:at]
            if body and not self._print(body, label):
                return None
            if at < 0 or len(data) < 3:
                return data
            n, data = data[at + 2], data[at + 3 :]
            if 1 <= n <= 4:
                self._count_status_request()
                if self.mode != "silent":
                    conn.sendall(answer(self.mode, n))
        return b""

    def _print(self, body: bytes, label: bytearray) -> bool:
        """Take print data; False when this printer stops reading instead."""
        if self.mode == "stalls":
            return False
        label += body
        while (cut := label.find(CUT)) >= 0 and len(label) >= cut + 4:
            self._record(bytes(label[: cut + 4]))  # GS V B n: four bytes
            del label[: cut + 4]
        return True

    def _end(self, pending: bytes, label: bytearray) -> None:
        rest = bytes(label) + pending
        if rest:
            self._record(rest)

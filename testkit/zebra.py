"""Label printers on loopback TCP sockets, for tests and benchmarks.

``FakeZebra`` behaves like a Zebra: it records the labels it receives, answers ~HS wherever it
comes in the stream (as a real one does: a control command is read in order, so an answer to a
~HS sent after a label says the label was read), and can be told to be out of paper, silent,
stalled, to never read, to close at once, or to be off. ``LoopbackPrinter`` is what every fake
printer shares: a port the OS gave, held while the printer is off so nobody else takes it (a
connection to it is refused, as to a printer that is switched off).
"""

from __future__ import annotations

import socket
import threading
import time
from abc import ABC, abstractmethod

OK_STATUS = (
    b"\x02030,0,0,1181,000,0,0,0,000,0,0,0\x03\r\n"
    b"\x02001,0,0,0,0,2,4,0,00000000,1,000\x03\r\n"
    b"\x021234,0\x03\r\n"
)
PAPER_OUT_STATUS = OK_STATUS.replace(b"\x02030,0,0", b"\x02030,1,0", 1)

# What every fake printer can be told to do, besides printing:
#   silent       reads everything, answers no status request (wedged)
#   stalls       answers status requests until print data comes, then stops reading
#   never_reads  accepts a connection and never reads from it
#   closes       accepts a connection and closes it at once
HANGING = ("stalls", "never_reads")


class LoopbackPrinter(ABC):
    """A TCP printer on 127.0.0.1 at a port the OS chose; subclasses speak its language."""

    def __init__(self) -> None:
        self._holder: socket.socket | None = socket.socket()
        self._holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._holder.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        self.port: int = self._holder.getsockname()[1]
        self.mode = "ok"
        self.labels: list[bytes] = []
        self.received_at: list[float] = []  # time.perf_counter() when each label was complete
        self.status_requests = 0
        self.connections = 0
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._hung: list[socket.socket] = []
        self._released = threading.Event()

    # --- on and off ---------------------------------------------------------------------
    def switch_on(self) -> LoopbackPrinter:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.1)
        self._released.clear()
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()
        return self

    def switch_off(self) -> None:
        """Connections are refused from now on; connections left hanging are dropped."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._thread is not None:
            self._thread.join(2)
        self._released.set()
        with self._lock:
            hung, self._hung = self._hung, []
        for conn in hung:
            conn.close()

    def close(self) -> None:
        """Off for good: the port goes back to the OS."""
        self.switch_off()
        if self._holder is not None:
            self._holder.close()
            self._holder = None

    def __del__(self) -> None:
        if self._holder is not None:
            self._holder.close()

    def received(self) -> bytes:
        with self._lock:
            return b"".join(self.labels)

    def wait_for_labels(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.labels) >= count:
                    return True
            time.sleep(0.01)
        return False

    # --- the printer --------------------------------------------------------------------
    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            if self.mode == "closes":
                conn.close()
                continue
            if self.mode == "never_reads":
                self._hang(conn)
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _hang(self, conn: socket.socket) -> None:
        """Keep the connection open and read nothing more, until switched off."""
        with self._lock:
            self._hung.append(conn)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        pending, label = b"", bytearray()  # what this connection sent so far
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except (TimeoutError, OSError):
                    break
                if not chunk:
                    break
                taken = self._take(conn, pending + chunk, label)
                if taken is None:  # stalled: read nothing more
                    self._released.wait()
                    return
                pending = taken
            self._end(pending, label)

    def _record(self, label: bytes) -> None:
        with self._lock:
            self.labels.append(label)
            self.received_at.append(time.perf_counter())

    def _count_status_request(self) -> None:
        with self._lock:
            self.status_requests += 1

    # A printer language: what to do with bytes read, ``label`` holding this connection's print
    # data not yet recorded (returns the bytes to keep for later, or None to stop reading); and
    # what to do with what is left when the connection ends.
    @abstractmethod
    def _take(self, conn: socket.socket, data: bytes, label: bytearray) -> bytes | None: ...

    @abstractmethod
    def _end(self, pending: bytes, label: bytearray) -> None: ...


class FakeZebra(LoopbackPrinter):
    """Modes: ok | paper_out | silent | stalls | never_reads | closes."""

    def switch_on(self) -> FakeZebra:
        super().switch_on()
        return self

    def _take(self, conn: socket.socket, data: bytes, label: bytearray) -> bytes | None:
        while data:
            at = data.find(b"~HS")
            body = data if at < 0 else data[:at]
            if at < 0 and data.endswith((b"~", b"~H")):  # a request cut in two: wait for more
                body = data[: data.rfind(b"~")]
            if body.strip():
                if self.mode == "stalls":
                    return None
                label += body
                while (end := label.find(b"^XZ")) >= 0:  # a whole label is in
                    self._record(bytes(label[: end + 3]))
                    del label[: end + 3]
            if at < 0:
                return data[len(body) :]
            data = data[at + 3 :]
            self._count_status_request()
            if self.mode != "silent":  # a wedged printer says nothing
                conn.sendall(PAPER_OUT_STATUS if self.mode == "paper_out" else OK_STATUS)
        return b""

    def _end(self, pending: bytes, label: bytearray) -> None:
        rest = bytes(label) + pending
        if rest.strip():  # a label without its end, or bytes that are not ZPL
            self._record(rest)

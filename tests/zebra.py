"""A label printer on a loopback TCP socket that behaves like a Zebra: it records the labels it
receives, answers ~HS with a status, and can be told to be out of paper, silent, or off."""

from __future__ import annotations

import socket
import threading
import time

OK_STATUS = (
    b"\x02030,0,0,1181,000,0,0,0,000,0,0,0\x03\r\n"
    b"\x02001,0,0,0,0,2,4,0,00000000,1,000\x03\r\n"
    b"\x021234,0\x03\r\n"
)
PAPER_OUT_STATUS = OK_STATUS.replace(b"\x02030,0,0", b"\x02030,1,0", 1)


class FakeZebra:
    def __init__(self) -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.mode = "ok"  # ok | paper_out | silent
        self.labels: list[bytes] = []
        self.received_at: list[float] = []  # time.perf_counter() when each label was complete
        self.status_requests = 0
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- on and off ---------------------------------------------------------------------
    def switch_on(self) -> FakeZebra:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.2)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()
        return self

    def switch_off(self) -> None:
        """Connections are refused from now on."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._thread is not None:
            self._thread.join(2)

    def received(self) -> bytes:
        with self._lock:
            return b"".join(self.labels)

    def wait_for_labels(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.labels) >= count:
                    return True
            time.sleep(0.02)
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
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        data = b""
        conn.settimeout(5)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except (TimeoutError, OSError):
                    break
                if not chunk:
                    break
                data += chunk
                if data == b"~HS":
                    with self._lock:
                        self.status_requests += 1
                    data = b""
                    if self.mode == "silent":
                        continue  # says nothing, like a printer that is wedged
                    conn.sendall(PAPER_OUT_STATUS if self.mode == "paper_out" else OK_STATUS)
        if data:
            with self._lock:
                self.labels.append(data)
                self.received_at.append(time.perf_counter())

"""A loopback TCP proxy that a test can cut and restore: a database server that goes away.

``TcpProxy`` listens on 127.0.0.1 at a port the OS chose and forwards every connection to a
server (PostgreSQL on 127.0.0.1:5432 by default), byte for byte, both ways. ``cut()`` drops
every connection it carries and refuses new ones, as a server that went down or a cable pulled
out; ``restore()`` takes connections again on the same port. The port stays held while cut (a
socket bound to it, not listening), so nobody else takes it and a connection is refused, as by
a machine whose server is down.

A server can also be slow rather than gone: ``delay`` (seconds, settable at any time) holds
each chunk of bytes that long before forwarding it, both ways, in order; ``stall()`` holds
every byte (a server that takes connections and never answers) until ``unstall()``. Lowering
the delay, ``unstall()`` and ``cut()`` take effect on bytes already held (a cut drops them);
the delay stays as it is across ``cut()`` and ``restore()``.

A link can also die half-open, as a cable pulled out or a router that forgot the connection:
``half_open()`` leaves every connection it carries open at both ends and forwards none of
their bytes ever again (no FIN, no RST: each end waits for the other for good), and holds the
bytes of new connections until ``unstall()`` (the link is back: new connections go through;
the dead ones stay dead until ``cut()`` or ``close()``).
"""

from __future__ import annotations

import math
import socket
import threading
import time
from contextlib import suppress
from types import TracebackType

CHUNK = 65536


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target_host``:``target_port`` until cut."""

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target = (target_host, target_port)
        self._holder: socket.socket | None = socket.socket()
        self._holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._holder.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        self.port: int = self._holder.getsockname()[1]
        self.accepted = 0  # connections taken since the proxy was made
        self.cuts = 0
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._delay = 0.0
        self._dead: set[tuple[socket.socket, socket.socket]] = set()  # died half-open
        self._changed = threading.Condition(self._lock)  # the delay changed, or a cut
        self.held = 0  # chunks held back by a delay or a stall since the proxy was made

    # --- up and down --------------------------------------------------------------------
    def start(self) -> TcpProxy:
        """Take connections (the same as ``restore``)."""
        self.restore()
        return self

    def restore(self) -> None:
        """Take and forward connections again, on the same port."""
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        self._thread = threading.Thread(
            target=self._accept, args=(listener,), name="proxy accept", daemon=True
        )
        self._thread.start()

    def cut(self) -> None:
        """Drop every connection now and refuse new ones until ``restore``."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        with self._lock:
            pairs, self._pairs = self._pairs, set()
            self._dead.clear()
            self.cuts += 1
            self._changed.notify_all()  # bytes held for a dropped connection are dropped
        for pair in pairs:
            for sock in pair:
                _drop(sock)

    # --- slow -----------------------------------------------------------------------------
    @property
    def delay(self) -> float:
        """Seconds each chunk is held before it is forwarded (0: at once; inf: stalled)."""
        return self._delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        if math.isnan(seconds) or seconds < 0:
            raise ValueError(f"a delay is 0 or more seconds, not {seconds!r}")
        with self._lock:
            self._delay = float(seconds)
            self._changed.notify_all()  # held bytes go by the new delay

    def stall(self) -> None:
        """Hold every byte, both ways, until ``unstall`` (connections are still taken)."""
        self.delay = math.inf

    def unstall(self) -> None:
        """Forward at once again, the bytes held first, in order (not those of a connection
        that died half-open)."""
        self.delay = 0.0

    def half_open(self) -> None:
        """Every connection carried now dies half-open (its bytes held for good, both ends
        left open), and new connections are held as by ``stall`` until ``unstall``."""
        with self._lock:
            self._dead |= self._pairs
            self._delay = math.inf
            self._changed.notify_all()

    @property
    def is_stalled(self) -> bool:
        return math.isinf(self._delay)

    @property
    def is_cut(self) -> bool:
        return self._listener is None

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    def close(self) -> None:
        """Cut for good: the port goes back to the OS."""
        self.cut()
        if self._holder is not None:
            self._holder.close()
            self._holder = None

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        if self._holder is not None:
            self._holder.close()

    # --- forwarding ---------------------------------------------------------------------
    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _drop(client)  # the server itself is not there: as if it refused
                continue
            server.settimeout(None)
            pair = (client, server)
            with self._lock:
                if self._listener is not listener:  # cut while this one was being made
                    cut = True
                else:
                    cut = False
                    self._pairs.add(pair)
                    self.accepted += 1
            if cut:
                _drop(client)
                _drop(server)
                return
            for source, sink in ((client, server), (server, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink, pair), name="proxy pump", daemon=True
                ).start()

    def _pump(
        self, source: socket.socket, sink: socket.socket, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        with suppress(OSError):
            while data := source.recv(CHUNK):
                if not self._hold(time.monotonic(), pair):
                    break  # cut while held: dropped, as a cable pulled out would
                sink.sendall(data)
        with self._lock:
            # An end that closes a connection that died half-open is not heard at the other
            # end (its FIN is lost too): the other end stays open until cut() or close().
            while pair in self._dead and pair in self._pairs:
                self._changed.wait()
            self._pairs.discard(pair)
            self._dead.discard(pair)
            self._changed.notify_all()  # the other way's held bytes are dropped with it
        for sock in pair:
            _drop(sock)

    def _hold(self, arrived: float, pair: tuple[socket.socket, socket.socket]) -> bool:
        """Wait until a chunk that ``arrived`` may go by the delay (which may change while it
        waits); False when its connection was dropped meanwhile."""
        with self._lock:
            if self._delay <= 0 and pair not in self._dead:
                return pair in self._pairs
            self.held += 1
            while pair in self._pairs:
                if pair in self._dead:  # nothing goes through it ever again
                    self._changed.wait()
                    continue
                left = arrived + self._delay - time.monotonic()
                if left <= 0:
                    return True
                self._changed.wait(None if math.isinf(left) else left)
            return False


def _drop(sock: socket.socket) -> None:
    """Close a socket, waking a thread blocked reading it (close alone may not)."""
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()

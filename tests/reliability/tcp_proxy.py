"""A loopback TCP proxy that can stop, as the server behind it would: every open connection is cut and
new ones are refused until it is restored. The server itself keeps running, so it keeps its state
(moto loses its buckets when restarted)."""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.conftest import free_port


class TcpProxy:
    def __init__(self, upstream_port: int):
        self.port = free_port()
        self.uploaded = 0  # bytes from clients to the server since the last arm()
        self._upstream = ("127.0.0.1", upstream_port)
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._serving = threading.Event()
        self._serving.set()
        self._cut_after: int | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cut_after(self, uploaded_bytes: int) -> None:
        """Stop once clients have sent this many more bytes: mid-upload, not before it."""
        with self._lock:
            self.uploaded, self._cut_after = 0, uploaded_bytes

    def stop(self) -> None:
        self._serving.clear()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def restore(self) -> None:
        self._cut_after = None
        self._serving.set()

    def close(self) -> None:
        self.stop()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._serving.is_set():
                _close(client)
                continue
            server = socket.create_connection(self._upstream)
            with self._lock:
                self._sockets |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, upload: bool) -> None:
        try:
            while data := source.recv(1 << 16):
                if upload and self._count_upload(len(data)):
                    self.stop()
                    return
                target.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(target)

    def _count_upload(self, size: int) -> bool:
        """True when this upload crosses the armed limit."""
        with self._lock:
            self.uploaded += size
            return self._cut_after is not None and self.uploaded >= self._cut_after


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()

"""Frames between the server and its query worker processes (over a Unix socket pair).

A frame is one kind byte, a 4-byte big-endian length, and the payload. The server sends one
REQUEST and reads HEAD, any number of DATA frames and END; or ERROR at any point.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import IO, TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # the worker never imports asyncio: a replacement starts ~85 ms sooner
    import asyncio

READY = b"R"  # worker -> server, once, after opening the store: {"pid", "isolated"}
REQUEST = b"Q"  # server -> worker: a QueryRequest as JSON
HEAD = b"H"  # worker -> server: {"truncated", "rows"}
DATA = b"D"  # worker -> server: bytes of the serialised result
END = b"E"  # worker -> server: {"rows", "seconds"}
ERROR = b"X"  # worker -> server: {"status", "message", "line", "column"}

_HEADER = struct.Struct(">cI")
CHUNK = 64 * 1024  # DATA frame size: large enough to keep syscalls few


def frame(kind: bytes, payload: bytes) -> bytes:
    """Encode one frame."""
    return _HEADER.pack(kind, len(payload)) + payload


def json_frame(kind: bytes, value: Any) -> bytes:
    """Encode one frame with a JSON payload."""
    return frame(kind, json.dumps(value).encode())


def recv_frame(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read one frame from a blocking socket (worker side); raises EOFError when closed."""
    kind, length = _HEADER.unpack(_recv_exactly(sock, _HEADER.size))
    return kind, _recv_exactly(sock, length)


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError("the server closed the connection")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


async def read_frame(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """Read one frame (server side); raises asyncio.IncompleteReadError when the worker died."""
    kind, length = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    return kind, await reader.readexactly(length)


class Outbox:
    """The worker's side of one answer: frames are collected and sent in as few system calls
    as possible (a small answer is one ``sendall``), while large results go out in
    :data:`CHUNK`-sized DATA frames as pyoxigraph's serialisers write them. A blocked socket
    (a slow client) blocks the writer: results stream, they never pile up in memory."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending = bytearray()  # encoded frames not yet sent
        self.data = bytearray()  # result bytes not yet framed
        self.written = 0
        self.sent = False  # whether any frame has left

    def send(self, kind: bytes, value: Any) -> None:
        """Queue a JSON frame (HEAD, END, ERROR); END and ERROR go out at once. An ERROR
        before anything was sent replaces what was queued, so the server can still answer
        with an error status instead of a broken 200."""
        if kind == ERROR and not self.sent:
            self.pending.clear()
            self.data.clear()
        self._frame_data()
        self.pending += json_frame(kind, value)
        if kind != HEAD:
            self._send()

    def write(self, data: bytes) -> int:
        """File-like write of result bytes."""
        self.data += data
        self.written += len(data)
        if len(self.data) >= CHUNK:
            self._frame_data()
            self._send()
        return len(data)

    def flush(self) -> None:
        """File-like flush: a no-op, frames go out when full or at END."""

    def writable(self) -> bool:
        return True

    def file(self) -> IO[bytes]:
        """This outbox where a binary file is expected: pyoxigraph's writers only call
        :meth:`write` and :meth:`flush`, which it has."""
        return cast(IO[bytes], self)

    def _frame_data(self) -> None:
        # At most CHUNK bytes per frame, however much was written at once: the server reads
        # a frame whole, and one huge value must not become one huge frame.
        for start in range(0, len(self.data), CHUNK):
            self.pending += frame(DATA, bytes(self.data[start : start + CHUNK]))
        self.data.clear()

    def _send(self) -> None:
        if self.pending:
            self.sock.sendall(self.pending)
            self.pending.clear()
            self.sent = True

"""A private Virtuoso (Debian's virtuoso-opensource-7) for the tests: its own temporary
database and ini file, listening on free 127.0.0.1 ports, stopped at the end.

A fresh database is created on first start with the dba password ``dba``. The public endpoint
``/sparql`` answers queries only; ``/sparql-auth`` (Digest) and ``/sparql-graph-crud-auth``
take updates and loads as dba.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.server import free_port

BINARY = "virtuoso-t"
USER = "dba:dba"

INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = {db}
ThreadsPerQuery = 2
MaxClientConnections = 20
; ORDER BY with an OFFSET (a late page of a named query) sorts OFFSET + LIMIT rows. Debian's
; default allows 10,000; 7.2.5 crashed (GPF in Dkpool.c) on an OFFSET of 5 million when this
; was 100 million. projectgraph pages stop at 1,000,000 rows.
MaxSortedTopRows = 1000000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 20
MaxClientConnections = 20
MaxKeepAlives = 20
EnabledDavVSP = 0

[SPARQL]
; No silent cuts: Debian's default ini stops results at 10,000 rows and queries at a time
; limit with partial ("anytime") answers. projectgraph caps rows and time itself.
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
MaxConstructTriples = 10000000
"""


@dataclass
class Virtuoso:
    """A running private Virtuoso."""

    base: str
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def sparql(self) -> str:
        return f"{self.base}/sparql"

    @property
    def sparql_auth(self) -> str:
        return f"{self.base}/sparql-auth"

    @property
    def graph_store(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    def log(self) -> str:
        path = self.folder / "db" / "virtuoso.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop it (a clean shutdown, killed if it takes long)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """Kill it at once (the store going away under a server)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def available() -> bool:
    """Whether Debian's Virtuoso is installed here."""
    return shutil.which(BINARY) is not None


def start_virtuoso(
    folder: Path, http_port: int | None = None, memory_mb: int = 512, wait: float = 90.0
) -> Virtuoso:
    """Start Virtuoso with a database in ``folder`` (created if new); returns once its
    SPARQL endpoint answers."""
    db = folder / "db"
    db.mkdir(parents=True, exist_ok=True)
    http_port = http_port or free_port()
    buffers = memory_mb * 1024 // 8 * 2 // 3  # 8 KiB pages, two thirds of the memory
    ini = folder / "virtuoso.ini"
    ini.write_text(
        INI.format(
            db=db,
            sql_port=free_port(),
            http_port=http_port,
            buffers=buffers,
            dirty=buffers * 3 // 4,
        )
    )
    out = (folder / "stdout.log").open("ab")
    process = subprocess.Popen(
        [BINARY, "+foreground", "+configfile", str(ini)],
        cwd=folder,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(folder)},
    )
    running = Virtuoso(f"http://127.0.0.1:{http_port}", folder, process)
    deadline = time.monotonic() + wait
    with httpx.Client(timeout=2) as client:  # one client: a new one loads the CA bundle
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {process.returncode}:\n{running.log()}")
            try:
                answer = client.get(running.sparql, params={"query": "ASK {}"})
                if answer.status_code == 200:
                    return running
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    running.kill()
    raise RuntimeError(f"Virtuoso did not answer within {wait} s:\n{running.log()}")

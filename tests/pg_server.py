"""A throwaway PostgreSQL server for the tests that audit records inside a database.

Debian's ``postgresql`` package (``./scripts/test`` installs it) provides ``initdb``
and ``pg_ctl`` under ``/usr/lib/postgresql/<version>/bin``. :func:`server` makes a
cluster in a new temporary folder, starts it on a free port of 127.0.0.1 with
password authentication, and stops and deletes it when the process ends: one server
per pytest process (each pytest-xdist worker has its own). PostgreSQL refuses to run
as root, so as root the cluster belongs to the ``postgres`` user the package creates.

A missing or broken PostgreSQL fails the tests that need it (``pytest.fail``): they
never skip. ``benchmarks/sql.py`` starts its server with :func:`start` too.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

USER = "auditor"
PASSWORD = "s3cret-Test-pw"
DATABASE = "registry"


@dataclass(frozen=True)
class Server:
    """A running cluster: where it listens, and a way to run SQL as its superuser."""

    host: str
    port: int
    bin: Path
    data: Path
    owner: str | None

    @property
    def url(self) -> str:
        """The database's URL without a password (the tests give it by PGPASSWORD)."""
        return f"postgresql://{USER}@{self.host}:{self.port}/{DATABASE}"

    def env(self) -> dict[str, str]:
        """The environment with the password, as a user gives it."""
        return {"PGPASSWORD": PASSWORD}

    def connect(self) -> Any:
        """An Ibis connection as the audit user."""
        import ibis

        return ibis.postgres.connect(
            host=self.host, port=self.port, user=USER, password=PASSWORD, database=DATABASE
        )

    def load(self, name: str, frame: Any) -> None:
        """Replace table ``name`` with a pandas frame (text stays text, blanks NULL)."""
        import pyarrow as pa

        con = self.connect()
        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            con.create_table(name, table, overwrite=True)
        finally:
            con.disconnect()

    def sql(self, statement: str) -> None:
        """Run SQL as the audit user (it owns the database)."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=USER, password=PASSWORD, dbname=DATABASE
        ) as con:
            con.execute(statement)


_SERVER: Server | None = None


class ServerError(RuntimeError):
    """PostgreSQL is missing or did not start."""


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise ServerError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
            "./scripts/test installs Debian's postgresql package"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], owner: str | None) -> subprocess.CompletedProcess[str]:
    if owner is not None:
        cmd = ["runuser", "-u", owner, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def start(options: str = "") -> Server:
    """A new cluster on a free port (``options``: more ``-c name=value`` settings),
    stopped and deleted when the process ends."""
    return _start(options)


def _start(extra: str = "") -> Server:
    bin_dir = _binaries()
    owner = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise ServerError("running as root but there is no 'postgres' user") from None
        owner = "postgres"
    root = Path(tempfile.mkdtemp(prefix="biasaudit-pg-"))
    data = root / "data"
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    init = _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            "--pwfile",
            str(pwfile),
            "--auth",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--locale",
            "C",
        ],
        owner,
    )
    if init.returncode:
        raise ServerError(f"initdb failed: {init.stderr}")
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
        "-c shared_buffers=32MB -c fsync=off -c full_page_writes=off -c max_connections=50 "
        + extra
    )
    start = _run(
        [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options, "-w"]
        + ["-t", "60", "start"],
        owner,
    )
    server = Server("127.0.0.1", port, bin_dir, data, owner)
    atexit.register(_stop, server, root)
    if start.returncode:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise ServerError(f"PostgreSQL did not start: {start.stderr}\n{log}")
    _create_database(server)
    return server


def _create_database(server: Server) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            con = psycopg.connect(
                host=server.host,
                port=server.port,
                user=USER,
                password=PASSWORD,
                dbname="postgres",
                autocommit=True,
            )
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with con:
        con.execute(f"CREATE DATABASE {DATABASE}")


def _stop(server: Server, root: Path) -> None:
    with contextlib.suppress(Exception):
        _run(
            [str(server.bin / "pg_ctl"), "-D", str(server.data), "-m", "fast", "stop"],
            server.owner,
        )
    shutil.rmtree(root, ignore_errors=True)


def server() -> Server:
    """The process's PostgreSQL server, started on first use."""
    import pytest

    global _SERVER
    if _SERVER is None:
        try:
            _SERVER = _start()
        except ServerError as exc:  # a test that needs the server fails, never skips
            pytest.fail(str(exc), pytrace=False)
    return _SERVER

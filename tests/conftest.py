"""Shared fixtures: a throwaway PostgreSQL 15 cluster and a database URL for either engine.

The cluster is started once per session from the binaries `pg_config` names,
as the `postgres` user when the tests run as root (initdb refuses root), with
its socket in its own folder and TCP only on 127.0.0.1. Each test that asks
for a PostgreSQL URL gets a database of its own.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DATABASE_NAME = "tutorbot"


@dataclass
class PostgresCluster:
    """A running cluster that hands out empty databases."""

    port: int
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database, and its URL."""
        import psycopg

        name = f"{DATABASE_NAME}_{next(self._names)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _postgres_bindir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        pytest.skip("PostgreSQL tests skipped: pg_config is not on PATH (install postgresql-15)")
    found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)
    bindir = Path(found.stdout.strip())
    for program in ("initdb", "pg_ctl"):
        if not (bindir / program).exists():
            pytest.skip(f"PostgreSQL tests skipped: no {program} in {bindir}")
    return bindir


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        pytest.skip("PostgreSQL tests skipped: running as root without runuser")
    return ["runuser", "-u", "postgres", "--", *command]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(command: list[str], log: Path) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        server_log = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}{server_log}"
        )


@pytest.fixture(scope="session")
def postgresql_cluster() -> Iterator[PostgresCluster]:
    bindir = _postgres_bindir()
    folder = Path(tempfile.mkdtemp(prefix="tutorbot-pg-"))
    data, log = folder / "data", folder / "server.log"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    try:
        _run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                           "-U", "postgres", "--no-sync", "-E", "UTF8"]), log)
        options = f"-k {folder} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off"
        _run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log),
                           "-o", options, "-w", "start"]), log)
        try:
            yield PostgresCluster(port)
        finally:
            _run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                               "-w", "stop"]), log)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'tutorbot.db').as_posix()}"
    cluster: PostgresCluster = request.getfixturevalue("postgresql_cluster")
    return cluster.create_database()

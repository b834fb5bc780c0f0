"""Real processes for the outbox's end-to-end and fault tests: a private redis-server on a
free port, Celery workers and beats started as subprocesses against the test database."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}.")


class RedisServer:
    """A throwaway redis-server (never the machine's 6379), stoppable and restartable."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, what="redis-server")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def test_database_url() -> str:
    """The URL of the database pytest-django created (`test_<name>`), for subprocesses."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return (
        f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/"
        f"{s['NAME']}"
    )


class CeleryProcesses:
    """Celery workers and beats as subprocesses; every one is stopped at teardown."""

    def __init__(self, *, broker_url: str, var_dir: Path, extra_env: dict | None = None):
        self.env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "VAR_DIR": str(var_dir),
            "EMAIL_URL": "",
            "REMINDER_SEND_LEASE_SECONDS": "3",
            "REMINDER_CLAIM_LEASE_SECONDS": "30",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            **(extra_env or {}),
        }
        self.var_dir = var_dir
        self.procs: list[subprocess.Popen] = []

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.var_dir / f"{name}-{len(self.procs)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "backend", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we can kill it with its children
        )
        self.procs.append(proc)
        return proc

    def worker(self, *, concurrency: int = 1) -> subprocess.Popen:
        proc = self._start(
            [
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--hostname=test-{len(self.procs)}@%h",
            ],
            "worker",
        )
        wait_until(
            lambda: "ready." in self.log_of(proc) or proc.poll() is not None,
            timeout=30,
            what="the worker to be ready",
        )
        assert proc.poll() is None, self.log_of(proc)
        return proc

    def beat(self) -> subprocess.Popen:
        return self._start(
            [
                "beat",
                "--loglevel=INFO",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
                "--pidfile=",
            ],
            "beat",
        )

    def log_of(self, proc) -> str:
        index = self.procs.index(proc)
        for path in self.var_dir.glob(f"*-{index}.log"):
            return path.read_text(errors="replace")
        return ""

    def logs(self) -> str:
        return "\n".join(
            f"==== {p.name}\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.var_dir.glob("*.log"))
        )

    def kill(self, proc, sig=signal.SIGKILL):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(proc)

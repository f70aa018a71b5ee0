"""Service instances for the reliability tests, logging to a file (conftest.start_server pipes the
output and never reads it: a server that logs a lot, as one whose database is down does, would block
on a full pipe) and with their worker processes visible (to show that none died)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conftest import STARTUP_S

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


class Server:
    def __init__(self, log: Path, env: dict | None = None, workers: int = 1, ready: str = "/healthz"):
        self.port, self.log = free_port(), log
        self.base = f"http://127.0.0.1:{self.port}"
        self._out = open(log, "wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                # Longer than the service's 5 s: test_replica's client threads share the GIL with a
                # reload running in the same process and can stall for seconds between two requests;
                # the server closing that idle connection just as the next request goes out is a
                # client stall (RemoteProtocolError), not an answer of the service.
                "--timeout-keep-alive",
                "30",
            ],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self._wait(ready, workers)

    def _wait(self, ready: str, workers: int) -> None:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.base + ready, timeout=2).status_code == 200 and len(self.workers()) >= workers:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not become healthy: {self.log.read_text()[-2000:]}")

    def workers(self) -> set[int]:
        """PIDs of uvicorn's worker processes (the children of the supervisor), or itself with one."""
        try:
            kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return set()
        workers = {int(k) for k in kids if b"spawn_main" in _cmdline(k)}  # not the resource tracker
        return workers or {self.proc.pid}

    def rss_kib(self) -> int:
        total = 0
        for pid in self.workers():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._out.close()

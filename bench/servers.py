"""Starting gunicorn with the production settings, and watching its workers' memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = PROJECT_ROOT / "gunicorn.conf.py"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Memory:
    """Peak resident memory seen among a server's workers, in kB."""

    peak_hwm_kb: int = 0  # VmHWM: the largest RSS any worker ever had
    peak_rss_kb: int = 0  # the largest VmRSS seen when sampling
    # RSS counts every page a worker shares with the preloaded master in full. PSS divides
    # shared pages among the processes that map them; "private" is what the worker alone
    # holds (what a new worker adds to the machine). Both from /proc/<pid>/smaps_rollup.
    peak_pss_kb: int = 0
    peak_private_kb: int = 0
    workers_seen: set[int] = field(default_factory=set)


class Server:
    """A gunicorn master started with gunicorn.conf.py on a free port, stopped on exit."""

    def __init__(self, name: str, app: str, env: dict[str, str], log_path: Path,
                 workers: int | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.memory = Memory()
        self.workers = workers or 1
        self._log = log_path.open("wb")
        environment = {**os.environ, **env, "SHOP_BIND": f"127.0.0.1:{self.port}"}
        if workers:
            environment["SHOP_WORKERS"] = str(workers)
        command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), *extra_args, app]
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample_memory, daemon=True)

    def wait_ready(self, path: str = "/", timeout: float = 60.0) -> None:
        """Wait until every worker is up and the server answers ``path``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited (see {self._log.name})")
            try:
                answered = requests.get(self.url + path, timeout=5).status_code == 200
            except requests.ConnectionError:
                answered = False
            if answered and len(self.worker_pids()) >= self.workers:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"{self.name}: no answer on {self.url}{path} in {timeout:.0f} s")
        self._sampler.start()

    def worker_pids(self) -> list[int]:
        """The master's children (its workers), read from /proc."""
        try:
            tasks = Path(f"/proc/{self.process.pid}/task").iterdir()
            pids: list[int] = []
            for task in tasks:
                children = (task / "children").read_text().split()
                pids += [int(pid) for pid in children]
            return pids
        except OSError:
            return []

    def _sample_memory(self) -> None:
        while not self._stop.wait(0.25):
            self.sample_memory()

    def sample_memory(self) -> None:
        for pid in self.worker_pids():
            status = _proc_status(pid)
            if not status:
                continue
            self.memory.workers_seen.add(pid)
            self.memory.peak_hwm_kb = max(self.memory.peak_hwm_kb, status.get("VmHWM", 0))
            self.memory.peak_rss_kb = max(self.memory.peak_rss_kb, status.get("VmRSS", 0))
            rollup = _proc_figures(f"/proc/{pid}/smaps_rollup")
            self.memory.peak_pss_kb = max(self.memory.peak_pss_kb, rollup.get("Pss", 0))
            private = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
            self.memory.peak_private_kb = max(self.memory.peak_private_kb, private)

    def stop(self) -> None:
        """Stop gunicorn gracefully (SIGTERM), then for sure."""
        self._stop.set()
        if self.process.poll() is None:
            self.sample_memory()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def bare_server(env: dict[str, str], log_path: Path, workers: int) -> Server:
    """The framework's ceiling (bench/bare_app.py) under the same settings as the shop."""
    return Server("bare", "bare_app:app", env, log_path, workers, ("--pythonpath", "bench"))


def _proc_status(pid: int) -> dict[str, int]:
    """The kB figures of /proc/<pid>/status (VmRSS, VmHWM ...); empty when it is gone."""
    return _proc_figures(f"/proc/{pid}/status")


def _proc_figures(path: str) -> dict[str, int]:
    """The "Name: <n> kB" lines of a /proc file; empty when the process is gone."""
    figures: dict[str, int] = {}
    try:
        with open(path) as handle:
            for line in handle:
                name, _, value = line.partition(":")
                if value.strip().endswith("kB"):
                    figures[name] = int(value.split()[0])
    except OSError:
        return {}
    return figures

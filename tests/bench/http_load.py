"""The HTTP run: gunicorn with two workers on loopback, driven with a fixed mix of search page addresses.

``wrk`` is used when installed (``apt-get install wrk``): it costs the two
cores far less than a Python client would. Without it, a small Python load
generator (threads, keep-alive connections) does the same job.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.bench import instance
from tests.bench.workload import percentile

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"

WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_URLS")) do paths[#paths + 1] = line end
local thread_number = 0
local position = 0
function setup(thread)
  thread:set("offset", thread_number * 997)
  thread_number = thread_number + 1
end
function init(args)
  position = (offset or 0) % #paths
end
function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass
class LoadResult:
    tool: str
    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Gunicorn:
    """gunicorn serving ``app_spec`` from the benchmark's instance; stopped on exit."""

    def __init__(
        self, directory: Path, app_spec: str = "wsgi:app", workers: int = 2, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        env = {**os.environ, **instance.environment(directory), **(env or {})}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "-w", str(workers), "-b", f"{HOST}:{self.port}", "--timeout", "120"]
        # The project's own gunicorn settings (hooks, metrics), as in production; the command line's win.
        self.config_file = ROOT / "gunicorn.conf.py"
        if self.config_file.exists():
            command += ["-c", str(self.config_file)]
            metrics_dir = directory / f"prometheus-{self.port}"
            metrics_dir.mkdir(parents=True, exist_ok=True)
            env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
        self.log = open(directory / f"gunicorn-{self.port}.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [*command, app_spec], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log.name}")
            try:
                self.get("/")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within a minute")

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def peak_kb(pid: int) -> int:
    """The high-water mark of a process's resident memory (VmHWM), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def drive(server: Gunicorn, paths: Sequence[str], seconds: float, connections: int) -> LoadResult:
    if shutil.which("wrk"):
        return _drive_wrk(server, paths, seconds, connections)
    return _drive_python(server, paths, seconds, connections)


def _drive_wrk(server: Gunicorn, paths: Sequence[str], seconds: float, connections: int) -> LoadResult:
    with tempfile.TemporaryDirectory() as tmp:
        urls = Path(tmp) / "urls.txt"
        urls.write_text("\n".join(paths) + "\n")
        script = Path(tmp) / "mix.lua"
        script.write_text(WRK_SCRIPT)
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "30s", "-s", str(script),
             f"http://{HOST}:{server.port}"],
            env={**os.environ, "BENCH_URLS": str(urls)}, capture_output=True, text=True, check=True,
        ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    requests, duration_us, p50_us, p99_us, *errors = (int(x) for x in line.split()[1:])
    return LoadResult("wrk", requests, duration_us / 1e6, p50_us / 1e6, p99_us / 1e6, sum(errors))


def _drive_python(server: Gunicorn, paths: Sequence[str], seconds: float, connections: int) -> LoadResult:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        mine: list[float] = []
        failed = 0
        n = offset
        while time.monotonic() < deadline:
            path = paths[n % len(paths)]
            n += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
                ok = False
            mine.append(time.perf_counter() - started)
            failed += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i * 997,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    return LoadResult("python", len(latencies), elapsed, p50, p99, errors[0])


def choose_page(server: Gunicorn, probe: str) -> str | None:
    """The search address to load: the HTML page when it answers, else the JSON API, else None."""
    for path in ("/services", "/api/v1/services"):
        status, _ = server.get(f"{path}?{urlsplit(probe).query}")
        if status == 200:
            return path
    return None

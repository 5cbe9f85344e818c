"""Small helpers shared by the benchmarks: corpus unpacking and process-tree peak memory."""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
import threading
import time
from pathlib import Path

# ../shared next to the project, or GRAPHAPP_SHARED (as in tests/conftest.py), e.g. for a git worktree
SHARED = Path(os.environ.get("GRAPHAPP_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def corpus(name: str = "azure-news") -> Path:
    """The corpus unpacked once into the temp folder (never into the project)."""
    target = Path(tempfile.gettempdir()) / "graphapp-bench" / name
    if not target.exists():
        with tarfile.open(SHARED / "corpora" / f"{name}.tar.xz") as tar:
            tar.extractall(target.parent, filter="data")
    return target


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
            with open(f"/proc/{current}/task/{current}/children") as handle:
                todo += [int(c) for c in handle.read().split()]
        except (OSError, StopIteration):
            continue
    return total


class PeakMemory:
    """Samples a process tree's resident memory every 10 ms while it runs."""

    def __init__(self, pid: int):
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.pid))
            time.sleep(0.01)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024


def timed(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak MB of its process tree, stdout)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    meter = PeakMemory(process.pid)
    out, err = process.communicate()
    wall = time.perf_counter() - start
    peak = meter.stop()
    if process.returncode:
        raise RuntimeError(f"{command} failed: {err.decode()[-2000:]}")
    return wall, peak, out.decode()

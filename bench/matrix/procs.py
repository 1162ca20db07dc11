"""Processes that bench/run-matrix starts (servers, load tools), so every one
of them is stopped by its own pid on any exit, Ctrl-C included; free loopback
ports; and a background RSS sampler."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

_started = []  # Popen objects still possibly running
_t0 = time.monotonic()


def log(message):
    """A progress line on stderr, with the time since the script started."""
    elapsed = int(time.monotonic() - _t0)
    sys.stderr.write(f"[{elapsed // 60:02d}:{elapsed % 60:02d}] {message}\n")
    sys.stderr.flush()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, log_path=None, env=None, cwd=None):
    """Starts a long-running process in its own session (so a Ctrl-C in the
    terminal reaches only this script, which then stops it in order)."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                            start_new_session=True)
    if log_path:
        out.close()
    _started.append(proc)
    return proc


def stop(proc, sig=signal.SIGTERM, timeout=30):
    """Stops one process started by start(): `sig`, then SIGKILL after `timeout`."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in _started:
        _started.remove(proc)


def stop_many(processes, timeout=30):
    """Stops several processes started by start() together: SIGTERM to every
    one first (a cluster's nodes then shut down side by side, not each
    waiting for peers already gone), then waits, SIGKILL after `timeout`."""
    for proc in processes:
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
            except OSError:
                pass
    deadline = time.monotonic() + timeout
    for proc in processes:
        stop(proc, timeout=max(0.1, deadline - time.monotonic()))


def stop_all(keep=(), sig=signal.SIGTERM):
    """Stops every process still running that start() or run() started,
    but those in `keep`."""
    for proc in list(_started):
        if proc not in keep:
            stop(proc, sig=sig, timeout=10)


def run(args, timeout=None, **kwargs):
    """subprocess.run, but the child is registered, so a Ctrl-C stops it too."""
    proc = subprocess.Popen(args, start_new_session=True, **kwargs)
    _started.append(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        stop(proc, sig=signal.SIGINT, timeout=15)
        raise
    _started.remove(proc)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def wait_http(url, proc, timeout=30, what="server"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer {url} within {timeout} s")


def wait_tcp(port, proc, timeout=30, what="server"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout} s")


def rss_bytes(pid):
    """Resident set size of `pid` from /proc, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class RssSampler:
    """Samples the RSS of a process (or of several: `pid` may be a list) every
    `interval` seconds in a thread; `peak` is the largest value seen since
    start() (of the sum, for several), `peaks` the largest of each pid."""

    def __init__(self, pid, interval=0.5):
        self.pids = list(pid) if isinstance(pid, (list, tuple)) else [pid]
        self.interval = interval
        self.peak = 0
        self.peaks = [0] * len(self.pids)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            values = [rss_bytes(pid) for pid in self.pids]
            if all(v is None for v in values):
                return
            values = [v or 0 for v in values]
            self.peaks = [max(a, b) for a, b in zip(self.peaks, values)]
            self.peak = max(self.peak, sum(values))
            self.samples += 1
            self._stop.wait(self.interval)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()


def install_signal_handlers():
    """SIGTERM and SIGHUP end the run like Ctrl-C: KeyboardInterrupt, so the
    finally blocks stop every process and remove every temporary folder."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)
    # Also when started in the background, where SIGINT would be ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")

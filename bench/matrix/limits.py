"""The machine's limits, measured in the same run as the matrix:
  - loopback TCP throughput: iperf3, one stream, client and server on 127.0.0.1;
  - disk sequential write: dd of zeros in 1 MiB blocks, buffered with one
    fsync at the end (conv=fsync), and O_DIRECT (oflag=direct conv=fsync),
    in the folder that holds Silo's drives; fsync latency: 4 KiB write +
    fdatasync, one at a time;
  - nginx serving a 4 KiB and a 1 MiB static file to wrk at the concurrency
    of Silo's matching GET case (its own config and root in a temp folder)."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import procs

MiB = 1 << 20


def iperf3_rate(text):
    """(bits per second, where it came from, why not) from `iperf3 -J` output.
    The receiver's sum is preferred; under load iperf3 has been seen to leave
    'sum_received' out of its JSON (or to print no JSON at all), so the
    sender's 'sum_sent', then 'sum', are used instead, else (None, None, why)."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None, None, "iperf3 printed no JSON"
    end = doc.get("end") if isinstance(doc, dict) else None
    if not isinstance(end, dict):
        why = doc.get("error") if isinstance(doc, dict) else None
        return None, None, why or "iperf3's JSON has no 'end' section"
    for key in ("sum_received", "sum_sent", "sum"):
        part = end.get(key)
        if isinstance(part, dict) and isinstance(part.get("bits_per_second"), (int, float)) \
                and part["bits_per_second"] > 0:
            return float(part["bits_per_second"]), key, None
    return None, None, doc.get("error") or "no 'sum_received', 'sum_sent' or 'sum' in its JSON"


def loopback_tcp(seconds):
    port = procs.free_port()
    server = procs.start(["iperf3", "-s", "-B", "127.0.0.1", "-p", str(port)])
    try:
        procs.wait_tcp(port, server, what="iperf3 -s")
        r = procs.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", str(seconds), "-J"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                      timeout=seconds + 30)
        bps, source, why = iperf3_rate(r.stdout)
        if bps is None:
            procs.log(f"  loopback TCP: unknown ({why})")
        out = {"tool": "iperf3 -c 127.0.0.1 (1 stream)",
               "mib_per_s": None if bps is None else bps / 8 / MiB, "seconds": seconds}
        if source != "sum_received":
            out["note"] = f"from {source}" if bps is not None else f"unknown: {why}"
        return out
    finally:
        procs.stop(server, timeout=5)


def _dd(path, mib, direct):
    args = ["dd", "if=/dev/zero", f"of={path}", "bs=1M", f"count={mib}", "conv=fsync"]
    if direct:
        args.append("oflag=direct")
    t0 = time.monotonic()
    r = procs.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - t0
    os.unlink(path)
    if r.returncode != 0:
        raise RuntimeError(f"dd failed: {r.stderr.strip()}")
    return {"command": " ".join(args[:2] + ["of=F"] + args[3:]), "mib": mib,
            "seconds": seconds, "mib_per_s": mib / seconds}


def fsync_latency(folder, count=200):
    path = os.path.join(folder, "fsync-probe")
    block = os.urandom(4096)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        for _ in range(count):
            t0 = time.perf_counter()
            os.write(fd, block)
            os.fdatasync(fd)
            times.append(time.perf_counter() - t0)
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()
    return {"count": count, "p50_ms": times[len(times) // 2] * 1e3,
            "p99_ms": times[int(len(times) * 0.99)] * 1e3}


def disk(folder, mib):
    """Sequential write limits in `folder` (the filesystem of Silo's drives)."""
    path = os.path.join(folder, "dd-probe")
    return {"buffered_fsync": _dd(path, mib, direct=False),
            "direct_fsync": _dd(path, mib, direct=True),
            "fsync_latency": fsync_latency(folder)}


NGINX_CONF = """\
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
    }}
}}
"""

_UNITS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}


def _wrk(url, connections, seconds, threads):
    r = procs.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                  timeout=seconds + 60)
    m = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed: {r.stdout.strip()[-500:]}")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", r.stdout)
    lat = re.search(r"50%\s+([\d.]+)(us|ms|s)", r.stdout)
    p50_ms = None
    if lat:
        p50_ms = float(lat.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[lat.group(2)]
    return float(m.group(1)), int(errors.group(1)) if errors else 0, p50_ms, r.stdout


def nginx(cases, seconds, threads=2):
    """Serves a file of each size with nginx and loads it with wrk.
    `cases` is [(name, size in bytes, connections)]."""
    tmp = tempfile.mkdtemp(prefix="silo-matrix-nginx-")
    results = {}
    try:
        os.chmod(tmp, 0o755)
        www = os.path.join(tmp, "www")
        os.mkdir(www)
        for name, size, _ in cases:
            with open(os.path.join(www, name), "wb") as f:
                f.write(os.urandom(size))
            os.chmod(os.path.join(www, name), 0o644)
        port = procs.free_port()
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(workers=os.cpu_count() or 1, tmp=tmp, port=port))
        server = procs.start(["nginx", "-p", tmp, "-c", conf, "-e", f"{tmp}/error.log"],
                             log_path=os.path.join(tmp, "stdout.log"))
        try:
            procs.wait_tcp(port, server, what="nginx")
            for name, size, connections in cases:
                url = f"http://127.0.0.1:{port}/{name}"
                rps, errors, p50, raw = _wrk(url, connections, seconds, threads)
                results[name] = {"size": size, "connections": connections,
                                 "threads": threads, "seconds": seconds, "req_per_s": rps,
                                 "mib_per_s": rps * size / MiB, "non_2xx": errors,
                                 "p50_ms": p50, "wrk_output": raw}
        finally:
            procs.stop(server, sig=15, timeout=10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results

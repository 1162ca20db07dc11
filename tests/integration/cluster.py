"""Local clusters for tests: several `silo server` processes on 127.0.0.1,
each with its own port and drive folders, all given the same endpoints, as
the README shows for one machine."""

import signal
import socket
import threading
import time
from pathlib import Path

import requests

from conftest import SiloServer
from ec_helpers import drive_states


def free_ports(n):
    """`n` distinct free ports (held open together while they are picked)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Cluster:
    """`nodes` nodes of `drives_per_node` drives each under `base`. Started
    by start(), stopped by stop() (the fixture does it)."""

    def __init__(self, base, nodes=4, drives_per_node=2, extra_args=(), env=None, ca_file=None):
        """`ca_file`: the nodes serve HTTPS (give --certs-dir in `extra_args`)
        and call each other at https:// endpoints; clients verify with it."""
        self.base = Path(base)
        self.ports = free_ports(nodes)
        self.drives_per_node = drives_per_node
        self.scheme = "https" if ca_file else "http"
        self.arg = ",".join(
            f"{self.scheme}://127.0.0.1:{port}{self.base}/n{i + 1}/d{{1...{drives_per_node}}}"
            for i, port in enumerate(self.ports))
        self.nodes = [SiloServer([self.arg], extra_args=extra_args, env=env,
                                 log_dir=self.base, ca_file=ca_file) for _ in self.ports]

    def use_pools(self, pools, labels=None):
        """Gives every node the same arguments: one pool per list of node
        indices in `pools`, each node's drives of pool P under nN/pP/ (P
        from `labels`, by default 1, 2, ...: a pool keeps its label when
        the pools before it are removed)."""
        labels = labels or range(1, len(pools) + 1)
        args = [",".join(
            f"{self.scheme}://127.0.0.1:{self.ports[i]}{self.base}/n{i + 1}/p{label}/d{{1...{self.drives_per_node}}}"
            for i in members) for label, members in zip(labels, pools)]
        for node in self.nodes:
            node.drives = args

    def node_drives(self, i):
        return [self.base / f"n{i + 1}" / f"d{d + 1}" for d in range(self.drives_per_node)]

    def start(self, timeout=60, which=None):
        """Starts every node (or those in `which`) at once (each waits for
        the others to agree on the format) and waits until all of them are
        ready."""
        which = list(range(len(self.nodes))) if which is None else list(which)
        errors = []

        def start_one(node, port):
            try:
                node.start(timeout=timeout, port=port)
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(e)

        threads = [threading.Thread(target=start_one, args=(self.nodes[i], self.ports[i]))
                   for i in which]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            self.stop()
            raise errors[0]
        try:
            self.wait_ready(which, timeout)
        except Exception:
            # A fixture whose setup fails is not torn down: stop them here.
            self.stop()
            raise
        return self

    def start_node(self, i, timeout=60):
        self.nodes[i].start(timeout=timeout, port=self.ports[i])
        self.wait_ready([i], timeout)

    def wait_ready(self, which, timeout=60, all_online=True):
        """Waits until the nodes `which` answer ready and (with
        `all_online`) see every drive of the cluster online, all of them at
        once: a node that saw a late peer online may see it offline by the
        time the last one is ready."""
        deadline = time.time() + timeout

        def ready(node):
            try:
                r = requests.get(node.endpoint + "/silo/health/ready", timeout=2,
                                 verify=node.verify)
                return r.status_code == 200 and (
                    not all_online or set(drive_states(node).values()) == {"online"})
            except (requests.RequestException, AssertionError):
                return False

        while True:
            waiting = [i for i in which if not ready(self.nodes[i])]
            if not waiting:
                return
            if time.time() > deadline:
                raise RuntimeError(f"node {waiting[0] + 1} did not become ready:\n"
                                   f"{self.nodes[waiting[0]].read_log()}")
            time.sleep(0.1)

    def client(self, i, **config):
        return self.nodes[i].client(**config)

    def kill(self, i):
        self.nodes[i].kill()

    def freeze(self, i):
        self.nodes[i].proc.send_signal(signal.SIGSTOP)

    def thaw(self, i):
        self.nodes[i].proc.send_signal(signal.SIGCONT)

    def stop(self):
        for node in self.nodes:
            if node.proc and node.proc.poll() is None:
                node.proc.send_signal(signal.SIGCONT)
        for node in self.nodes:
            node.stop()

    def logs(self):
        return "\n".join(f"--- node {i + 1}\n{n.read_log()[-3000:]}"
                         for i, n in enumerate(self.nodes))

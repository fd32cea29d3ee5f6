# SPDX-License-Identifier: GPL-2.0-only
"""Heap allocations per packet in steady state, counted by malloc_count.so in both l2tpd daemons.

1. malloc_count.c is built with cc into the run directory.
2. A dedicated l2tpd-udp4 pair starts with LD_PRELOAD=malloc_count.so and one MALLOC_COUNT_FILE
   per daemon (set after `ip netns exec`, so only l2tpd is preloaded).
3. Per run, iperf3 TCP one stream runs for seconds + 2. After 1 s (the stream is up): session
   counters (l2tp -s -j show session, both sides), then the allocation counters; `seconds` later the
   allocation counters, then the session counters. The control-socket queries stay outside the
   counted window, so only the datapath's (and any timer's) allocations are in it.
4. Allocations per packet = allocation calls (malloc, calloc, realloc, posix_memalign, aligned_alloc,
   memalign, valloc, pvalloc; not free) in both daemons / packets both sessions handled
   (tx_packets + rx_packets on both sides: each packet that crosses the tunnel counts twice, once
   where it is encapsulated and once where it is decapsulated).
"""

import json
import os
import struct
import subprocess
import time

import topology
from runner import BenchError

COUNTERS = ["malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc", "free"]
MAGIC = 0x544E434F4C4C414D
ALLOCATING = COUNTERS[:-1]


def build_library(runner, settings):
    """Compiles malloc_count.c into the run directory; returns the .so path."""
    source = os.path.join(settings.repo, "Tests", "Bench", "malloc_count.c")
    library = os.path.join(runner.run_dir, "malloc_count.so")
    runner.run([settings.cc, "-O2", "-fPIC", "-shared", "-Wall", "-o", library, source, "-ldl"], timeout=120)
    return library


def measure(runner, settings, index):
    """Builds the preloaded pair and returns a list (one per run) of dicts: per-packet figures by
    counter name, plus "allocations" (their sum) and "packets" (the window's packet count)."""
    library = build_library(runner, settings)
    files = {side: os.path.join(runner.run_dir, f"malloc-count-{side}") for side in "ab"}
    env = {side: {"LD_PRELOAD": library, "MALLOC_COUNT_FILE": files[side]} for side in "ab"}
    topo = topology.build(runner, settings, "alloc", index, kind="l2tpd-udp4", daemon_env=env)
    return [steady_window(runner, settings, topo, files) for _ in range(settings.runs)]


def steady_window(runner, settings, topo, files):
    """One counted window in the middle of a TCP one-stream iperf3 run."""
    argv = runner.in_namespace(topo.namespace["a"], ["iperf3", "-c", topo.target, "-t", str(settings.seconds + 2)])
    client = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        packets_before = session_packets(runner, settings, topo)
        counts_before = read_counts(files)
        time.sleep(settings.seconds)
        counts_after = read_counts(files)
        packets_after = session_packets(runner, settings, topo)
        _, err = client.communicate(timeout=30)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    if client.returncode != 0:
        raise BenchError(f"iperf3 during the allocation count: {err.strip()}")
    packets = packets_after - packets_before
    if packets <= 0:
        raise BenchError("no packets crossed the tunnel during the allocation count")
    if sum(counts_before[name] for name in ALLOCATING) == 0:
        raise BenchError("malloc_count.so counted nothing: l2tpd was not preloaded")
    delta = {name: counts_after[name] - counts_before[name] for name in COUNTERS}
    figures = {name: delta[name] / packets for name in COUNTERS}
    figures["allocations"] = sum(delta[name] for name in ALLOCATING) / packets
    figures["calls"] = sum(delta[name] for name in ALLOCATING)
    figures["packets"] = packets
    return figures


def read_counts(files):
    """The counters of both daemons, summed by name."""
    total = dict.fromkeys(COUNTERS, 0)
    for path in files.values():
        with open(path, "rb") as f:
            values = struct.unpack(f"<{2 + len(COUNTERS)}Q", f.read(8 * (2 + len(COUNTERS))))
        if values[0] != MAGIC:
            raise BenchError(f"{path} is not a malloc_count file")
        for name, value in zip(COUNTERS, values[2:]):
            total[name] += value
    return total


def session_packets(runner, settings, topo):
    """tx_packets + rx_packets of every session on both sides."""
    total = 0
    for side in "ab":
        sessions = json.loads(topology.l2tp(runner, settings, topo, side, ["-s", "-j", "show", "session"]))
        total += sum(s["stats"]["tx_packets"] + s["stats"]["rx_packets"] for s in sessions)
    return total

# SPDX-License-Identifier: GPL-2.0-only
"""One function per figure, each measured from namespace A towards the target in B of a Topology.

- tcp(streams):  iperf3 TCP, Gbit/s at the receiver (end.sum_received of -J);
- udp64:         iperf3 UDP, 64-byte payloads, unlimited rate: datagrams DELIVERED per second
                 (received = packets - lost_packets, over the receiver's seconds);
- ping:          300 pings 10 ms apart, every reply's time parsed: average and p99 (nearest rank);
- CPU per GB:    utime + stime (/proc/PID/stat, all threads) of the tunnel's endpoint processes over
                 the TCP one-stream run, divided by the gigabytes (10^9 bytes) iperf3 moved.
"""

import json
import math
import os
import re

from runner import BenchError
from topology import restart_iperf_server

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PING_COUNT = 300
PING_INTERVAL = 0.01


def tcp_one_stream(runner, topo, seconds):
    """(Gbit/s, CPU seconds per GB or None) for one TCP stream."""
    before = cpu_seconds(topo.endpoints)
    result = iperf3(runner, topo, seconds, [])
    cpu = cpu_seconds(topo.endpoints) - before
    received = result["end"]["sum_received"]
    gigabytes = received["bytes"] / 1e9
    per_gb = cpu / gigabytes if topo.endpoints and gigabytes > 0 else None
    return received["bits_per_second"] / 1e9, per_gb


def tcp_four_streams(runner, topo, seconds):
    """Gbit/s for four parallel TCP streams (-P 4)."""
    return iperf3(runner, topo, seconds, ["-P", "4"])["end"]["sum_received"]["bits_per_second"] / 1e9


def udp64_packets(runner, topo, seconds):
    """64-byte UDP datagrams delivered per second (sent as fast as iperf3 can, -b 0)."""
    end = iperf3(runner, topo, seconds, ["-u", "-l", "64", "-b", "0"])["end"]
    received = end.get("sum_received") or end["sum"]
    if received.get("seconds", 0) <= 0:
        raise BenchError("iperf3 UDP: no receiver figures in its JSON")
    return (received["packets"] - received["lost_packets"]) / received["seconds"]


def ping_rtt(runner, topo):
    """(average ms, p99 ms) over PING_COUNT pings; fails if fewer than 200 replies came back."""
    runner.check_alive(*topo.endpoints)
    argv = ["ping", "-n", "-i", str(PING_INTERVAL), "-c", str(PING_COUNT), "-W", "1", topo.target]
    out = runner.run(argv, ns=topo.namespace["a"], check=False, timeout=PING_COUNT * PING_INTERVAL + 30).stdout
    times = sorted(float(t) for t in re.findall(r"time=([0-9.]+) ms", out))
    if len(times) < 200:
        raise BenchError(f"ping: only {len(times)} of {PING_COUNT} replies")
    p99 = times[math.ceil(0.99 * len(times)) - 1]
    return sum(times) / len(times), p99


# MARK: - Helpers


def iperf3(runner, topo, seconds, options):
    """Runs the iperf3 client in A with -J and returns the parsed report. A refused or busy server
    (iperf3 servers sometimes stay busy after a UDP test) is restarted and the test tried once more."""
    argv = ["iperf3", "-c", topo.target, "-t", str(seconds), "-J", "--connect-timeout", "3000"] + options
    for attempt in (1, 2):
        runner.check_alive(*topo.endpoints)
        result = runner.run(argv, ns=topo.namespace["a"], check=False, timeout=seconds + 30)
        try:
            report = json.loads(result.stdout)
        except ValueError:
            report = {"error": (result.stderr.strip() or "no JSON output")}
        if "error" not in report and result.returncode == 0:
            return report
        if attempt == 1:
            restart_iperf_server(runner, topo)
    raise BenchError(f"iperf3 {' '.join(options) or 'TCP'}: {report.get('error', f'status {result.returncode}')}")


def cpu_seconds(processes):
    """utime + stime of the processes (every thread), in seconds."""
    total = 0
    for proc in processes:
        try:
            with open(f"/proc/{proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            raise BenchError(f"{proc.label} (pid {proc.pid}) is gone") from None
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
    return total / CLOCK_TICKS

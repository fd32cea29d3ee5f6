#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench: l2tpd's datapath against bare veth, socat and tinc, in network namespaces, in one run.

Flow
 1. Settings from the environment; preflight: root, l2tpd and l2tp (BENCH_BIN, else
    `swift build -c release --show-bin-path`), iperf3, socat, ping, ip; tincd is optional.
 2. The machine (CPU, vCPUs, memory, kernel, virtualisation, l2tpd commit) and its load so far.
 3. Every selected case gets its topology (topology.py): its own namespaces, veth, tunnel and
    iperf3 server. They all stay up during the rounds; idle tunnels cost nothing.
 4. BENCH_RUNS rounds; in each, every case in turn: ping, TCP one stream (with the tunnel
    processes' CPU time), TCP four streams, UDP 64-byte packets (metrics.py). Interleaving the
    rounds spreads slow changes in the machine's load over every case alike.
 5. The topologies go; heap allocations per packet with malloc_count.so preloaded into a dedicated
    l2tpd-udp4 pair (alloc.py).
 6. The scale case: 10,000 sessions in one daemon (scale.py).
 7. The entry (report.py): medians with min–max, ratios against veth and socat, load, allocations,
    scale; printed, and appended to Docs/benchmarks.md unless BENCH_NO_RECORD=1.
 Throughout: a failed case or metric prints why and the run goes on; try/finally and the SIGINT/
 SIGTERM/SIGHUP handlers stop every process and delete every namespace (a second signal stops
 waiting for graceful exits). Exit status 0 only if everything selected ran (a skipped tinc is fine).

Knobs: BENCH_RUNS (3), BENCH_SECONDS (5), BENCH_CASES (comma list of veth, socat, tinc, l2tpd-udp4,
l2tpd-udp6, l2tpd-ip4, alloc, scale; default all), BENCH_QUICK=1 (1 run, 2 s, no scale),
BENCH_NO_RECORD=1, BENCH_L2TPD_ARGS (extra arguments for every l2tpd), BENCH_BIN, CC.
"""

import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in Tests/Bench

import alloc  # (imported after the bytecode setting)
import metrics
import report
import scale
import settings as bench_settings
import topology
from runner import BenchError, Interrupted, Runner

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECORD = os.path.join(REPO, "Docs", "benchmarks.md")
REQUIRED_TOOLS = ["ip", "iperf3", "socat", "ping"]


def main():
    try:
        settings = bench_settings.from_environment(REPO)
        preflight(settings)
    except (ValueError, BenchError) as e:
        print(f"bench: {e}")
        return 2
    runner = Runner(tempfile.mkdtemp(prefix="l2tpd-bench-"))
    runner.install_signal_handlers()
    results = report.Results(cases=settings.cases)
    try:
        runner.remove_leftovers()
        machine_line = report.machine(REPO)
        load = report.LoadMonitor()
        say(f"{machine_line}\nruns {settings.runs} x {settings.seconds} s; cases {', '.join(settings.cases)}; "
            f"extras {', '.join(settings.extras) or 'none'}; logs in {runner.run_dir}")
        run_cases(runner, settings, results)
        load.cases_done()
        run_extras(runner, settings, results)
        load.finish()
    except Interrupted:
        print(f"\nbench: interrupted; cleaning up (logs kept in {runner.run_dir})")
        return 130
    finally:
        runner.cleanup()
    text = report.entry(results, settings, machine_line, load)
    print("\n" + text)
    if settings.record:
        report.append(RECORD, text)
        say(f"appended to {os.path.relpath(RECORD)}")
    return finish(runner, results)


def preflight(settings):
    if os.geteuid() != 0:
        raise BenchError("run as root (network namespaces, TAP devices)")
    for binary in (settings.l2tpd, settings.l2tp):
        if not os.access(binary, os.X_OK):
            raise BenchError(f"{binary} not built (swift build -c release, or set BENCH_BIN)")
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        raise BenchError(f"missing {', '.join(missing)} (apt-get install iperf3 socat iputils-ping iproute2)")


# MARK: - Cases


def run_cases(runner, settings, results):
    """Steps 3 and 4: every case's topology, then the interleaved rounds; then the topologies go."""
    topologies = []
    for index, case in enumerate(settings.cases):
        topo = build_case(runner, settings, case, index, results)
        if topo:
            topologies.append(topo)
    for round_number in range(1, settings.runs + 1):
        for topo in topologies:
            say(f"round {round_number}/{settings.runs}: {topo.case}")
            measure_round(runner, settings, topo, results)
    runner.cleanup()


def build_case(runner, settings, case, index, results):
    """The case's Topology, or None (skipped or failed, with the reason recorded)."""
    say(f"setting up {case}")
    try:
        return topology.build(runner, settings, case, index)
    except Exception as e:  # a failed case must not stop the others
        if isinstance(e, BenchError) and str(e).startswith("skipped: "):
            results.skipped[case] = str(e)[len("skipped: "):]
            say(f"{case}: {results.skipped[case]}")
        else:
            fail(results, f"{case}: setup", e)
    return None


def measure_round(runner, settings, topo, results):
    """One measurement of every metric for one case; a failed metric does not stop the others."""
    steps = [
        ("ping", lambda: dict(zip(("ping_avg", "ping_p99"), metrics.ping_rtt(runner, topo)))),
        ("TCP 1 stream", lambda: dict(zip(("tcp1", "cpu"), metrics.tcp_one_stream(runner, topo, settings.seconds)))),
        ("TCP 4 streams", lambda: {"tcp4": metrics.tcp_four_streams(runner, topo, settings.seconds)}),
        ("UDP 64 B", lambda: {"udp64": metrics.udp64_packets(runner, topo, settings.seconds)}),
    ]
    for name, step in steps:
        try:
            figures = step()
        except Exception as e:
            fail(results, f"{topo.case}: {name}", e)
            continue
        for metric, value in figures.items():
            if value is not None:
                results.add(topo.case, metric, value)
        say("  " + ", ".join(f"{metric} {value:.4g}" for metric, value in figures.items() if value is not None))


# MARK: - Allocation counter and scale


def run_extras(runner, settings, results):
    """Steps 5 and 6, each in a clean slate (its processes and namespaces removed afterwards)."""
    index = len(bench_settings.CASES)
    if "alloc" in settings.extras:
        say("allocation counter (l2tpd-udp4 with malloc_count.so)")
        try:
            results.allocations = alloc.measure(runner, settings, index)
        except Exception as e:
            fail(results, "allocations per packet", e)
        runner.cleanup()
    if "scale" in settings.extras:
        say(f"scale: {scale.SESSIONS:,} sessions in one daemon")
        try:
            results.scale = scale.measure(runner, settings, index + 1)
        except Exception as e:
            fail(results, "scale", e)
        runner.cleanup()


# MARK: - Output


def say(text):
    print(f"bench: {text}", flush=True)


def fail(results, what, error):
    if not isinstance(error, BenchError):  # an unexpected exception: name its type
        error = f"{type(error).__name__}: {error}"
    results.failures.append(f"{what}: {error}")
    say(f"FAILED {what}: {error}")


def finish(runner, results):
    """Exit status; the logs are kept when something failed."""
    if results.failures:
        say(f"{len(results.failures)} failure(s); logs kept in {runner.run_dir}")
        return 1
    shutil.rmtree(runner.run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

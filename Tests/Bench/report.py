# SPDX-License-Identifier: GPL-2.0-only
"""What a run found, as the markdown entry appended to Docs/benchmarks.md (and printed).

An entry: a dated heading, the machine and the l2tpd commit, the settings, the figures table
(median and min–max per case and metric), the ratios table (medians against veth and socat of
the same run), the machine load, allocations per packet, the scale figures, and what failed.
"""

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field

import scale

# (key, column title, unit, scale factor from the stored value)
METRICS = [
    ("tcp1", "TCP 1 stream", "Gbit/s", 1),
    ("tcp4", "TCP 4 streams", "Gbit/s", 1),
    ("udp64", "UDP 64 B delivered", "kpps", 1e-3),
    ("ping_avg", "ping avg", "ms", 1),
    ("ping_p99", "ping p99", "ms", 1),
    ("cpu", "CPU per GB", "s/GB", 1),
]
BASELINES = ["veth", "socat"]


@dataclass
class Results:
    cases: list  # the cases selected, in table order
    samples: dict = field(default_factory=dict)  # case -> metric -> [values]
    skipped: dict = field(default_factory=dict)  # case -> why
    failures: list = field(default_factory=list)  # "what: why"
    allocations: list = None  # alloc.measure's per-run figures
    scale: object = None  # scale.ScaleResult

    def add(self, case, metric, value):
        self.samples.setdefault(case, {}).setdefault(metric, []).append(value)

    def median(self, case, metric):
        values = self.samples.get(case, {}).get(metric)
        return statistics.median(values) if values else None


# MARK: - Machine and load


def machine(repo):
    """One line: CPU model, vCPUs, memory, kernel, virtualisation, l2tpd commit."""
    model = next((line.split(":", 1)[1].strip() for line in read_lines("/proc/cpuinfo")
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory_kib = next(int(line.split()[1]) for line in read_lines("/proc/meminfo") if line.startswith("MemTotal:"))
    virt = command_output(["systemd-detect-virt"]) or "unknown (no systemd-detect-virt)"
    return (f"{model}, {os.cpu_count()} vCPUs, {memory_kib / 1048576:.1f} GiB, Linux {platform.release()}, "
            f"virtualisation: {virt}; l2tpd {commit(repo)}")


def commit(repo):
    """The short commit, noting uncommitted changes to what is built (Sources/, Package.swift)."""
    head = command_output(["git", "-C", repo, "rev-parse", "--short", "HEAD"]) or "unknown commit"
    dirty = command_output(["git", "-C", repo, "status", "--porcelain", "--", "Sources", "Package.swift"])
    return f"{head} + uncommitted changes in Sources/" if dirty else head


class LoadMonitor:
    """/proc/loadavg at the start, after the cases' rounds and at the end; CPU steal (share of all CPU
    time) over the whole run."""

    def __init__(self):
        self.loadavg_before = self.loadavg()
        self.loadavg_cases = None
        self.stat_before = self.cpu_times()
        self.started = time.monotonic()

    def cases_done(self):
        self.loadavg_cases = self.loadavg()

    def finish(self):
        self.loadavg_after = self.loadavg()
        after = self.cpu_times()
        total = sum(after) - sum(self.stat_before)
        self.steal_percent = 100 * (after[7] - self.stat_before[7]) / total if total else 0.0
        self.seconds = time.monotonic() - self.started

    @staticmethod
    def loadavg():
        return " ".join(read_lines("/proc/loadavg")[0].split()[:3])

    @staticmethod
    def cpu_times():
        """user nice system idle iowait irq softirq steal (guest time is included in user)."""
        return [int(v) for v in read_lines("/proc/stat")[0].split()[1:9]]


# MARK: - The entry


def entry(results, settings, machine_line, load):
    """The markdown section for this run."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    title = f"### {when}" + (" (BENCH_QUICK smoke run)" if settings.quick else "")
    lines = [title, "", f"- Machine: {machine_line}.", f"- {settings_line(settings, load)}", ""]
    if results.cases:
        lines += figures_table(results) + [""] + ratios_table(results) + [""]
    lines += [load_line(results, load), ""]
    lines += allocation_lines(results) + scale_lines(results) + failure_lines(results)
    return "\n".join(lines).rstrip() + "\n"


def load_line(results, load):
    """Load average before, after the cases and at the end (the scale case's device creation and
    deletion put many kernel threads in D state, which the load average counts), and CPU steal."""
    readings = [f"{load.loadavg_before} before"]
    if load.loadavg_cases and results.cases:
        readings.append(f"{load.loadavg_cases} after the cases")
    end = " at the end (after the scale case: its kernel device work counts as load)" if results.scale else " at the end"
    readings.append(load.loadavg_after + end)
    return f"Load: /proc/loadavg {', '.join(readings)}; CPU steal {load.steal_percent:.1f} % of CPU time over the run."


def settings_line(settings, load):
    args = " ".join(settings.l2tpd_args) or "none"
    minutes, seconds = divmod(round(load.seconds), 60)
    return (f"Runs: {settings.runs} per case and metric, iperf3 {settings.seconds} s each; "
            f"extra l2tpd arguments: {args}; the measurements took {minutes} min {seconds} s.")


def figures_table(results):
    """Median (min–max) of every metric, one row per case."""
    header = "| Case | " + " | ".join(f"{title} ({unit})" for _, title, unit, _ in METRICS) + " |"
    rows = [header, "|---" * (len(METRICS) + 1) + "|"]
    for case in results.cases:
        cells = [figure_cell(results, case, key, factor) for key, _, _, factor in METRICS]
        rows.append(f"| {case} | " + " | ".join(cells) + " |")
    return rows


def figure_cell(results, case, key, factor):
    if case in results.skipped:
        return "skipped"
    if key == "cpu" and case == "veth":
        return "—"
    values = results.samples.get(case, {}).get(key)
    if not values:
        return "failed"
    median = number(statistics.median(values) * factor)
    return f"{median} ({number(min(values) * factor)}–{number(max(values) * factor)})"


def ratios_table(results):
    """Each case's medians divided by veth's and socat's (same run)."""
    baselines = [b for b in BASELINES if b in results.samples]
    if not baselines:
        return ["(No ratios: neither veth nor socat ran.)"]
    header = "| Ratio of medians | " + " | ".join(title for _, title, _, _ in METRICS) + " |"
    rows = []
    for case in results.cases:
        if case in baselines[:1] or case not in results.samples:
            continue
        cells = [ratio_cell(results, case, key, baselines) for key, _, _, _ in METRICS]
        rows.append(f"| {case} | " + " | ".join(cells) + " |")
    return [header, "|---" * (len(METRICS) + 1) + "|"] + rows if rows else ["(No ratios: no other case ran.)"]


def ratio_cell(results, case, key, baselines):
    value = results.median(case, key)
    parts = []
    for baseline in baselines:
        reference = results.median(baseline, key)
        if value is not None and reference and baseline != case:
            parts.append(f"{ratio(value / reference)} {baseline}")
    return ", ".join(parts) or "—"


def allocation_lines(results):
    runs = results.allocations
    if not runs:
        return []
    per_packet = [run["allocations"] for run in runs]
    median_run = sorted(runs, key=lambda run: run["allocations"])[len(runs) // 2]
    detail = ", ".join(f"{name} {median_run[name]:.2f}" for name in ("malloc", "calloc", "realloc", "posix_memalign",
                                                                       "aligned_alloc", "memalign", "valloc", "pvalloc")
                       if median_run[name] > 0)
    return [f"Heap allocations per packet (steady state; l2tpd-udp4, both daemons, TCP one stream; "
            f"packets = tx + rx of both sessions): **{number(statistics.median(per_packet))}** "
            f"({number(min(per_packet))}–{number(max(per_packet))}); median run: {median_run['calls']:,} allocation calls "
            f"in {median_run['packets']:,} packets"
            + (f"; median run by call: {detail}; free {median_run['free']:.2f}." if detail else "."), ""]


def scale_lines(results):
    s = results.scale
    if s is None:
        return []
    runs = len(s.busy_gbits)
    alone, busy = statistics.median(s.alone_gbits), statistics.median(s.busy_gbits)
    return [
        f"Scale: one l2tpd with {scale.SESSIONS:,} Ethernet sessions ({scale.TUNNELS:,} UDP/IPv4 tunnels x "
        f"{scale.SESSIONS_PER_TUNNEL}; RLIMIT_NOFILE {s.nofile:,}):",
        "",
        f"- Creation over one pipelining control connection: {scale.SESSIONS - 1:,} sessions and "
        f"{scale.TUNNELS - 1:,} tunnels in {s.creation_seconds:.1f} s = **{s.sessions_per_second:,.0f} sessions/s** "
        f"(target >= 500) {verdict(s.sessions_per_second >= 500)}",
        f"- RSS per idle session: ({s.rss_all_kib:,} KiB - {s.rss_one_kib:,} KiB) / {scale.SESSIONS - 1:,} = "
        f"**{s.rss_per_session_kib:.1f} KiB** (target <= 16) {verdict(s.rss_per_session_kib <= 16)}",
        f"- One busy session, TCP one stream: {number(busy)} Gbit/s among {scale.SESSIONS:,} "
        f"(runs {runs_text(s.busy_gbits)}) vs {number(alone)} Gbit/s alone (before {runs_text(s.alone_gbits[:runs])}; "
        f"after {runs_text(s.alone_gbits[runs:])}) = **{ratio(s.busy_ratio)}** (target within 5 %) "
        f"{verdict(s.busy_ratio >= 0.95)}",
        f"- Deletion of those {scale.SESSIONS - 1:,} sessions and {scale.TUNNELS - 1:,} tunnels over the same "
        f"connection: {s.deletion_seconds:.1f} s",
        "",
    ]


def runs_text(values):
    return ", ".join(number(v) for v in values)


def failure_lines(results):
    lines = [f"- {case}: {why}" for case, why in results.skipped.items()]
    lines += [f"- {failure}" for failure in results.failures]
    return (["Skipped or failed:", ""] + lines + [""]) if lines else []


# MARK: - Formatting and files


def stepped(value, steps, smallest):
    """value formatted with the format of the first (threshold, format) it reaches, else smallest."""
    for threshold, fmt in steps:
        if value >= threshold:
            return format(value, fmt)
    return format(value, smallest)


def number(value):
    """Three significant digits, no exponent."""
    return stepped(value, ((100, ",.0f"), (10, ".1f"), (1, ".2f")), ".3f")


def ratio(value):
    """Two significant digits and an x: 0.036x, 1.6x, 29x."""
    return stepped(value, ((10, ".0f"), (1, ".1f"), (0.1, ".2f")), ".2g") + "x"


def verdict(ok):
    return "(met)" if ok else "(NOT met)"


def append(path, text):
    """Appends the entry to Docs/benchmarks.md (under its Results heading), after a blank line."""
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write("# l2tpd benchmarks\n\n## Results\n")
    with open(path, "a") as f:
        f.write("\n" + text)


def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def command_output(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()

# SPDX-License-Identifier: GPL-2.0-only
"""The bench's knobs, read once from the environment (see the top of bench.py)."""

import os
import shlex
import subprocess
from dataclasses import dataclass, field

# The measured cases, in table order, and the extra parts that BENCH_CASES may also name.
CASES = ["veth", "socat", "tinc", "l2tpd-udp4", "l2tpd-udp6", "l2tpd-ip4"]
EXTRAS = ["alloc", "scale"]


@dataclass
class Settings:
    repo: str
    bin_dir: str  # holds l2tpd and l2tp
    runs: int = 3
    seconds: int = 5
    cases: list = field(default_factory=lambda: list(CASES))
    extras: list = field(default_factory=lambda: list(EXTRAS))
    quick: bool = False
    record: bool = True
    l2tpd_args: list = field(default_factory=list)
    cc: str = "cc"

    @property
    def l2tpd(self):
        return os.path.join(self.bin_dir, "l2tpd")

    @property
    def l2tp(self):
        return os.path.join(self.bin_dir, "l2tp")


def from_environment(repo):
    """Settings from BENCH_* (and CC); raises ValueError for a value that makes no sense."""
    env = os.environ
    quick = env.get("BENCH_QUICK", "") not in ("", "0")
    runs = int(env.get("BENCH_RUNS", "1" if quick else "3"))
    seconds = int(env.get("BENCH_SECONDS", "2" if quick else "5"))
    if runs < 1 or seconds < 1:
        raise ValueError("BENCH_RUNS and BENCH_SECONDS must be at least 1")
    cases, extras = _selection(env.get("BENCH_CASES", ""), quick)
    return Settings(
        repo=repo,
        bin_dir=env.get("BENCH_BIN") or _swift_bin_path(repo),
        runs=runs,
        seconds=seconds,
        cases=cases,
        extras=extras,
        quick=quick,
        record=env.get("BENCH_NO_RECORD", "") in ("", "0"),
        l2tpd_args=shlex.split(env.get("BENCH_L2TPD_ARGS", "")),
        cc=env.get("CC", "cc"),
    )


def _selection(text, quick):
    """BENCH_CASES (comma list of cases, alloc and scale) → (cases, extras); BENCH_QUICK drops scale."""
    names = [name.strip() for name in text.split(",") if name.strip()] or CASES + EXTRAS
    unknown = [name for name in names if name not in CASES + EXTRAS]
    if unknown:
        raise ValueError(f"BENCH_CASES: unknown {', '.join(unknown)} (known: {', '.join(CASES + EXTRAS)})")
    cases = [name for name in CASES if name in names]
    extras = [name for name in EXTRAS if name in names and not (quick and name == "scale")]
    return cases, extras


def _swift_bin_path(repo):
    """Where `swift build -c release` puts the binaries (used when BENCH_BIN is not set)."""
    out = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=repo, capture_output=True,
                         text=True, timeout=120)
    if out.returncode != 0:
        raise ValueError("BENCH_BIN is not set and swift build --show-bin-path failed")
    return out.stdout.strip()

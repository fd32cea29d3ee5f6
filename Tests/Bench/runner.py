# SPDX-License-Identifier: GPL-2.0-only
"""Commands, processes and namespaces for the bench, all accounted for.

Every command runs with a timeout; every long-running process (daemons, socat, tincd, iperf3 servers)
and every namespace is registered with the Runner, and Runner.cleanup() stops the processes (SIGTERM,
then SIGKILL after their grace period) and deletes the namespaces, whatever happened before.
"""

import os
import re
import signal
import subprocess
import time


class BenchError(Exception):
    """A case or metric that could not be measured; the message says why."""


class Interrupted(BaseException):
    """A signal asked the bench to stop (BaseException: no `except Exception` swallows it)."""


class Runner:
    """Runs commands, in a namespace or not, and remembers what must be undone."""

    def __init__(self, run_dir):
        self.run_dir = run_dir
        self.processes = []  # (label, Popen, grace seconds), in start order
        self.namespaces = []
        self.interrupted = False  # a first signal arrived: unwinding, then cleanup
        self.hurry = False  # a second signal arrived: cleanup stops waiting for graceful exits
        self.starting = False  # between Popen and registration: a signal waits for the end of start()
        self.deferred = False

    # MARK: - Signals

    def install_signal_handlers(self):
        """SIGINT, SIGTERM, SIGHUP: the first raises Interrupted (so finally clauses clean up), unless a
        process is being started, in which case it is raised once that process is registered; any
        later one makes cleanup hurry (SIGKILL instead of waiting)."""
        def handler(_signum, _frame):
            if self.interrupted:
                self.hurry = True
            elif self.starting:
                self.deferred = True
            else:
                self.interrupted = True
                raise Interrupted()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, handler)

    # MARK: - Commands

    @staticmethod
    def in_namespace(ns, argv):
        """The argv that runs argv inside network namespace ns (ip netns exec execs it: same pid)."""
        return ["ip", "netns", "exec", ns] + list(argv) if ns else list(argv)

    def run(self, argv, ns=None, timeout=30, check=True, input=None):
        """Runs a command to completion; returns its CompletedProcess (text). Raises BenchError on a
        timeout, or on a non-zero status when check is set."""
        full = self.in_namespace(ns, argv)
        try:
            result = subprocess.run(full, capture_output=True, text=True, timeout=timeout, input=input)
        except subprocess.TimeoutExpired:
            raise BenchError(f"timed out after {timeout} s: {' '.join(full)}") from None
        except OSError as e:
            raise BenchError(f"cannot run {full[0]}: {e.strerror}") from None
        if check and result.returncode != 0:
            detail = (result.stderr.strip() or result.stdout.strip()).splitlines()[-3:]
            raise BenchError(f"{' '.join(full)}: status {result.returncode}: {' / '.join(detail)}")
        return result

    # MARK: - Processes

    def start(self, label, argv, ns=None, grace=10, preexec_fn=None):
        """Starts a long-running process with its output in run_dir/label.log and registers it.
        It gets its own session, so a Ctrl-C reaches the bench only and cleanup stops it in order."""
        log = open(os.path.join(self.run_dir, f"{label}.log"), "wb")
        self.starting = True
        try:
            proc = subprocess.Popen(self.in_namespace(ns, argv), stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=preexec_fn)
            proc.label = label
            self.processes.append((label, proc, grace))
        finally:
            log.close()
            self.starting = False
        if self.deferred:
            self.interrupted = True
            raise Interrupted()
        return proc

    def log_tail(self, label, lines=3):
        """The last lines of a process's log, for error messages."""
        try:
            with open(os.path.join(self.run_dir, f"{label}.log"), errors="replace") as f:
                return " / ".join(line.strip() for line in f.read().splitlines()[-lines:])
        except OSError:
            return ""

    def check_alive(self, *procs):
        """Raises BenchError naming the first process that has exited, with its last words."""
        for proc in procs:
            if proc.poll() is not None:
                raise BenchError(f"{proc.label} exited with status {proc.returncode}: {self.log_tail(proc.label)}")

    def stop(self, proc, grace=10):
        """SIGTERM, up to grace seconds for the exit, then SIGKILL. Returns the seconds it took."""
        began = time.monotonic()
        if proc.poll() is None:
            self._signal(proc, signal.SIGTERM)
            deadline = began + grace
            while proc.poll() is None and time.monotonic() < deadline and not self.hurry:
                time.sleep(0.05)
            if proc.poll() is None:
                self._signal(proc, signal.SIGKILL)
                proc.wait(timeout=30)
        self.processes = [entry for entry in self.processes if entry[1] is not proc]
        return time.monotonic() - began

    @staticmethod
    def _signal(proc, sig):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass

    # MARK: - Namespaces

    def add_namespace(self, name):
        """Creates a network namespace with its loopback up, and registers it."""
        self.run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        self.run(["ip", "-n", name, "link", "set", "lo", "up"])

    def delete_namespace(self, name):
        self.run(["ip", "netns", "del", name], check=False, timeout=60)
        if name in self.namespaces:
            self.namespaces.remove(name)

    def remove_leftovers(self):
        """Namespaces of an earlier bench that could not clean up (SIGKILL): bench<pid>-... whose pid is
        gone. Their processes get SIGTERM, then SIGKILL; then the namespace is deleted."""
        listing = self.run(["ip", "netns", "list"], check=False).stdout.split()
        for name in listing:
            match = re.fullmatch(r"bench(\d+)-.+-[ab]", name)
            if not match or pid_alive(int(match.group(1))):
                continue
            print(f"bench: removing {name}, left over by a bench that was killed")
            pids = [int(pid) for pid in self.run(["ip", "netns", "pids", name], check=False).stdout.split()]
            for sig in (signal.SIGTERM, signal.SIGKILL):
                for pid in pids:
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                time.sleep(2 if sig == signal.SIGTERM and pids else 0)
            self.run(["ip", "netns", "del", name], check=False, timeout=60)

    # MARK: - Cleanup

    def cleanup(self):
        """Stops every registered process (last started first) and deletes every namespace."""
        for label, proc, grace in reversed(list(self.processes)):
            try:
                self.stop(proc, grace)
            except Exception as e:  # keep cleaning up whatever happens
                print(f"bench: cleanup: {label}: {e}")
        for name in list(self.namespaces):
            try:
                self.delete_namespace(name)
            except Exception as e:
                print(f"bench: cleanup: namespace {name}: {e}")


def pid_alive(pid):
    """Whether a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

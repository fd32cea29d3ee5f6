# SPDX-License-Identifier: GPL-2.0-only
"""The cases: two namespaces joined by veth and, per case, the tunnel between them.

    namespace A                                        namespace B
    inner device 10.30.0.1/24                          inner device 10.30.0.2/24   <- iperf3 -s
         |  tunnel endpoint (socat, tincd, l2tpd)           |  tunnel endpoint
    veth 172.30.0.1/24 fd00:30::1/64  <---- veth ---->  veth 172.30.0.2/24 fd00:30::2/64

- veth:        no tunnel; iperf3 and ping aim at B's veth address (the kernel is the endpoint).
- socat:       in each namespace socat bridges a TAP to UDP (port 6000), the naive userspace tunnel.
- tinc:        tincd 1.0 in switch mode, Cipher = none, Digest = none, UDP port 655.
- l2tpd-udp4,  one l2tpd per namespace and an L2TPv3 Ethernet pseudowire (tunnel 1 <-> 2, session
  l2tpd-udp6,  10 <-> 20) configured with the l2tp CLI over UDP/IPv4 (ports 5000/5001), UDP/IPv6 or
  l2tpd-ip4    IP/IPv4; the pseudowire devices keep the MTU l2tpd gives them.

Each topology has its own namespaces and device names (bench<pid>-<case>-a, b<pid><index><kind><side>),
so every case can stay up for the whole run; the Runner removes them all at the end.
"""

import os
import resource
import shutil
import time
from dataclasses import dataclass, field

from runner import BenchError

OUTER4 = {"a": "172.30.0.1", "b": "172.30.0.2"}
OUTER6 = {"a": "fd00:30::1", "b": "fd00:30::2"}
INNER4 = {"a": "10.30.0.1", "b": "10.30.0.2"}
OTHER = {"a": "b", "b": "a"}

SOCAT_PORT = 6000
SOCAT_MTU = 1458  # 1500 - IPv4 20 - UDP 8 - Ethernet 14: a frame fits in one outer packet
TINC_PMTU = 1468  # 1500 - IPv4 20 - UDP 8 - tinc's sequence number 4 (no cipher, no digest)
TINC_MTU = TINC_PMTU - 14

# l2tpd cases: encapsulation and outer address family.
L2TPD_CASES = {"l2tpd-udp4": ("udp", 4), "l2tpd-udp6": ("udp", 6), "l2tpd-ip4": ("ip", 4)}
L2TPD_TUNNEL = {"a": (1, 2, 5000), "b": (2, 1, 5001)}  # tunnel id, peer tunnel id, UDP port
L2TPD_SESSION = {"a": (10, 20), "b": (20, 10)}  # session id, peer session id


@dataclass
class Topology:
    """One case's namespaces, where to aim from A, and the processes that carry its traffic."""
    case: str
    index: int
    namespace: dict  # side ("a"/"b") -> namespace name
    target: str = INNER4["b"]  # the address in B that A's iperf3 and ping aim at
    endpoints: list = field(default_factory=list)  # tunnel processes: CPU time, liveness
    sockets: dict = field(default_factory=dict)  # side -> l2tpd control socket
    devices: dict = field(default_factory=dict)  # side -> inner device
    iperf_server: object = None

    def device_name(self, kind, side):
        """A device name unique to this run, case and side (at most 15 characters)."""
        return f"b{os.getpid()}{self.index}{kind}{side}"


# MARK: - Building a case


def build(runner, settings, case, index, kind=None, daemon_env=None):
    """Namespaces, veth, the tunnel of kind (default: the case's own), an iperf3 server in B; returns
    the Topology once A reaches B through the tunnel. daemon_env: side -> environment for l2tpd."""
    topo = join_with_veth(runner, case, index)
    kind = kind or case
    if kind == "veth":
        topo.target = OUTER4["b"]
    elif kind == "socat":
        setup_socat(runner, topo)
    elif kind == "tinc":
        setup_tinc(runner, topo)
    else:
        setup_l2tpd_pair(runner, settings, topo, *L2TPD_CASES[kind], daemon_env or {})
    topo.iperf_server = start_iperf_server(runner, topo)
    wait_until_reachable(runner, topo)
    return topo


def join_with_veth(runner, case, index):
    """Two fresh namespaces joined by a veth pair carrying the outer IPv4 and IPv6 addresses."""
    pid = os.getpid()
    topo = Topology(case, index, {side: f"bench{pid}-{case}-{side}" for side in "ab"})
    for side in "ab":
        runner.add_namespace(topo.namespace[side])
    veth = {side: topo.device_name("v", side) for side in "ab"}
    runner.run(["ip", "link", "add", veth["a"], "netns", topo.namespace["a"], "type", "veth",
                "peer", "name", veth["b"], "netns", topo.namespace["b"]])
    for side in "ab":
        ns = topo.namespace[side]
        runner.run(["ip", "-n", ns, "addr", "add", f"{OUTER4[side]}/24", "dev", veth[side]])
        runner.run(["ip", "-n", ns, "addr", "add", f"{OUTER6[side]}/64", "dev", veth[side], "nodad"])
        runner.run(["ip", "-n", ns, "link", "set", veth[side], "up"])
    return topo


def address_inner(runner, topo, side, device, mtu=None):
    """Gives the inner device its address, optionally an MTU, and brings it up."""
    ns = topo.namespace[side]
    wait_for_device(runner, ns, device)
    runner.run(["ip", "-n", ns, "addr", "add", f"{INNER4[side]}/24", "dev", device])
    up = ["ip", "-n", ns, "link", "set", device, "up"]
    runner.run(up + (["mtu", str(mtu)] if mtu else []))
    topo.devices[side] = device


def wait_for_device(runner, ns, device, seconds=10):
    deadline = time.monotonic() + seconds
    while runner.run(["ip", "-n", ns, "link", "show", device], check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise BenchError(f"device {device} did not appear in {ns}")
        time.sleep(0.05)


# MARK: - socat


def setup_socat(runner, topo):
    """socat TUN (tap) <-> UDP in each namespace. UDP-DATAGRAM (an unconnected socket) rather than
    UDP: a connected socket gets ECONNREFUSED for frames sent before the peer is up, and socat exits."""
    for side in "ba":
        device = topo.device_name("s", side)
        tap = f"TUN:{INNER4[side]}/24,tun-type=tap,iff-up,tun-name={device}"
        udp = f"UDP-DATAGRAM:{OUTER4[OTHER[side]]}:{SOCAT_PORT},bind={OUTER4[side]}:{SOCAT_PORT}"
        topo.endpoints.append(runner.start(f"{topo.case}-socat-{side}", ["socat", tap, udp], ns=topo.namespace[side]))
        wait_for_device(runner, topo.namespace[side], device)
        runner.run(["ip", "-n", topo.namespace[side], "link", "set", device, "mtu", str(SOCAT_MTU)])
        topo.devices[side] = device


# MARK: - tinc


def setup_tinc(runner, topo):
    """tincd in switch mode without cipher or digest; B listens, A connects. PMTU discovery is off
    and the PMTU fixed at what discovery finds after ~10 s (1468), so the first run is not special."""
    if shutil.which("tincd") is None:
        raise BenchError("skipped: tincd is not installed (apt-get install tinc)")
    base = os.path.join(runner.run_dir, f"tinc-{topo.case}")
    for side in "ab":
        write_tinc_config(runner, topo, os.path.join(base, side), side)
    for side in "ab":  # each node needs the other's host file, with its public key
        shutil.copy(os.path.join(base, side, "hosts", side), os.path.join(base, OTHER[side], "hosts", side))
    for side in "ba":
        conf = os.path.join(base, side)
        argv = ["tincd", "-c", conf, "-D", "-d0", f"--pidfile={conf}/tinc.pid", f"--logfile={conf}/tinc.log"]
        topo.endpoints.append(runner.start(f"{topo.case}-tincd-{side}", argv, ns=topo.namespace[side]))
        address_inner(runner, topo, side, topo.device_name("t", side), mtu=TINC_MTU)


def write_tinc_config(runner, topo, conf, side):
    """tinc.conf, this node's host file and its RSA key pair (tinc 1.0 always authenticates)."""
    os.makedirs(os.path.join(conf, "hosts"))
    lines = [f"Name = {side}", "Mode = switch", "DeviceType = tap", f"Interface = {topo.device_name('t', side)}",
             "AddressFamily = ipv4"] + (["ConnectTo = b"] if side == "a" else [])
    with open(os.path.join(conf, "tinc.conf"), "w") as f:
        f.write("\n".join(lines) + "\n")
    host = [f"Address = {OUTER4[side]}", "Port = 655", "Cipher = none", "Digest = none",
            "PMTUDiscovery = no", f"PMTU = {TINC_PMTU}"]
    with open(os.path.join(conf, "hosts", side), "w") as f:
        f.write("\n".join(host) + "\n")
    runner.run(["tincd", "-c", conf, "-K", "2048"], timeout=60)


# MARK: - l2tpd


def setup_l2tpd_pair(runner, settings, topo, encap, family, daemon_env):
    """One l2tpd per namespace and the pseudowire between them, configured with the l2tp CLI."""
    for side in "ab":
        start_l2tpd(runner, settings, topo, side, daemon_env.get(side))
    outer = OUTER6 if family == 6 else OUTER4
    for side in "ab":
        tunnel_id, peer_tunnel_id, port = L2TPD_TUNNEL[side]
        words = ["add", "tunnel", "tunnel_id", tunnel_id, "peer_tunnel_id", peer_tunnel_id, "encap", encap,
                 "local", outer[side], "remote", outer[OTHER[side]]]
        if encap == "udp":
            words += ["udp_sport", port, "udp_dport", L2TPD_TUNNEL[OTHER[side]][2]]
        l2tp(runner, settings, topo, side, words)
        session_id, peer_session_id = L2TPD_SESSION[side]
        device = topo.device_name("p", side)
        l2tp(runner, settings, topo, side, ["add", "session", "tunnel_id", tunnel_id, "session_id", session_id,
                                            "peer_session_id", peer_session_id, "name", device])
        address_inner(runner, topo, side, device)


def start_l2tpd(runner, settings, topo, side, env=None, nofile=None, grace=30):
    """Starts l2tpd in the side's namespace and waits for its control socket. env: variables set
    with env(1) after ip netns exec, so only l2tpd sees them; nofile: its RLIMIT_NOFILE."""
    ns = topo.namespace[side]
    socket_path = os.path.join(runner.run_dir, f"{topo.case}-{side}.sock")
    argv = [settings.l2tpd, "--control-socket", socket_path, "--log-level", "error"] + settings.l2tpd_args
    if env:
        argv = ["env"] + [f"{key}={value}" for key, value in env.items()] + argv
    preexec = (lambda: raise_nofile(nofile)) if nofile else None
    proc = runner.start(f"{topo.case}-l2tpd-{side}", argv, ns=ns, grace=grace, preexec_fn=preexec)
    deadline = time.monotonic() + 15
    while not os.path.exists(socket_path):
        runner.check_alive(proc)
        if time.monotonic() > deadline:
            raise BenchError(f"l2tpd in {ns} did not create {socket_path}")
        time.sleep(0.05)
    topo.sockets[side] = socket_path
    topo.endpoints.append(proc)
    return proc


def raise_nofile(wanted):
    """RLIMIT_NOFILE to wanted, or as far as the hard limit goes where it may not be raised (a
    container without CAP_SYS_RESOURCE)."""
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
    except (ValueError, OSError):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def nofile_limit(pid):
    """The process's open-files limit (soft), from /proc/PID/limits."""
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return None


def l2tp(runner, settings, topo, side, words, timeout=30):
    """Runs the l2tp CLI against the side's daemon; returns its stdout."""
    argv = [settings.l2tp, "--socket", topo.sockets[side]] + [str(word) for word in words]
    return runner.run(argv, ns=topo.namespace[side], timeout=timeout).stdout


# MARK: - Traffic endpoints


def start_iperf_server(runner, topo):
    """A persistent iperf3 server in B (not pinned: the machine's 2 vCPUs are shared by everything)."""
    return runner.start(f"{topo.case}-iperf3-server", ["iperf3", "-s"], ns=topo.namespace["b"], grace=5)


def restart_iperf_server(runner, topo):
    runner.stop(topo.iperf_server, grace=5)
    topo.iperf_server = start_iperf_server(runner, topo)
    time.sleep(0.3)


def wait_until_reachable(runner, topo, seconds=20):
    """Pings from A until B answers through the tunnel (ARP resolved, tinc connected)."""
    deadline = time.monotonic() + seconds
    ping = ["ping", "-c", "1", "-W", "1", topo.target]
    while runner.run(ping, ns=topo.namespace["a"], check=False, timeout=5).returncode != 0:
        runner.check_alive(*topo.endpoints)
        if time.monotonic() > deadline:
            raise BenchError(f"{topo.target} not reachable from {topo.namespace['a']} after {seconds} s")
        time.sleep(0.2)

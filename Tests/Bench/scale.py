# SPDX-License-Identifier: GPL-2.0-only
"""The scale case: one l2tpd holding 10,000 Ethernet sessions (1,000 UDP/IPv4 tunnels x 10 sessions).

1. Namespaces A and B joined by veth; l2tpd in A (RLIMIT_NOFILE raised: a socket per tunnel and a TAP
   per session) and in B.
2. One client connection to A's control socket (ControlClient) creates tunnel 1 and its first session;
   B gets the peer with the l2tp CLI; both pseudowire devices get addresses.
3. iperf3 TCP one stream over that session, BENCH_RUNS times: the busy session alone. Then A's VmRSS.
4. The same connection creates the other 999 tunnels (each its own local UDP port; the peers do not
   exist) and 9,999 sessions (down, no addresses), pipelining the requests: up to WINDOW unanswered at
   a time. Creation rate = 9,999 sessions / the client's elapsed time for all of it.
5. A's VmRSS again: RSS per idle session = (VmRSS with 10,000 - VmRSS with 1) / 9,999.
6. iperf3 TCP one stream over the first session, BENCH_RUNS times: busy among 10,000.
7. The same connection deletes everything but the first session again (9 SESSION_DELETE, 999
   TUNNEL_DELETE), timed; then the busy session alone BENCH_RUNS more times, so that "alone" brackets
   "among 10,000" and a slow drift of the machine's load cancels out of their ratio.
"""

import socket
import statistics
import struct
import time
from dataclasses import dataclass

import metrics
import topology
from runner import BenchError

TUNNELS = 1000
SESSIONS_PER_TUNNEL = 10
SESSIONS = TUNNELS * SESSIONS_PER_TUNNEL
WINDOW = 64  # requests in flight on the one connection
NOFILE = 65536
TEARDOWN_GRACE = 600  # seconds l2tpd may take to exit, should it still hold 10,000 sessions
PEER_OFFSET = 100000  # peer tunnel and session ids are the local ones plus this
PORT_BASE = 20000  # tunnel t: local and peer UDP port PORT_BASE + t

# Netlink and the l2tp Generic Netlink family (uapi/linux/netlink.h, genetlink.h, l2tp.h).
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CAPPED = 0x1, 0x4, 0x100
NLMSG_ERROR = 2
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
NLMSGERR_ATTR_MSG = 1
L2TP_CMD_TUNNEL_CREATE, L2TP_CMD_TUNNEL_DELETE, L2TP_CMD_SESSION_CREATE, L2TP_CMD_SESSION_DELETE = 1, 2, 5, 6
L2TP_ATTR_PW_TYPE, L2TP_ATTR_ENCAP_TYPE, L2TP_ATTR_PROTO_VERSION, L2TP_ATTR_IFNAME = 1, 2, 7, 8
L2TP_ATTR_CONN_ID, L2TP_ATTR_PEER_CONN_ID, L2TP_ATTR_SESSION_ID, L2TP_ATTR_PEER_SESSION_ID = 9, 10, 11, 12
L2TP_ATTR_IP_SADDR, L2TP_ATTR_IP_DADDR, L2TP_ATTR_UDP_SPORT, L2TP_ATTR_UDP_DPORT = 24, 25, 26, 27
L2TP_PWTYPE_ETH, L2TP_ENCAPTYPE_UDP, L2TP_GENL_VERSION = 5, 0, 1


@dataclass
class ScaleResult:
    sessions_per_second: float
    creation_seconds: float
    deletion_seconds: float
    rss_one_kib: int
    rss_all_kib: int
    alone_gbits: list  # runs before the creation, then runs after the deletion
    busy_gbits: list
    nofile: int  # the daemon's RLIMIT_NOFILE

    @property
    def rss_per_session_kib(self):
        return (self.rss_all_kib - self.rss_one_kib) / (SESSIONS - 1)

    @property
    def busy_ratio(self):
        return statistics.median(self.busy_gbits) / statistics.median(self.alone_gbits)


# MARK: - The case


def measure(runner, settings, index):
    """Runs steps 1-7; returns a ScaleResult."""
    topo = topology.join_with_veth(runner, "scale", index)
    daemon = topology.start_l2tpd(runner, settings, topo, "a", nofile=NOFILE, grace=TEARDOWN_GRACE)
    topology.start_l2tpd(runner, settings, topo, "b")
    with ControlClient(topo.sockets["a"]) as client:
        client.send_all(tunnel_messages(client.family, 1, topo) + session_messages(client.family, 1, [0], topo))
        connect_first_session(runner, settings, topo)
        alone = busy_session_runs(runner, settings, topo)
        rss_one = settled_rss(daemon.pid)
        creation = timed(client.send_all, remaining_messages(client.family, topo))
        rss_all = settled_rss(daemon.pid)
        check_device_count(runner, topo, SESSIONS)
        busy = busy_session_runs(runner, settings, topo)
        deletion = timed(client.send_all, deletion_messages(client.family))
        check_device_count(runner, topo, 1)
        alone += busy_session_runs(runner, settings, topo)
    return ScaleResult((SESSIONS - 1) / creation, creation, deletion, rss_one, rss_all, alone, busy,
                       topology.nofile_limit(daemon.pid))


def busy_session_runs(runner, settings, topo):
    """Gbit/s of BENCH_RUNS iperf3 TCP one-stream runs over the first session."""
    return [metrics.tcp_one_stream(runner, topo, settings.seconds)[0] for _ in range(settings.runs)]


def timed(function, *args):
    """Seconds function(*args) took."""
    began = time.monotonic()
    function(*args)
    return time.monotonic() - began


def connect_first_session(runner, settings, topo):
    """B's end of tunnel 1 / session 10 with the l2tp CLI, addresses on both devices, an iperf3 server."""
    peer_tunnel, peer_session = PEER_OFFSET + 1, PEER_OFFSET + SESSIONS_PER_TUNNEL
    topology.l2tp(runner, settings, topo, "b", [
        "add", "tunnel", "tunnel_id", peer_tunnel, "peer_tunnel_id", 1, "encap", "udp",
        "local", topology.OUTER4["b"], "remote", topology.OUTER4["a"],
        "udp_sport", PORT_BASE + 1, "udp_dport", PORT_BASE + 1])
    device_b = topo.device_name("p", "b")
    topology.l2tp(runner, settings, topo, "b", [
        "add", "session", "tunnel_id", peer_tunnel, "session_id", peer_session,
        "peer_session_id", SESSIONS_PER_TUNNEL, "name", device_b])
    topology.address_inner(runner, topo, "a", session_device(topo, SESSIONS_PER_TUNNEL))
    topology.address_inner(runner, topo, "b", device_b)
    topo.iperf_server = topology.start_iperf_server(runner, topo)
    topology.wait_until_reachable(runner, topo)


def session_device(topo, session_id):
    """The name of session session_id's device in A (unique to the run; at most 15 characters)."""
    return topo.device_name(f"s{session_id}", "")


def settled_rss(pid):
    """VmRSS (KiB) after a second's pause."""
    time.sleep(1)
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError(f"no VmRSS for pid {pid}")


def check_device_count(runner, topo, expected):
    out = runner.run(["ip", "-n", topo.namespace["a"], "-o", "link", "show"], timeout=120).stdout
    sessions = sum(1 for line in out.splitlines() if f": {topo.device_name('s', '')}" in line)
    if sessions != expected:
        raise BenchError(f"{sessions} session devices in {topo.namespace['a']}, expected {expected}")


# MARK: - Requests


def tunnel_messages(family, tunnel, topo):
    """TUNNEL_CREATE for tunnel `tunnel` (UDP/IPv4, its own port)."""
    attrs = [attr_u32(L2TP_ATTR_CONN_ID, tunnel), attr_u32(L2TP_ATTR_PEER_CONN_ID, PEER_OFFSET + tunnel),
             attr_u8(L2TP_ATTR_PROTO_VERSION, 3), attr_u16(L2TP_ATTR_ENCAP_TYPE, L2TP_ENCAPTYPE_UDP),
             attr(L2TP_ATTR_IP_SADDR, socket.inet_aton(topology.OUTER4["a"])),
             attr(L2TP_ATTR_IP_DADDR, socket.inet_aton(topology.OUTER4["b"])),
             attr_u16(L2TP_ATTR_UDP_SPORT, PORT_BASE + tunnel), attr_u16(L2TP_ATTR_UDP_DPORT, PORT_BASE + tunnel)]
    return [genl_request(family, L2TP_CMD_TUNNEL_CREATE, attrs)]


def session_messages(family, tunnel, indices, topo):
    """SESSION_CREATE for sessions tunnel * 10 + i of tunnel `tunnel`, Ethernet, named devices."""
    messages = []
    for i in indices:
        session = tunnel * SESSIONS_PER_TUNNEL + i
        attrs = [attr_u32(L2TP_ATTR_CONN_ID, tunnel), attr_u32(L2TP_ATTR_SESSION_ID, session),
                 attr_u32(L2TP_ATTR_PEER_SESSION_ID, PEER_OFFSET + session),
                 attr_u16(L2TP_ATTR_PW_TYPE, L2TP_PWTYPE_ETH),
                 attr(L2TP_ATTR_IFNAME, session_device(topo, session).encode() + b"\0")]
        messages.append(genl_request(family, L2TP_CMD_SESSION_CREATE, attrs))
    return messages


def remaining_messages(family, topo):
    """Everything but tunnel 1 and its first session: tunnel by tunnel, each followed by its sessions."""
    messages = session_messages(family, 1, range(1, SESSIONS_PER_TUNNEL), topo)
    for tunnel in range(2, TUNNELS + 1):
        messages += tunnel_messages(family, tunnel, topo)
        messages += session_messages(family, tunnel, range(SESSIONS_PER_TUNNEL), topo)
    return messages


def deletion_messages(family):
    """What remaining_messages created, undone: tunnel 1's other sessions, then the other tunnels
    (a TUNNEL_DELETE takes its sessions with it)."""
    messages = [genl_request(family, L2TP_CMD_SESSION_DELETE, [attr_u32(L2TP_ATTR_CONN_ID, 1),
                                                                attr_u32(L2TP_ATTR_SESSION_ID, SESSIONS_PER_TUNNEL + i)])
                for i in range(1, SESSIONS_PER_TUNNEL)]
    messages += [genl_request(family, L2TP_CMD_TUNNEL_DELETE, [attr_u32(L2TP_ATTR_CONN_ID, tunnel)])
                 for tunnel in range(2, TUNNELS + 1)]
    return messages


def genl_request(family, cmd, attrs, flags=NLM_F_REQUEST | NLM_F_ACK):
    """nlmsghdr + genlmsghdr + attributes; ControlClient fills in the sequence number."""
    payload = struct.pack("=BBH", cmd, L2TP_GENL_VERSION, 0) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(payload), family, flags, 0, 0) + payload


def attr(kind, value):
    padding = b"\0" * (-len(value) % 4)
    return struct.pack("=HH", 4 + len(value), kind) + value + padding


def attr_u8(kind, value):
    return attr(kind, struct.pack("=B", value))


def attr_u16(kind, value):
    return attr(kind, struct.pack("=H", value))


def attr_u32(kind, value):
    return attr(kind, struct.pack("=I", value))


# MARK: - The client


class ControlClient:
    """One connection to l2tpd's control socket (AF_UNIX SOCK_SEQPACKET, one netlink message per
    datagram); resolves the l2tp family with nlctrl as iproute2 does, then pipelines requests."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(60)
        self.sock.connect(path)
        self.seq = 0
        self.family = self.resolve_family("l2tp")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.sock.close()

    def resolve_family(self, name):
        """CTRL_CMD_GETFAMILY → the family id (CTRL_ATTR_FAMILY_ID)."""
        request = genl_request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, [attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0")],
                               flags=NLM_F_REQUEST)
        self.sock.send(self.numbered(request))
        reply = self.sock.recv(65536)
        kind, = struct.unpack_from("=H", reply, 4)
        if kind == NLMSG_ERROR:
            raise BenchError(f"nlctrl GETFAMILY {name}: error {-struct.unpack_from('=i', reply, 16)[0]}")
        offset = 20
        while offset + 4 <= len(reply):
            length, attr_type = struct.unpack_from("=HH", reply, offset)
            if attr_type == CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from("=H", reply, offset + 4)[0]
            offset += (length + 3) & ~3
        raise BenchError(f"nlctrl GETFAMILY {name}: no family id in the reply")

    def numbered(self, message):
        self.seq += 1
        return message[:8] + struct.pack("=I", self.seq) + message[12:]

    def send_all(self, messages):
        """Sends every message with at most WINDOW unacknowledged; raises BenchError on the first error."""
        sent, pending = 0, 0
        while sent < len(messages) or pending:
            while sent < len(messages) and pending < WINDOW:
                self.sock.send(self.numbered(messages[sent]))
                sent, pending = sent + 1, pending + 1
            for error, text in self.acks(self.sock.recv(65536)):
                pending -= 1
                if error:
                    raise BenchError(f"l2tpd refused a request: errno {error}: {text}")

    @staticmethod
    def acks(datagram):
        """(errno, extended-ack message) for every NLMSG_ERROR in a datagram."""
        offset = 0
        while offset + 16 <= len(datagram):
            length, kind, flags = struct.unpack_from("=IHH", datagram, offset)
            if kind == NLMSG_ERROR:
                error = -struct.unpack_from("=i", datagram, offset + 16)[0]
                yield error, extended_ack_message(datagram[offset:offset + length], flags) if error else ""
            offset += max((length + 3) & ~3, 16)


def extended_ack_message(message, flags):
    """NLMSGERR_ATTR_MSG of an NLMSG_ERROR, after the echoed request (its header only if capped)."""
    echoed = 16 if flags & NLM_F_CAPPED else struct.unpack_from("=I", message, 20)[0]
    offset = 20 + ((echoed + 3) & ~3)
    while offset + 4 <= len(message):
        length, kind = struct.unpack_from("=HH", message, offset)
        if kind == NLMSGERR_ATTR_MSG:
            return message[offset + 4:offset + length].rstrip(b"\0").decode(errors="replace")
        offset += max((length + 3) & ~3, 4)
    return ""

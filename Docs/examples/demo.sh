#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The l2tpd demo: two hosts in network namespaces, joined by veth, each running l2tpd, connected by
# the static L2TPv3 Ethernet pseudowire of the kernel's L2TP document (tunnel 42 <-> 45,
# session 128 <-> 5196755, UDP ports 5000 <-> 5001), configured with the `l2tp` CLI exactly as with
# `ip l2tp`. It pings across l2tpeth0 and shows both ends. Everything is removed afterwards, also on
# failure or Ctrl-C.
#
#   host1 (ns l2tpd-demo-1)                        host2 (ns l2tpd-demo-2)
#   l2tpeth0 10.42.0.1/24                          l2tpeth0 10.42.0.2/24
#        |  l2tpd                                       |  l2tpd
#   veth-demo1 192.168.1.1/24 <---- veth ----> veth-demo2 192.168.1.2/24
#
# Usage: BIN=<directory with l2tpd and l2tp> sh Docs/examples/demo.sh   (as root; `make demo` does it)
set -eu

BIN=${BIN:-.build/debug}
NS1=l2tpd-demo-1
NS2=l2tpd-demo-2
RUN=$(mktemp -d /tmp/l2tpd-demo.XXXXXX)
PIDS=""

cleanup() {
	status=$?
	trap - EXIT INT TERM
	for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
	for pid in $PIDS; do wait "$pid" 2>/dev/null || true; done
	ip netns del "$NS1" 2>/dev/null || true
	ip netns del "$NS2" 2>/dev/null || true
	rm -rf "$RUN"
	if [ "$status" -eq 0 ]; then echo "demo: OK, cleaned up"; else echo "demo: FAILED (status $status), cleaned up"; fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
l2tp1() { echo "host1# l2tp $*"; ip netns exec "$NS1" "$BIN/l2tp" --socket "$RUN/host1.sock" "$@"; }
l2tp2() { echo "host2# l2tp $*"; ip netns exec "$NS2" "$BIN/l2tp" --socket "$RUN/host2.sock" "$@"; }

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (network namespaces, TAP devices)"; exit 1; }
[ -x "$BIN/l2tpd" ] || { echo "demo: $BIN/l2tpd not built; run make demo"; exit 1; }

# Leftovers of an interrupted run.
ip netns del "$NS1" 2>/dev/null || true
ip netns del "$NS2" 2>/dev/null || true

step "two hosts joined by veth"
ip netns add "$NS1"
ip netns add "$NS2"
ip link add veth-demo1 netns "$NS1" type veth peer name veth-demo2 netns "$NS2"
ip -n "$NS1" addr add 192.168.1.1/24 dev veth-demo1
ip -n "$NS2" addr add 192.168.1.2/24 dev veth-demo2
for ns in "$NS1" "$NS2"; do ip -n "$ns" link set lo up; done
ip -n "$NS1" link set veth-demo1 up
ip -n "$NS2" link set veth-demo2 up

step "one l2tpd in each (no kernel L2TP needed)"
ip netns exec "$NS1" "$BIN/l2tpd" --control-socket "$RUN/host1.sock" 2>"$RUN/host1.log" & PIDS="$PIDS $!"
ip netns exec "$NS2" "$BIN/l2tpd" --control-socket "$RUN/host2.sock" 2>"$RUN/host2.log" & PIDS="$PIDS $!"
for i in $(seq 50); do [ -S "$RUN/host1.sock" ] && [ -S "$RUN/host2.sock" ] && break; sleep 0.1; done
[ -S "$RUN/host1.sock" ] && [ -S "$RUN/host2.sock" ] || { cat "$RUN"/*.log; exit 1; }

step "the Host1/Host2 pseudowire"
l2tp1 add tunnel tunnel_id 42 peer_tunnel_id 45 encap udp local 192.168.1.1 remote 192.168.1.2 udp_sport 5000 udp_dport 5001
l2tp1 add session tunnel_id 42 session_id 128 peer_session_id 5196755
l2tp2 add tunnel tunnel_id 45 peer_tunnel_id 42 encap udp local 192.168.1.2 remote 192.168.1.1 udp_sport 5001 udp_dport 5000
l2tp2 add session tunnel_id 45 session_id 5196755 peer_session_id 128
ip -n "$NS1" addr add 10.42.0.1/24 dev l2tpeth0
ip -n "$NS2" addr add 10.42.0.2/24 dev l2tpeth0
ip -n "$NS1" link set l2tpeth0 up
ip -n "$NS2" link set l2tpeth0 up
ip -n "$NS1" -br link show l2tpeth0

step "ping across l2tpeth0"
ip netns exec "$NS1" ping -c 4 -i 0.3 -W 2 10.42.0.2

step "state on both sides"
l2tp1 show tunnel
l2tp1 -s show session
l2tp2 show tunnel
l2tp2 -s show session

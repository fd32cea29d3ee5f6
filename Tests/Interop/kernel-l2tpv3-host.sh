#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Host end (netns l2tprig, 10.200.0.1): l2tpd with an L2TPv3 UDP tunnel (cookies, sequence numbers)
# and an L2TPv3 IP tunnel toward the VM's kernel.
B="${L2TPD_BIN:?L2TPD_BIN: the directory of a release build of l2tpd and l2tp}"
S="$RIG_RUN_DIR/l2tpd.sock"
L=$RIG_RUN_DIR
$B/l2tpd --control-socket $S --log-level info > $L/l2tpd.log 2>&1 &
for i in $(seq 50); do [ -S $S ] && break; sleep 0.1; done
l2tp() { $B/l2tp --socket $S "$@"; }
l2tp add tunnel tunnel_id 200 peer_tunnel_id 100 encap udp local 10.200.0.1 remote 10.200.0.2 udp_sport 1701 udp_dport 1701
l2tp add session name pwudp tunnel_id 200 session_id 2000 peer_session_id 1000 seq both cookie 0102030405060708 peer_cookie a1a2a3a4
l2tp add tunnel tunnel_id 300 peer_tunnel_id 400 encap ip local 10.200.0.1 remote 10.200.0.2
l2tp add session name pwip tunnel_id 300 session_id 3000 peer_session_id 4000
ip addr add 10.210.0.1/24 dev pwudp; ip link set pwudp up
ip addr add 10.211.0.1/24 dev pwip; ip link set pwip up
echo "host ready"
while true; do
  { date; l2tp -s show session; l2tp debug dump; } > $L/host-state.txt 2>&1
  sleep 2
done

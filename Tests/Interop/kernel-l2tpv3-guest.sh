# SPDX-License-Identifier: GPL-2.0-only
# Guest (the VM's Linux 6.1 kernel L2TP): the kernel's side of both tunnels, then traffic.
ip l2tp add tunnel tunnel_id 100 peer_tunnel_id 200 encap udp local 10.200.0.2 remote 10.200.0.1 udp_sport 1701 udp_dport 1701
ip l2tp add session name l2tpeth0 tunnel_id 100 session_id 1000 peer_session_id 2000 seq both cookie a1a2a3a4 peer_cookie 0102030405060708
ip addr add 10.210.0.2/24 dev l2tpeth0; ip link set l2tpeth0 up
ip l2tp add tunnel tunnel_id 400 peer_tunnel_id 300 encap ip local 10.200.0.2 remote 10.200.0.1
ip l2tp add session name l2tpip0 tunnel_id 400 session_id 4000 peer_session_id 3000
ip addr add 10.211.0.2/24 dev l2tpip0; ip link set l2tpip0 up
for i in $(seq 30); do timeout 2 /usr/bin/ping -c1 -W1 10.200.0.1 >/dev/null 2>&1 && break; sleep 1; done
sleep 4
echo "=== UDP pseudowire (cookies, seq both)"
timeout 30 /usr/bin/ping -c 20 -i 0.2 -W 2 10.210.0.1
timeout 30 /usr/bin/ping -c 5 -s 1300 -W 2 10.210.0.1
echo "=== IP pseudowire"
timeout 30 /usr/bin/ping -c 20 -i 0.2 -W 2 10.211.0.1
echo "=== kernel counters"
ip -s l2tp show session
sleep 3

// SPDX-License-Identifier: GPL-2.0-only
// The annotated example configuration the golden, error and robustness tests start from.

/// A complete configuration that uses every key: the tests' own copy, written from the contract
/// independently of Docs/examples/l2tpd.toml (which `LoadTests` loads too).
enum ExampleConfig {
    /// Line numbers matter: the golden test and the error tests name them.
    static let text = """
        # l2tpd example configuration. Reload with SIGHUP (systemctl reload l2tpd).

        # Daemon settings (all optional; command-line flags override them).
        [daemon]
        control_socket = "/run/l2tpd/control.sock"   # path of the control socket
        control_group = "l2tp"                         # group allowed to use it (mode 0660)
        log_level = "info"                             # trace | debug | info | notice | warning | error | critical
        workers = 2                                    # datapath threads, 1...256

        # Site A: L2TPv3 over UDP/IPv4, every key written out with its default or a typical value.
        [[tunnel]]
        tunnel_id = 42                  # required, 1...4294967295
        peer_tunnel_id = 45             # required, 1...4294967295
        version = 3                     # 3 (default); 2 is accepted (L2TPv2, UDP only)
        encap = "udp"                   # "udp" (default) | "ip"
        local = "192.168.1.1"           # required; IPv4 or IPv6 (same family as remote)
        remote = "192.168.1.2"          # required
        udp_sport = 5000                # required with encap udp, 1...65535
        udp_dport = 5001                # required with encap udp, 1...65535
        udp_csum = true                 # IPv4 UDP checksums (default false); also "on"/"off"
        debug = 0                       # L2TP_ATTR_DEBUG flags (u32)

          # Sessions of the tunnel above.
          [[tunnel.session]]
          session_id = 128              # required, 1...4294967295
          peer_session_id = 5196755     # required, 1...4294967295
          pseudowire = "eth"            # "eth" (default); "ppp" (version 2 tunnels)
          name = "l2tpeth0"             # interface name; absent: l2tpeth%d
          cookie = "0102030405060708"   # 0..8 bytes as hex; absent: none
          peer_cookie = "A1B2C3D4"
          l2spec_type = "default"       # "default" (default) | "none"
          seq = "none"                  # "none" (default) | "send" | "recv" | "both"
          lns_mode = false              # default false
          reorder_timeout = 0           # milliseconds (default 0: no reordering)
          debug = 0

          [[tunnel.session]]
          session_id = 129
          peer_session_id = 0x81        # TOML integers may be hex
          seq = "both"
          lns_mode = "on"
          reorder_timeout = 250
          debug = 7

        # Site B: L2TPv3 over UDP/IPv6 with zero checksums on transmit.
        [[tunnel]]
        tunnel_id = 7
        peer_tunnel_id = 8
        local = "2001:db8::1"
        remote = "2001:db8::2"
        udp_sport = 1701
        udp_dport = 1701
        udp6_csum_tx = "off"            # send zero checksums (default true)
        udp6_csum_rx = true             # still require checksums

          [[tunnel.session]]
          session_id = 128              # also used in tunnel 42: UDP tunnels may share a session id
          peer_session_id = 200
          name = "site-b"
          l2spec_type = "none"
          seq = "recv"

        # Site C: L2TPv3 directly over IP, sessions as an inline array.
        [[tunnel]]
        tunnel_id = 100
        peer_tunnel_id = 101
        encap = "ip"
        local = "10.0.0.1"
        remote = "10.0.0.2"
        debug = 1
        session = [
          { session_id = 1000, peer_session_id = 2000, cookie = "", seq = "send" },
          { session_id = 1001, peer_session_id = 2001, "peer_cookie" = "deadbeef" },
        ]
        """
}

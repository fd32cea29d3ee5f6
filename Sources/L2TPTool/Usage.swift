// SPDX-License-Identifier: GPL-2.0-only
// The usage texts: `ip l2tp help` with the command name "l2tp", and the global-options summary.

/// Usage texts, written to standard error before exiting with status 255.
///
/// The object usage is iproute2's (ip/ipl2tp.c `usage()`) with "ip l2tp" replaced by "l2tp", and
/// one line in the same style for each verb `ip l2tp` does not have (`monitor`, `debug dump`) and
/// for `help`, so that it lists every verb the CLI accepts. The continuation lines keep iproute2's
/// exact indentation (10 and 7 spaces) rather than re-aligning them under the shorter command name,
/// so iproute2's part stays a plain substitution of the original.
enum Usage {
    /// iproute2's `ip l2tp help`, command name "l2tp", with l2tp's own verbs.
    static let l2tp = """
        Usage: l2tp add tunnel
                  remote ADDR local ADDR
                  tunnel_id ID peer_tunnel_id ID
                  [ encap { ip | udp } ]
                  [ udp_sport PORT ] [ udp_dport PORT ]
                  [ udp_csum { on | off } ]
                  [ udp6_csum_tx { on | off } ]
                  [ udp6_csum_rx { on | off } ]
        Usage: l2tp add session [ name NAME ]
                  tunnel_id ID
                  session_id ID peer_session_id ID
                  [ cookie HEXSTR ] [ peer_cookie HEXSTR ]
                  [ seq { none | send | recv | both } ]
                  [ l2spec_type L2SPEC ]
               l2tp del tunnel tunnel_id ID
               l2tp del session tunnel_id ID session_id ID
               l2tp show tunnel [ tunnel_id ID ]
               l2tp show session [ tunnel_id ID ] [ session_id ID ]
               l2tp monitor
               l2tp debug dump
               l2tp help

        Where: NAME   := STRING
               ADDR   := { IP_ADDRESS | any }
               PORT   := { 0..65535 }
               ID     := { 1..4294967295 }
               HEXSTR := { 8 or 16 hex digits (4 / 8 bytes) }
               L2SPEC := { none | default }

        """

    /// `l2tp -help`: the global options (ip.c's usage, reduced to what `l2tp` accepts).
    static let options = """
        Usage: l2tp [ OPTIONS ] { add | del | show } { tunnel | session } ARGS
               l2tp [ OPTIONS ] monitor
               l2tp [ OPTIONS ] debug dump
               l2tp [ OPTIONS ] help
        where  OPTIONS := { -V[ersion] | -s[tatistics] | -j[son] | -p[retty] |
                            -o[neline] | -so[cket] PATH | -h[elp] }
               PATH    := l2tpd control socket (default \(L2TPToolMain.defaultSocketPath),
                          or $\(L2TPToolMain.socketEnvironmentVariable) when set)

        """
}

// SPDX-License-Identifier: GPL-2.0-only
// One test per kind of mistake, each asserting the exact `FILE:LINE: key: message` an operator sees.

import Testing

@testable import L2TPConfig

/// Line numbers refer to `minimal()`: 1 `[[tunnel]]`, 2 tunnel_id, 3 peer_tunnel_id, 4 local,
/// 5 remote, 6 udp_sport, 7 udp_dport, 8 the tunnel extra line; the session header is on line 9
/// (10 with a tunnel extra line), its keys follow and the session extra line comes last (12 or 13).
@Suite("Error messages")
struct ErrorMessageTests {
    static let tunnelAllowed =
        "(allowed: tunnel_id, peer_tunnel_id, version, encap, local, remote, udp_sport, udp_dport, udp_csum, "
        + "udp6_csum_tx, udp6_csum_rx, debug, [[tunnel.session]])"
    static let sessionAllowed =
        "(allowed: session_id, peer_session_id, pseudowire, name, cookie, peer_cookie, l2spec_type, seq, lns_mode, "
        + "reorder_timeout, debug)"
    static let nameRule =
        #"a name is 1 to 15 bytes without '/', ':', '%', whitespace or control characters, and not "." or "..""#
    static let cookieRule = "a cookie is 0 to 8 bytes written as 0 to 16 hex digits"

    // MARK: Unknown keys and tables

    @Test func unknownKeyInTunnelSuggestsTheClosestKey() {
        expectErrors(
            minimal().replacingOccurrences("tunnel_id = 1\n", "tunel_id = 1\n"),
            [
                "l2tpd.toml:1: tunnel_id: missing; every [[tunnel]] needs tunnel_id (1...4294967295)",
                "l2tpd.toml:2: tunel_id: unknown key in [[tunnel]]; did you mean tunnel_id? (allowed: tunnel_id, "
                    + "peer_tunnel_id, version, encap, local, remote, udp_sport, udp_dport, udp_csum, udp6_csum_tx, "
                    + "udp6_csum_rx, debug, [[tunnel.session]])",
            ])
    }

    @Test func unknownKeyInSession() {
        expectError(
            minimal(sessionExtra: #"cookei = "00""#),
            "l2tpd.toml:12: cookei: unknown key in [[tunnel.session]]; did you mean cookie? \(Self.sessionAllowed)")
    }

    @Test func unknownKeyWithoutACloseMatch() {
        expectError(
            minimal(sessionExtra: "colour = 3"),
            "l2tpd.toml:12: colour: unknown key in [[tunnel.session]] \(Self.sessionAllowed)")
    }

    @Test func iproute2AbbreviationsAndOtherNames() {
        expectError(
            minimal(tunnelExtra: "ptid = 3"),
            "l2tpd.toml:8: ptid: unknown key in [[tunnel]]; did you mean peer_tunnel_id? \(Self.tunnelAllowed)")
        expectError(
            minimal(sessionExtra: "sequence = \"both\""),
            "l2tpd.toml:12: sequence: unknown key in [[tunnel.session]]; did you mean seq? \(Self.sessionAllowed)")
    }

    @Test func sessionKeyInATunnelAndTunnelKeyInASession() {
        expectError(
            minimal(tunnelExtra: "session_id = 5"),
            "l2tpd.toml:8: session_id: unknown key in [[tunnel]]; session keys belong in a [[tunnel.session]] table "
                + "below the tunnel \(Self.tunnelAllowed)")
        expectError(
            minimal(sessionExtra: "tunnel_id = 1"),
            "l2tpd.toml:12: tunnel_id: unknown key in [[tunnel.session]]; a session belongs to the [[tunnel]] above it, "
                + "which sets tunnel_id \(Self.sessionAllowed)")
    }

    @Test func unknownKeysAtTheTopLevelAndInDaemon() {
        expectError("foo = 1\n", "l2tpd.toml:1: foo: unknown key at the top level (allowed: [daemon], [[tunnel]])")
        expectError(
            "# settings\ntunnel_id = 1\n",
            "l2tpd.toml:2: tunnel_id: unknown key at the top level; tunnel keys belong below a [[tunnel]] header "
                + "(allowed: [daemon], [[tunnel]])")
        expectError(
            "[daemon]\nworker = 2\n",
            "l2tpd.toml:2: worker: unknown key in [daemon]; did you mean workers? "
                + "(allowed: control_socket, control_group, log_level, workers, offloads)")
    }

    @Test func unknownTables() {
        expectError(
            "[tunel]\ntunnel_id = 1\n",
            "l2tpd.toml:1: tunel: unknown table [tunel]; did you mean [[tunnel]]? (allowed: [daemon], [[tunnel]])")
        expectError(
            "[deamon]\n",
            "l2tpd.toml:1: deamon: unknown table [deamon]; did you mean [daemon]? (allowed: [daemon], [[tunnel]])")
        expectError(
            minimal().replacingOccurrences("[[tunnel.session]]", "[[tunnel.sesion]]"),
            "l2tpd.toml:9: sesion: unknown table [[tunnel.sesion]] in [[tunnel]]; did you mean [[tunnel.session]]? "
                + Self.tunnelAllowed)
        expectError(
            minimal(sessionExtra: "[tunnel.session.options]"),
            "l2tpd.toml:12: options: unknown table [tunnel.session.options] in [[tunnel.session]] \(Self.sessionAllowed)")
    }

    @Test func tablesOfTheWrongShape() {
        expectError(
            "[tunnel]\ntunnel_id = 1\n",
            "l2tpd.toml:1: tunnel: [tunnel] must be written [[tunnel]] (an array of tables, one per tunnel)")
        expectError("[[daemon]]\n", "l2tpd.toml:1: daemon: [[daemon]] must be written [daemon] (a single table)")
        expectError("daemon = 1\n", "l2tpd.toml:1: daemon: expected a table ([daemon]), found the integer 1")
        expectError("tunnel = \"x\"\n", #"l2tpd.toml:1: tunnel: expected an array of tables ([[tunnel]]), found the string "x""#)
        expectError(
            minimal().replacingOccurrences("[[tunnel.session]]", "[tunnel.session]"),
            "l2tpd.toml:9: session: [tunnel.session] must be written [[tunnel.session]] (an array of tables, one per session)")
        expectError(
            minimal().replacingOccurrences("\n[[tunnel.session]]\nsession_id = 10\npeer_session_id = 20\n", "session = [\n  1,\n]\n"),
            "l2tpd.toml:9: session: expected a table for each session ([[tunnel.session]] or { ... }), found the integer 1")
    }

    // MARK: Types

    @Test func wrongTypes() {
        expectError(
            minimal().replacingOccurrences("tunnel_id = 1\n", "tunnel_id = \"42\"\n"),
            #"l2tpd.toml:2: tunnel_id: expected an integer, found the string "42" (write numbers without quotes); a tunnel id is 1...4294967295"#)
        expectError(
            minimal(tunnelExtra: "udp_csum = 1"),
            #"l2tpd.toml:8: udp_csum: expected true or false (or "on" or "off"), found the integer 1"#)
        expectError(
            minimal(sessionExtra: "lns_mode = \"yes\""),
            #"l2tpd.toml:12: lns_mode: "yes" is not a switch; write true or false (or "on" or "off")"#)
        expectError(
            minimal().replacingOccurrences("local = \"192.0.2.1\"", "local = 3232235777"),
            "l2tpd.toml:4: local: expected a string, found the integer 3232235777; local is an IPv4 or IPv6 address")
        expectError(
            minimal(sessionExtra: "seq = true"),
            #"l2tpd.toml:12: seq: expected a string, found the boolean true; write "none", "send", "recv" or "both""#)
        expectError(
            minimal(sessionExtra: "reorder_timeout = 1.5"),
            "l2tpd.toml:12: reorder_timeout: expected an integer, found the number 1.5; reorder_timeout is in milliseconds, 0...4294967295")
        expectError(
            minimal(sessionExtra: "name = [\"a\"]"),
            "l2tpd.toml:12: name: expected a string, found an array; \(Self.nameRule)")
    }

    @Test func valuesNotInTheList() {
        expectError(
            minimal(sessionExtra: "seq = \"sned\""),
            #"l2tpd.toml:12: seq: "sned" is not allowed; did you mean "send"? (allowed: "none", "send", "recv", "both")"#)
        expectError(
            minimal(tunnelExtra: "encap = \"UDP\""),
            #"l2tpd.toml:8: encap: "UDP" is not allowed; did you mean "udp"? (allowed: "udp", "ip")"#)
        expectError(
            minimal(sessionExtra: "l2spec_type = \"16bit\""),
            #"l2tpd.toml:12: l2spec_type: "16bit" is not allowed; write "default" or "none""#)
        expectError(
            "[daemon]\nlog_level = \"warn\"\n",
            #"l2tpd.toml:2: log_level: "warn" is not allowed; did you mean "warning"? (allowed: "trace", "debug", "info", "notice", "warning", "error", "critical")"#)
    }

    // MARK: Missing keys

    @Test func missingRequiredKeys() {
        expectError(
            minimal().replacingOccurrences("udp_dport = 1701\n", ""),
            #"l2tpd.toml:1: udp_dport: missing; a tunnel with encap "udp" needs udp_sport and udp_dport (1...65535)"#)
        expectError(
            minimal().replacingOccurrences("peer_tunnel_id = 2\n", ""),
            "l2tpd.toml:1: peer_tunnel_id: missing; every [[tunnel]] needs peer_tunnel_id (1...4294967295), the peer's id of this tunnel")
        expectError(
            minimal().replacingOccurrences("remote = \"192.0.2.2\"\n", ""),
            "l2tpd.toml:1: remote: missing; every [[tunnel]] needs local and remote (IPv4 or IPv6 addresses of the same family)")
        expectError(
            minimal().replacingOccurrences("session_id = 10\n", ""),
            "l2tpd.toml:9: session_id: missing; every [[tunnel.session]] needs session_id (1...4294967295)")
        expectError(
            minimal().replacingOccurrences("peer_session_id = 20\n", ""),
            "l2tpd.toml:9: peer_session_id: missing; every [[tunnel.session]] needs peer_session_id (1...4294967295), "
                + "the peer's id of this session")
    }

    // MARK: Ranges

    @Test func valuesOutOfRange() {
        expectError(
            minimal().replacingOccurrences("tunnel_id = 1\n", "tunnel_id = 0\n"),
            "l2tpd.toml:2: tunnel_id: 0 is out of range; a tunnel id is 1...4294967295")
        expectError(
            minimal().replacingOccurrences("tunnel_id = 1\n", "tunnel_id = 4294967296\n"),
            "l2tpd.toml:2: tunnel_id: 4294967296 is out of range; a tunnel id is 1...4294967295")
        expectError(
            minimal().replacingOccurrences("udp_sport = 1701", "udp_sport = 70000"),
            "l2tpd.toml:6: udp_sport: 70000 is out of range; a UDP port is 1...65535")
        expectError(
            minimal().replacingOccurrences("peer_session_id = 20", "peer_session_id = -20"),
            "l2tpd.toml:11: peer_session_id: -20 is out of range; a peer session id is 1...4294967295")
        expectError(
            minimal(sessionExtra: "reorder_timeout = 4294967296"),
            "l2tpd.toml:12: reorder_timeout: 4294967296 is out of range; reorder_timeout is in milliseconds, 0...4294967295")
        expectError(
            minimal(tunnelExtra: "version = 4"),
            "l2tpd.toml:8: version: 4 is out of range; version is 3 (L2TPv3, the default) or 2 (L2TPv2, over UDP only)")
        expectError(
            minimal(tunnelExtra: "debug = -1"),
            "l2tpd.toml:8: debug: -1 is out of range; debug is a u32 of L2TP_ATTR_DEBUG flags, 0...4294967295")
        expectError(
            "[daemon]\nworkers = 257\n",
            "l2tpd.toml:2: workers: 257 is out of range; workers is 1...256 datapath threads (leave it out for one per CPU)")
    }

    @Test func l2tpv2IdsAreSixteenBits() {
        let text = """
            [[tunnel]]
            tunnel_id = 65536
            peer_tunnel_id = 1
            version = 2
            local = "192.0.2.1"
            remote = "192.0.2.2"
            udp_sport = 1701
            udp_dport = 1701
            [[tunnel.session]]
            session_id = 1
            peer_session_id = 65536
            pseudowire = "ppp"
            """
        expectErrors(
            text,
            [
                "l2tpd.toml:2: tunnel_id: 65536 is out of range; an L2TPv2 tunnel id is 1...65535",
                "l2tpd.toml:11: peer_session_id: 65536 is out of range; an L2TPv2 peer session id is 1...65535",
            ])
    }

    // MARK: Addresses

    @Test func badAddress() {
        expectError(
            minimal().replacingOccurrences("192.0.2.1", "192.0.2.300"),
            #"l2tpd.toml:4: local: "192.0.2.300" is not an IPv4 or IPv6 address"#)
        expectError(
            minimal().replacingOccurrences("192.0.2.2", "peer.example.net"),
            #"l2tpd.toml:5: remote: "peer.example.net" is not an IPv4 or IPv6 address"#)
    }

    @Test func addressesOfDifferentFamilies() {
        expectError(
            minimal().replacingOccurrences("192.0.2.2", "2001:db8::2"),
            "l2tpd.toml:5: remote: 2001:db8::2 is IPv6 but local 192.0.2.1 is IPv4; local and remote must be of the same family")
    }

    // MARK: Session values

    @Test func cookies() {
        expectError(
            minimal(sessionExtra: #"cookie = "010203040506070809""#),
            #"l2tpd.toml:12: cookie: "010203040506070809" is 9 bytes; "# + Self.cookieRule)
        expectError(
            minimal(sessionExtra: #"cookie = "abc""#),
            #"l2tpd.toml:12: cookie: "abc" has an odd number of hex digits (3); "# + Self.cookieRule)
        expectError(
            minimal(sessionExtra: #"peer_cookie = "0xdeadbe""#),
            #"l2tpd.toml:12: peer_cookie: "0xdeadbe" is not hexadecimal; "# + Self.cookieRule)
        expectError(
            minimal(sessionExtra: #"peer_cookie = "de ad""#),
            #"l2tpd.toml:12: peer_cookie: "de ad" is not hexadecimal; "# + Self.cookieRule)
    }

    @Test func cookieLengthsTheKernelAccepts() throws {
        // Any length 0...8, not only iproute2's 4 or 8.
        for digits in ["", "01", "0102", "010203", "0102030405", "01020304050607"] {
            let config = try #require(parseOK(minimal(sessionExtra: "cookie = \"\(digits)\"")))
            #expect(config.tunnels[0].sessions[0].create.cookie?.count == (digits.isEmpty ? nil : digits.count / 2))
        }
    }

    @Test func badInterfaceNames() {
        for (name, problem) in [
            ("eth/0", "it contains '/'"), ("eth:0", "it contains ':'"), ("eth%d", "it contains '%'"),
            ("eth 0", "it contains whitespace"), ("", "it is empty"), ("..", #"it is "..""#),
            ("l2tpeth-much-too-long", "it is 21 bytes"), ("ethé12345678901", "it is 16 bytes"),
            ("eth\\u0001", "it contains a control character"),
        ] {
            let written = "\"\(name)\""
            let shown = name == "eth\\u0001" ? #""eth\u0001""# : written
            expectError(
                minimal(sessionExtra: "name = \(written)"),
                "l2tpd.toml:12: name: \(shown) is not a valid interface name (\(problem)); \(Self.nameRule)")
        }
    }

    // MARK: Between tunnels and sessions

    @Test func duplicateTunnelID() {
        let text = minimal() + "\n" + minimal().replacingOccurrences("session_id = 10\n", "session_id = 11\n")
        // The second tunnel starts on line 13.
        expectError(
            text,
            "l2tpd.toml:14: tunnel_id: 1 is already used by the tunnel at line 1; each tunnel needs its own tunnel_id")
    }

    @Test func duplicateSessionIDInATunnel() {
        let text = minimal() + "\n[[tunnel.session]]\nsession_id = 10\npeer_session_id = 21\n"
        expectError(
            text,
            "l2tpd.toml:14: session_id: 10 is already used by the session at line 9 of this tunnel; session ids are unique within a tunnel")
    }

    @Test func l2tpv3SessionIDsAreGlobalWithIPEncap() {
        let second = """

            [[tunnel]]
            tunnel_id = 2
            peer_tunnel_id = 3
            encap = "ip"
            local = "192.0.2.1"
            remote = "192.0.2.3"
              [[tunnel.session]]
              session_id = 10
              peer_session_id = 30
            """
        expectError(
            minimal() + second,
            "l2tpd.toml:20: session_id: 10 is also used by session 1/10 (line 9); L2TPv3 session ids are global "
                + #"when either tunnel uses encap "ip" (only UDP tunnels may share one)"#)
        // Two UDP tunnels may share it (the golden example does); so may L2TPv2 tunnels, keyed per tunnel.
        let udp = second.replacingOccurrences("encap = \"ip\"", "udp_sport = 1702\nudp_dport = 1702")
        #expect(errorLines(minimal() + udp).isEmpty)
    }

    @Test func interfaceNameUsedTwice() {
        let text =
            minimal(sessionExtra: "name = \"l2tp0\"")
            + "\n[[tunnel.session]]\nsession_id = 11\npeer_session_id = 21\nname = \"l2tp0\"\n"
        expectError(
            text,
            #"l2tpd.toml:17: name: "l2tp0" is already the name of session 1/10 (line 9); interface names are unique"#)
    }

    // MARK: Encapsulation, version, families

    @Test func ipEncapWithVersion2() {
        let text = """
            [[tunnel]]
            tunnel_id = 1
            peer_tunnel_id = 2
            version = 2
            encap = "ip"
            local = "192.0.2.1"
            remote = "192.0.2.2"
            """
        expectError(text, #"l2tpd.toml:5: encap: "ip" needs version 3; L2TPv2 (version 2) runs over UDP only"#)
    }

    @Test func udpKeysWithIPEncap() {
        expectErrors(
            minimal(tunnelExtra: "encap = \"ip\"\nudp_csum = \"on\""),
            [
                #"l2tpd.toml:6: udp_sport: only for encap "udp"; this tunnel uses encap "ip""#,
                #"l2tpd.toml:7: udp_dport: only for encap "udp"; this tunnel uses encap "ip""#,
                #"l2tpd.toml:9: udp_csum: only for encap "udp"; this tunnel uses encap "ip""#,
            ])
    }

    @Test func checksumOptionsOfTheOtherFamily() {
        expectError(
            minimal(tunnelExtra: "udp6_csum_rx = false"),
            "l2tpd.toml:8: udp6_csum_rx: only for IPv6 tunnels; IPv4 tunnels use udp_csum")
        let v6 = minimal(tunnelExtra: "udp_csum = true")
            .replacingOccurrences("192.0.2.1", "2001:db8::1").replacingOccurrences("192.0.2.2", "2001:db8::2")
        expectError(v6, "l2tpd.toml:8: udp_csum: only for IPv4 tunnels; IPv6 tunnels use udp6_csum_tx and udp6_csum_rx")
    }

    @Test func version2Sessions() {
        let v2 = minimal(tunnelExtra: "version = 2")
        expectError(
            v2,
            #"l2tpd.toml:10: pseudowire: sessions of a version 2 tunnel need pseudowire = "ppp" (the default, "eth", needs version 3)"#)
        expectError(
            minimal(tunnelExtra: "version = 2", sessionExtra: "pseudowire = \"eth\""),
            #"l2tpd.toml:13: pseudowire: "eth" needs a version 3 tunnel; sessions of an L2TPv2 tunnel carry "ppp""#)
        expectErrors(
            minimal(tunnelExtra: "version = 2", sessionExtra: "pseudowire = \"ppp\"\ncookie = \"0102\"\nl2spec_type = \"none\"\nname = \"ppp0\""),
            [
                "l2tpd.toml:14: cookie: only for version 3 tunnels; L2TPv2 has no cookies",
                "l2tpd.toml:15: l2spec_type: only for version 3 tunnels; L2TPv2 has no L2-Specific Sublayer",
                #"l2tpd.toml:16: name: only for pseudowire "eth"; a "ppp" session has no l2tpeth device"#,
            ])
    }

    // MARK: Daemon

    @Test func daemonSettings() {
        expectError(
            "[daemon]\ncontrol_socket = \"run/l2tpd.sock\"\n",
            #"l2tpd.toml:2: control_socket: "run/l2tpd.sock" is not an absolute path; control_socket is an absolute path of at most 107 bytes"#)
        let long = "/" + String(repeating: "x", count: 107)
        expectError(
            "[daemon]\ncontrol_socket = \"\(long)\"\n",
            "l2tpd.toml:2: control_socket: the path is 108 bytes; control_socket is an absolute path of at most 107 bytes (the size of sun_path)")
        expectError(
            "[daemon]\n\ncontrol_group = \"\"\n",
            #"l2tpd.toml:3: control_group: "" is not a group name; control_group is a group name or a numeric group id"#)
        expectError(
            "[daemon]\ntunnel_id = 1\n",
            "l2tpd.toml:2: tunnel_id: unknown key in [daemon]; tunnels and sessions are written as [[tunnel]] and "
                + "[[tunnel.session]] tables (allowed: control_socket, control_group, log_level, workers, offloads)")
    }

    // MARK: Syntax and encoding

    @Test func syntaxErrorsCarryTOMLKitsLineAndColumn() {
        expectError(
            minimal().replacingOccurrences("peer_tunnel_id = 2", "tunnel_id = 2"),
            "l2tpd.toml:3: TOML syntax error at column 13: Error while parsing key-value pair: cannot redefine existing integer 'tunnel_id'")
        expectError(
            minimal().replacingOccurrences("\"192.0.2.2\"", "192.0.2.2"),
            "l2tpd.toml:5: TOML syntax error at column 15: Error while parsing floating-point: expected decimal digit or exponent, saw '.'")
        expectError(
            minimal(sessionExtra: "name = \"l2tp0"),
            "l2tpd.toml:12: TOML syntax error at column 14: Error while parsing string: unescaped control characters other than TAB (U+0009) are explicitly prohibited")
        expectError(
            "[daemon]\nworkers = 2\n[[tunnel]\n",
            "l2tpd.toml:3: TOML syntax error at column 10: Error while parsing table header: expected ']', saw '\\n'")
    }

    @Test func nulByte() {
        expectError("[daemon]\nworkers = 2\0\n", "l2tpd.toml:2: contains a NUL byte; a configuration file is text")
    }

    // MARK: Several errors

    @Test func allErrorsAreReportedInLineOrder() {
        let text = """
            [daemon]
            workers = 0

            [[tunnel]]
            tunnel_id = 1
            peer_tunnel_id = 2
            local = "192.0.2.1"
            remote = "2001:db8::1"
            udp_sport = 1701

              [[tunnel.session]]
              session_id = 5
              peer_session_id = 6
              name = "dup"
              cookie = "abc"

            [[tunnel]]
            tunnel_id = 1
            peer_tunnel_id = 0
            encap = "ip"
            local = "10.0.0.1"
            remote = "10.0.0.2"
            udp_sport = 1

              [[tunnel.session]]
              session_id = 5
              peer_session_id = 7
              name = "dup"
              sequence = "both"
            """
        expectErrors(
            text,
            [
                "l2tpd.toml:2: workers: 0 is out of range; workers is 1...256 datapath threads (leave it out for one per CPU)",
                #"l2tpd.toml:4: udp_dport: missing; a tunnel with encap "udp" needs udp_sport and udp_dport (1...65535)"#,
                "l2tpd.toml:8: remote: 2001:db8::1 is IPv6 but local 192.0.2.1 is IPv4; local and remote must be of the same family",
                #"l2tpd.toml:15: cookie: "abc" has an odd number of hex digits (3); "# + Self.cookieRule,
                "l2tpd.toml:18: tunnel_id: 1 is already used by the tunnel at line 4; each tunnel needs its own tunnel_id",
                "l2tpd.toml:19: peer_tunnel_id: 0 is out of range; a peer tunnel id is 1...4294967295",
                #"l2tpd.toml:23: udp_sport: only for encap "udp"; this tunnel uses encap "ip""#,
                "l2tpd.toml:26: session_id: 5 is also used by session 1/5 (line 11); L2TPv3 session ids are global "
                    + #"when either tunnel uses encap "ip" (only UDP tunnels may share one)"#,
                #"l2tpd.toml:28: name: "dup" is already the name of session 1/5 (line 11); interface names are unique"#,
                "l2tpd.toml:29: sequence: unknown key in [[tunnel.session]]; did you mean seq? \(Self.sessionAllowed)",
            ])
    }

    @Test func errorsOfInlineTablesNameTheirOwnLine() {
        let text = """
            [[tunnel]]
            tunnel_id = 1
            peer_tunnel_id = 2
            encap = "ip"
            local = "10.0.0.1"
            remote = "10.0.0.2"
            session = [
              { session_id = 1, peer_session_id = 2 },
              { session_id = 1, peer_session_id = 3, seq = "all" },
            ]
            """
        expectErrors(
            text,
            [
                // On one line, errors keep the order they were found in: each table's own, then between tables.
                #"l2tpd.toml:9: seq: "all" is not allowed; write "none", "send", "recv" or "both""#,
                "l2tpd.toml:9: session_id: 1 is already used by the session at line 8 of this tunnel; session ids are unique within a tunnel",
            ])
    }

    @Test func descriptionFormats() {
        #expect(ConfigError(path: "f.toml", line: 3, key: "k", message: "m").description == "f.toml:3: k: m")
        #expect(ConfigError(path: "f.toml", line: 3, message: "m").description == "f.toml:3: m")
        #expect(ConfigError(path: "f.toml", line: 0, message: "m").description == "f.toml: m")
        let errors = ConfigErrors(errors: [
            ConfigError(path: "f", line: 9, message: "b"), ConfigError(path: "f", line: 2, message: "a"),
            ConfigError(path: "f", line: 9, message: "c"), ConfigError(path: "f", line: 2, message: "a"),
        ])
        #expect(errors.description == "f:2: a\nf:9: b\nf:9: c")
    }
}

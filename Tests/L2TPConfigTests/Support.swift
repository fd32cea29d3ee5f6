// SPDX-License-Identifier: GPL-2.0-only
// Helpers shared by the L2TPConfig tests: parsing expectations and attribute builders.

import L2TPNetlink
import L2TPWire
import Testing

@testable import L2TPConfig

/// Parses `text` as `l2tpd.toml`, expecting success.
func parseOK(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Configuration? {
    do {
        return try ConfigLoader.parse(text, path: "l2tpd.toml")
    } catch {
        Issue.record("unexpected errors:\n\(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The error lines (`ConfigError.description`) of parsing `text` as `l2tpd.toml`; empty when it parses.
func errorLines(_ text: String) -> [String] {
    do {
        _ = try ConfigLoader.parse(text, path: "l2tpd.toml")
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// Expects parsing `text` to fail with exactly `expected` (one `FILE:LINE: key: message` per element).
func expectErrors(_ text: String, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(errorLines(text) == expected, sourceLocation: sourceLocation)
}

/// Expects parsing `text` to fail with exactly one error, `expected`.
func expectError(_ text: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    expectErrors(text, [expected], sourceLocation: sourceLocation)
}

/// A minimal valid IPv4 UDP tunnel with one session; lines: 1 `[[tunnel]]`, 2–7 keys, 8 blank,
/// 9 `[[tunnel.session]]`, 10–11 keys. `tunnelExtra` goes after line 7, `sessionExtra` after the last line.
func minimal(tunnelExtra: String = "", sessionExtra: String = "") -> String {
    var text = """
        [[tunnel]]
        tunnel_id = 1
        peer_tunnel_id = 2
        local = "192.0.2.1"
        remote = "192.0.2.2"
        udp_sport = 1701
        udp_dport = 1701

        """
    if !tunnelExtra.isEmpty { text += tunnelExtra + "\n" }
    text += """

        [[tunnel.session]]
        session_id = 10
        peer_session_id = 20

        """
    if !sessionExtra.isEmpty { text += sessionExtra + "\n" }
    return text
}

/// TUNNEL_CREATE attributes as the tests spell them out.
func tunnelAttributes(
    id: UInt32, peer: UInt32, version: UInt8 = 3, encap: UInt16 = 0, local: String, remote: String,
    sport: UInt16? = nil, dport: UInt16? = nil, csum: Bool = false, zeroTx: Bool = false, zeroRx: Bool = false,
    debug: UInt32? = nil
) -> L2TPAttributes {
    var a = L2TPAttributes()
    a.connID = id
    a.peerConnID = peer
    a.protoVersion = version
    a.encapType = encap
    let l = IPAddress(local)!, r = IPAddress(remote)!
    if l.isIPv6 {
        a.ip6Saddr = l
        a.ip6Daddr = r
    } else {
        a.ipSaddr = l
        a.ipDaddr = r
    }
    a.udpSport = sport
    a.udpDport = dport
    a.udpCsum = csum ? 1 : nil
    a.udpZeroCsum6Tx = zeroTx
    a.udpZeroCsum6Rx = zeroRx
    a.debug = debug
    return a
}

/// SESSION_CREATE attributes as the tests spell them out, with the always-present fields defaulted.
func sessionAttributes(
    tunnel: UInt32, peerTunnel: UInt32, id: UInt32, peer: UInt32, pw: UInt16 = 5, l2spec: UInt8? = 1,
    name: String? = nil, cookie: [UInt8]? = nil, peerCookie: [UInt8]? = nil, recvSeq: UInt8 = 0, sendSeq: UInt8 = 0,
    lns: UInt8 = 0, timeout: UInt64 = 0, debug: UInt32 = 0
) -> L2TPAttributes {
    var a = L2TPAttributes()
    a.connID = tunnel
    a.peerConnID = peerTunnel
    a.sessionID = id
    a.peerSessionID = peer
    a.pwType = pw
    a.l2specType = l2spec
    a.ifname = name
    a.cookie = cookie
    a.peerCookie = peerCookie
    a.recvSeq = recvSeq
    a.sendSeq = sendSeq
    a.lnsMode = lns
    a.recvTimeout = timeout
    a.debug = debug
    return a
}

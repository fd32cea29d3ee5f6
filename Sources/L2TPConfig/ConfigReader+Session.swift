// SPDX-License-Identifier: GPL-2.0-only
// Reading one [[tunnel.session]] table and lowering it to the attributes of its SESSION_CREATE request.

import L2TPNetlink
import L2TPWire
import TOMLKit

extension ConfigReader {
    /// One `[[tunnel.session]]` of `tunnel`.
    ///
    /// Lowered to CONN_ID and PEER_CONN_ID (the tunnel's ids), SESSION_ID, PEER_SESSION_ID, PW_TYPE,
    /// L2SPEC_TYPE (version 3), IFNAME, COOKIE and PEER_COOKIE when given and non-empty, and always
    /// RECV_SEQ, SEND_SEQ, LNS_MODE, RECV_TIMEOUT and DEBUG, so a reload can compare every field.
    func readSession(_ table: TOMLTable, at path: ConfigPath, of tunnel: ParsedTunnel) -> ParsedSession {
        let r = TableReader(table: table, path: path, name: "[[tunnel.session]]", diagnostics: diagnostics)
        r.reportUnknownKeys(allowed: ConfigSchema.sessionKeys) { key in
            ConfigSchema.tunnelKeys.contains(key) && key != "debug"
                ? "a session belongs to the [[tunnel]] above it, which sets \(key)" : nil
        }
        let v2 = tunnel.version == .v2
        var a = L2TPAttributes()
        a.connID = tunnel.id
        a.peerConnID = tunnel.create.peerConnID

        let idRange = v2 ? 1...Int(UInt16.max) : 1...Int(UInt32.max)
        let range = v2 ? "1...65535" : "1...4294967295"
        var id: UInt32?
        if r.require("session_id", "every [[tunnel.session]] needs session_id (\(range))") {
            let words = "\(v2 ? "an L2TPv2" : "a") session id is \(range)"
            id = r.integer("session_id", idRange, allowed: words).map { UInt32($0) }
        }
        a.sessionID = id
        if r.require(
            "peer_session_id",
            "every [[tunnel.session]] needs peer_session_id (\(range)), the peer's id of this session")
        {
            let words = "\(v2 ? "an L2TPv2" : "a") peer session id is \(range)"
            a.peerSessionID = r.integer("peer_session_id", idRange, allowed: words).map { UInt32($0) }
        }

        var pseudowire: PseudowireType? = .eth
        if r.has("pseudowire") {
            switch r.choice("pseudowire", ["eth", "ppp"]) {
            case "eth": pseudowire = .eth
            case "ppp": pseudowire = .ppp
            default: pseudowire = nil
            }
            if v2 && pseudowire == .eth {
                r.report("pseudowire", "\"eth\" needs a version 3 tunnel; sessions of an L2TPv2 tunnel carry \"ppp\"")
            }
        } else if v2 {
            r.report(
                "pseudowire",
                "sessions of a version 2 tunnel need pseudowire = \"ppp\" (the default, \"eth\", needs version 3)")
        }
        a.pwType = pseudowire?.rawValue

        var name: String?
        if r.has("name") {
            if pseudowire == .ppp || (v2 && pseudowire == nil) {
                r.report("name", "only for pseudowire \"eth\"; a \"ppp\" session has no l2tpeth device")
            } else if let text = r.string("name", allowed: Self.nameRule) {
                if let problem = Self.interfaceNameProblem(text) {
                    r.report(
                        "name",
                        "\(Diagnostics.quoted(text)) is not a valid interface name (\(problem)); \(Self.nameRule)")
                } else {
                    name = text
                }
            }
        }
        a.ifname = name

        for key in ["cookie", "peer_cookie", "l2spec_type"] where v2 && r.has(key) {
            r.report(
                key,
                "only for version 3 tunnels; L2TPv2 has no \(key == "l2spec_type" ? "L2-Specific Sublayer" : "cookies")"
            )
        }
        if !v2 {
            a.cookie = readCookie(r, "cookie")
            a.peerCookie = readCookie(r, "peer_cookie")
            var l2spec: L2SpecType? = .default
            if r.has("l2spec_type") {
                switch r.choice("l2spec_type", ["default", "none"]) {
                case "default": l2spec = .default
                case "none": l2spec = L2SpecType.none
                default: l2spec = nil
                }
            }
            a.l2specType = l2spec?.rawValue
        }

        var seq: String? = "none"
        if r.has("seq") { seq = r.choice("seq", ["none", "send", "recv", "both"]) }
        a.recvSeq = seq == "recv" || seq == "both" ? 1 : 0
        a.sendSeq = seq == "send" || seq == "both" ? 1 : 0
        a.lnsMode = r.boolean("lns_mode") == true ? 1 : 0
        a.recvTimeout = UInt64(
            r.integer(
                "reorder_timeout", 0...Int(UInt32.max), allowed: "reorder_timeout is in milliseconds, 0...4294967295")
                ?? 0)
        a.debug = UInt32(
            r.integer("debug", 0...Int(UInt32.max), allowed: "debug is a u32 of L2TP_ATTR_DEBUG flags, 0...4294967295")
                ?? 0)

        return ParsedSession(path: path, id: id, name: name, create: a)
    }

    static let nameRule =
        "a name is 1 to 15 bytes without '/', ':', '%', whitespace or control characters, and not \".\" or \"..\""

    /// Why `name` cannot name a network interface (the kernel's `dev_valid_name`, plus '%' which would
    /// make it a template and control characters); nil when it can.
    static func interfaceNameProblem(_ name: String) -> String? {
        let bytes = name.utf8.count
        if bytes == 0 { return "it is empty" }
        if bytes > 15 { return "it is \(bytes) bytes" }
        if name == "." || name == ".." { return "it is \(Diagnostics.quoted(name))" }
        for scalar in name.unicodeScalars {
            switch scalar {
            case "/", ":", "%": return "it contains '\(scalar)'"
            case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}": return "it contains whitespace"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { return "it contains a control character" }
            }
        }
        return nil
    }

    /// A cookie written as 0 to 16 hex digits; nil when absent, empty or invalid (reported).
    private func readCookie(_ r: TableReader, _ key: String) -> [UInt8]? {
        let rule = "a cookie is 0 to 8 bytes written as 0 to 16 hex digits"
        guard let text = r.string(key, allowed: rule) else { return nil }
        let digits = Array(text.utf8)
        let values = digits.map(Hex.digitValue)
        if values.contains(nil) {
            r.report(key, "\(Diagnostics.quoted(text)) is not hexadecimal; \(rule)")
            return nil
        }
        if digits.count % 2 == 1 {
            r.report(key, "\(Diagnostics.quoted(text)) has an odd number of hex digits (\(digits.count)); \(rule)")
            return nil
        }
        if digits.count > 16 {
            r.report(key, "\(Diagnostics.quoted(text)) is \(digits.count / 2) bytes; \(rule)")
            return nil
        }
        let bytes = stride(from: 0, to: values.count, by: 2).map { values[$0]! << 4 | values[$0 + 1]! }
        return bytes.isEmpty ? nil : bytes
    }
}

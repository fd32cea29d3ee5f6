// SPDX-License-Identifier: GPL-2.0-only
// What one `l2tp add|del|show` command line asks for (ip/ipl2tp.c `struct l2tp_parm`), and its parser.

import L2TPWire

/// The parsed keywords of an `add`, `del` or `show` command, with iproute2's defaults.
struct L2TPParameters: Equatable {
    var tunnelID: UInt32 = 0
    var peerTunnelID: UInt32 = 0
    var sessionID: UInt32 = 0
    var peerSessionID: UInt32 = 0
    /// `L2TP_ENCAPTYPE_UDP` unless `encap ip`.
    var encap: EncapType = .udp
    var localUDPPort: UInt16 = 0
    var peerUDPPort: UInt16 = 0
    /// 4 or 8 bytes; empty when not given.
    var cookie: [UInt8] = []
    var peerCookie: [UInt8] = []
    /// nil when absent or given as `any`/`all`/`default` (iproute2's AF_UNSPEC).
    var localIP: IPAddress?
    var peerIP: IPAddress?
    var udpCsum = false
    var udp6CsumTx = true
    var udp6CsumRx = true
    var recvSeq = false
    var sendSeq = false
    /// The `tunnel` keyword was given.
    var tunnel = false
    /// The `session` keyword was given.
    var session = false
    var ifname: String?
    /// `L2TP_L2SPECTYPE_DEFAULT` (1) with length 4 unless `l2spec_type none`.
    var l2specType: UInt8 = 1
    var l2specLen: UInt8 = 4

    /// ipl2tp.c `parse_args`: the words after the verb. Every error is written to `diagnostics` in
    /// iproute2's wording and ends the command through `ToolExit` (status 255, or 1 for an address
    /// that `get_addr` rejects, since `get_addr` itself calls `exit(1)`).
    static func parse(_ words: [String], diagnostics: inout String) throws(ToolExit) -> L2TPParameters {
        var p = L2TPParameters()
        if words.isEmpty {
            diagnostics += Usage.l2tp
            throw .usage
        }
        var i = 0

        /// iproute2's NEXT_ARG(): step to the value or report an incomplete command.
        func nextArgument() throws(ToolExit) -> String {
            i += 1
            guard i < words.count else {
                diagnostics += "Command line is not complete. Try option \"help\"\n"
                throw .usage
            }
            return words[i]
        }

        /// iproute2's invarg(msg, arg). `message` keeps iproute2's trailing "\n" where it has one.
        func invalid(_ message: String, _ argument: String) -> ToolExit {
            diagnostics += "Error: argument \"\(argument)\" is wrong: \(message)\n"
            return .usage
        }

        func address(_ text: String) throws(ToolExit) -> IPAddress? {
            switch IPRouteParsing.address(text) {
            case .address(let a)?: return a
            case .unspecified?: return nil
            case nil:
                diagnostics += "Error: any valid address is expected rather than \"\(text)\".\n"
                throw .failure
            }
        }

        func id(_ text: String) throws(ToolExit) -> UInt32 {
            guard let v = IPRouteParsing.u32(text) else { throw invalid("invalid ID\n", text) }
            return v
        }

        func port(_ text: String) throws(ToolExit) -> UInt16 {
            guard let v = IPRouteParsing.u16(text) else { throw invalid("invalid port\n", text) }
            return v
        }

        func onOff(_ text: String, _ option: String) throws(ToolExit) -> Bool {
            if text == "on" { return true }
            if text == "off" { return false }
            throw invalid("invalid option for \(option)\n", text)
        }

        func cookie(_ text: String) throws(ToolExit) -> [UInt8] {
            let length = text.utf8.count
            guard length == 8 || length == 16 else {
                throw invalid("cookie must be either 8 or 16 hex digits\n", text)
            }
            guard let bytes = IPRouteParsing.hexBytes(text, count: length / 2) else {
                throw invalid("cookie must be a hex string\n", text)
            }
            return bytes
        }

        while i < words.count {
            let word = words[i]
            switch word {
            case "encap":
                let v = try nextArgument()
                if v == "ip" {
                    p.encap = .ip
                } else if v == "udp" {
                    p.encap = .udp
                } else {
                    diagnostics += "Unknown tunnel encapsulation \"\(v)\"\n"
                    throw .usage
                }
            case "name":
                let v = try nextArgument()
                guard IPRouteParsing.isValidInterfaceName(v) else {
                    throw invalid("\"name\" not a valid ifname", v)
                }
                p.ifname = v
            case "remote":
                let v = try nextArgument()
                p.peerIP = try address(v)
            case "local":
                let v = try nextArgument()
                p.localIP = try address(v)
            case "tunnel_id", "tid":
                p.tunnelID = try id(try nextArgument())
            case "peer_tunnel_id", "ptid":
                p.peerTunnelID = try id(try nextArgument())
            case "session_id", "sid":
                p.sessionID = try id(try nextArgument())
            case "peer_session_id", "psid":
                p.peerSessionID = try id(try nextArgument())
            case "udp_sport":
                p.localUDPPort = try port(try nextArgument())
            case "udp_dport":
                p.peerUDPPort = try port(try nextArgument())
            case "udp_csum":
                p.udpCsum = try onOff(try nextArgument(), "udp_csum")
            case "udp6_csum_rx":
                p.udp6CsumRx = try onOff(try nextArgument(), "udp6_csum_rx")
            case "udp6_csum_tx":
                p.udp6CsumTx = try onOff(try nextArgument(), "udp6_csum_tx")
            case "offset", "peer_offset":
                diagnostics += "Ignoring option \"\(word)\"\n"
                _ = try nextArgument()
            case "cookie":
                p.cookie = try cookie(try nextArgument())
            case "peer_cookie":
                p.peerCookie = try cookie(try nextArgument())
            case "l2spec_type":
                let v = try nextArgument()
                if IPRouteParsing.equalsIgnoringCase(v, "default") {
                    p.l2specType = 1
                    p.l2specLen = 4
                } else if IPRouteParsing.equalsIgnoringCase(v, "none") {
                    p.l2specType = 0
                    p.l2specLen = 0
                } else {
                    diagnostics += "Unknown layer2specific header type \"\(v)\"\n"
                    throw .usage
                }
            case "seq":
                let v = try nextArgument()
                if IPRouteParsing.equalsIgnoringCase(v, "both") {
                    p.recvSeq = true
                    p.sendSeq = true
                } else if IPRouteParsing.equalsIgnoringCase(v, "recv") {
                    p.recvSeq = true
                } else if IPRouteParsing.equalsIgnoringCase(v, "send") {
                    p.sendSeq = true
                } else if IPRouteParsing.equalsIgnoringCase(v, "none") {
                    p.recvSeq = false
                    p.sendSeq = false
                } else {
                    diagnostics += "Unknown seq value \"\(v)\"\n"
                    throw .usage
                }
            case "tunnel":
                p.tunnel = true
            case "session":
                p.session = true
            default:
                if IPRouteParsing.matches(word, "help") {
                    diagnostics += Usage.l2tp
                    throw .usage
                }
                diagnostics += "Unknown command: \(word)\n" + Usage.l2tp
                throw .usage
            }
            i += 1
        }
        return p
    }
}

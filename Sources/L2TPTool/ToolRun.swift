// SPDX-License-Identifier: GPL-2.0-only
// One invocation of `l2tp`: global options, then ip/ipl2tp.c's do_ipl2tp, do_add, do_del and do_show.

import Glibc
import L2TPNetlink
import L2TPWire

/// The state of one `l2tp` invocation. `L2TPToolMain.run` creates one per call.
struct ToolRun<IO: ToolIO> {
    var io: IO
    private var options = GlobalOptions()
    private var socketPath = L2TPToolMain.defaultSocketPath

    init(io: IO) {
        self.io = io
    }

    private mutating func report(_ diagnostics: inout String) {
        if !diagnostics.isEmpty {
            io.write(diagnostics, to: .standardError)
            diagnostics = ""
        }
    }

    /// Adds what went wrong talking to l2tpd to `diagnostics`: the one way a `DaemonError` reaches
    /// the user. The caller picks the exit status.
    private func explain(_ error: DaemonError, _ diagnostics: inout String) {
        diagnostics += error.diagnostic(socketPath: socketPath)
    }

    /// Like `explain`, then ends the command with status 1 (iproute2's `exit(1)` after a failed
    /// genl_init_handle or family lookup).
    private func fail(_ error: DaemonError, _ diagnostics: inout String) -> ToolExit {
        explain(error, &diagnostics)
        return .failure
    }

    /// Runs the command and returns the exit status.
    mutating func main(arguments: [String], environment: [String: String]) -> Int32 {
        var diagnostics = ""
        do {
            let status = try execute(arguments, environment: environment, diagnostics: &diagnostics)
            report(&diagnostics)
            return status
        } catch {
            report(&diagnostics)
            return error.status
        }
    }

    private mutating func execute(
        _ arguments: [String], environment: [String: String], diagnostics: inout String
    ) throws(ToolExit) -> Int32 {
        let (parsed, outcome) = try GlobalOptions.parse(arguments, diagnostics: &diagnostics)
        options = parsed
        let words: [String]
        switch outcome {
        case .version:
            io.write("l2tp utility, l2tpd-\(L2TPToolMain.version)\n", to: .standardOutput)
            return 0
        case .command(let w):
            words = w
        }
        socketPath = options.socketPath
            ?? environment[L2TPToolMain.socketEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? L2TPToolMain.defaultSocketPath
        return try object(words, diagnostics: &diagnostics)
    }

    /// do_ipl2tp. As in iproute2 the daemon is contacted (the family resolved) before the verb and
    /// its arguments are looked at, so with l2tpd unreachable every command but `help` fails with
    /// status 1, just as `ip l2tp` does on a kernel without the l2tp module.
    private mutating func object(_ words: [String], diagnostics: inout String) throws(ToolExit) -> Int32 {
        guard let verb = words.first, !IPRouteParsing.matches(verb, "help") else {
            diagnostics += Usage.l2tp
            throw .usage
        }
        var client: DaemonClient
        do {
            client = try DaemonClient.connect(socketPath: socketPath, io: &io, diagnostics: &diagnostics)
        } catch {
            throw fail(error, &diagnostics)
        }
        report(&diagnostics)
        let rest = Array(words.dropFirst())
        if IPRouteParsing.matches(verb, "add") {
            return try add(rest, client: &client, diagnostics: &diagnostics)
        }
        if IPRouteParsing.matches(verb, "delete") {
            return try delete(rest, client: &client, diagnostics: &diagnostics)
        }
        if IPRouteParsing.matches(verb, "show") || IPRouteParsing.matches(verb, "lst")
            || IPRouteParsing.matches(verb, "list")
        {
            return try show(rest, client: &client, diagnostics: &diagnostics)
        }
        if verb == "debug" {
            return try debug(rest, client: &client, diagnostics: &diagnostics)
        }
        if IPRouteParsing.matches(verb, "monitor") {
            return try monitor(rest, client: &client, diagnostics: &diagnostics)
        }
        diagnostics += "Command \"\(verb)\" is unknown, try \"l2tp help\".\n"
        throw .usage
    }

    /// `l2tp monitor`: joins the `l2tp` multicast group and prints every notification as it comes:
    /// in text, a `[COMMAND]` line and the object as `show` prints it; with `-j`, one JSON object per
    /// line with an "event" member first. Not part of ip l2tp. Runs until interrupted or the daemon
    /// goes away (status 1).
    private mutating func monitor(_ words: [String], client: inout DaemonClient, diagnostics: inout String)
        throws(ToolExit) -> Int32
    {
        guard words.isEmpty else {
            diagnostics += "Usage: l2tp [ -j ] [ -s ] monitor\n"
            throw .usage
        }
        let l2tp: GenlControl.Family
        let l2tpd: GenlControl.Family
        do {
            l2tp = try client.resolve(family: L2TPGenl.name, diagnostics: &diagnostics)
            l2tpd = try client.resolve(family: L2TPDGenl.name, diagnostics: &diagnostics)
        } catch {
            throw fail(error, &diagnostics)
        }
        guard let group = l2tp.multicastGroups.first(where: { $0.name == L2TPGenl.multicastGroup })?.id else {
            throw fail(.noMulticastGroup(L2TPGenl.multicastGroup), &diagnostics)
        }
        let seq = client.nextSequence()
        let join = L2TPDGenl.request(.addMembership, [(.group, group)], ack: true, familyID: l2tpd.id, sequence: seq, portID: 0)
        do {
            try client.talk(join, sequence: seq, diagnostics: &diagnostics)
        } catch {
            explain(error, &diagnostics)
            report(&diagnostics)
            return 2
        }
        let statistics = options.statistics > 0
        do {
            // No request and no end: notifications of any sequence until the connection fails.
            try client.exchange(nil, sequence: nil, until: .never, diagnostics: &diagnostics) {
                (message: [UInt8]) throws(DaemonError) in
                guard let header = NetlinkHeader(message), header.type == l2tp.id,
                    let decoded = try? L2TPMessageCodec.decode(message, validating: false),
                    let command = L2TPCommand(rawValue: decoded.command)
                else { return }
                let event = command.eventName
                var printer = ListingPrinter(json: options.json > 0, pretty: false, oneline: options.oneline > 0, array: false)
                printer.printText("[\(event)]\n")
                switch command {
                case .tunnelCreate, .tunnelDelete, .tunnelModify, .tunnelGet:
                    TunnelReport(decoded.attributes).print(to: &printer, statistics: statistics, event: event)
                default:
                    SessionReport(decoded.attributes).print(to: &printer, statistics: statistics, event: event)
                }
                let text = printer.take()
                io.write(printer.isJSON ? text + "\n" : text, to: .standardOutput)
                io.flush()
            }
        } catch {
            explain(error, &diagnostics)
        }
        report(&diagnostics)
        return 1
    }

    /// `l2tp debug dump`: l2tpd's full internal state (the kernel's debugfs l2tp/tunnels), from the
    /// daemon's own "l2tpd" family. Not part of ip l2tp.
    private mutating func debug(_ words: [String], client: inout DaemonClient, diagnostics: inout String)
        throws(ToolExit) -> Int32
    {
        guard words == ["dump"] else {
            diagnostics += "Usage: l2tp debug dump\n"
            throw .usage
        }
        let family: UInt16
        do {
            family = try client.resolve(family: L2TPDGenl.name, diagnostics: &diagnostics).id
        } catch {
            throw fail(error, &diagnostics)
        }
        let seq = client.nextSequence()
        let request = L2TPDGenl.request(.debugDump, familyID: family, sequence: seq, portID: 0)
        let text: String
        do throws(DaemonError) {
            let reply = try client.ask(request, sequence: seq, diagnostics: &diagnostics)
            guard let t = L2TPDGenl.text(of: reply) else {
                throw .malformed(NetlinkError(EPROTO, "DEBUG_DUMP reply without a TEXT attribute"))
            }
            text = t
        } catch {
            explain(error, &diagnostics)
            report(&diagnostics)
            return 2
        }
        io.write(text, to: .standardOutput)
        return 0
    }

    /// iproute2's missarg(key).
    private func missing(_ key: String, _ diagnostics: inout String) -> ToolExit {
        diagnostics += "Error: argument \"\(key)\" is required\n"
        return .usage
    }

    /// do_add: the checks in iproute2's order, then create_tunnel and/or create_session. With both
    /// `tunnel` and `session`, both requests are sent and the status is the session's, as in iproute2.
    private mutating func add(_ words: [String], client: inout DaemonClient, diagnostics: inout String)
        throws(ToolExit) -> Int32
    {
        let p = try L2TPParameters.parse(words, diagnostics: &diagnostics)
        report(&diagnostics)
        if !p.tunnel && !p.session { throw missing("tunnel or session", &diagnostics) }
        if p.tunnelID == 0 { throw missing("tunnel_id", &diagnostics) }
        if p.session && p.peerSessionID == 0 { throw missing("peer_session_id", &diagnostics) }
        if p.session && p.sessionID == 0 { throw missing("session_id", &diagnostics) }
        if p.tunnel && p.peerTunnelID == 0 { throw missing("peer_tunnel_id", &diagnostics) }

        var status: Int32 = 0
        if p.tunnel {
            guard let local = p.localIP else { throw missing("local", &diagnostics) }
            guard let peer = p.peerIP else { throw missing("remote", &diagnostics) }
            if p.encap == .udp {
                if p.localUDPPort == 0 { throw missing("udp_sport", &diagnostics) }
                if p.peerUDPPort == 0 { throw missing("udp_dport", &diagnostics) }
            }
            let seq = client.nextSequence()
            let request = IPRouteRequest.tunnelCreate(
                Self.tunnelAttributes(p, local: local, peer: peer), familyID: client.familyID, sequence: seq)
            status = talk(request, sequence: seq, client: &client, diagnostics: &diagnostics)
            report(&diagnostics)
        }
        if p.session {
            let seq = client.nextSequence()
            let request = IPRouteRequest.sessionCreate(
                Self.sessionAttributes(p), familyID: client.familyID, sequence: seq)
            status = talk(request, sequence: seq, client: &client, diagnostics: &diagnostics)
            report(&diagnostics)
        }
        return status
    }

    /// What create_tunnel puts in its request.
    static func tunnelAttributes(_ p: L2TPParameters, local: IPAddress, peer: IPAddress) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = p.tunnelID
        a.peerConnID = p.peerTunnelID
        a.protoVersion = 3
        a.encapType = p.encap.rawValue
        if local.isIPv6 { a.ip6Saddr = local } else { a.ipSaddr = local }
        if peer.isIPv6 { a.ip6Daddr = peer } else { a.ipDaddr = peer }
        if p.encap == .udp {
            a.udpSport = p.localUDPPort
            a.udpDport = p.peerUDPPort
            if p.udpCsum { a.udpCsum = 1 }
            a.udpZeroCsum6Tx = !p.udp6CsumTx
            a.udpZeroCsum6Rx = !p.udp6CsumRx
        }
        return a
    }

    /// What create_session puts in its request (Ethernet pseudowire, the only kind iproute2 creates).
    static func sessionAttributes(_ p: L2TPParameters) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = p.tunnelID
        a.peerConnID = p.peerTunnelID
        a.sessionID = p.sessionID
        a.peerSessionID = p.peerSessionID
        a.pwType = PseudowireType.eth.rawValue
        a.l2specType = p.l2specType
        a.l2specLen = p.l2specLen
        if p.recvSeq { a.recvSeq = 1 }
        if p.sendSeq { a.sendSeq = 1 }
        if !p.cookie.isEmpty { a.cookie = p.cookie }
        if !p.peerCookie.isEmpty { a.peerCookie = p.peerCookie }
        a.ifname = p.ifname
        return a
    }

    /// do_del: a session when a session id was given (even with `tunnel`), else the tunnel.
    private mutating func delete(_ words: [String], client: inout DaemonClient, diagnostics: inout String)
        throws(ToolExit) -> Int32
    {
        let p = try L2TPParameters.parse(words, diagnostics: &diagnostics)
        report(&diagnostics)
        if !p.tunnel && !p.session { throw missing("tunnel or session", &diagnostics) }
        if p.tunnel && p.tunnelID == 0 { throw missing("tunnel_id", &diagnostics) }
        if p.session && p.sessionID == 0 { throw missing("session_id", &diagnostics) }

        let seq = client.nextSequence()
        let request =
            p.sessionID != 0
            ? IPRouteRequest.sessionDelete(
                tunnelID: p.tunnelID, sessionID: p.sessionID, familyID: client.familyID, sequence: seq)
            : IPRouteRequest.tunnelDelete(tunnelID: p.tunnelID, familyID: client.familyID, sequence: seq)
        let status = talk(request, sequence: seq, client: &client, diagnostics: &diagnostics)
        report(&diagnostics)
        return status
    }

    /// rtnl_talk for add and delete: 0 for an ACK; otherwise the error is explained and the status
    /// is 2, iproute2's for a request the kernel refused.
    private func talk(_ request: [UInt8], sequence seq: UInt32, client: inout DaemonClient, diagnostics: inout String)
        -> Int32
    {
        do {
            try client.talk(request, sequence: seq, diagnostics: &diagnostics)
            return 0
        } catch {
            explain(error, &diagnostics)
            return 2
        }
    }

    /// do_show: a session dump if `session` was given, else a tunnel dump; every object returned is
    /// printed (the daemon, like the kernel, does the filtering). A failed dump prints
    /// "Dump terminated" and exits 1, leaving what was already printed (an unclosed JSON array).
    private mutating func show(_ words: [String], client: inout DaemonClient, diagnostics: inout String)
        throws(ToolExit) -> Int32
    {
        let p = try L2TPParameters.parse(words, diagnostics: &diagnostics)
        report(&diagnostics)
        if !p.tunnel && !p.session { throw missing("tunnel or session", &diagnostics) }

        let seq = client.nextSequence()
        let request: [UInt8]
        if p.session {
            let both = p.tunnelID != 0 && p.sessionID != 0
            request = IPRouteRequest.sessionDump(
                tunnelID: both ? p.tunnelID : nil, sessionID: both ? p.sessionID : nil,
                familyID: client.familyID, sequence: seq)
        } else {
            request = IPRouteRequest.tunnelDump(
                tunnelID: p.tunnelID != 0 ? p.tunnelID : nil, familyID: client.familyID, sequence: seq)
        }

        var printer = ListingPrinter(
            json: options.json > 0, pretty: options.pretty > 0, oneline: options.oneline > 0)
        let statistics = options.statistics > 0
        let sessions = p.session
        var ok = true
        do {
            try client.dump(request, sequence: seq, diagnostics: &diagnostics) { message in
                if sessions {
                    SessionReport(message.attributes).print(to: &printer, statistics: statistics)
                } else {
                    TunnelReport(message.attributes).print(to: &printer, statistics: statistics)
                }
                let text = printer.take()
                if !text.isEmpty { io.write(text, to: .standardOutput) }
            }
        } catch {
            explain(error, &diagnostics)
            ok = false
        }
        if ok { printer.finish() }
        let rest = printer.take()
        if !rest.isEmpty { io.write(rest, to: .standardOutput) }
        if !ok {
            diagnostics += "Dump terminated\n"
            throw .failure
        }
        return 0
    }
}

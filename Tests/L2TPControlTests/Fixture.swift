// SPDX-License-Identifier: GPL-2.0-only
// A control plane wired to the fakes, the requests tests send (as iproute2 builds them, or with the
// codec for what iproute2 cannot say), the replies they expect, and readers for what comes back.

import Glibc
import L2TPControl
import L2TPCore
import L2TPDaemon
import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

// MARK: - Fixture

/// A ControlPlane with UDP and IP encapsulations and the Ethernet pseudowire registered, as the
/// daemon registers them, all backed by fakes sharing one event log.
final class Fixture {
    /// A privileged client: replies and notifications carry its port id (requests carry nlmsg_pid 0).
    static let admin = Requester(portID: 0x1234, pid: 4242, uid: 0, hasNetAdmin: true)
    /// A client without CAP_NET_ADMIN.
    static let user = Requester(portID: 0x5678, pid: 4343, uid: 1000, hasNetAdmin: false)

    let log = EventLog()
    let datapath: FakeDatapath
    let udp: FakeEncapFactory
    let ip: FakeEncapFactory
    let eth: FakePseudowireFactory
    let control: ControlPlane

    /// `registerIP` false leaves IP encapsulation unregistered.
    init(registerIP: Bool = true) {
        datapath = FakeDatapath(log: log)
        let udp = FakeEncapFactory(log: log, encap: .udp)
        let ip = FakeEncapFactory(log: log, encap: .ip)
        let eth = FakePseudowireFactory(log: log)
        (self.udp, self.ip, self.eth) = (udp, ip, eth)
        // The daemon's list of kinds, each backed by a fake.
        let table = Registrations.table(
            encapsulation: { type in type == .udp ? udp : type == .ip && registerIP ? ip : nil },
            pseudowire: { type in type == .eth ? eth : nil })
        control = ControlPlane(datapath: datapath, registrations: table)
    }

    /// Hands one datagram to the control plane.
    @discardableResult
    func send(_ datagram: [UInt8], as requester: Requester = Fixture.admin) -> ControlOutput {
        control.handle(datagram, from: requester)
    }

    /// Sends a request that must succeed with exactly one ACK and one notification.
    @discardableResult
    func expectSuccess(_ request: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ControlOutput {
        let out = send(request)
        #expect(out.error == nil, "\(out.error?.description ?? "")", sourceLocation: sourceLocation)
        #expect(out.replies == [ackBytes(answering: request, portID: Fixture.admin.portID)],
                sourceLocation: sourceLocation)
        #expect(out.notifications.count == 1, sourceLocation: sourceLocation)
        return out
    }

    /// `ip l2tp add tunnel` that must succeed.
    func addTunnel(
        _ id: UInt32, peer: UInt32? = nil, encap: EncapType = .udp, local: String = "192.0.2.1",
        remote: String = "192.0.2.2", sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectSuccess(
            Requests.tunnelCreate(id, peer: peer, encap: encap, local: local, remote: remote),
            sourceLocation: sourceLocation)
    }

    /// An L2TPv2 UDP tunnel (iproute2 cannot create one), which must succeed.
    func addV2Tunnel(_ id: UInt32, peer: UInt32? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        var a = Requests.tunnelAttributes(id, peer: peer)
        a.protoVersion = 2
        expectSuccess(Requests.make(.tunnelCreate, a), sourceLocation: sourceLocation)
    }

    /// `ip l2tp add session` that must succeed.
    func addSession(
        _ tunnelID: UInt32, _ sessionID: UInt32, peer: UInt32? = nil, name: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectSuccess(
            Requests.sessionCreate(tunnelID, sessionID, peer: peer, name: name), sourceLocation: sourceLocation)
    }
}

// MARK: - Requests

/// Request datagrams. The iproute2 ones are `IPRouteRequest` (nlmsg_pid 0, NLM_F_REQUEST|NLM_F_ACK);
/// `make` encodes anything else with the codec.
enum Requests {
    static let family = L2TPGenl.familyID

    /// `ip l2tp add tunnel tunnel_id ID peer_tunnel_id PEER [encap ENCAP] local LOCAL remote REMOTE
    /// udp_sport SPORT udp_dport DPORT [udp_csum on] [udp6_csum_tx off] [udp6_csum_rx off]`.
    static func tunnelCreate(
        _ id: UInt32, peer: UInt32? = nil, encap: EncapType = .udp, local: String = "192.0.2.1",
        remote: String = "192.0.2.2", sport: UInt16 = 1701, dport: UInt16 = 1702, udpCsum: Bool = false,
        zeroCsum6Tx: Bool = false, zeroCsum6Rx: Bool = false, sequence: UInt32 = 1
    ) -> [UInt8] {
        var a = L2TPAttributes()
        a.connID = id
        a.peerConnID = peer ?? id + 1
        a.encapType = encap.rawValue
        a.ipSaddr = IPAddress(local)!
        a.ipDaddr = IPAddress(remote)!
        a.udpSport = sport
        a.udpDport = dport
        a.udpCsum = udpCsum ? 1 : nil
        a.udpZeroCsum6Tx = zeroCsum6Tx
        a.udpZeroCsum6Rx = zeroCsum6Rx
        return IPRouteRequest.tunnelCreate(a, familyID: family, sequence: sequence)
    }

    /// `ip l2tp add session [name NAME] tunnel_id T session_id S peer_session_id P [cookie ...]
    /// [peer_cookie ...] [l2spec_type ...] [seq ...]`.
    static func sessionCreate(
        _ tunnelID: UInt32, _ sessionID: UInt32, peer: UInt32? = nil, name: String? = nil,
        cookie: [UInt8]? = nil, peerCookie: [UInt8]? = nil, l2spec: L2SpecType? = nil,
        recvSeq: Bool = false, sendSeq: Bool = false, sequence: UInt32 = 1
    ) -> [UInt8] {
        var a = L2TPAttributes()
        a.connID = tunnelID
        a.sessionID = sessionID
        a.peerSessionID = peer ?? sessionID + 1
        a.ifname = name
        a.cookie = cookie
        a.peerCookie = peerCookie
        a.l2specType = l2spec?.rawValue
        a.recvSeq = recvSeq ? 1 : nil
        a.sendSeq = sendSeq ? 1 : nil
        return IPRouteRequest.sessionCreate(a, familyID: family, sequence: sequence)
    }

    /// `ip l2tp del tunnel tunnel_id ID`.
    static func tunnelDelete(_ id: UInt32, sequence: UInt32 = 1) -> [UInt8] {
        IPRouteRequest.tunnelDelete(tunnelID: id, familyID: family, sequence: sequence)
    }

    /// `ip l2tp del session tunnel_id T session_id S`.
    static func sessionDelete(_ tunnelID: UInt32, _ sessionID: UInt32, sequence: UInt32 = 1) -> [UInt8] {
        IPRouteRequest.sessionDelete(tunnelID: tunnelID, sessionID: sessionID, familyID: family, sequence: sequence)
    }

    /// `ip l2tp show tunnel [tunnel_id ID]`: always a dump.
    static func tunnelDump(tunnelID: UInt32? = nil, sequence: UInt32 = 1) -> [UInt8] {
        IPRouteRequest.tunnelDump(tunnelID: tunnelID, familyID: family, sequence: sequence)
    }

    /// `ip l2tp show session [tunnel_id T session_id S]`: always a dump.
    static func sessionDump(tunnelID: UInt32? = nil, sessionID: UInt32? = nil, sequence: UInt32 = 1) -> [UInt8] {
        IPRouteRequest.sessionDump(tunnelID: tunnelID, sessionID: sessionID, familyID: family, sequence: sequence)
    }

    /// Any l2tp request, attributes in numeric order unless `order` says otherwise.
    static func make(
        _ command: L2TPCommand, _ a: L2TPAttributes, order: [L2TPAttr] = L2TPMessageCodec.numericOrder,
        flags: UInt16 = IPRouteRequest.changeFlags, sequence: UInt32 = 1
    ) -> [UInt8] {
        L2TPMessageCodec.encode(
            command: command, attributes: a, order: order, flags: flags, sequence: sequence, portID: 0)
    }

    /// Everything a v3 UDP-over-IPv4 TUNNEL_CREATE needs.
    static func tunnelAttributes(_ id: UInt32, peer: UInt32? = nil, encap: EncapType = .udp) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = id
        a.peerConnID = peer ?? id + 1
        a.protoVersion = 3
        a.encapType = encap.rawValue
        a.ipSaddr = IPAddress("192.0.2.1")!
        a.ipDaddr = IPAddress("192.0.2.2")!
        a.udpSport = 1701
        a.udpDport = 1702
        return a
    }

    /// Everything a SESSION_CREATE needs (an Ethernet pseudowire).
    static func sessionAttributes(_ tunnelID: UInt32, _ sessionID: UInt32, pw: PseudowireType = .eth) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = tunnelID
        a.sessionID = sessionID
        a.peerSessionID = sessionID + 1
        a.pwType = pw.rawValue
        return a
    }

    /// Just CONN_ID (and SESSION_ID): how DELETE, MODIFY and GET name an object.
    static func ids(_ tunnelID: UInt32?, _ sessionID: UInt32? = nil) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = tunnelID
        a.sessionID = sessionID
        return a
    }

    /// Just IFNAME.
    static func ifname(_ name: String) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.ifname = name
        return a
    }
}

// MARK: - Expected replies

/// Reply attributes as l2tp_nl_tunnel_send / l2tp_nl_session_send fill them.
enum Expected {
    /// A tunnel with a kernel-created socket: DEBUG 0, STATS, then the address attributes.
    static func tunnel(
        _ id: UInt32, peer: UInt32? = nil, version: UInt8 = 3, encap: EncapType = .udp,
        local: String = "192.0.2.1", remote: String = "192.0.2.2", sport: UInt16 = 1701, dport: UInt16 = 1702,
        udpCsum: Bool = false, zeroCsum6Tx: Bool = false, zeroCsum6Rx: Bool = false, stats: L2TPStats = L2TPStats()
    ) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.protoVersion = version
        a.connID = id
        a.peerConnID = peer ?? id + 1
        a.debug = 0
        a.encapType = encap.rawValue
        a.stats = stats
        let l = IPAddress(local)!
        let r = IPAddress(remote)!
        if l.isIPv6 {
            if encap == .udp {
                a.udpZeroCsum6Tx = zeroCsum6Tx
                a.udpZeroCsum6Rx = zeroCsum6Rx
                a.udpSport = sport
                a.udpDport = dport
            }
            a.ip6Saddr = l
            a.ip6Daddr = r
        } else {
            if encap == .udp {
                a.udpCsum = udpCsum ? 1 : 0
                a.udpSport = sport
                a.udpDport = dport
            }
            a.ipSaddr = l
            a.ipDaddr = r
        }
        return a
    }

    /// A session: IFNAME when set, cookies when non-empty, RECV_TIMEOUT when non-zero.
    static func session(
        _ tunnelID: UInt32, _ sessionID: UInt32, peerTunnel: UInt32? = nil, peer: UInt32? = nil,
        pw: PseudowireType = .eth, ifname: String? = nil, cookie: [UInt8]? = nil, peerCookie: [UInt8]? = nil,
        recvSeq: UInt8 = 0, sendSeq: UInt8 = 0, lnsMode: UInt8 = 0, recvTimeout: UInt64? = nil,
        stats: L2TPStats = L2TPStats()
    ) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = tunnelID
        a.sessionID = sessionID
        a.peerConnID = peerTunnel ?? tunnelID + 1
        a.peerSessionID = peer ?? sessionID + 1
        a.debug = 0
        a.pwType = pw.rawValue
        a.ifname = ifname
        a.cookie = cookie
        a.peerCookie = peerCookie
        a.recvSeq = recvSeq
        a.sendSeq = sendSeq
        a.lnsMode = lnsMode
        a.recvTimeout = recvTimeout
        a.stats = stats
        return a
    }

    /// One tunnel message in the kernel's attribute order.
    static func tunnelMessage(
        _ a: L2TPAttributes, _ command: L2TPCommand, flags: UInt16, sequence: UInt32,
        portID: UInt32 = Fixture.admin.portID
    ) -> [UInt8] {
        L2TPMessageCodec.encode(
            command: command, attributes: a, order: L2TPMessageCodec.tunnelReplyOrder, flags: flags,
            sequence: sequence, portID: portID)
    }

    /// One session message in the kernel's attribute order.
    static func sessionMessage(
        _ a: L2TPAttributes, _ command: L2TPCommand, flags: UInt16, sequence: UInt32,
        portID: UInt32 = Fixture.admin.portID
    ) -> [UInt8] {
        L2TPMessageCodec.encode(
            command: command, attributes: a, order: L2TPMessageCodec.sessionReplyOrder, flags: flags,
            sequence: sequence, portID: portID)
    }
}

// MARK: - Reading replies

func readU16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }
func readU32(_ b: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) } }

/// The ACK af_netlink writes for a successful request: NLMSG_ERROR, NLM_F_CAPPED, error 0, the
/// request's header echoed. Built by hand, not with NetlinkAck.
func ackBytes(answering request: [UInt8], portID: UInt32) -> [UInt8] {
    le32(36) + le16(2) + le16(0x0100) + Array(request[8..<12]) + le32(portID) + le32(0) + Array(request[0..<16])
}

/// The NLMSG_DONE that ends a dump: NLM_F_MULTI, payload an int 0.
func doneBytes(sequence: UInt32, portID: UInt32 = Fixture.admin.portID) -> [UInt8] {
    le32(20) + le16(3) + le16(0x0002) + le32(sequence) + le32(portID) + le32(0)
}

/// The parts of an NLMSG_ERROR that tests look at.
struct ErrorReply {
    var header: NetlinkHeader
    var errno: Int32
    /// The request as echoed after `struct nlmsgerr`'s error field (its own nlmsg_len bytes).
    var echoed: [UInt8]
    var message: String?
    var offset: UInt32?

    /// Nil unless `reply` is an NLMSG_ERROR long enough for its echoed request.
    init?(_ reply: [UInt8]) {
        guard let header = NetlinkHeader(reply), header.type == NetlinkMessageType.error, reply.count >= 36,
            let parsed = NetlinkAck.parse(reply)
        else { return nil }
        let echoedLength = header.flags & NetlinkFlags.capped != 0 ? 16 : Int(readU32(reply, 20))
        guard reply.count >= 20 + echoedLength else { return nil }
        self.header = header
        errno = -Int32(bitPattern: readU32(reply, 16))
        echoed = Array(reply[20..<(20 + echoedLength)])
        message = parsed.message
        offset = parsed.offset
    }
}

/// The `L2TP_ATTR_*` names an extack message mentions, in order.
func attributeNames(in message: String?) -> [String] {
    guard let message else { return [] }
    let word = message.split { !($0.isLetter || $0.isNumber || $0 == "_") }
    return word.map(String.init).filter { $0.hasPrefix("L2TP_ATTR_") }
}

/// Checks that `out` is exactly one NLMSG_ERROR answering `request` with `errno`: not capped, the
/// whole request echoed, NLM_F_ACK_TLVS with a non-empty message (naming `attribute` first among
/// the attributes it names, when given), the request's sequence and the requester's port; and that
/// nothing was notified.
func expectError(
    _ out: ControlOutput, answering request: [UInt8], _ errno: Int32, attribute: String? = nil,
    portID: UInt32 = Fixture.admin.portID, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(out.error?.errno == errno, "got \(out.error?.description ?? "no error")", sourceLocation: sourceLocation)
    #expect(out.notifications.isEmpty, sourceLocation: sourceLocation)
    guard out.replies.count == 1, let reply = ErrorReply(out.replies[0]) else {
        Issue.record("expected one NLMSG_ERROR, got \(out.replies.map(hexDump))", sourceLocation: sourceLocation)
        return
    }
    #expect(reply.errno == errno, "errno \(reply.errno): \(reply.message ?? "")", sourceLocation: sourceLocation)
    #expect(reply.header.length == UInt32(out.replies[0].count), sourceLocation: sourceLocation)
    #expect(reply.header.flags == NetlinkFlags.ackTLVs, sourceLocation: sourceLocation)
    #expect(reply.header.sequence == NetlinkHeader(request)!.sequence, sourceLocation: sourceLocation)
    #expect(reply.header.portID == portID, sourceLocation: sourceLocation)
    #expect(reply.echoed == request, sourceLocation: sourceLocation)
    #expect(reply.message?.isEmpty == false, "no extack message", sourceLocation: sourceLocation)
    if let attribute {
        #expect(attributeNames(in: reply.message).first == attribute, "\(reply.message ?? "")",
                sourceLocation: sourceLocation)
    }
}

/// Decodes one reply or notification of the l2tp family.
func decode(_ message: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> GenlMessage? {
    do {
        return try L2TPMessageCodec.decode(message)
    } catch {
        Issue.record("reply does not decode: \(error)\n\(hexDump(message))", sourceLocation: sourceLocation)
        return nil
    }
}

/// Splits a reply datagram into its messages.
func messages(in datagram: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [[UInt8]] {
    do {
        return try splitNetlinkMessages(datagram)
    } catch {
        Issue.record("datagram does not split: \(error)", sourceLocation: sourceLocation)
        return []
    }
}

// MARK: - Traffic

/// Drives a session's counters through the core, the way datapath workers do.
enum Traffic {
    /// Receives one L2TP packet (UDP form, from its flags word) as the worker that read it would.
    @discardableResult
    static func receive(_ packet: [UInt8], by session: Session) -> DropReason? {
        packet.withUnsafeBytes { raw in
            session.receive(raw, demux: Demux.udp(raw.baseAddress!, length: raw.count), now: 0)
        }
    }

    /// A packet from the session's peer: its cookie is our peer cookie unless `cookie` overrides it.
    static func inbound(to session: Session, ns: UInt32? = nil, payloadLength: Int = 20, cookie: Cookie? = nil)
        -> [UInt8]
    {
        PacketBuilder.inbound(
            to: session, ns: ns, payload: PacketBuilder.payload(tag: 0x42, count: payloadLength), cookie: cookie)
    }

    /// A packet whose Ver field (1) is not the tunnel's: tunnel rx_invalid.
    static func wrongVersion(to session: Session) -> [UInt8] {
        var packet = inbound(to: session)
        packet[1] = (packet[1] & 0xf0) | 1
        return packet
    }
}

// MARK: - Session settings

/// The settings SESSION_CREATE and SESSION_MODIFY set, read once from a Session's atomics (which
/// cannot be used inside `#expect`, being non-copyable).
struct SessionSettings: Equatable, CustomStringConvertible {
    var recvSeq = false
    var sendSeq = false
    var lnsMode = false
    var reorderTimeout: UInt64 = 0
    var debug: UInt32 = 0

    init(recvSeq: Bool = false, sendSeq: Bool = false, lnsMode: Bool = false, reorderTimeout: UInt64 = 0,
         debug: UInt32 = 0)
    {
        self.recvSeq = recvSeq
        self.sendSeq = sendSeq
        self.lnsMode = lnsMode
        self.reorderTimeout = reorderTimeout
        self.debug = debug
    }

    init(_ s: Session) {
        recvSeq = s.recvSeq.load(ordering: .relaxed)
        sendSeq = s.sendSeq.load(ordering: .relaxed)
        lnsMode = s.lnsMode.load(ordering: .relaxed)
        reorderTimeout = s.reorderTimeout.load(ordering: .relaxed)
        debug = s.debug.load(ordering: .relaxed)
    }

    var description: String {
        "recv_seq \(recvSeq) send_seq \(sendSeq) lns_mode \(lnsMode) reorder_timeout \(reorderTimeout) debug \(debug)"
    }
}

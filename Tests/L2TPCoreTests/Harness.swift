// SPDX-License-Identifier: GPL-2.0-only
// One tunnel with one session and a recording device, driven with packet bytes built by L2TPWire.

import L2TPCore
import L2TPTestSupport
import L2TPWire

/// A session under test. `send` builds a packet as the peer would and feeds it to `Session.receive`.
struct Harness {
    let tunnel: Tunnel
    let session: Session
    let device: RecordingDevice

    init(
        version: ProtocolVersion = .v3, encap: EncapType = .udp, tunnelID: UInt32 = 10, sessionID: UInt32 = 100,
        cookie: Cookie = .none, peerCookie: Cookie = .none, l2spec: L2SpecType = .default,
        recvSeq: Bool = false, sendSeq: Bool = false, lnsMode: Bool = false, reorderTimeout: UInt64 = 0,
        tunnel: Tunnel? = nil
    ) {
        self.tunnel =
            tunnel
            ?? Tunnel(id: TunnelID(tunnelID), peerID: TunnelID(tunnelID + 1), version: version, encap: encap)
        let device = RecordingDevice()
        self.device = device
        session = Session(
            id: SessionID(sessionID), peerID: SessionID(sessionID + 1), tunnel: self.tunnel, pseudowireType: .eth,
            cookie: cookie, peerCookie: peerCookie, l2spec: l2spec, recvSeq: recvSeq, sendSeq: sendSeq,
            lnsMode: lnsMode, reorderTimeout: reorderTimeout, device: device)
    }

    /// The packet the peer sends with sequence number `ns` (nil: unsequenced) and a payload tagged `tag`.
    func packet(ns: UInt32?, tag: UInt8, cookie: Cookie? = nil) -> [UInt8] {
        PacketBuilder.inbound(to: session, ns: ns, payload: PacketBuilder.payload(tag: tag), cookie: cookie)
    }

    /// Receives a sequenced packet whose payload is tagged with the low byte of `ns`.
    @discardableResult
    func send(_ ns: UInt32, at now: UInt64 = 0) -> DropReason? {
        session.receivePacket(packet(ns: ns, tag: UInt8(truncatingIfNeeded: ns)), now: now)
    }

    /// Receives an unsequenced packet tagged `tag`.
    @discardableResult
    func sendUnsequenced(tag: UInt8, at now: UInt64 = 0) -> DropReason? {
        session.receivePacket(packet(ns: nil, tag: tag), now: now)
    }

    var stats: L2TPStats { session.stats.snapshot }
    var tunnelStats: L2TPStats { tunnel.stats.snapshot }
    var queued: Int { session.sequenceSnapshot.queue.count }
}

/// The L2TP packet length of a sequenced data packet from the harness, for rx_bytes expectations.
extension Harness {
    var sequencedPacketLength: UInt64 { UInt64(packet(ns: 0, tag: 0).count) }
}

extension Session {
    /// `sendSeq` read once (an Atomic cannot be handed to #expect).
    var sendingSequenceNumbers: Bool { sendSeq.load(ordering: .relaxed) }
}

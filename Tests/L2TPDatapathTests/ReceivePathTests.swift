// SPDX-License-Identifier: GPL-2.0-only
// The batched receive path through a real Datapath and its worker threads: an in-memory receiver
// feeds datagrams, sessions published through a TunnelRegistry deliver to recording devices, and
// what belongs to no session is counted in Datapath.counters or handed to the control-frame sink.

import Glibc
@testable import L2TPDatapath
import L2TPCore
import L2TPTestSupport
import L2TPWire
import Testing

/// Sessions with recording devices, registered and published to a datapath.
struct Sessions {
    var registry = TunnelRegistry<Void, Void>()

    /// Registers a tunnel.
    mutating func tunnel(
        _ id: UInt32, version: ProtocolVersion = .v3, encap: EncapType = .udp, controlOwner: UInt64? = nil
    ) throws -> Tunnel {
        let t = Tunnel(
            id: TunnelID(id), peerID: TunnelID(id + 1000), version: version, encap: encap, controlOwner: controlOwner)
        try registry.add(t)
        return t
    }

    /// Registers a session of `tunnel` with a recording device.
    mutating func session(_ id: UInt32, in tunnel: Tunnel) throws -> (Session, RecordingDevice) {
        let device = RecordingDevice()
        let s = Session(
            id: SessionID(id), peerID: SessionID(id + 1000), tunnel: tunnel, pseudowireType: .eth, device: device)
        try registry.add(s)
        return (s, device)
    }

    /// Publishes the registry's current state.
    mutating func publish(to datapath: Datapath) { datapath.publish(registry.makeTable()) }
}

/// The data packet the peer of `session` sends, its payload tagged `tag`.
func data(to session: Session, tag: UInt8) -> [UInt8] {
    PacketBuilder.inbound(to: session, payload: PacketBuilder.payload(tag: tag))
}

extension DatapathCounters {
    /// Every counter, read once: (unknown session, control without owner, malformed, socket errors).
    var all: [UInt64] {
        [unknownSession.load(ordering: .relaxed), controlWithoutOwner.load(ordering: .relaxed),
         malformed.load(ordering: .relaxed), socketErrors.load(ordering: .relaxed)]
    }
}

@Suite(.serialized) struct ReceivePathTests {
    @Test("data packets reach their own session's device in arrival order, one write per device per receive batch")
    func dataReachesDevicesInOrder() throws {
        let datapath = try Datapath(workerCount: 2)
        datapath.start()
        defer { datapath.stop() }
        var sessions = Sessions()
        let v3 = try sessions.tunnel(10, version: .v3)
        let v2 = try sessions.tunnel(20, version: .v2)
        let (a, deviceA) = try sessions.session(100, in: v3)
        let (b, deviceB) = try sessions.session(101, in: v3)
        let (c, deviceC) = try sessions.session(5, in: v2)
        sessions.publish(to: datapath)
        let receiver3 = FakeReceiver()
        let receiver2 = FakeReceiver()
        try datapath.add(receiver3, for: v3)
        try datapath.add(receiver2, for: v2)
        datapath.synchronize()  // every worker uses the table and polls both receivers

        receiver3.send([data(to: a, tag: 1), data(to: b, tag: 11), data(to: a, tag: 2), data(to: a, tag: 3),
                        data(to: b, tag: 12)])
        receiver2.send([data(to: c, tag: 21), data(to: c, tag: 22)])
        try #require(eventually {
            deviceA.frames.count == 3 && deviceB.frames.count == 2 && deviceC.frames.count == 2
        })
        #expect(deviceA.tags == [1, 2, 3])
        #expect(deviceA.writes == [3])
        #expect(deviceB.tags == [11, 12])
        #expect(deviceB.writes == [2])
        #expect(deviceC.tags == [21, 22])
        #expect(deviceC.writes == [2])
        #expect(deviceA.frames.allSatisfy { $0 == PacketBuilder.payload(tag: $0[0]) })

        // The next read is the next write.
        receiver3.send([data(to: b, tag: 13), data(to: a, tag: 4)])
        try #require(eventually { deviceA.frames.count == 4 && deviceB.frames.count == 3 })
        #expect(deviceA.tags == [1, 2, 3, 4])
        #expect(deviceA.writes == [3, 1])
        #expect(deviceB.tags == [11, 12, 13])
        #expect(deviceB.writes == [2, 1])
        #expect(a.stats.snapshot.rxPackets == 4)
        #expect(v3.stats.snapshot.rxPackets == 7)
        #expect(c.stats.snapshot.rxPackets == 2)
        #expect(datapath.counters.all == [0, 0, 0, 0])
    }

    @Test("unknown sessions, short and malformed datagrams and control frames of unowned tunnels are counted",
          arguments: [EncapType.udp, .ip])
    func strayPacketsAreCounted(_ encap: EncapType) throws {
        let datapath = try Datapath(workerCount: 1)
        let sink = RecordingSink()
        datapath.controlFrames = sink
        datapath.start()
        defer { datapath.stop() }
        var sessions = Sessions()
        let tunnel = try sessions.tunnel(10, encap: encap)
        let (known, device) = try sessions.session(100, in: tunnel)
        sessions.publish(to: datapath)
        let receiver = FakeReceiver(encapsulation: encap)
        try datapath.add(receiver, for: tunnel)
        datapath.synchronize()

        let unknown = PacketBuilder.v3(encap: encap, sessionID: 999, payload: PacketBuilder.payload(tag: 9))
        let control = encap == .udp
            ? ControlPacket.udp(connectionID: 10, tag: 7) : ControlPacket.ip(connectionID: 10, tag: 7)
        // Over UDP anything under 14 bytes is short; over IP under 4 bytes.
        let short: [UInt8] = encap == .udp ? [0x00, 0x03, 0, 0, 0, 0, 0, 100] : [0, 0]
        receiver.send([data(to: known, tag: 1), unknown, short, [], control, unknown, data(to: known, tag: 2)])
        // One read: by the time its frames are written, every packet of it has been counted.
        try #require(eventually { device.frames.count == 2 })
        #expect(datapath.counters.all == [2, 1, 2, 0])
        #expect(device.tags == [1, 2])
        #expect(device.writes == [2])
        #expect(sink.frames.isEmpty)
        #expect(known.stats.snapshot == stats(rxPackets: 2, rxBytes: UInt64(2 * data(to: known, tag: 0).count)))
    }

    @Test("a receive error is counted in socket_errors and the worker reads on")
    func receiveErrorIsCounted() throws {
        let datapath = try Datapath(workerCount: 1)
        datapath.start()
        defer { datapath.stop() }
        var sessions = Sessions()
        let tunnel = try sessions.tunnel(10)
        let (s, device) = try sessions.session(100, in: tunnel)
        sessions.publish(to: datapath)
        let receiver = FakeReceiver()
        try datapath.add(receiver, for: tunnel)
        datapath.synchronize()

        receiver.failNext(errno: ECONNREFUSED)
        receiver.failNext(errno: EHOSTUNREACH)
        receiver.send([data(to: s, tag: 1), data(to: s, tag: 2)])
        try #require(eventually { device.frames.count == 2 })
        #expect(device.tags == [1, 2])
        #expect(device.writes == [2])
        #expect(datapath.counters.all == [0, 0, 0, 2])
        #expect(receiver.calls == 3)
    }

    @Test("control frames of a tunnel with a controlOwner reach the sink unparsed; others are counted")
    func controlFramesReachOwner() throws {
        let datapath = try Datapath(workerCount: 2)
        let sink = RecordingSink()
        datapath.controlFrames = sink
        datapath.start()
        defer { datapath.stop() }
        var sessions = Sessions()
        let udpOwned = try sessions.tunnel(30, encap: .udp, controlOwner: 7)
        let ipOwned = try sessions.tunnel(40, encap: .ip, controlOwner: 8)
        let ipUnowned = try sessions.tunnel(41, encap: .ip)
        let (s, device) = try sessions.session(400, in: ipOwned)
        sessions.publish(to: datapath)
        let udpReceiver = FakeReceiver(encapsulation: .udp)
        let ipReceiver = FakeReceiver(encapsulation: .ip, isShared: true)
        try datapath.add(udpReceiver, for: udpOwned)
        try datapath.add(ipReceiver, for: ipOwned)
        try datapath.add(ipReceiver, for: ipUnowned)
        datapath.synchronize()

        // Over UDP the tunnel is the socket's, whatever the frame says; the owner gets the UDP payload.
        let udpFrame = ControlPacket.udp(connectionID: 12345, tag: 1)
        udpReceiver.send([udpFrame])
        try #require(eventually { sink.frames.count == 1 })
        // Over a shared IP socket the Control Connection ID picks the tunnel; the owner gets the
        // message without the 4-byte session id 0. Unowned (41) and unknown (99) are counted.
        ipReceiver.send([
            ControlPacket.ip(connectionID: 40, tag: 2), data(to: s, tag: 50), ControlPacket.ip(connectionID: 41, tag: 3),
            ControlPacket.ip(connectionID: 99, tag: 4), ControlPacket.ip(connectionID: 40, tag: 5),
        ])
        try #require(eventually { sink.frames.count == 3 && device.frames.count == 1 })
        let frames = sink.frames
        #expect(frames.map(\.tunnel) == [TunnelID(30), TunnelID(40), TunnelID(40)])
        #expect(frames.map(\.frame) == [
            udpFrame, ControlPacket.udp(connectionID: 40, tag: 2), ControlPacket.udp(connectionID: 40, tag: 5),
        ])
        #expect(device.tags == [50])
        #expect(datapath.counters.all == [0, 2, 0, 0])
    }

    @Test("without a control-frame sink, control frames of an owned tunnel are counted and dropped")
    func controlFramesWithoutSink() throws {
        let datapath = try Datapath(workerCount: 1)
        datapath.start()
        defer { datapath.stop() }
        var sessions = Sessions()
        let tunnel = try sessions.tunnel(30, encap: .udp, controlOwner: 7)
        let (s, device) = try sessions.session(300, in: tunnel)
        sessions.publish(to: datapath)
        let receiver = FakeReceiver()
        try datapath.add(receiver, for: tunnel)
        datapath.synchronize()

        receiver.send([ControlPacket.udp(connectionID: 30, tag: 1), data(to: s, tag: 2)])
        try #require(eventually { device.frames.count == 1 })
        #expect(datapath.counters.all == [0, 1, 0, 0])
    }
}

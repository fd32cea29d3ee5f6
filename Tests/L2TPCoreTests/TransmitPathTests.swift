// SPDX-License-Identifier: GPL-2.0-only
// Session.transmit, the one way frames leave a session: headers written in front of each packet of a
// batch, the batch handed to the tunnel's transport, the outcome counted — and Ns taken atomically,
// so threads transmitting on one session at once (datapath workers, the control thread) never send
// the same Ns.

import Glibc
import L2TPCore
import L2TPTestSupport
import L2TPWire
import Synchronization
import Testing

/// A transport that keeps every packet it is given and refuses the last `refuse` of each batch.
final class RecordingTransport: TunnelTransport {
    let packets = Mutex<[[UInt8]]>([])
    let refuse: Int

    init(refuse: Int = 0) { self.refuse = refuse }

    var receiver: (any PacketReceiver)? { nil }
    var addressing: TunnelAddressing { TunnelAddressing(encap: .udp, local: .v4(0, 0, 0, 0), peer: .v4(0, 0, 0, 0)) }
    var networkOverhead: Int { 28 }
    func pathMTU() -> Int? { nil }
    func close() {}
    var debugDescription: String { "recording" }

    func send(_ batch: TransmitBatch) -> TransmitResult {
        var sent = [[UInt8]]()
        var bytes = 0
        let kept = max(0, batch.count - refuse)
        for i in 0..<kept {
            let p = batch.packet(i)
            sent.append(Array(p.first) + Array(p.second))
            bytes += batch.length(i)
        }
        packets.withLock { $0 += sent }
        return TransmitResult(sent: kept, sentBytes: bytes, failed: batch.count - kept)
    }
}

@Suite("Transmit path")
struct TransmitPathTests {
    static func session(_ transport: RecordingTransport, sendSeq: Bool = true) -> Session {
        let tunnel = Tunnel(id: TunnelID(1), peerID: TunnelID(2), version: .v3, encap: .udp, transport: transport)
        return Session(id: SessionID(10), peerID: SessionID(20), tunnel: tunnel, pseudowireType: .eth, sendSeq: sendSeq)
    }

    static func batch() -> TransmitBatch {
        TransmitBatch(buffers: PacketBuffers(count: 8, headroom: TransmitBatch.headroom, capacity: 64), maxSegments: 1,
                      scratchSize: 4096)
    }

    /// Fills `batch` with `n` one-byte frames tagged `tag`.
    static func fill(_ batch: TransmitBatch, _ n: Int, tag: UInt8) {
        for i in 0..<n {
            let data = batch.buffers.data(i)
            data.storeBytes(of: tag, as: UInt8.self)
            batch.append(data, length: 1)
        }
    }

    /// Ns of an L2TPv3-over-UDP packet with the Default L2-Specific Sublayer (its low 24 bits).
    static func ns(_ packet: [UInt8]) -> UInt32 {
        UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
    }

    @Test("Each packet gets its header and consecutive Ns; what left and what was refused are counted")
    func oneBatch() {
        let transport = RecordingTransport(refuse: 1)
        let s = Self.session(transport)
        let b = Self.batch()
        Self.fill(b, 3, tag: 0xee)
        b.countInvalid()
        s.transmit(b)
        let sent = transport.packets.withLock { $0 }
        #expect(sent.map(\.hex) == [
            "00030000" + "00000014" + "40000000" + "ee",
            "00030000" + "00000014" + "40000001" + "ee",
        ])
        #expect(s.nextNs == 3, "the refused packet used an Ns too, as in the kernel")
        #expect(s.stats.snapshot.txPackets == 2 && s.stats.snapshot.txBytes == 26)
        #expect(s.stats.snapshot.txErrors == 2, "one refused, one the device could not send")
        #expect(s.tunnel.stats.snapshot.txPackets == 2 && s.tunnel.stats.snapshot.txErrors == 2)
        #expect(b.count == 0 && b.invalid == 0, "the batch is empty afterwards")
    }

    @Test("A tunnel without a transport counts every packet as a transmit error")
    func noTransport() {
        let tunnel = Tunnel(id: TunnelID(1), peerID: TunnelID(2), version: .v3, encap: .udp)
        let s = Session(id: SessionID(10), peerID: SessionID(20), tunnel: tunnel, pseudowireType: .eth)
        let b = Self.batch()
        Self.fill(b, 4, tag: 1)
        s.transmit(b)
        #expect(s.stats.snapshot.txErrors == 4 && s.stats.snapshot.txPackets == 0)
    }

    @Test("Threads transmitting on one session at once never send the same Ns, and none is skipped")
    func concurrentNs() async {
        let transport = RecordingTransport()
        let s = Self.session(transport)
        let threads = 4
        let batches = 2000
        let perBatch = 8
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<threads {
                group.addTask {
                    let b = Self.batch()
                    for _ in 0..<batches {
                        Self.fill(b, perBatch, tag: UInt8(t))
                        s.transmit(b)
                    }
                }
            }
        }
        let sent = transport.packets.withLock { $0 }
        let total = threads * batches * perBatch
        #expect(sent.count == total)
        let numbers = Set(sent.map(Self.ns))
        #expect(numbers.count == total, "every Ns once")
        #expect(numbers.min() == 0 && numbers.max() == UInt32(total - 1), "none skipped")
        #expect(s.nextNs == UInt32(total))
        #expect(s.stats.snapshot.txPackets == UInt64(total))
    }
}

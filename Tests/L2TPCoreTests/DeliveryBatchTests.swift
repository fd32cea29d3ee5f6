// SPDX-License-Identifier: GPL-2.0-only
// Session.receive with a worker's DeliveryBatch: frames wait in the batch until it is flushed, each
// device gets its frames in arrival order in one write, a full batch flushes itself, and a frame that
// waited in a reorder queue (a copy, valid only while it is delivered) is written alone after the
// batch is flushed, so every device still sees its frames in Ns order.

import L2TPCore
import L2TPTestSupport
import L2TPWire
import Testing

/// Received packets kept at fixed addresses, as a worker's receive buffers are: a batched frame points
/// into them until the batch is flushed.
final class PacketArena {
    private var buffers: [UnsafeMutableRawBufferPointer] = []

    deinit { buffers.forEach { $0.deallocate() } }

    /// Copies `bytes` into memory that stays put until the arena goes.
    func store(_ bytes: [UInt8]) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        buffer.copyBytes(from: bytes)
        buffers.append(buffer)
        return buffer
    }
}

extension Harness {
    /// Receives the packet the peer sends with `ns` (nil: unsequenced), its payload tagged `tag`, into
    /// `batch`, as the datapath does: the packet lives in `arena` until the batch is flushed. Returns
    /// the verdict and the packet's memory (a test may overwrite it, as the next read would).
    @discardableResult
    func receive(
        ns: UInt32?, tag: UInt8, at now: UInt64 = 0, into batch: DeliveryBatch, arena: PacketArena
    ) -> (DropReason?, UnsafeMutableRawBufferPointer) {
        let buffer = arena.store(packet(ns: ns, tag: tag))
        let raw = UnsafeRawBufferPointer(buffer)
        let demux = tunnel.encap == .udp
            ? Demux.udp(raw.baseAddress!, length: raw.count) : Demux.ip(raw.baseAddress!, length: raw.count)
        return (session.receive(raw, demux: demux, now: now, batch: batch), buffer)
    }

    /// Receives a sequenced packet tagged with the low byte of `ns` into `batch`.
    @discardableResult
    func receive(_ ns: UInt32, at now: UInt64 = 0, into batch: DeliveryBatch, arena: PacketArena) -> DropReason? {
        receive(ns: ns, tag: UInt8(truncatingIfNeeded: ns), at: now, into: batch, arena: arena).0
    }
}

@Suite struct DeliveryBatchTests {
    static let versions: [ProtocolVersion] = [.v2, .v3]
    static let forms: [EncapType] = [.udp, .ip]

    // MARK: Plain batching

    @Test("frames of one session wait in the batch and reach the device in one write, in arrival order",
          arguments: forms)
    func oneSessionOneWrite(_ encap: EncapType) {
        let h = Harness(encap: encap)
        let batch = DeliveryBatch(capacity: 64)
        let arena = PacketArena()
        for tag: UInt8 in [3, 1, 4, 1, 5] {
            #expect(h.receive(ns: nil, tag: tag, into: batch, arena: arena).0 == nil)
        }
        // Counted at delivery, written only at the flush.
        #expect(batch.count == 5)
        #expect(h.device.frames.isEmpty)
        let length = UInt64(h.packet(ns: nil, tag: 0).count)
        #expect(h.stats == stats(rxPackets: 5, rxBytes: 5 * length))
        #expect(h.tunnelStats == stats(rxPackets: 5, rxBytes: 5 * length))

        batch.flush()
        #expect(h.device.tags == [3, 1, 4, 1, 5])
        #expect(h.device.frames.allSatisfy { $0 == PacketBuilder.payload(tag: $0[0]) })
        #expect(h.device.writes == [5])
        #expect(batch.count == 0)

        // An empty flush writes nothing; the next batch is a write of its own.
        batch.flush()
        #expect(h.device.writes == [5])
        h.receive(ns: nil, tag: 9, into: batch, arena: arena)
        batch.flush()
        #expect(h.device.tags == [3, 1, 4, 1, 5, 9])
        #expect(h.device.writes == [5, 1])
    }

    @Test("frames of two sessions interleaved reach each device in arrival order, one write per device per flush",
          arguments: versions)
    func twoSessionsInterleaved(_ version: ProtocolVersion) {
        let a = Harness(version: version, tunnelID: 10, sessionID: 100)
        let b = Harness(version: version, sessionID: 200, tunnel: a.tunnel)
        let batch = DeliveryBatch(capacity: 64)
        let arena = PacketArena()
        let arrivals: [(Harness, UInt8)] = [(a, 1), (b, 11), (a, 2), (a, 3), (b, 12), (a, 4), (b, 13)]
        for (h, tag) in arrivals { h.receive(ns: nil, tag: tag, into: batch, arena: arena) }
        #expect(a.device.frames.isEmpty && b.device.frames.isEmpty)

        batch.flush()
        #expect(a.device.tags == [1, 2, 3, 4])
        #expect(a.device.writes == [4])
        #expect(b.device.tags == [11, 12, 13])
        #expect(b.device.writes == [3])

        // A second round: one more write each, order kept across flushes.
        for (h, tag) in [(b, 14), (a, 5), (b, 15)] as [(Harness, UInt8)] {
            h.receive(ns: nil, tag: tag, into: batch, arena: arena)
        }
        batch.flush()
        #expect(a.device.tags == [1, 2, 3, 4, 5])
        #expect(a.device.writes == [4, 1])
        #expect(b.device.tags == [11, 12, 13, 14, 15])
        #expect(b.device.writes == [3, 2])
        #expect(a.tunnelStats.rxPackets == 10)
    }

    @Test("a full batch flushes itself before it takes the next frame")
    func fullBatchFlushes() {
        let a = Harness(sessionID: 100)
        let b = Harness(sessionID: 200, tunnel: a.tunnel)
        let batch = DeliveryBatch(capacity: 3)
        let arena = PacketArena()
        a.receive(ns: nil, tag: 1, into: batch, arena: arena)
        b.receive(ns: nil, tag: 11, into: batch, arena: arena)
        a.receive(ns: nil, tag: 2, into: batch, arena: arena)
        #expect(batch.count == 3)
        #expect(a.device.frames.isEmpty)

        a.receive(ns: nil, tag: 3, into: batch, arena: arena)  // flushes 1, 11, 2 first
        #expect(a.device.tags == [1, 2])
        #expect(a.device.writes == [2])
        #expect(b.device.tags == [11])
        #expect(batch.count == 1)

        for tag: UInt8 in [4, 5, 6] { a.receive(ns: nil, tag: tag, into: batch, arena: arena) }  // 3, 4, 5 flushed at 6
        #expect(a.device.tags == [1, 2, 3, 4, 5])
        #expect(a.device.writes == [2, 3])
        batch.flush()
        #expect(a.device.tags == [1, 2, 3, 4, 5, 6])
        #expect(a.device.writes == [2, 3, 1])
        #expect(b.device.writes == [1])
    }

    // MARK: Reorder queue

    @Test("the gap fills: the batch is flushed before each queued copy is written alone, so the device sees Ns order",
          arguments: versions)
    func reorderFlushesBeforeQueuedFrame(_ version: ProtocolVersion) {
        let h = Harness(version: version, reorderTimeout: 100)
        let batch = DeliveryBatch(capacity: 64)
        let arena = PacketArena()
        #expect(h.receive(0, into: batch, arena: arena) == nil)
        #expect(h.receive(1, into: batch, arena: arena) == nil)
        // 3 and 4 wait for 2; they are copied out of the receive buffers, which the next read reuses.
        let (r3, buffer3) = h.receive(ns: 3, tag: 3, into: batch, arena: arena)
        let (r4, buffer4) = h.receive(ns: 4, tag: 4, into: batch, arena: arena)
        #expect(r3 == nil && r4 == nil)
        #expect(h.queued == 2)
        #expect(batch.count == 2)
        buffer3.initializeMemory(as: UInt8.self, repeating: 0xee)
        buffer4.initializeMemory(as: UInt8.self, repeating: 0xee)
        #expect(h.device.frames.isEmpty)

        // 2 joins the batch behind 0 and 1; then 3 needs the batch flushed, and 4 goes alone too.
        #expect(h.receive(2, into: batch, arena: arena) == nil)
        #expect(h.device.tags == [0, 1, 2, 3, 4])
        #expect(h.device.writes == [3, 1, 1])
        #expect(batch.count == 0)
        #expect(h.queued == 0)

        // In order again: 5 is batched.
        h.receive(5, into: batch, arena: arena)
        #expect(batch.count == 1)
        batch.flush()
        #expect(h.device.tags == [0, 1, 2, 3, 4, 5])
        #expect(h.device.frames.allSatisfy { $0 == PacketBuilder.payload(tag: $0[0]) })
        #expect(h.device.writes == [3, 1, 1, 1])
        let len = h.sequencedPacketLength
        #expect(h.stats == stats(rxPackets: 6, rxBytes: 6 * len, rxOOSPackets: 1))
    }

    @Test("frames of another session batched before a queued copy are flushed first, each device in order")
    func reorderFlushesOtherSessions() {
        let a = Harness(sessionID: 100, reorderTimeout: 100)
        let b = Harness(sessionID: 200, tunnel: a.tunnel)
        let batch = DeliveryBatch(capacity: 64)
        let arena = PacketArena()
        a.receive(0, into: batch, arena: arena)
        a.receive(2, into: batch, arena: arena)  // queued
        b.receive(ns: nil, tag: 11, into: batch, arena: arena)
        b.receive(ns: nil, tag: 12, into: batch, arena: arena)
        a.receive(1, into: batch, arena: arena)  // 1 batched; 2 (a copy) written after the flush
        #expect(a.device.tags == [0, 1, 2])
        #expect(a.device.writes == [2, 1])
        #expect(b.device.tags == [11, 12])
        #expect(b.device.writes == [2])
        #expect(batch.count == 0)
    }

    @Test("a queued frame expires while others are batched: rx_seq_discards and rx_errors, the next copy still follows the flush",
          arguments: versions)
    func expiryWhileBatched(_ version: ProtocolVersion) {
        let h = Harness(version: version, reorderTimeout: 100)
        let batch = DeliveryBatch(capacity: 64)
        let arena = PacketArena()
        h.receive(0, at: 1000, into: batch, arena: arena)
        h.receive(1, at: 1000, into: batch, arena: arena)
        h.receive(3, at: 1000, into: batch, arena: arena)  // waits for 2; expires after 1100
        h.receive(4, at: 1050, into: batch, arena: arena)  // expires after 1150
        #expect(h.queued == 2)
        #expect(batch.count == 2)

        // At 1101, 3 expires; expiry resets Nr to 4, whose copy goes after the batch; 5 is batched.
        #expect(h.receive(5, at: 1101, into: batch, arena: arena) == nil)
        #expect(h.device.tags == [0, 1, 4])
        #expect(h.device.writes == [2, 1])
        #expect(batch.count == 1)
        batch.flush()
        #expect(h.device.tags == [0, 1, 4, 5])
        #expect(h.device.writes == [2, 1, 1])
        let len = h.sequencedPacketLength
        #expect(h.stats == stats(rxPackets: 4, rxBytes: 4 * len, rxSeqDiscards: 1, rxErrors: 1))
        #expect(h.tunnelStats == stats(rxPackets: 4, rxBytes: 4 * len))
        #expect(h.queued == 0)
    }

    @Test("an expired entry with no queued copy behind it leaves the batch unflushed", arguments: versions)
    func expiryWithoutCopyDoesNotFlush(_ version: ProtocolVersion) {
        let h = Harness(version: version, reorderTimeout: 100)
        let batch = DeliveryBatch(capacity: 64)
        let arena = PacketArena()
        h.receive(0, at: 1000, into: batch, arena: arena)
        h.receive(2, at: 1000, into: batch, arena: arena)  // waits for 1
        h.receive(3, at: 1101, into: batch, arena: arena)  // 2 expired; 3 (in the receive buffer) is batched
        #expect(h.device.frames.isEmpty)
        #expect(batch.count == 2)
        batch.flush()
        #expect(h.device.tags == [0, 3])
        #expect(h.device.writes == [2])
        let len = h.sequencedPacketLength
        #expect(h.stats == stats(rxPackets: 2, rxBytes: 2 * len, rxSeqDiscards: 1, rxErrors: 1))
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Receive sequencing: the worked examples of kernel-facts §3.3 (from l2tp-ktest seqnum), the rx window
// limits, wrap-around, reorder-queue details and purge.

import L2TPCore
import L2TPTestSupport
import L2TPWire
import Testing

@Suite struct SequencingTests {
    static let versions: [ProtocolVersion] = [.v2, .v3]

    // MARK: Worked examples

    @Test("reorder on: 0, 2, 1 → 3 delivered in order, rx_oos_packets 1", arguments: versions)
    func reorderOnOutOfOrder(_ version: ProtocolVersion) {
        let h = Harness(version: version, reorderTimeout: 100)
        #expect(h.send(0) == nil)
        #expect(h.send(2) == nil)
        #expect(h.device.tags == [0])
        #expect(h.queued == 1)
        #expect(h.send(1) == nil)
        #expect(h.device.tags == [0, 1, 2])
        let len = h.sequencedPacketLength
        #expect(h.stats == stats(rxPackets: 3, rxBytes: 3 * len, rxOOSPackets: 1))
        #expect(h.queued == 0)
    }

    @Test("reorder on: 0, 2, pause past the timeout, 3 → 2 delivered, 1 expired", arguments: versions)
    func reorderOnExpiry(_ version: ProtocolVersion) {
        let h = Harness(version: version, reorderTimeout: 100)
        h.send(0, at: 1000)
        h.send(2, at: 1000)
        #expect(h.device.tags == [0])
        h.send(3, at: 1101)  // 2 expired at 1100
        #expect(h.device.tags == [0, 3])
        let len = h.sequencedPacketLength
        #expect(h.stats == stats(rxPackets: 2, rxBytes: 2 * len, rxSeqDiscards: 1, rxErrors: 1))
        #expect(h.queued == 0)
        // Expiry sets reorder_skip, so 3 became the new Nr and 4 follows it.
        h.send(4, at: 1101)
        #expect(h.device.tags == [0, 3, 4])
    }

    @Test("reorder on: a packet is not expired at exactly its deadline", arguments: versions)
    func reorderOnDeadlineBoundary(_ version: ProtocolVersion) {
        let h = Harness(version: version, reorderTimeout: 100)
        h.send(0, at: 1000)
        h.send(2, at: 1000)
        h.send(3, at: 1100)  // 2 expires at 1100 and is still waiting for 1
        #expect(h.device.tags == [0])
        #expect(h.queued == 2)
        #expect(h.stats.rxErrors == 0)
        h.send(1, at: 1100)
        #expect(h.device.tags == [0, 1, 2, 3])
        #expect(h.stats.rxOOSPackets == 1)
    }

    @Test("reorder off: 0, 2, 1 → 2 delivered, 1 discarded", arguments: versions)
    func reorderOffOutOfOrder(_ version: ProtocolVersion) {
        let h = Harness(version: version)
        #expect(h.send(0) == nil)
        #expect(h.send(2) == .outOfOrder)
        #expect(h.send(1) == nil)
        #expect(h.device.tags == [0, 1])
        let len = h.sequencedPacketLength
        #expect(h.stats == stats(rxPackets: 2, rxBytes: 2 * len, rxSeqDiscards: 1, rxErrors: 1))
    }

    @Test("reorder off: 0, 2…8 → 0, 7, 8 delivered, 5 discarded; the 6th out-of-order packet resets Nr", arguments: versions)
    func reorderOffRecovery(_ version: ProtocolVersion) {
        let h = Harness(version: version)
        var verdicts: [DropReason?] = []
        for ns: UInt32 in [0, 2, 3, 4, 5, 6, 7, 8] { verdicts.append(h.send(ns)) }
        #expect(verdicts == [nil, .outOfOrder, .outOfOrder, .outOfOrder, .outOfOrder, .outOfOrder, nil, nil])
        #expect(h.device.tags == [0, 7, 8])
        let len = h.sequencedPacketLength
        #expect(h.stats == stats(rxPackets: 3, rxBytes: 3 * len, rxSeqDiscards: 5, rxErrors: 5))
        #expect(h.session.sequenceSnapshot.nr == 9)
    }

    @Test("reorder off: out-of-order packets that are not consecutive never trigger recovery")
    func reorderOffNonConsecutive() {
        let h = Harness(version: .v3)
        h.send(0)
        for ns: UInt32 in [2, 4, 6, 8, 10, 12, 14] { #expect(h.send(ns) == .outOfOrder) }
        #expect(h.device.tags == [0])
        #expect(h.session.sequenceSnapshot.nrOOSCount == 0)
        h.send(1)
        #expect(h.device.tags == [0, 1])
    }

    @Test("the first sequenced packet sets Nr, whatever its number", arguments: versions)
    func firstPacketSetsNr(_ version: ProtocolVersion) {
        let h = Harness(version: version)
        #expect(h.session.sequenceSnapshot.reorderSkip)
        h.send(1000)
        h.send(1001)
        #expect(h.device.tags == [UInt8(1000 & 0xff), UInt8(1001 & 0xff)])
        #expect(h.session.sequenceSnapshot.nr == 1002)
        #expect(!h.session.sequenceSnapshot.reorderSkip)
    }

    // MARK: Receive window

    struct WindowCase: Sendable, CustomTestStringConvertible {
        let version: ProtocolVersion
        let ns: UInt32
        let accepted: Bool
        var testDescription: String { "\(version) first ns \(ns) \(accepted ? "accepted" : "rejected")" }
    }

    @Test(
        "rx window limits apply to the very first packet",
        arguments: [
            WindowCase(version: .v2, ns: 32766, accepted: true),
            WindowCase(version: .v2, ns: 32767, accepted: false),
            WindowCase(version: .v2, ns: 65535, accepted: false),
            WindowCase(version: .v3, ns: 8_388_606, accepted: true),
            WindowCase(version: .v3, ns: 8_388_607, accepted: false),
            WindowCase(version: .v3, ns: 16_777_215, accepted: false),
        ])
    func firstPacketWindow(_ c: WindowCase) {
        for timeout: UInt64 in [0, 100] {
            let h = Harness(version: c.version, reorderTimeout: timeout)
            let verdict = h.send(c.ns)
            if c.accepted {
                #expect(verdict == nil)
                #expect(h.device.frames.count == 1)
                #expect(h.stats == stats(rxPackets: 1, rxBytes: h.sequencedPacketLength))
            } else {
                #expect(verdict == .outsideWindow)
                #expect(h.device.frames.isEmpty)
                // Outside the window counts rx_errors only.
                #expect(h.stats == stats(rxErrors: 1))
            }
            #expect(h.tunnelStats == (c.accepted ? stats(rxPackets: 1, rxBytes: h.sequencedPacketLength) : stats()))
        }
        #expect(SequenceState(version: c.version).windowSize == (c.version == .v2 ? 32767 : 8_388_607))
    }

    @Test("the window moves with Nr; old and duplicate numbers fall outside it", arguments: versions)
    func windowFollowsNr(_ version: ProtocolVersion) {
        let window: UInt32 = version == .v2 ? 32767 : 8_388_607
        let h = Harness(version: version, reorderTimeout: 100)
        h.send(0)  // Nr = 1
        #expect(h.send(1 + window) == .outsideWindow)
        #expect(h.send(window) == nil)  // nws = window - 1: inside, queued waiting for 1
        #expect(h.queued == 1)
        #expect(h.send(0) == .outsideWindow)  // a duplicate of a delivered packet is "behind" Nr
        #expect(h.stats.rxErrors == 2)
        #expect(h.stats.rxSeqDiscards == 0)
        #expect(h.device.tags == [0])
    }

    @Test("SequenceState.inWindow wraps around nr_max")
    func inWindowArithmetic() {
        let s = SequenceState(version: .v2)
        #expect(s.nrMax == 0xffff)
        #expect(s.inWindow(0))
        #expect(s.inWindow(32766))
        #expect(!s.inWindow(32767))
        #expect(!s.inWindow(0xffff))
        let v3 = SequenceState(version: .v3)
        #expect(v3.nrMax == 0xff_ffff)
        #expect(v3.inWindow(8_388_606))
        #expect(!v3.inWindow(8_388_607))
    }

    // MARK: Wrap-around

    @Test("v2 Nr wraps modulo 2^16")
    func v2NrWraps() {
        let h = Harness(version: .v2)
        var drops = 0
        for ns in 0...0xffff as ClosedRange<UInt32> {
            if h.send(ns) != nil { drops += 1 }
        }
        #expect(h.session.sequenceSnapshot.nr == 0)
        #expect(h.send(0) == nil)
        #expect(h.send(1) == nil)
        #expect(drops == 0)
        #expect(h.stats.rxPackets == 0x10000 + 2)
        #expect(h.stats.rxErrors == 0)
    }

    @Test("v3 Nr wraps modulo 2^24 after out-of-sequence recovery")
    func v3NrWraps() {
        let h = Harness(version: .v3)
        #expect(h.send(8_388_606) == nil)  // the largest first packet the window allows; Nr = 8388607
        // The window now ends at 8388607 + 8388606 = 16777213.
        #expect(h.send(16_777_214) == .outsideWindow)
        for ns: UInt32 in 16_777_205...16_777_209 { #expect(h.send(ns) == .outOfOrder) }
        #expect(h.send(16_777_210) == nil)  // 6th consecutive: reorder_skip, Nr jumps, delivered
        for ns: UInt32 in 16_777_211...16_777_215 { #expect(h.send(ns) == nil) }
        #expect(h.session.sequenceSnapshot.nr == 0)
        #expect(h.send(0) == nil)
        #expect(h.send(1) == nil)
        #expect(h.device.tags == [0xfe, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff, 0x00, 0x01])
        #expect(h.stats.rxSeqDiscards == 5)
        #expect(h.stats.rxErrors == 6)
    }

    @Test("reorder on across the wrap: the queue sorts by plain number, as the kernel's does")
    func reorderAcrossWrap() {
        let h = Harness(version: .v2, reorderTimeout: 100)
        for ns in 0...0xfffd as ClosedRange<UInt32> { h.send(ns) }
        #expect(h.session.sequenceSnapshot.nr == 0xfffe)
        h.send(0, at: 0)  // in the window (2 ahead of Nr), waits for 0xfffe and 0xffff
        h.send(0xffff, at: 50)  // nothing queued is greater: appended behind 0
        h.send(0xfffe, at: 50)  // inserted before 0xffff (rx_oos_packets), still behind 0
        #expect(h.stats.rxOOSPackets == 1)
        #expect(h.session.sequenceSnapshot.queue.map(\.ns) == [0, 0xfffe, 0xffff])
        #expect(h.device.tags.last == 0xfd)
        // 0 blocks the head until it expires; then Nr jumps to 0xfffe and 0 is lost.
        h.sendUnsequenced(tag: 0xaa, at: 101)
        #expect(h.device.tags.suffix(3) == [0xfe, 0xff, 0xaa])
        #expect(h.stats.rxSeqDiscards == 1)
        #expect(h.stats.rxErrors == 1)
        #expect(h.session.sequenceSnapshot.nr == 0)
    }

    // MARK: Queue contents

    @Test("unsequenced packets wait behind sequenced packets still in the queue")
    func unsequencedWaitsBehind() {
        let h = Harness(version: .v3, lnsMode: true, reorderTimeout: 100)
        h.send(0)
        h.send(2)
        #expect(h.sendUnsequenced(tag: 0xaa) == nil)
        #expect(h.device.tags == [0])
        #expect(h.queued == 2)
        h.send(1)
        #expect(h.device.tags == [0, 1, 2, 0xaa])
        #expect(h.queued == 0)
        // With the queue empty again, an unsequenced packet goes straight through.
        h.sendUnsequenced(tag: 0xbb)
        #expect(h.device.tags.last == 0xbb)
    }

    @Test("queued frames keep their own copy of the payload")
    func queuedPayloadIsCopied() {
        let h = Harness(version: .v3, reorderTimeout: 100)
        h.send(0)
        var later = h.packet(ns: 2, tag: 0x22)
        later.withUnsafeBytes { _ = h.session.receive($0, demux: PacketBuilder.demux(later, encap: .udp), now: 0) }
        for i in later.indices { later[i] = 0xdd }  // the receive buffer is reused
        h.send(1)
        #expect(h.device.frames.count == 3)
        #expect(h.device.frames.last == PacketBuilder.payload(tag: 0x22))
    }

    @Test("purging the reorder queue counts each queued packet as rx_errors")
    func purge() {
        let h = Harness(version: .v3, reorderTimeout: 100)
        h.send(0)
        h.send(2)
        h.send(3)
        #expect(h.queued == 2)
        h.session.purgeReorderQueue()
        #expect(h.queued == 0)
        #expect(h.stats.rxErrors == 2)
        #expect(h.stats.rxSeqDiscards == 0)
        #expect(h.tunnelStats.rxErrors == 0)
        h.session.purgeReorderQueue()
        #expect(h.stats.rxErrors == 2)
        h.send(5)
        #expect(h.queued == 1)
        h.session.purgeReorderQueue()
        #expect(h.stats.rxErrors == 3)
        // Nothing of the purged packets is delivered later.
        h.send(1)
        #expect(h.device.tags == [0, 1])
        // An unsequenced packet takes the direct path again.
        h.sendUnsequenced(tag: 0xcc)
        #expect(h.device.tags == [0, 1, 0xcc])
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// The sequencing-mode table of kernel-facts §3.2 step 3: the LAC follows the LNS (automatic send_seq),
// recv_seq makes sequence numbers mandatory, and an LNS drops unsequenced packets while it sends them.

import L2TPCore
import L2TPTestSupport
import L2TPWire
import Testing

@Suite struct SequenceModeTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let sequenced: Bool
        let lnsMode: Bool
        let recvSeq: Bool
        let sendSeq: Bool
        let delivered: Bool
        let sendSeqAfter: Bool

        var testDescription: String {
            "\(sequenced ? "sequenced" : "unsequenced") lns=\(lnsMode ? 1 : 0) recv=\(recvSeq ? 1 : 0) "
                + "send=\(sendSeq ? 1 : 0) → \(delivered ? "deliver" : "discard"), send=\(sendSeqAfter ? 1 : 0)"
        }
    }

    static let rows: [Row] = [
        // sequenced, lns_mode 0, send_seq 0: the LAC starts sending (recv_seq does not matter).
        Row(sequenced: true, lnsMode: false, recvSeq: false, sendSeq: false, delivered: true, sendSeqAfter: true),
        Row(sequenced: true, lnsMode: false, recvSeq: true, sendSeq: false, delivered: true, sendSeqAfter: true),
        // sequenced, lns_mode 1 or send_seq already 1: continue unchanged.
        Row(sequenced: true, lnsMode: true, recvSeq: false, sendSeq: false, delivered: true, sendSeqAfter: false),
        Row(sequenced: true, lnsMode: true, recvSeq: true, sendSeq: true, delivered: true, sendSeqAfter: true),
        Row(sequenced: true, lnsMode: false, recvSeq: false, sendSeq: true, delivered: true, sendSeqAfter: true),
        Row(sequenced: true, lnsMode: true, recvSeq: false, sendSeq: true, delivered: true, sendSeqAfter: true),
        // not sequenced, recv_seq 1: rx_seq_discards, whatever lns_mode and send_seq are (and no toggle).
        Row(sequenced: false, lnsMode: false, recvSeq: true, sendSeq: false, delivered: false, sendSeqAfter: false),
        Row(sequenced: false, lnsMode: false, recvSeq: true, sendSeq: true, delivered: false, sendSeqAfter: true),
        Row(sequenced: false, lnsMode: true, recvSeq: true, sendSeq: true, delivered: false, sendSeqAfter: true),
        Row(sequenced: false, lnsMode: true, recvSeq: true, sendSeq: false, delivered: false, sendSeqAfter: false),
        // not sequenced, lns_mode 0, send_seq 1: the LAC stops sending.
        Row(sequenced: false, lnsMode: false, recvSeq: false, sendSeq: true, delivered: true, sendSeqAfter: false),
        // not sequenced, lns_mode 1, send_seq 1: "LAC is broken", rx_seq_discards.
        Row(sequenced: false, lnsMode: true, recvSeq: false, sendSeq: true, delivered: false, sendSeqAfter: true),
        // not sequenced, send_seq 0: continue.
        Row(sequenced: false, lnsMode: false, recvSeq: false, sendSeq: false, delivered: true, sendSeqAfter: false),
        Row(sequenced: false, lnsMode: true, recvSeq: false, sendSeq: false, delivered: true, sendSeqAfter: false),
    ]

    @Test("each row of the sequencing-mode table", arguments: [ProtocolVersion.v2, .v3], rows)
    func row(_ version: ProtocolVersion, _ row: Row) {
        let h = Harness(version: version, recvSeq: row.recvSeq, sendSeq: row.sendSeq, lnsMode: row.lnsMode)
        let verdict = row.sequenced ? h.send(0) : h.sendUnsequenced(tag: 0)
        #expect(verdict == (row.delivered ? nil : .sequenceRequired))
        #expect(h.device.frames.count == (row.delivered ? 1 : 0))
        let length = UInt64(h.packet(ns: row.sequenced ? 0 : nil, tag: 0).count)
        if row.delivered {
            #expect(h.stats == stats(rxPackets: 1, rxBytes: length))
        } else {
            #expect(h.stats == stats(rxSeqDiscards: 1, rxErrors: 1))
        }
        #expect(h.tunnelStats == (row.delivered ? stats(rxPackets: 1, rxBytes: length) : stats()))
        #expect(h.session.sendingSequenceNumbers == row.sendSeqAfter)

        // The header we send next follows the new mode: v2 grows S/Ns/Nr, v3 sets the sublayer S bit.
        let header = h.session.encapsulate([0xee])
        switch version {
        case .v2:
            #expect(h.session.headerLength == (row.sendSeqAfter ? 10 : 6))
            #expect(header.count == h.session.headerLength + 1)
            #expect(header[0] == (row.sendSeqAfter ? 0x08 : 0x00))
        case .v3:
            #expect(h.session.headerLength == 12)
            #expect(header[8] == (row.sendSeqAfter ? 0x40 : 0x00))
        }
    }

    @Test("a LAC follows the LNS on and off, and its numbering resumes where it left off", arguments: [ProtocolVersion.v2, .v3])
    func lacFollowsLNS(_ version: ProtocolVersion) {
        let h = Harness(version: version)
        let noSeq = h.session.encapsulate([0xee])
        h.send(0)  // the LNS turns sequencing on
        let first = h.session.encapsulate([0xee])
        let second = h.session.encapsulate([0xee])
        h.sendUnsequenced(tag: 1)  // and off again
        let off = h.session.encapsulate([0xee])
        h.send(1)  // and on
        let resumed = h.session.encapsulate([0xee])
        #expect(h.device.frames.count == 3)
        switch version {
        case .v2:
            #expect(noSeq.hex == "0002" + "000b" + "0065" + "ee")
            #expect(first.hex == "0802" + "000b" + "0065" + "0000" + "0000" + "ee")
            #expect(second.hex == "0802" + "000b" + "0065" + "0001" + "0000" + "ee")
            #expect(off.hex == noSeq.hex)
            #expect(resumed.hex == "0802" + "000b" + "0065" + "0002" + "0000" + "ee")
        case .v3:
            #expect(noSeq.hex == "00030000" + "00000065" + "00000000" + "ee")
            #expect(first.hex == "00030000" + "00000065" + "40000000" + "ee")
            #expect(second.hex == "00030000" + "00000065" + "40000001" + "ee")
            #expect(off.hex == noSeq.hex)
            #expect(resumed.hex == "00030000" + "00000065" + "40000002" + "ee")
        }
    }

    @Test("v3 with no sublayer is never sequenced: recv_seq drops everything, the LAC never starts sending")
    func v3WithoutSublayer() {
        let lac = Harness(version: .v3, l2spec: .none)
        // A peer that puts a sequenced sublayer in anyway: with l2spec none it is just payload.
        let packet = PacketBuilder.v3(
            encap: .udp, sessionID: 100, l2spec: .default, ns: 5, payload: PacketBuilder.payload(tag: 9))
        #expect(lac.session.receivePacket(packet) == nil)
        #expect(lac.device.frames == [[0x40, 0x00, 0x00, 0x05] + PacketBuilder.payload(tag: 9)])
        #expect(!lac.session.sendingSequenceNumbers)

        let strict = Harness(version: .v3, l2spec: .none, recvSeq: true)
        #expect(strict.session.receivePacket(packet) == .sequenceRequired)
        #expect(strict.stats == stats(rxSeqDiscards: 1, rxErrors: 1))
    }

    @Test("sequencing-mode changes made by the control plane apply to the next packet")
    func modifyAtRuntime() {
        let h = Harness(version: .v3)
        h.sendUnsequenced(tag: 1)
        h.session.recvSeq.store(true, ordering: .relaxed)
        #expect(h.sendUnsequenced(tag: 2) == .sequenceRequired)
        h.session.recvSeq.store(false, ordering: .relaxed)
        h.session.lnsMode.store(true, ordering: .relaxed)
        h.session.sendSeq.store(true, ordering: .relaxed)
        #expect(h.sendUnsequenced(tag: 3) == .sequenceRequired)
        h.session.lnsMode.store(false, ordering: .relaxed)
        #expect(h.sendUnsequenced(tag: 4) == nil)
        #expect(h.device.tags == [1, 4])
        #expect(h.stats.rxSeqDiscards == 2)
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Userspace GRO: which frames merge (the kernel's tcp_gro_receive / udp_gro_receive_segment rules)
// and what a merged packet looks like once its checksum is finished.

import L2TPOffload
import Testing

@Suite struct CoalescerTests {
    static let tcp4 = FrameSpec(transport: .tcp)
    static let tcp6 = FrameSpec(ipv6: true, transport: .tcp)

    /// Checks one merged output against the specs it came from.
    static func expectMerged(_ e: Emitted, _ specs: [FrameSpec], _ comment: Comment? = nil) {
        let first = specs[0]
        #expect(e.pieces == specs.count, comment)
        #expect(e.header.flags == VirtioNetHeader.needsChecksum, comment)
        let gsoType: UInt8 =
            first.transport == .udp
            ? VirtioNetHeader.gsoUDPL4 : (first.ipv6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4)
        #expect(e.header.gsoType == gsoType, comment)
        #expect(Int(e.header.gsoSize) == first.payload.count, comment)
        #expect(Int(e.header.headerLength) == first.headerLength, comment)
        #expect(Int(e.header.checksumStart) == first.transportOffset, comment)
        #expect(Int(e.header.checksumOffset) == (first.transport == .tcp ? 16 : 6), comment)
        // The L4 checksum field holds the folded pseudo-header sum over the merged L4 length.
        let l4Length = e.bytes.count - first.transportOffset
        let field = readBE16(e.bytes, first.transportOffset + Int(e.header.checksumOffset))
        #expect(field == Naive.fold(first.pseudoHeader(length: l4Length)), comment)
        #expect(e.completed == Flow.merged(specs), comment)
        if let walk = Naive.walk(e.completed) {
            #expect(walk.ipv4ChecksumOK != false && walk.l4ChecksumOK == true, comment)
        }
    }

    /// Checks that an output is the frame, alone and untouched.
    static func expectAlone(_ e: Emitted, _ frame: [UInt8], _ comment: Comment? = nil) {
        #expect(e.isSingleton, comment)
        #expect(e.pieces == 1, comment)
        #expect(e.bytes == frame, comment)
    }

    @Test("a TCP/IPv4 run merges into one super-frame; the last, shorter frame brings PSH")
    func tcp4Run() throws {
        let specs = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000, 1000, 1000, 500], push: true)
        let out = CoalescerHarness.run(specs.map(\.bytes))
        try #require(out.count == 1)
        Self.expectMerged(out[0], specs)
        #expect(out[0].bytes[specs[0].transportOffset + 13] == TCPFlag.ack | TCPFlag.psh)
    }

    @Test("a TCP/IPv6 run with timestamps merges; the merged packet keeps the first frame's options")
    func tcp6Run() throws {
        var base = Self.tcp6
        base.tcpOptions = TCPOption.timestamps()
        let specs = Flow.run(base, payloads: [1428, 1428, 1428, 1428])
        let out = CoalescerHarness.run(specs.map(\.bytes))
        try #require(out.count == 1)
        Self.expectMerged(out[0], specs)
    }

    @Test("VLAN-tagged (one tag and QinQ) runs merge; a different tag is a different flow")
    func vlan() throws {
        var one = Self.tcp4
        one.vlanTags = [(0x8100, 10)]
        var qinq = Self.tcp6
        qinq.vlanTags = [(0x88a8, 1), (0x8100, 2)]
        var other = one
        other.vlanTags = [(0x8100, 11)]
        let a = Flow.run(one, payloads: [800, 800, 800], salt: 1)
        let b = Flow.run(qinq, payloads: [900, 900], salt: 2)
        let c = Flow.run(other, payloads: [800, 800], salt: 3)
        let out = CoalescerHarness.run([a[0], b[0], c[0], a[1], b[1], c[1], a[2]].map(\.bytes))
        try #require(out.count == 3)
        Self.expectMerged(out[0], a)
        Self.expectMerged(out[1], b)
        Self.expectMerged(out[2], c)
    }

    @Test("interleaved flows merge separately; output order is each group's first frame")
    func interleaved() throws {
        var b = Self.tcp4
        b.sourcePort = 40100
        let flowA = Flow.run(Self.tcp4, payloads: [1200, 1200, 1200], salt: 1)
        let flowB = Flow.run(b, payloads: [1000, 1000, 300], salt: 2)
        let frames = [flowB[0], flowA[0], flowB[1], flowA[1], flowA[2], flowB[2]].map(\.bytes)
        let out = CoalescerHarness.run(frames)
        try #require(out.count == 2)
        Self.expectMerged(out[0], flowB)
        Self.expectMerged(out[1], flowA)
    }

    @Test("a sequence gap starts a new group")
    func seqGap() throws {
        let specs = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000, 1000, 1000])
        let out = CoalescerHarness.run([specs[0], specs[1], specs[3], specs[4]].map(\.bytes))
        try #require(out.count == 2)
        Self.expectMerged(out[0], Array(specs[0...1]))
        Self.expectMerged(out[1], Array(specs[3...4]))
        // A retransmission (seq going back) does not merge either.
        let again = CoalescerHarness.run([specs[0], specs[1], specs[1]].map(\.bytes))
        try #require(again.count == 2)
        Self.expectMerged(again[0], Array(specs[0...1]))
        Self.expectAlone(again[1], specs[1].bytes)
    }

    @Test("a window or ACK change starts a new group")
    func windowAndAck() throws {
        for change in ["window", "ack"] {
            var specs = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000, 1000])
            for i in 2...3 {
                if change == "window" { specs[i].window += 1 } else { specs[i].ack += 1000 }
            }
            let out = CoalescerHarness.run(specs.map(\.bytes))
            try #require(out.count == 2, "\(change)")
            Self.expectMerged(out[0], Array(specs[0...1]), "\(change)")
            Self.expectMerged(out[1], Array(specs[2...3]), "\(change)")
        }
    }

    @Test("differing TCP options (timestamp value, option length) start a new group")
    func options() throws {
        var base = Self.tcp4
        base.tcpOptions = TCPOption.timestamps(100)
        var specs = Flow.run(base, payloads: [1000, 1000, 1000, 1000, 1000])
        specs[2].tcpOptions = TCPOption.timestamps(101)
        specs[3].tcpOptions = TCPOption.timestamps(101)
        specs[4].tcpOptions = []
        let out = CoalescerHarness.run(specs.map(\.bytes))
        try #require(out.count == 3)
        Self.expectMerged(out[0], Array(specs[0...1]))
        Self.expectMerged(out[1], Array(specs[2...3]))
        Self.expectAlone(out[2], specs[4].bytes)
    }

    @Test("PSH in the middle closes the group; later frames start a new one")
    func pushInMiddle() throws {
        var specs = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000, 1000])
        specs[1].flags |= TCPFlag.psh
        let out = CoalescerHarness.run(specs.map(\.bytes))
        try #require(out.count == 2)
        Self.expectMerged(out[0], Array(specs[0...1]))
        #expect(out[0].bytes[specs[0].transportOffset + 13] == TCPFlag.ack | TCPFlag.psh)
        Self.expectMerged(out[1], Array(specs[2...3]))
        // A PSH frame that would start a group stays alone.
        var lone = Flow.run(Self.tcp4, payloads: [1000, 1000])
        lone[0].flags |= TCPFlag.psh
        let out2 = CoalescerHarness.run(lone.map(\.bytes))
        try #require(out2.count == 2)
        Self.expectAlone(out2[0], lone[0].bytes)
        Self.expectAlone(out2[1], lone[1].bytes)
    }

    @Test("SYN, FIN, RST, URG, ECE, CWR frames are emitted alone, untouched, and close their flow's group")
    func flags() throws {
        for flag in [TCPFlag.syn, TCPFlag.fin, TCPFlag.rst, TCPFlag.urg, TCPFlag.ece, TCPFlag.cwr] {
            var specs = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000, 1000, 1000])
            specs[2].flags |= flag
            let out = CoalescerHarness.run(specs.map(\.bytes))
            try #require(out.count == 3, "flag \(flag)")
            Self.expectMerged(out[0], Array(specs[0...1]), "flag \(flag)")
            Self.expectAlone(out[1], specs[2].bytes, "flag \(flag)")
            Self.expectMerged(out[2], Array(specs[3...4]), "flag \(flag)")
        }
        // Without ACK, or with no payload, nothing merges either.
        var noACK = Flow.run(Self.tcp4, payloads: [1000, 1000])
        noACK[0].flags = 0
        noACK[1].flags = 0
        let pureACKs = Flow.run(Self.tcp4, payloads: [0, 0])
        for frames in [noACK, pureACKs] {
            let out = CoalescerHarness.run(frames.map(\.bytes))
            try #require(out.count == 2)
            for (e, s) in zip(out, frames) { Self.expectAlone(e, s.bytes) }
        }
    }

    @Test("the merged IP packet stays within 64 KiB: the frame that would cross it starts a new group")
    func sixtyFourKiB() throws {
        let specs = Flow.run(Self.tcp4, payloads: [Int](repeating: 1400, count: 50))
        let out = CoalescerHarness.run(specs.map(\.bytes))
        try #require(out.count == 2)
        // (65535 - 40) / 1400 = 46 frames fit.
        Self.expectMerged(out[0], Array(specs[0..<46]))
        Self.expectMerged(out[1], Array(specs[46...]))
        #expect(out[0].bytes.count - 14 <= 65535)
        // IPv6: 40 + 60 * 1000 + ... the same limit on the whole IP packet.
        let v6 = Flow.run(Self.tcp6, payloads: [Int](repeating: 1000, count: 70))
        let out6 = CoalescerHarness.run(v6.map(\.bytes))
        try #require(out6.count == 2)
        Self.expectMerged(out6[0], Array(v6[0..<65]))  // 40 + 20 + 65 * 1000 = 65060
        Self.expectMerged(out6[1], Array(v6[65...]))
    }

    @Test("IPv4 options and fragments are emitted alone, untouched")
    func ipv4OptionsAndFragments() throws {
        var withOptions = Self.tcp4
        withOptions.ipv4Options = [0x94, 0x04, 0, 0]
        var moreFragments = Self.tcp4
        moreFragments.moreFragments = true
        moreFragments.dontFragment = false
        var offset = Self.tcp4
        offset.fragmentOffset = 185
        offset.dontFragment = false
        for base in [withOptions, moreFragments, offset] {
            let specs = Flow.run(base, payloads: [1000, 1000, 1000])
            let out = CoalescerHarness.run(specs.map(\.bytes))
            try #require(out.count == 3)
            for (e, s) in zip(out, specs) { Self.expectAlone(e, s.bytes) }
        }
    }

    @Test("a bad IPv4 header or TCP checksum: that frame alone and untouched, the group split around it")
    func badChecksums() throws {
        for (field, at) in [("ip", 14 + 10), ("tcp", 14 + 20 + 16), ("payload", 14 + 20 + 20 + 7)] {
            let specs = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000, 1000, 1000])
            var frames = specs.map(\.bytes)
            frames[2][at] ^= 0x40
            let out = CoalescerHarness.run(frames)
            try #require(out.count == 3, "\(field)")
            Self.expectMerged(out[0], Array(specs[0...1]), "\(field)")
            Self.expectAlone(out[1], frames[2], "\(field)")
            Self.expectMerged(out[2], Array(specs[3...4]), "\(field)")
            // A bad first frame stays alone; the rest merge.
            var badFirst = specs.map(\.bytes)
            badFirst[0][at] ^= 0x01
            let out2 = CoalescerHarness.run(badFirst)
            try #require(out2.count == 2, "\(field)")
            Self.expectAlone(out2[0], badFirst[0], "\(field)")
            Self.expectMerged(out2[1], Array(specs[1...]), "\(field)")
        }
    }

    @Test("frames that are not TCP/UDP over IPv4/IPv6 are emitted alone, in order")
    func nonIP() throws {
        let arp = [UInt8](repeating: 0xff, count: 6) + [2, 0, 0, 0, 0, 1, 0x08, 0x06] + [UInt8](repeating: 0x11, count: 46)
        var icmp = Self.tcp4
        icmp.protocolOverride = 1
        var hopByHop = Self.tcp6
        hopByHop.protocolOverride = 0
        let short: [UInt8] = [1, 2, 3]
        let specs = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000])
        let frames = [arp, specs[0].bytes, icmp.bytes, specs[1].bytes, short, hopByHop.bytes, specs[2].bytes, []]
        let out = CoalescerHarness.run(frames)
        try #require(out.count == 6)
        Self.expectAlone(out[0], arp)
        Self.expectMerged(out[1], specs)
        Self.expectAlone(out[2], icmp.bytes)
        Self.expectAlone(out[3], short)
        Self.expectAlone(out[4], hopByHop.bytes)
        Self.expectAlone(out[5], [])
    }

    @Test("more flows than maxFlows: opening one closes the oldest")
    func maxFlows() throws {
        func flow(_ port: UInt16) -> [FrameSpec] {
            var base = Self.tcp4
            base.sourcePort = port
            return Flow.run(base, payloads: [1000, 1000, 1000], salt: UInt64(port))
        }
        let a = flow(1), b = flow(2), c = flow(3)
        let coalescer = Coalescer(maxFlows: 2)
        // A and B open; C closes A; A's next frame opens a new group (closing B), and so on.
        let out = CoalescerHarness.run([a[0], a[1], b[0], b[1], c[0], c[1], a[2], b[2]].map(\.bytes), coalescer)
        try #require(out.count == 5)
        Self.expectMerged(out[0], Array(a[0...1]))
        Self.expectMerged(out[1], Array(b[0...1]))
        Self.expectMerged(out[2], Array(c[0...1]))
        Self.expectAlone(out[3], a[2].bytes)
        Self.expectAlone(out[4], b[2].bytes)
        // Within the limit, all three merge.
        let interleaved = [a[0], b[0], c[0], a[1], b[1], c[1], a[2], b[2], c[2]].map(\.bytes)
        let wide = CoalescerHarness.run(interleaved, Coalescer(maxFlows: 3))
        try #require(wide.count == 3)
        Self.expectMerged(wide[0], a)
        Self.expectMerged(wide[1], b)
        Self.expectMerged(wide[2], c)
    }

    @Test("UDP: alone while coalesceUDP is off; merged as UDP_L4 when on, a shorter datagram closes the group")
    func udp() throws {
        for ipv6 in [false, true] {
            let base = FrameSpec(ipv6: ipv6, transport: .udp)
            let specs = Flow.run(base, payloads: [1200, 1200, 1200, 700, 1200, 1200])
            let off = CoalescerHarness.run(specs.map(\.bytes))
            try #require(off.count == 6)
            for (e, s) in zip(off, specs) { Self.expectAlone(e, s.bytes) }
            let on = CoalescerHarness.run(specs.map(\.bytes), Coalescer(coalesceUDP: true))
            try #require(on.count == 2)
            Self.expectMerged(on[0], Array(specs[0...3]))
            Self.expectMerged(on[1], Array(specs[4...5]))
            #expect(readBE16(on[0].bytes, specs[0].transportOffset + 4) == UInt16(8 + 3 * 1200 + 700))
        }
        // A larger datagram after smaller ones starts a new group.
        let growing = Flow.run(FrameSpec(transport: .udp), payloads: [500, 500, 800, 800])
        let out = CoalescerHarness.run(growing.map(\.bytes), Coalescer(coalesceUDP: true))
        try #require(out.count == 2)
        Self.expectMerged(out[0], Array(growing[0...1]))
        Self.expectMerged(out[1], Array(growing[2...3]))
        // IPv4 UDP without a checksum is never merged.
        var noChecksum = FrameSpec(transport: .udp)
        noChecksum.payload = [UInt8](repeating: 3, count: 500)
        noChecksum.checksum = .zero
        let zeros = CoalescerHarness.run([noChecksum.bytes, noChecksum.bytes], Coalescer(coalesceUDP: true))
        try #require(zeros.count == 2)
        Self.expectAlone(zeros[1], noChecksum.bytes)
        // At most 64 datagrams per group (UDP_GRO_CNT_MAX).
        let many = Flow.run(FrameSpec(transport: .udp), payloads: [Int](repeating: 100, count: 70))
        let capped = CoalescerHarness.run(many.map(\.bytes), Coalescer(coalesceUDP: true))
        try #require(capped.count == 2)
        Self.expectMerged(capped[0], Array(many[0..<64]))
        Self.expectMerged(capped[1], Array(many[64...]))
    }

    @Test("Ethernet padding is left out of a merged packet; a padded singleton is emitted as it came")
    func padding() throws {
        var specs = Flow.run(Self.tcp4, payloads: [2, 2, 2, 1])
        for i in specs.indices { specs[i].padding = 60 - 54 - specs[i].payload.count }
        #expect(specs.allSatisfy { $0.bytes.count == 60 })
        let out = CoalescerHarness.run(specs.map(\.bytes))
        try #require(out.count == 1)
        Self.expectMerged(out[0], specs)
        #expect(out[0].bytes.count == 54 + 7)
        let alone = CoalescerHarness.run([specs[0].bytes])
        try #require(alone.count == 1)
        Self.expectAlone(alone[0], specs[0].bytes)
        // An IP length beyond the frame (truncated) is never merged.
        var truncated = specs.map(\.bytes)
        truncated[1].removeLast(4 + 1)  // padding and one payload byte
        let out2 = CoalescerHarness.run(truncated)
        try #require(out2.count == 3)
        Self.expectAlone(out2[1], truncated[1])
    }

    @Test("IPv4 id: any id with DF, id + 1 without; TTL, TOS, IPv6 flow label or hop limit changes split")
    func ipFields() throws {
        var dfRandom = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000])
        dfRandom[1].id = 7
        dfRandom[2].id = 7
        let merged = CoalescerHarness.run(dfRandom.map(\.bytes))
        try #require(merged.count == 1)
        Self.expectMerged(merged[0], dfRandom)

        var noDF = Self.tcp4
        noDF.dontFragment = false
        let consecutive = Flow.run(noDF, payloads: [1000, 1000, 1000])
        let ok = CoalescerHarness.run(consecutive.map(\.bytes))
        try #require(ok.count == 1)
        Self.expectMerged(ok[0], consecutive)
        var jump = consecutive
        jump[2].id &+= 5
        let split = CoalescerHarness.run(jump.map(\.bytes))
        try #require(split.count == 2)
        Self.expectMerged(split[0], Array(jump[0...1]))

        var mixedDF = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000])
        mixedDF[2].dontFragment = false
        #expect(CoalescerHarness.run(mixedDF.map(\.bytes)).count == 2)

        for change in ["ttl", "tos"] {
            var specs = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000])
            if change == "ttl" { specs[2].ttl = 63 } else { specs[2].tos = 0x02 }
            let out = CoalescerHarness.run(specs.map(\.bytes))
            try #require(out.count == 2, "\(change)")
            Self.expectMerged(out[0], Array(specs[0...1]), "\(change)")
        }
        for change in ["flow label", "traffic class", "hop limit"] {
            var specs = Flow.run(Self.tcp6, payloads: [1000, 1000, 1000])
            switch change {
            case "flow label": specs[2].flowLabel = 0x54321
            case "traffic class": specs[2].trafficClass = 0x20
            default: specs[2].hopLimit = 1
            }
            let out = CoalescerHarness.run(specs.map(\.bytes))
            try #require(out.count == 2, "\(change)")
            Self.expectMerged(out[0], Array(specs[0...1]), "\(change)")
        }
    }

    @Test("a frame larger than the group's gso_size starts a new group; a smaller one ends it")
    func sizes() throws {
        let specs = Flow.run(Self.tcp4, payloads: [500, 500, 1000, 1000, 600, 1000])
        let out = CoalescerHarness.run(specs.map(\.bytes))
        try #require(out.count == 3)
        Self.expectMerged(out[0], Array(specs[0...1]))
        Self.expectMerged(out[1], Array(specs[2...4]))
        Self.expectAlone(out[2], specs[5].bytes)
    }

    @Test("add refuses frames beyond maxFrames; finish empties the coalescer for reuse")
    func capacity() throws {
        let coalescer = Coalescer(maxFrames: 4)
        let specs = Flow.run(Self.tcp4, payloads: [1000, 1000, 1000, 1000, 1000])
        var frames = specs.map(\.bytes)
        var accepted = 0
        frames.withUnsafeMutableBufferPointer { all in
            for i in all.indices {
                let ok = all[i].withUnsafeMutableBytes { coalescer.add($0.baseAddress!, length: $0.count) }
                if ok { accepted += 1 }
            }
            #expect(coalescer.isFull)
            var outputs = 0
            coalescer.finish { _, _ in outputs += 1 }
            #expect(outputs == 1)
        }
        #expect(accepted == 4)
        #expect(!coalescer.isFull && coalescer.count == 0)
        // The coalescer is reusable: the refused frame and another batch.
        let out = CoalescerHarness.run(Flow.run(Self.tcp6, payloads: [700, 700]).map(\.bytes), coalescer)
        #expect(out.count == 1)
    }
}

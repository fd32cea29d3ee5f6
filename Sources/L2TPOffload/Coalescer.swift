// SPDX-License-Identifier: GPL-2.0-only
// Userspace GRO: merges consecutive TCP (and optionally UDP) segments of one flow, decapsulated from
// L2TP, into super-frames written to the TAP with a virtio-net header, as the kernel's
// tcp_gro_receive / udp_gro_receive_segment would have merged them on a NIC.
//
// Flow:
//   1. `add` records a frame and parses its headers; a frame that is not TCP/UDP over IPv4/IPv6 is
//      kept alone, in place;
//   2. a TCP/UDP frame is looked up among the open groups by flow (identical L2 header, addresses,
//      protocol, ports); if it may not be merged at all (flags, IPv4 options, fragment, empty payload,
//      bad checksum, UDP while `coalesceUDP` is off) it is kept alone and its flow's group is closed,
//      so nothing of that flow later overtakes it;
//   3. otherwise it is appended to its flow's open group when the kernel's rules allow (same IP
//      fields, IPv4 id + 1 unless DF, same TCP options/ack/window, seq == next expected, payload <=
//      the group's gso_size, merged IP packet <= 65535 bytes); if not, the flow's group is closed and
//      the frame opens a new one (the oldest open group is closed when `maxFlows` are open);
//      a shorter payload or a PSH closes the group after the frame;
//   4. `finish` walks the frames in arrival order and emits each group at its first frame: a group
//      of two or more becomes one packet (first frame fixed up in place + payload slices of the
//      others) with a NEEDS_CSUM GSO header; everything else is emitted alone and untouched with an
//      all-zero header. Then the coalescer is empty again.
//
// Concurrency: one instance per worker thread, not thread-safe. All tables are allocated in init;
// `add` and `finish` allocate nothing.

/// Preallocated per worker: takes frames for ONE device in arrival order, then `finish` emits what to
/// write, each output packet as a virtio-net header plus the pieces to write after it (writev).
public final class Coalescer {
    /// Frames one batch can hold (`add` refuses more: call `finish` first).
    public let maxFrames: Int
    /// Groups open at once; opening another closes the oldest (the kernel flushes its oldest GRO
    /// packet when a bucket is full, `gro_flush_oldest`).
    public let maxFlows: Int
    /// Merge UDP datagrams too, emitted as `VIRTIO_NET_HDR_GSO_UDP_L4`. The TAP accepts USO from
    /// Linux 6.2 (TUN_F_USO4/USO6); the datapath sets this when TUNSETOFFLOAD took them.
    public var coalesceUDP: Bool
    /// Frames added since the last `finish`.
    public private(set) var count = 0
    /// Whether `add` would refuse a frame.
    public var isFull: Bool { count >= maxFrames }

    /// The kernel merges at most this many UDP datagrams into one GRO packet (`UDP_GRO_CNT_MAX`).
    public static let maxUDPSegments = 64
    /// The largest merged IP packet (`GRO_LEGACY_MAX_SIZE` - 1: no BIG TCP).
    public static let maxPacketLength = 0xffff

    /// One frame handed to `add`.
    struct Entry {
        var frame: UnsafeMutableRawPointer
        var length: Int
        /// The group the frame belongs to, or -1 when it is emitted alone.
        var group: Int
        /// The next frame of the same group, or -1.
        var next: Int
        /// The frame's L4 payload, `[payloadStart, packetEnd)` (Ethernet padding excluded).
        var payloadStart: Int
        var packetEnd: Int
    }

    /// Frames of one flow being merged; the first frame (`head`) holds the headers.
    struct Group {
        var head: Int
        var tail: Int
        var frames: Int
        var layout: FrameLayout
        /// The head's payload length: every merged frame but the last carries exactly this much.
        var gsoSize: Int
        /// The merged IP packet's length (IP header included).
        var packetLength: Int
        var nextSeq: UInt32
        var lastID: UInt16
        var push: Bool
        var isOpen: Bool
    }

    private let entries: UnsafeMutablePointer<Entry>
    private let groups: UnsafeMutablePointer<Group>
    private var groupCount = 0
    /// Indices of the open groups, oldest first.
    private let openGroups: UnsafeMutablePointer<Int>
    private var openCount = 0
    private let pieces: UnsafeMutablePointer<UnsafeRawBufferPointer>

    public init(maxFrames: Int = 256, maxFlows: Int = 8, coalesceUDP: Bool = false) {
        precondition(maxFrames > 0 && maxFlows > 0, "Coalescer sizes must be positive")
        self.maxFrames = maxFrames
        self.maxFlows = maxFlows
        self.coalesceUDP = coalesceUDP
        entries = .allocate(capacity: maxFrames)
        groups = .allocate(capacity: maxFrames)
        openGroups = .allocate(capacity: maxFlows)
        pieces = .allocate(capacity: maxFrames)
    }

    deinit {
        // Entry and Group hold only trivial values: nothing to deinitialize.
        entries.deallocate()
        groups.deallocate()
        openGroups.deallocate()
        pieces.deallocate()
    }

    /// Adds one decapsulated Ethernet frame. The memory must stay valid, and is modified in place
    /// (the first frame of each merged group), until `finish` returns. Returns false, taking nothing,
    /// when `maxFrames` frames are already held: call `finish` and add the frame again (the datapath
    /// never hands more than its receive batch, which it sizes at most `maxFrames`).
    @discardableResult
    public func add(_ frame: UnsafeMutableRawPointer, length: Int) -> Bool {
        guard count < maxFrames else { return false }
        let index = count
        count += 1
        entries[index] = Entry(frame: frame, length: length, group: -1, next: -1, payloadStart: 0, packetEnd: 0)

        guard case .layout(let layout) = FrameLayout.parse(frame, length: max(length, 0)) else { return true }
        let flow = openGroup(sameFlowAs: frame, layout)
        guard let candidate = examine(frame, length: length, layout) else {
            if let flow { close(flow) }
            return true
        }
        entries[index].payloadStart = layout.payloadOffset
        entries[index].packetEnd = layout.declaredEnd
        if let flow {
            if canMerge(candidate, frame, into: groups[flow]) {
                append(index, candidate, to: flow)
                return true
            }
            close(flow)
        }
        // A frame that carries PSH ends its group at once: keep it alone.
        guard !candidate.push else { return true }
        open(index, candidate, layout)
        return true
    }

    /// Emits every output packet in arrival order (a merged group at its first frame's place) and
    /// empties the coalescer. `pieces[0]` is always a whole frame (headers fixed up for a merged
    /// group, Ethernet padding dropped); further pieces are the L4 payloads of the merged frames.
    public func finish(_ emit: (_ header: VirtioNetHeader, _ pieces: UnsafeBufferPointer<UnsafeRawBufferPointer>) -> Void) {
        for i in 0..<count {
            let entry = entries[i]
            if entry.group >= 0 {
                let group = groups[entry.group]
                if group.head != i { continue }
                if group.frames >= 2 {
                    let header = fixUp(group)
                    var n = 0
                    var member = i
                    while member >= 0 {
                        let e = entries[member]
                        let start = member == i ? 0 : e.payloadStart
                        pieces[n] = UnsafeRawBufferPointer(start: e.frame + start, count: e.packetEnd - start)
                        n += 1
                        member = e.next
                    }
                    emit(header, UnsafeBufferPointer(start: pieces, count: n))
                    continue
                }
            }
            pieces[0] = UnsafeRawBufferPointer(start: entry.frame, count: max(entry.length, 0))
            emit(VirtioNetHeader(), UnsafeBufferPointer(start: pieces, count: 1))
        }
        count = 0
        groupCount = 0
        openCount = 0
    }

    // MARK: - Classification

    /// What a mergeable frame contributes to a group.
    struct Candidate {
        var payloadLength: Int
        /// IP packet length (IP header included).
        var packetLength: Int
        var seq: UInt32
        var id: UInt16
        var push: Bool
    }

    /// The frame's merge data, or nil when it must be emitted alone: the kernel's GRO would not take
    /// it (IPv4 options or fragment, IP length beyond the frame, flags other than ACK or ACK|PSH,
    /// no payload, UDP without a checksum or with a length that disagrees with IP, UDP while
    /// `coalesceUDP` is off) or one of its checksums is wrong.
    private func examine(_ p: UnsafeRawPointer, length: Int, _ layout: FrameLayout) -> Candidate? {
        let network = layout.networkOffset
        let transport = layout.transportOffset
        let end = layout.declaredEnd
        guard end <= length, end > layout.payloadOffset else { return nil }
        if !layout.isIPv6 {
            guard layout.networkHeaderLength == 20, !layout.isFragment else { return nil }
        }
        var push = false
        var seq: UInt32 = 0
        if layout.isTCP {
            let flags = p.load(fromByteOffset: transport + FrameLayout.tcpFlagsOffset, as: UInt8.self)
            switch flags {
            case FrameLayout.ack: break
            case FrameLayout.ack | FrameLayout.psh: push = true
            default: return nil
            }
            seq = be32(p, transport + 4)
        } else {
            guard coalesceUDP, Int(be16(p, transport + 4)) == end - transport else { return nil }
            // IPv4 UDP without a checksum cannot be verified, and merging would add checksums.
            guard be16(p, transport + 6) != 0 else { return nil }
        }
        guard verifyChecksums(p, layout) else { return nil }
        return Candidate(
            payloadLength: end - layout.payloadOffset, packetLength: end - network, seq: seq,
            id: layout.isIPv6 ? 0 : be16(p, network + 4), push: push)
    }

    /// The IPv4 header checksum and the TCP/UDP checksum (pseudo-header included) are correct.
    private func verifyChecksums(_ p: UnsafeRawPointer, _ layout: FrameLayout) -> Bool {
        if !layout.isIPv6 {
            let sum = InternetChecksum.sum(p + layout.networkOffset, count: layout.networkHeaderLength)
            guard InternetChecksum.fold(sum) == 0xffff else { return false }
        }
        let l4Length = layout.declaredEnd - layout.transportOffset
        let pseudo = layout.pseudoHeaderSum(p, length: l4Length)
        let sum = InternetChecksum.sum(p + layout.transportOffset, count: l4Length, initial: pseudo)
        return InternetChecksum.fold(sum) == 0xffff
    }

    /// The open group whose flow the frame belongs to: identical L2 header, same IP version,
    /// protocol, addresses and ports.
    private func openGroup(sameFlowAs p: UnsafeRawPointer, _ layout: FrameLayout) -> Int? {
        for k in 0..<openCount {
            let g = openGroups[k]
            let other = groups[g].layout
            let head = UnsafeRawPointer(entries[groups[g].head].frame)
            guard other.networkOffset == layout.networkOffset, other.isIPv6 == layout.isIPv6,
                other.transportProtocol == layout.transportProtocol,
                equalBytes(head, p, from: 0, count: layout.networkOffset),
                equalBytes(head + other.addressOffset, p + layout.addressOffset, from: 0, count: 2 * layout.addressLength),
                equalBytes(head + other.transportOffset, p + layout.transportOffset, from: 0, count: 4)
            else { continue }
            return g
        }
        return nil
    }

    /// Whether the frame may follow the group's frames (same flow already established).
    private func canMerge(_ c: Candidate, _ p: UnsafeRawPointer, into g: Group) -> Bool {
        let layout = g.layout
        let head = UnsafeRawPointer(entries[g.head].frame)
        let network = layout.networkOffset
        let transport = layout.transportOffset
        guard c.payloadLength <= g.gsoSize, g.packetLength + c.payloadLength <= Self.maxPacketLength else { return false }
        if layout.isIPv6 {
            // Version, traffic class, flow label; hop limit.
            guard equalBytes(head, p, from: network, count: 4), equalBytes(head, p, from: network + 7, count: 1) else {
                return false
            }
        } else {
            let headFlags = head.load(fromByteOffset: network + 6, as: UInt8.self)
            // TOS; the reserved and DF bits; TTL.
            guard equalBytes(head, p, from: network + 1, count: 1),
                headFlags & 0xe0 == p.load(fromByteOffset: network + 6, as: UInt8.self) & 0xe0,
                equalBytes(head, p, from: network + 8, count: 1)
            else { return false }
            let dontFragment = headFlags & 0x40 != 0
            guard dontFragment || c.id == g.lastID &+ 1 else { return false }
        }
        if layout.isTCP {
            // The frame's own layout equals the head's up to the TCP header (same L2 and IP header
            // lengths), so the data offset decides whether the options can be compared.
            let dataOffset = p.load(fromByteOffset: transport + 12, as: UInt8.self) & 0xf0
            guard dataOffset == head.load(fromByteOffset: transport + 12, as: UInt8.self) & 0xf0,
                c.seq == g.nextSeq,
                equalBytes(head, p, from: transport + 8, count: 4),  // acknowledgment number
                equalBytes(head, p, from: transport + 14, count: 2),  // window
                equalBytes(head, p, from: transport + 20, count: layout.transportHeaderLength - 20)  // options
            else { return false }
        } else {
            guard g.frames < Self.maxUDPSegments else { return false }
        }
        return true
    }

    // MARK: - Groups

    private func open(_ index: Int, _ c: Candidate, _ layout: FrameLayout) {
        if openCount == maxFlows { close(openGroups[0]) }
        let g = groupCount
        groupCount += 1
        groups[g] = Group(
            head: index, tail: index, frames: 1, layout: layout, gsoSize: c.payloadLength,
            packetLength: c.packetLength, nextSeq: c.seq &+ UInt32(truncatingIfNeeded: c.payloadLength),
            lastID: c.id, push: false, isOpen: true)
        entries[index].group = g
        openGroups[openCount] = g
        openCount += 1
    }

    private func append(_ index: Int, _ c: Candidate, to g: Int) {
        entries[groups[g].tail].next = index
        entries[index].group = g
        groups[g].tail = index
        groups[g].frames += 1
        groups[g].packetLength += c.payloadLength
        groups[g].nextSeq &+= UInt32(truncatingIfNeeded: c.payloadLength)
        groups[g].lastID = c.id
        if c.push { groups[g].push = true }
        // A shorter frame or a PSH ends the group.
        if c.push || c.payloadLength < groups[g].gsoSize { close(g) }
    }

    private func close(_ g: Int) {
        guard groups[g].isOpen else { return }
        groups[g].isOpen = false
        var k = 0
        while k < openCount && openGroups[k] != g { k += 1 }
        guard k < openCount else { return }
        while k + 1 < openCount {
            openGroups[k] = openGroups[k + 1]
            k += 1
        }
        openCount -= 1
    }

    /// Rewrites the head frame of a merged group into the super-frame's headers and returns the
    /// virtio header that describes it (CHECKSUM_PARTIAL: the L4 checksum field holds the folded
    /// pseudo-header sum over the merged L4 length, as `tcp_gro_complete` leaves it).
    private func fixUp(_ g: Group) -> VirtioNetHeader {
        let p = entries[g.head].frame
        let layout = g.layout
        let network = layout.networkOffset
        let transport = layout.transportOffset
        let l4Length = g.packetLength - layout.networkHeaderLength
        if layout.isIPv6 {
            storeBE16(UInt16(l4Length), p, network + 4)
        } else {
            storeBE16(UInt16(g.packetLength), p, network + 2)
            storeBE16(0, p, network + 10)
            storeBE16(InternetChecksum.checksum(p + network, count: layout.networkHeaderLength), p, network + 10)
        }
        let gsoType: UInt8
        if layout.isTCP {
            if g.push {
                let at = transport + FrameLayout.tcpFlagsOffset
                let flags = p.load(fromByteOffset: at, as: UInt8.self) | FrameLayout.psh
                p.storeBytes(of: flags, toByteOffset: at, as: UInt8.self)
            }
            gsoType = layout.isIPv6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4
        } else {
            storeBE16(UInt16(l4Length), p, transport + 4)
            gsoType = VirtioNetHeader.gsoUDPL4
        }
        let pseudo = InternetChecksum.fold(layout.pseudoHeaderSum(p, length: l4Length))
        storeBE16(pseudo, p, transport + layout.checksumOffset)
        return VirtioNetHeader(
            flags: VirtioNetHeader.needsChecksum, gsoType: gsoType, headerLength: UInt16(layout.payloadOffset),
            gsoSize: UInt16(g.gsoSize), checksumStart: UInt16(transport), checksumOffset: UInt16(layout.checksumOffset))
    }
}

/// `count` bytes at `a + from` equal those at `b + from`.
@inline(__always)
private func equalBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, from: Int, count: Int) -> Bool {
    var i = from
    let end = from + count
    while i + 8 <= end {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < end {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

// SPDX-License-Identifier: GPL-2.0-only
// Userspace GSO: splits a TCP or UDP super-frame read from the TAP into wire-sized segments, the way
// the kernel's tcp_gso_segment / __udp_gso_segment would have, so each can be encapsulated.
//
// Flow of `split`:
//   1. check the virtio header: a GSO type we segment (TCPV4, TCPV6, UDP_L4, ECN bit allowed) and a
//      nonzero gso_size; hdr_len and csum_start are hints only, the headers are parsed here;
//   2. parse Ethernet (0-2 VLAN tags), IPv4 (options allowed, no fragments) or IPv6 (no extension
//      headers), TCP (options allowed) or UDP, never past `length`;
//   3. the payload is everything after the L4 header up to `length` (as skb->len is, the IP length
//      fields are rewritten, not trusted); cut it into gso_size chunks, the last one shorter;
//   4. per segment: copy the L2+L3+L4 headers into the batch slot (behind `headroom` bytes), then fix
//      them up: IPv4 total length, id + i, header checksum / IPv6 payload length; TCP seq + i*gso_size,
//      FIN and PSH only on the last segment, CWR only on the first, full checksum / UDP length and
//      full checksum (0 sent as 0xffff);
//   5. the segment's payload is a pointer into the caller's frame: no payload copy.
//
// Concurrency: one instance per worker thread, not thread-safe. The batch's memory is allocated once
// in init; `split` allocates nothing. Segments stay valid until the next `split` on the same batch,
// and their payload pointers only as long as the frame they point into.

/// Preallocated room for up to `maxSegments` copies of a frame's headers (L2+L3+L4), each with
/// `headroom` writable bytes in front where the datapath writes its encapsulation.
public final class SegmentBatch {
    /// One wire-ready segment: `headerLength` bytes at `header` (with `headroom` writable bytes before
    /// it), then `payloadLength` bytes at `payload`.
    public struct Segment {
        public var header: UnsafeMutableRawPointer
        public var headerLength: Int
        public var payload: UnsafeRawPointer
        public var payloadLength: Int

        public init(header: UnsafeMutableRawPointer, headerLength: Int, payload: UnsafeRawPointer, payloadLength: Int) {
            self.header = header
            self.headerLength = headerLength
            self.payload = payload
            self.payloadLength = payloadLength
        }

        /// The segment's frame length on the wire (Ethernet header included).
        public var length: Int { headerLength + payloadLength }
    }

    public let maxSegments: Int
    /// Writable bytes in front of every segment's header.
    public let headroom: Int
    /// The longest L2+L3+L4 header a frame may have (Ethernet + 2 tags + IPv4 with options + TCP with
    /// options is 142 bytes).
    public let maxHeaderLength: Int
    /// Segments held since the last `split` (0 after an invalid frame).
    public private(set) var count = 0

    /// Distance between consecutive header slots (headroom + maxHeaderLength, rounded up to 64).
    private let stride: Int
    private let storage: UnsafeMutableRawPointer
    // The last split, from which `segment(_:)` derives every segment.
    private var frame: UnsafeRawPointer?
    private var frameLength = 0
    private var headerLength = 0
    private var gsoSize = 0

    public init(maxSegments: Int = 128, headroom: Int = 64, maxHeaderLength: Int = 192) {
        precondition(maxSegments > 0 && headroom >= 0 && maxHeaderLength > 0, "SegmentBatch sizes must be positive")
        self.maxSegments = maxSegments
        self.headroom = headroom
        self.maxHeaderLength = maxHeaderLength
        stride = (headroom + maxHeaderLength + 63) & ~63
        storage = .allocate(byteCount: stride * maxSegments, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: stride * maxSegments)
    }

    deinit {
        storage.deallocate()
    }

    /// Segment `i` (0 ..< count) of the last split.
    @inline(__always)
    public func segment(_ i: Int) -> Segment {
        precondition(i >= 0 && i < count, "segment index out of range")
        let start = headerLength + i * gsoSize
        return Segment(
            header: storage + (i * stride + headroom), headerLength: headerLength,
            payload: frame.unsafelyUnwrapped + start, payloadLength: min(gsoSize, frameLength - start))
    }

    /// Splits one super-frame (an Ethernet frame WITHOUT its virtio header, which is given separately
    /// as `header`) into wire-ready segments: headers copied into the batch and fixed up, payloads
    /// pointing into `frame`. A payload that fits in one segment (or is empty) still yields one
    /// finished segment.
    public func split(_ frame: UnsafeRawPointer, length: Int, header: VirtioNetHeader) -> SegmentationResult {
        count = 0
        self.frame = nil
        let kind = header.gsoKind
        switch kind {
        case VirtioNetHeader.gsoNone: return .invalid(.notGSO)
        case VirtioNetHeader.gsoTCPv4, VirtioNetHeader.gsoTCPv6, VirtioNetHeader.gsoUDPL4: break
        default: return .invalid(.unsupportedGSOType)
        }
        guard header.gsoSize > 0 else { return .invalid(.zeroGSOSize) }

        let layout: FrameLayout
        switch FrameLayout.parse(frame, length: length) {
        case .invalid(let reason): return .invalid(reason)
        case .layout(let parsed): layout = parsed
        }
        switch kind {
        case VirtioNetHeader.gsoTCPv4: guard layout.isTCP && !layout.isIPv6 else { return .invalid(.gsoTypeMismatch) }
        case VirtioNetHeader.gsoTCPv6: guard layout.isTCP && layout.isIPv6 else { return .invalid(.gsoTypeMismatch) }
        default: guard !layout.isTCP else { return .invalid(.gsoTypeMismatch) }
        }
        guard !layout.isFragment else { return .invalid(.fragmented) }
        let headers = layout.payloadOffset
        guard headers <= maxHeaderLength else { return .invalid(.headersTooLong) }

        let gso = Int(header.gsoSize)
        let payloadLength = length - headers
        let segments = payloadLength == 0 ? 1 : (payloadLength + gso - 1) / gso
        guard segments <= maxSegments else { return .invalid(.tooManySegments) }
        let largestL4 = layout.transportHeaderLength + min(gso, payloadLength)
        let largestField = layout.isIPv6 ? largestL4 : layout.networkHeaderLength + largestL4
        guard largestField <= 0xffff else { return .invalid(.segmentTooLarge) }

        let network = layout.networkOffset
        let transport = layout.transportOffset
        let firstID = be16(frame, network + 4)
        let firstSeq = layout.isTCP ? be32(frame, transport + 4) : 0
        let flags = layout.isTCP ? frame.load(fromByteOffset: transport + FrameLayout.tcpFlagsOffset, as: UInt8.self) : 0
        for i in 0..<segments {
            let out = storage + (i * stride + headroom)
            out.copyMemory(from: frame, byteCount: headers)
            let chunkStart = headers + i * gso
            let chunk = min(gso, length - chunkStart)
            let l4Length = layout.transportHeaderLength + chunk

            if layout.isIPv6 {
                storeBE16(UInt16(l4Length), out, network + 4)
            } else {
                storeBE16(UInt16(layout.networkHeaderLength + l4Length), out, network + 2)
                storeBE16(firstID &+ UInt16(truncatingIfNeeded: i), out, network + 4)
                storeBE16(0, out, network + 10)
                let check = InternetChecksum.checksum(out + network, count: layout.networkHeaderLength)
                storeBE16(check, out, network + 10)
            }

            if layout.isTCP {
                storeBE32(firstSeq &+ UInt32(truncatingIfNeeded: i &* gso), out, transport + 4)
                var segmentFlags = flags
                if i != segments - 1 { segmentFlags &= ~(FrameLayout.fin | FrameLayout.psh) }
                if i != 0 { segmentFlags &= ~FrameLayout.cwr }
                out.storeBytes(of: segmentFlags, toByteOffset: transport + FrameLayout.tcpFlagsOffset, as: UInt8.self)
            } else {
                storeBE16(UInt16(l4Length), out, transport + 4)
            }
            let checkAt = transport + layout.checksumOffset
            storeBE16(0, out, checkAt)
            var sum = layout.pseudoHeaderSum(out, length: l4Length)
            sum = InternetChecksum.sum(out + transport, count: layout.transportHeaderLength, initial: sum)
            sum = InternetChecksum.sum(frame + chunkStart, count: chunk, initial: sum)
            var check = ~InternetChecksum.fold(sum)
            if !layout.isTCP && check == 0 { check = 0xffff }  // 0 means "no checksum" (CSUM_MANGLED_0)
            storeBE16(check, out, checkAt)
        }
        self.frame = frame
        frameLength = length
        headerLength = headers
        gsoSize = gso
        count = segments
        return .segments(segments)
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// The virtio-net header that a TAP opened with IFF_VNET_HDR puts in front of every frame it reads
// and expects in front of every frame written to it.

/// `struct virtio_net_hdr` (include/uapi/linux/virtio_net.h), the 10-byte form without `num_buffers`.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     flags     |   gso_type    |            hdr_len            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           gso_size            |          csum_start           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          csum_offset          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// The 16-bit fields are in the host's byte order for a TAP without TUNSETVNETLE/TUNSETVNETBE, which
/// on the little-endian machines l2tpd runs on is little-endian; this type always reads and writes
/// them little-endian. `csum_start` counts from the first byte of the Ethernet frame.
public struct VirtioNetHeader: Equatable, Sendable {
    /// `sizeof(struct virtio_net_hdr)`.
    public static let size = 10

    // MARK: flags

    /// The checksum at `checksumStart + checksumOffset` still has to be finished over
    /// `[checksumStart, end)`; the field holds the pseudo-header sum. The corresponding C constant is
    /// `VIRTIO_NET_HDR_F_NEEDS_CSUM`.
    public static let needsChecksum: UInt8 = 1
    /// The checksums were already verified. The corresponding C constant is `VIRTIO_NET_HDR_F_DATA_VALID`.
    public static let dataValid: UInt8 = 2

    // MARK: gso_type

    /// Not a GSO frame. The corresponding C constant is `VIRTIO_NET_HDR_GSO_NONE`.
    public static let gsoNone: UInt8 = 0
    /// TSO over IPv4. The corresponding C constant is `VIRTIO_NET_HDR_GSO_TCPV4`.
    public static let gsoTCPv4: UInt8 = 1
    /// UDP fragmentation offload (UFO), which l2tpd does not handle. The corresponding C constant is
    /// `VIRTIO_NET_HDR_GSO_UDP`.
    public static let gsoUDP: UInt8 = 3
    /// TSO over IPv6. The corresponding C constant is `VIRTIO_NET_HDR_GSO_TCPV6`.
    public static let gsoTCPv6: UInt8 = 4
    /// UDP segmentation offload (USO), IPv4 or IPv6. The corresponding C constant is
    /// `VIRTIO_NET_HDR_GSO_UDP_L4`.
    public static let gsoUDPL4: UInt8 = 5
    /// Or-ed into a TCP `gso_type`: the super-frame has CWR set (TSO with ECN). The corresponding C
    /// constant is `VIRTIO_NET_HDR_GSO_ECN`.
    public static let gsoECN: UInt8 = 0x80

    /// `flags`: `needsChecksum`, `dataValid`.
    public var flags: UInt8
    /// `gso_type`: one of the `gso…` constants, possibly with `gsoECN`.
    public var gsoType: UInt8
    /// `hdr_len`: length of the L2+L3+L4 headers (a hint; l2tpd parses the headers itself).
    public var headerLength: UInt16
    /// `gso_size`: the L4 payload bytes per segment (the MSS for TCP).
    public var gsoSize: UInt16
    /// `csum_start`: where checksumming starts, from the first byte of the frame (the L4 header).
    public var checksumStart: UInt16
    /// `csum_offset`: where the checksum field sits, from `checksumStart` (16 for TCP, 6 for UDP).
    public var checksumOffset: UInt16

    public init(
        flags: UInt8 = 0, gsoType: UInt8 = 0, headerLength: UInt16 = 0, gsoSize: UInt16 = 0,
        checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0
    ) {
        self.flags = flags
        self.gsoType = gsoType
        self.headerLength = headerLength
        self.gsoSize = gsoSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// Reads a header from `size` bytes at `p` (any alignment).
    @inlinable
    public init(from p: UnsafeRawPointer) {
        flags = p.load(fromByteOffset: 0, as: UInt8.self)
        gsoType = p.load(fromByteOffset: 1, as: UInt8.self)
        headerLength = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        gsoSize = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        checksumStart = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        checksumOffset = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
    }

    /// Writes the header to `size` bytes at `p` (any alignment).
    @inlinable
    public func write(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: flags, toByteOffset: 0, as: UInt8.self)
        p.storeBytes(of: gsoType, toByteOffset: 1, as: UInt8.self)
        p.storeBytes(of: headerLength.littleEndian, toByteOffset: 2, as: UInt16.self)
        p.storeBytes(of: gsoSize.littleEndian, toByteOffset: 4, as: UInt16.self)
        p.storeBytes(of: checksumStart.littleEndian, toByteOffset: 6, as: UInt16.self)
        p.storeBytes(of: checksumOffset.littleEndian, toByteOffset: 8, as: UInt16.self)
    }

    /// `gsoType` without the ECN bit.
    @inlinable
    public var gsoKind: UInt8 { gsoType & ~Self.gsoECN }
}

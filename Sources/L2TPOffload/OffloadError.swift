// SPDX-License-Identifier: GPL-2.0-only
// Why a super-frame read from the TAP could not be segmented: a value, never a thrown error.

/// The reason `SegmentBatch.split` refused a frame. The datapath counts every case as `tx_errors`
/// (the frame is dropped, as the kernel drops a GSO skb that fails `skb_gso_segment`).
public enum OffloadError: Equatable, Sendable {
    /// `gso_type` is `VIRTIO_NET_HDR_GSO_NONE`: not a super-frame. Finish a `NEEDS_CSUM` frame with
    /// `InternetChecksum.complete` instead.
    case notGSO
    /// `gso_type` is not TCPV4, TCPV6 or UDP_L4 (with or without the ECN bit); UFO
    /// (`VIRTIO_NET_HDR_GSO_UDP`) is among these.
    case unsupportedGSOType
    /// `gso_size` is 0.
    case zeroGSOSize
    /// The frame ends before its Ethernet, VLAN, IP or TCP/UDP header does.
    case truncatedHeaders
    /// The EtherType, after at most two VLAN tags (0x8100, 0x88a8), is not IPv4 or IPv6.
    case unsupportedNetworkProtocol
    /// The IP version field disagrees with the EtherType, or the IPv4 IHL is below 5.
    case malformedNetworkHeader
    /// The IPv4 protocol or IPv6 next header is neither TCP nor UDP (IPv6 extension headers included).
    case unsupportedTransportProtocol
    /// The TCP data offset is below 5.
    case malformedTransportHeader
    /// The GSO type does not match the packet: TCPV4 on IPv6 (or TCPV6 on IPv4), a TCP type on UDP,
    /// UDP_L4 on TCP.
    case gsoTypeMismatch
    /// The IPv4 header has MF set or a fragment offset: fragments cannot be segmented.
    case fragmented
    /// The L2+L3+L4 headers are longer than the batch's `maxHeaderLength`.
    case headersTooLong
    /// One segment would not fit its length fields (IPv4 total length, IPv6 payload length or UDP
    /// length above 65535).
    case segmentTooLarge
    /// The payload needs more than the batch's `maxSegments` segments of `gso_size` bytes.
    case tooManySegments
}

// SPDX-License-Identifier: GPL-2.0-only
// What precedes the L2TP header in a datagram a tunnel socket receives.

import L2TPCore
import L2TPWire

/// How a receive socket's datagrams must be read.
enum ReceiveKind: Sendable {
    /// A tunnel's UDP socket: datagrams start at the L2TP header.
    case udp
    /// A raw IPv4 protocol-115 socket: datagrams start with the IPv4 header.
    case ipv4
    /// A raw IPv6 protocol-115 socket: datagrams start at the L2TP header.
    case ipv6

    /// The L2TP header form of its packets.
    var encapsulation: EncapType { self == .udp ? .udp : .ip }

    /// Offset of the L2TP header in a received datagram, or nil if the datagram is malformed.
    @inline(__always)
    func l2tpOffset(_ p: UnsafeRawPointer, length: Int) -> Int? {
        switch self {
        case .udp, .ipv6: return 0
        case .ipv4:
            guard length >= 20 else { return nil }
            let ihl = Int(p.load(as: UInt8.self) & 0x0f) * 4
            return ihl >= 20 && ihl <= length ? ihl : nil
        }
    }
}

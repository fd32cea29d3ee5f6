// SPDX-License-Identifier: GPL-2.0-only
// Identifier and enumeration types shared by every layer, with the uapi numbering of include/uapi/linux/l2tp.h.

/// A tunnel (control connection) id. L2TPv2 ids are 16-bit values carried in 32 bits, as netlink does.
public struct TunnelID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// A session id. L2TPv2 ids are 16-bit values carried in 32 bits, as netlink does.
public struct SessionID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// The L2TP protocol version of a tunnel.
public enum ProtocolVersion: UInt8, Sendable {
    /// RFC 2661.
    case v2 = 2
    /// RFC 3931.
    case v3 = 3
}

/// How a tunnel's packets are carried. The corresponding C enum is `l2tp_encap_type`.
public enum EncapType: UInt16, Sendable {
    /// The corresponding C constant is `L2TP_ENCAPTYPE_UDP`.
    case udp = 0
    /// L2TPv3 directly over IP, protocol 115. The corresponding C constant is `L2TP_ENCAPTYPE_IP`.
    case ip = 1
}

/// What a session carries. The corresponding C enum is `l2tp_pwtype`.
public enum PseudowireType: UInt16, Sendable {
    /// The corresponding C constant is `L2TP_PWTYPE_NONE`.
    case none = 0x0000
    /// The corresponding C constant is `L2TP_PWTYPE_ETH_VLAN`.
    case ethVLAN = 0x0004
    /// Ethernet port pseudowire (RFC 4719). The corresponding C constant is `L2TP_PWTYPE_ETH`.
    case eth = 0x0005
    /// The corresponding C constant is `L2TP_PWTYPE_PPP`.
    case ppp = 0x0007
    /// The corresponding C constant is `L2TP_PWTYPE_PPP_AC`.
    case pppAC = 0x0008
    /// The corresponding C constant is `L2TP_PWTYPE_IP`.
    case ip = 0x000b

    /// One past the largest value the kernel accepts. The corresponding C constant is `__L2TP_PWTYPE_MAX`.
    public static let limit: UInt16 = 0x000c
}

/// The L2-Specific Sublayer a v3 session uses. The corresponding C enum is `l2tp_l2spec_type`.
public enum L2SpecType: UInt8, Sendable {
    /// The corresponding C constant is `L2TP_L2SPECTYPE_NONE`.
    case none = 0
    /// The Default L2-Specific Sublayer of RFC 3931 §4.6. The corresponding C constant is `L2TP_L2SPECTYPE_DEFAULT`.
    case `default` = 1

    /// Bytes the sublayer occupies in each data packet.
    public var length: Int { self == .default ? 4 : 0 }
}

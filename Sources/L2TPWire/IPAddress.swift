// SPDX-License-Identifier: GPL-2.0-only
// An IPv4 or IPv6 address as raw network-order bytes, parsed and printed as inet_pton/inet_ntop do.

#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// Four bytes in network order (the layout of `struct in_addr`).
    case v4(UInt8, UInt8, UInt8, UInt8)
    /// Sixteen bytes in network order (the layout of `struct in6_addr`).
    case v6([UInt8])

    /// Parses dotted-quad IPv4 or any IPv6 text form, as `inet_pton` does. Returns nil otherwise.
    public init?(_ text: String) {
        var a4 = in_addr()
        if inet_pton(AF_INET, text, &a4) == 1 {
            self.init(networkBytes: withUnsafeBytes(of: a4) { Array($0) })
            return
        }
        var a6 = in6_addr()
        if inet_pton(AF_INET6, text, &a6) == 1 {
            self.init(networkBytes: withUnsafeBytes(of: a6) { Array($0) })
            return
        }
        return nil
    }

    /// Creates an address from 4 or 16 network-order bytes; nil for other lengths.
    public init?<C: Collection>(networkBytes: C) where C.Element == UInt8 {
        let b = Array(networkBytes)
        switch b.count {
        case 4: self = .v4(b[0], b[1], b[2], b[3])
        case 16: self = .v6(b)
        default: return nil
        }
    }

    /// The address bytes in network order.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a, let b, let c, let d): [a, b, c, d]
        case .v6(let b): b
        }
    }

    /// AF_INET or AF_INET6.
    public var family: Int32 {
        switch self {
        case .v4: AF_INET
        case .v6: AF_INET6
        }
    }

    public var isIPv6: Bool {
        if case .v6 = self { return true }
        return false
    }

    /// `inet_ntop` text.
    public var description: String {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let b = bytes
        let ok = b.withUnsafeBytes { src in
            inet_ntop(family, src.baseAddress, &buf, socklen_t(buf.count)) != nil
        }
        guard ok else { return "?" }
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

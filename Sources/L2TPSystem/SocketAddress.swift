// SPDX-License-Identifier: GPL-2.0-only
// An IPv4 or IPv6 socket address (address and port), convertible to and from `sockaddr_storage`.

import Glibc
import L2TPWire

/// An IP socket address.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    /// Host byte order.
    public var port: UInt16

    public init(_ address: IPAddress, port: UInt16 = 0) {
        self.address = address
        self.port = port
    }

    public var description: String {
        address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// Calls `body` with a `sockaddr_in` or `sockaddr_in6` for this address.
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch address {
        case .v4(let a, let b, let c, let d):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: [a, b, c, d]) }
            return try withUnsafePointer(to: &sin) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(let bytes):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes) }
            return try withUnsafePointer(to: &sin6) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// Reads an AF_INET or AF_INET6 address; nil for other families.
    public init?(_ storage: UnsafeRawPointer) {
        let family = Int32(storage.load(as: sa_family_t.self))
        switch family {
        case AF_INET:
            let sin = storage.load(as: sockaddr_in.self)
            let bytes = withUnsafeBytes(of: sin.sin_addr) { Array($0) }
            self.init(IPAddress(networkBytes: bytes)!, port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = storage.load(as: sockaddr_in6.self)
            let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
            self.init(IPAddress(networkBytes: bytes)!, port: UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }

    /// The unspecified address of a family (0.0.0.0 or ::), port 0.
    public static func unspecified(ipv6: Bool) -> SocketAddress {
        ipv6 ? SocketAddress(.v6([UInt8](repeating: 0, count: 16))) : SocketAddress(.v4(0, 0, 0, 0))
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Follows interface MTU changes (RTM_NEWLINK on the rtnetlink link group), so a pseudowire drops
// received frames against the device's current MTU as dev_forward_skb does.

import CL2TPLinux
import Glibc
import L2TPSystem

/// An rtnetlink socket subscribed to link events.
final class LinkMonitor {
    let socket: Socket

    /// The corresponding C calls are `socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)` and `bind` to RTMGRP_LINK.
    init() throws(Errno) {
        socket = try Socket.open(family: AF_NETLINK, type: Int32(SOCK_RAW.rawValue), protocol: 0)  // NETLINK_ROUTE
        var sa = sockaddr_nl()
        sa.nl_family = sa_family_t(AF_NETLINK)
        sa.nl_groups = 1  // RTMGRP_LINK
        let r = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(socket.fd.rawValue, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        if r != 0 {
            let e = Errno.current
            socket.close()
            throw e
        }
    }

    /// Reads pending link messages and reports (ifindex, mtu) for each RTM_NEWLINK carrying IFLA_MTU.
    func drain(_ report: (Int32, Int) -> Void) {
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.recv(socket.fd.rawValue, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n > 0 else { return }
            buf.withUnsafeBytes { parse(UnsafeRawBufferPointer(rebasing: $0[0..<n]), report) }
        }
    }

    private func parse(_ b: UnsafeRawBufferPointer, _ report: (Int32, Int) -> Void) {
        var at = 0
        while at + 16 <= b.count {
            let len = Int(b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            let type = b.loadUnaligned(fromByteOffset: at + 4, as: UInt16.self)
            guard len >= 16, at + len <= b.count else { return }
            if type == 16, len >= 32 {  // RTM_NEWLINK: nlmsghdr, then struct ifinfomsg (16 bytes)
                let index = b.loadUnaligned(fromByteOffset: at + 16 + 4, as: Int32.self)
                var attr = at + 32
                while attr + 4 <= at + len {
                    let alen = Int(b.loadUnaligned(fromByteOffset: attr, as: UInt16.self))
                    let atype = b.loadUnaligned(fromByteOffset: attr + 2, as: UInt16.self) & 0x3fff
                    guard alen >= 4, attr + alen <= at + len else { break }
                    if atype == 4, alen >= 8 {  // IFLA_MTU
                        report(index, Int(b.loadUnaligned(fromByteOffset: attr + 4, as: UInt32.self)))
                    }
                    attr += (alen + 3) & ~3
                }
            }
            at += (len + 3) & ~3
        }
    }

    func close() { socket.close() }
}

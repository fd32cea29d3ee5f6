// SPDX-License-Identifier: GPL-2.0-only
// Interface queries and settings by name (SIOCGIFMTU, SIOCSIFMTU, SIOCGIFINDEX, SIOCGIFHWADDR).

import CL2TPLinux
import Glibc

/// ioctl-based access to a network interface in the daemon's network namespace.
public enum NetworkInterface {
    private static func withControlSocket<R>(_ body: (Int32) -> Result<R, Errno>) -> Result<R, Errno> {
        let s = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return .failure(.current) }
        defer { Glibc.close(s) }
        return body(s)
    }

    /// The interface's MTU. The corresponding C call is `ioctl(SIOCGIFMTU)`.
    public static func mtu(_ name: String) throws(Errno) -> Int {
        try withControlSocket { s in
            var mtu: Int32 = 0
            return negativeErrno(CL2TP_if_get_mtu(s, name, &mtu)).map { _ in Int(mtu) }
        }.get()
    }

    /// The corresponding C call is `ioctl(SIOCSIFMTU)`.
    public static func setMTU(_ name: String, _ mtu: Int) throws(Errno) {
        _ = try withControlSocket { s in negativeErrno(CL2TP_if_set_mtu(s, name, Int32(mtu))) }.get()
    }

    /// The interface index. The corresponding C call is `ioctl(SIOCGIFINDEX)`.
    public static func index(_ name: String) throws(Errno) -> Int32 {
        try withControlSocket { s in
            var idx: Int32 = 0
            return negativeErrno(CL2TP_if_get_index(s, name, &idx)).map { _ in idx }
        }.get()
    }

    /// The hardware address. The corresponding C call is `ioctl(SIOCGIFHWADDR)`.
    public static func hardwareAddress(_ name: String) throws(Errno) -> [UInt8] {
        try withControlSocket { s in
            var mac = [UInt8](repeating: 0, count: 6)
            return negativeErrno(CL2TP_if_get_hwaddr(s, name, &mac)).map { _ in mac }
        }.get()
    }
}

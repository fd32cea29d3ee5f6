// SPDX-License-Identifier: GPL-2.0-only
// A TAP network device (/dev/net/tun with IFF_TAP|IFF_NO_PI): the per-session Ethernet device.

import CL2TPLinux
import Glibc

/// An open TAP device. The device exists while its descriptor is open (it is not persistent).
public struct TAPDevice: Sendable {
    /// The queue descriptor; frames are read from and written to it.
    public let fd: FileDescriptor
    /// The name the kernel gave the device (a "%d" in the requested name is replaced).
    public let name: String

    /// Creates a TAP device named `name` (which may contain "%d"). The descriptor is non-blocking.
    /// The corresponding C call is `ioctl(TUNSETIFF)` on /dev/net/tun.
    public static func open(name: String, flags: Int16 = 0) throws(Errno) -> TAPDevice {
        var out = [CChar](repeating: 0, count: 16)
        let r: Int32 = out.withUnsafeMutableBufferPointer { buf in
            CL2TP_tap_open(name, flags, buf.baseAddress!)
        }
        let fd = try negativeErrno(r).get()
        let kernelName = out.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return TAPDevice(fd: FileDescriptor(rawValue: fd), name: kernelName)
    }

    /// Closes the descriptor, which removes the device.
    public func close() { fd.close() }
}

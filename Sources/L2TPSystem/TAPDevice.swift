// SPDX-License-Identifier: GPL-2.0-only
// A TAP network device (/dev/net/tun with IFF_TAP|IFF_NO_PI, and IFF_VNET_HDR when offloads are
// wanted): the per-session Ethernet device.

import CL2TPLinux
import Glibc

/// Offloads a TAP device accepted (TUNSETOFFLOAD): what the kernel may hand l2tpd unfinished.
public struct TAPOffloads: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Frames with a partial checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM): TUN_F_CSUM.
    public static let checksum = TAPOffloads(rawValue: 1)
    /// TCP super-frames over IPv4 and IPv6, with ECN: TUN_F_TSO4|TSO6|TSO_ECN.
    public static let tcpSegmentation = TAPOffloads(rawValue: 2)
    /// UDP super-frames (USO, Linux 6.2): TUN_F_USO4|USO6.
    public static let udpSegmentation = TAPOffloads(rawValue: 4)

    public static let all: TAPOffloads = [.checksum, .tcpSegmentation, .udpSegmentation]

    /// The TUN_F_* flags for these offloads.
    var tunFlags: UInt32 {
        var f: UInt32 = 0
        if contains(.checksum) { f |= CL2TP_TUN_F_CSUM }
        if contains(.tcpSegmentation) { f |= CL2TP_TUN_F_TSO4 | CL2TP_TUN_F_TSO6 | CL2TP_TUN_F_TSO_ECN }
        if contains(.udpSegmentation) { f |= CL2TP_TUN_F_USO4 | CL2TP_TUN_F_USO6 }
        return f
    }

    /// Parses `description`'s form: a comma list of `csum`, `tso` and `uso`, or `none`. Nil for
    /// anything else.
    public init?(names: String) {
        self = []
        if names == "none" { return }
        for name in names.split(separator: ",", omittingEmptySubsequences: false) {
            switch name {
            case "csum": insert(.checksum)
            case "tso": insert(.tcpSegmentation)
            case "uso": insert(.udpSegmentation)
            default: return nil
            }
        }
    }

    public var description: String {
        var names: [String] = []
        if contains(.checksum) { names.append("csum") }
        if contains(.tcpSegmentation) { names.append("tso") }
        if contains(.udpSegmentation) { names.append("uso") }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}

/// An open TAP device. The device exists while its descriptor is open (it is not persistent).
public struct TAPDevice: Sendable {
    /// The queue descriptor; frames are read from and written to it.
    public let fd: FileDescriptor
    /// The name the kernel gave the device (a "%d" in the requested name is replaced).
    public let name: String
    /// Every read and write starts with a struct virtio_net_hdr (10 bytes): IFF_VNET_HDR.
    public let hasVirtioHeader: Bool
    /// What the kernel may send unfinished; empty without a virtio header.
    public let offloads: TAPOffloads

    /// Creates a TAP device named `name` (which may contain "%d"). The descriptor is non-blocking.
    /// The corresponding C call is `ioctl(TUNSETIFF)` on /dev/net/tun.
    public static func open(name: String, flags: Int16 = 0) throws(Errno) -> TAPDevice {
        var out = [CChar](repeating: 0, count: 16)
        let r: Int32 = out.withUnsafeMutableBufferPointer { buf in
            CL2TP_tap_open(name, flags, buf.baseAddress!)
        }
        let fd = try negativeErrno(r).get()
        let kernelName = out.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return TAPDevice(
            fd: FileDescriptor(rawValue: fd), name: kernelName, hasVirtioHeader: flags & CL2TP_IFF_VNET_HDR != 0,
            offloads: [])
    }

    /// Creates a TAP device with a virtio-net header and asks for `wanted` offloads, keeping those the
    /// kernel accepts: USO needs Linux 6.2, so an EINVAL drops it and tries again; a kernel refusing
    /// even checksum offload leaves a device with a virtio header and no offloads.
    /// The corresponding C calls are `ioctl(TUNSETIFF)` and `ioctl(TUNSETOFFLOAD)`.
    public static func open(name: String, offloads wanted: TAPOffloads) throws(Errno) -> TAPDevice {
        let tap = try open(name: name, flags: CL2TP_IFF_VNET_HDR)
        var attempt = wanted
        // TSO needs checksum offload (the kernel refuses it alone), as does USO.
        if !attempt.contains(.checksum) { attempt = [] }
        while true {
            if CL2TP_tap_set_offload(tap.fd.rawValue, attempt.tunFlags) == 0 { break }
            if attempt.contains(.udpSegmentation) {
                attempt.remove(.udpSegmentation)
            } else if attempt.isEmpty {
                break
            } else {
                attempt = []
            }
        }
        return TAPDevice(fd: tap.fd, name: tap.name, hasVirtioHeader: true, offloads: attempt)
    }

    /// Closes the descriptor, which removes the device.
    public func close() { fd.close() }
}

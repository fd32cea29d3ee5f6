// SPDX-License-Identifier: GPL-2.0-only
// The service manager notification protocol (sd_notify(3)) spoken directly: datagrams such as
// "READY=1\nSTATUS=..." sent to the Unix socket named by $NOTIFY_SOCKET, and the watchdog interval
// from $WATCHDOG_USEC. No libsystemd.

import CL2TPLinux
import Glibc
import L2TPSystem

/// Talks to systemd when started as a Type=notify service; does nothing otherwise.
final class SystemdNotifier {
    private let address: [UInt8]?
    private let socket: Int32
    /// Half of WatchdogSec (systemd's advice), when the watchdog is on for this process.
    let watchdogInterval: UInt64?

    init(environment: [String: String]) {
        if let path = environment["NOTIFY_SOCKET"], !path.isEmpty, path.utf8.count < 108 {
            var bytes = Array(path.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract namespace
            address = bytes
            socket = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        } else {
            address = nil
            socket = -1
        }
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if pidMatches, let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogInterval = usec / 2
        } else {
            watchdogInterval = nil
        }
    }

    deinit { if socket >= 0 { close(socket) } }

    var isActive: Bool { address != nil && socket >= 0 }

    /// Sends one notification, e.g. ["READY=1", "STATUS=..."]. The corresponding C function is `sd_notify`.
    func send(_ assignments: [String]) {
        guard let address, socket >= 0 else { return }
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sun.sun_path) { $0.copyBytes(from: address) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count)
        let payload = Array(assignments.joined(separator: "\n").utf8)
        _ = payload.withUnsafeBytes { buf in
            withUnsafePointer(to: &sun) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(socket, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
    }

    func ready(status: String) { send(["READY=1", "STATUS=\(status)"]) }
    func status(_ status: String) { send(["STATUS=\(status)"]) }
    /// RELOADING=1 with MONOTONIC_USEC, as Type=notify-reload services must send it.
    func reloading() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        send(["RELOADING=1", "MONOTONIC_USEC=\(usec)", "STATUS=Reloading configuration"])
    }
    func stopping() { send(["STOPPING=1", "STATUS=Shutting down"]) }
    func watchdog() { send(["WATCHDOG=1"]) }
}

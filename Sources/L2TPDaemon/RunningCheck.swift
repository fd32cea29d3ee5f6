// SPDX-License-Identifier: GPL-2.0-only
// `l2tpd --check-config FILE --running`: asks the running daemon to try FILE as a reload would (l2tpd
// CHECK_CONFIG, the file passed as a descriptor), so conflicts with what runs — a device name a
// client's session uses, a runtime tunnel the file would re-create — are found before the reload.

import Glibc
import L2TPNetlink
import L2TPSystem

extension Daemon {
    /// What the running daemon said of a configuration file.
    public struct RunningCheck: Sendable {
        /// How many errors; 0: a reload would apply the file.
        public var errors: Int
        /// The daemon's summary, or its errors one per line.
        public var report: String
    }

    /// Opens `path`, passes it to the daemon at `socketPath` with CHECK_CONFIG and returns the daemon's
    /// verdict. The daemon reads the descriptor, so the file needs only be readable by the caller.
    public static func checkWithRunningDaemon(path: String, socketPath: String) throws(DaemonError) -> RunningCheck {
        let file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { throw DaemonError("\(path): cannot read: \(Errno.current)") }
        defer { close(file) }
        let socket: UnixSocket
        do {
            socket = try UnixSocket.connect(path: socketPath)
        } catch {
            throw DaemonError("cannot reach l2tpd at \(socketPath): \(error)")
        }
        defer { socket.close() }
        let sequence: UInt32 = 1
        do {
            try socket.send(
                L2TPDGenl.textRequest(.checkConfig, text: path, sequence: sequence, portID: 0), passing: file)
            while true {
                guard case .value(let received) = try socket.receive(capacity: 1 << 22), let datagram = received else {
                    throw DaemonError("l2tpd at \(socketPath) closed the connection")
                }
                if let fd = datagram.passedFD { close(fd) }
                for message in (try? splitNetlinkMessages(datagram.bytes)) ?? [] {
                    guard let header = NetlinkHeader(message), header.sequence == sequence else { continue }
                    if header.type == NetlinkMessageType.error {
                        let ack = NetlinkAck.parse(message)
                        guard let ack, ack.errno != 0 else { continue }
                        throw DaemonError(
                            "l2tpd at \(socketPath) refused the check: \(NetlinkError(ack.errno, ack.message ?? ""))")
                    }
                    guard header.type == L2TPDGenl.familyID, let report = L2TPDGenl.text(of: message) else {
                        throw DaemonError("malformed reply from l2tpd at \(socketPath)")
                    }
                    return RunningCheck(errors: Int(L2TPDGenl.u32(.errors, of: message) ?? 0), report: report)
                }
            }
        } catch let error as DaemonError {
            throw error
        } catch {
            throw DaemonError("cannot talk to l2tpd at \(socketPath): \(error)")
        }
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// The process's real ToolIO: file descriptors 1 and 2, the control socket, and the wall clock.

import Glibc

/// Standard output and error of the process, and real connections to l2tpd.
///
/// Standard output is buffered (up to 64 KiB, like stdio on a pipe) and pushed out before anything
/// goes to standard error and when the command ends, so diagnostics never overtake earlier listings.
public struct StandardIO: ToolIO {
    private var pending: [UInt8] = []

    public init() {}

    public mutating func write(_ text: String, to stream: ToolStream) {
        switch stream {
        case .standardOutput:
            pending.append(contentsOf: text.utf8)
            if pending.count >= 1 << 16 { flush() }
        case .standardError:
            flush()
            Self.writeAll(2, Array(text.utf8))
        }
    }

    public mutating func flush() {
        guard !pending.isEmpty else { return }
        Self.writeAll(1, pending)
        pending.removeAll(keepingCapacity: true)
    }

    public mutating func connect(socketPath path: String) throws(DaemonError) -> any DaemonConnection {
        try UnixControlConnection(path: path)
    }

    /// iproute2 seeds its sequence numbers with `time(NULL)`.
    public mutating func initialSequence() -> UInt32 {
        UInt32(truncatingIfNeeded: time(nil))
    }

    /// Writes every byte, retrying on EINTR and short writes; gives up silently on other errors
    /// (a closed pipe already raised SIGPIPE, which ends the process as it ends `ip`).
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buf in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }

    /// The process environment (`environ`) as a dictionary, for `L2TPToolMain.run`.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(text[..<eq])
                let value = String(text[text.index(after: eq)...])
                if result[key] == nil { result[key] = value }
            }
            p += 1
        }
        return result
    }
}

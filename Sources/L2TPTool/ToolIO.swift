// SPDX-License-Identifier: GPL-2.0-only
// The seam between the CLI and the world: its two output streams, its clock and how it reaches l2tpd.

/// Where a piece of CLI output goes.
public enum ToolStream: Sendable {
    /// Standard output: listings.
    case standardOutput
    /// Standard error: usage, diagnostics and error messages.
    case standardError
}

/// Everything the CLI touches outside its own memory. `L2TPToolMain.run` takes one of these, so
/// tests can check exact stdout, stderr and exit status without processes, sockets or a daemon.
public protocol ToolIO {
    /// Writes text to one of the output streams.
    mutating func write(_ text: String, to stream: ToolStream)
    /// Called once before `run` returns: push out anything buffered.
    mutating func flush()
    /// Opens a connection to the control socket at `path`; fails with `DaemonError.transport`.
    mutating func connect(socketPath path: String) throws(DaemonError) -> any DaemonConnection
    /// The sequence number the netlink conversation starts counting from (iproute2 uses `time(NULL)`).
    mutating func initialSequence() -> UInt32
}

extension ToolIO {
    public mutating func flush() {}
}

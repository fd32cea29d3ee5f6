// SPDX-License-Identifier: GPL-2.0-only
// The early exit iproute2 performs with exit(): thrown after the message has been written.

/// Ends the command with `status` once its diagnostics are out (iproute2 calls `exit()` there).
struct ToolExit: Error {
    /// The process exit status: 255 for `exit(-1)`, 1, or 2.
    var status: Int32

    /// `exit(-1)`: usage and argument errors.
    static let usage = ToolExit(status: 255)
    /// `exit(1)`: the daemon cannot be reached, a bad address, a failed dump.
    static let failure = ToolExit(status: 1)
}

// SPDX-License-Identifier: GPL-2.0-only
// A ToolIO that captures stdout and stderr, and the helpers that run the CLI against a FakeDaemon.

import Glibc

@testable import L2TPTool

/// A ToolIO that captures both streams and connects to a `FakeDaemon` (or fails like a missing socket).
struct FakeIO: ToolIO {
    var standardOutput = ""
    var standardError = ""
    /// nil: connecting fails with `connectError`.
    var daemon: FakeDaemon?
    var connectError: Int32 = ENOENT
    /// The socket paths the CLI tried to connect to.
    var connectedPaths: [String] = []
    var sequence: UInt32 = 1000

    mutating func write(_ text: String, to stream: ToolStream) {
        switch stream {
        case .standardOutput: standardOutput += text
        case .standardError: standardError += text
        }
    }

    mutating func connect(socketPath path: String) throws(DaemonError) -> any DaemonConnection {
        connectedPaths.append(path)
        guard let daemon else { throw DaemonError.transport(errno: connectError) }
        return daemon
    }

    mutating func initialSequence() -> UInt32 { sequence }
}

/// The outcome of one CLI run.
struct RunResult: Equatable, CustomStringConvertible {
    var status: Int32
    var standardOutput: String
    var standardError: String

    var description: String {
        "status \(status)\n--- stdout ---\n\(standardOutput)--- stderr ---\n\(standardError)"
    }
}

/// Runs `l2tp` with the space-separated words of `line` against `daemon` (nil: unreachable).
func l2tp(_ line: String, daemon: FakeDaemon? = FakeDaemon(), environment: [String: String] = [:]) -> RunResult {
    runL2TP(line.split(separator: " ").map(String.init), daemon: daemon, environment: environment).result
}

/// Runs `l2tp` with exact `arguments`; also returns the IO, for the socket paths it used.
func runL2TP(_ arguments: [String], daemon: FakeDaemon?, environment: [String: String] = [:])
    -> (result: RunResult, io: FakeIO)
{
    var io = FakeIO(daemon: daemon)
    let status = L2TPToolMain.run(arguments: arguments, environment: environment, io: &io)
    return (RunResult(status: status, standardOutput: io.standardOutput, standardError: io.standardError), io)
}

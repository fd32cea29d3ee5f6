// SPDX-License-Identifier: GPL-2.0-only
// Running commands from end-to-end tests: bounded in time, output captured, failures reported with
// what was run and what it printed.

import Foundation

/// What a finished command returned.
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var command: [String]

    var description: String {
        "`\(command.joined(separator: " "))` exited \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)"
    }
}

struct CommandError: Error, CustomStringConvertible {
    var description: String
}

enum Command {
    /// Runs `argv` to completion or kills it after `timeout` seconds.
    @discardableResult
    static func run(_ argv: [String], timeout: Double = 30, environment: [String: String]? = nil) throws -> CommandResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0].hasPrefix("/") ? argv[0] : "/usr/bin/env")
        p.arguments = argv[0].hasPrefix("/") ? Array(argv.dropFirst()) : argv
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.runUnblocked()
        // Read both pipes concurrently so a chatty command cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            _ = group.wait(timeout: .now() + 5)
            throw CommandError(description: "`\(argv.joined(separator: " "))` did not finish within \(timeout) s")
        }
        p.waitUntilExit()
        _ = group.wait(timeout: .now() + 5)
        return CommandResult(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), command: argv)
    }

    /// Runs `argv` and throws unless it exits 0.
    @discardableResult
    static func check(_ argv: [String], timeout: Double = 30) throws -> CommandResult {
        let r = try run(argv, timeout: timeout)
        guard r.status == 0 else { throw CommandError(description: r.description) }
        return r
    }
}

extension Process {
    /// Starts the process with no signals blocked. Swift Testing runs tests on threads that block
    /// most signals, and a child inherits its parent thread's mask: without this, SIGTERM from
    /// `terminate()` would stay pending in the child forever.
    func runUnblocked() throws {
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_UNBLOCK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try run()
    }
}

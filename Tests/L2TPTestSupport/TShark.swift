// SPDX-License-Identifier: GPL-2.0-only
// Runs tshark on a capture and returns the requested dissector fields, one row per frame.

import Foundation

/// A located tshark binary.
public struct TShark: Sendable {
    /// Set to 1 to skip tshark cross-checks on machines without tshark.
    public static let skipVariable = "L2TPD_SKIP_TSHARK"

    public let executable: String

    /// Whether the environment asks for tshark checks to be skipped.
    public static var skipRequested: Bool {
        ProcessInfo.processInfo.environment[skipVariable] == "1"
    }

    /// Finds tshark on PATH or in the usual places; nil if it is not installed.
    public static func locate() -> TShark? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        for dir in dirs where !dir.isEmpty {
            let candidate = dir + "/tshark"
            if FileManager.default.isExecutableFile(atPath: candidate) { return TShark(executable: candidate) }
        }
        return nil
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `tshark -r capture -T fields -e f1 -e f2 ...` with the given `-o` preferences and returns
    /// one row per frame, each with one string per field ("" when the field is absent). Only the
    /// first occurrence of a field is reported. Fails if tshark exits non-zero or runs past `timeout`.
    public func fields(
        capture: [UInt8], fields: [String], preferences: [(String, String)] = [], timeout: Duration = .seconds(60)
    ) throws -> [[String]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("l2tpd-tshark-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pcap = dir.appendingPathComponent("capture.pcap")
        let out = dir.appendingPathComponent("stdout")
        let err = dir.appendingPathComponent("stderr")
        try Data(capture).write(to: pcap)
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)

        var arguments = ["-n", "-r", pcap.path, "-T", "fields", "-E", "header=n", "-E", "separator=/t", "-E", "occurrence=f"]
        for (name, value) in preferences { arguments += ["-o", "\(name):\(value)"] }
        for field in fields { arguments += ["-e", field] }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let outHandle = try FileHandle(forWritingTo: out)
        let errHandle = try FileHandle(forWritingTo: err)
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()

        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning && clock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw Failure(description: "tshark did not finish within \(timeout): \(arguments.joined(separator: " "))")
        }
        process.waitUntilExit()
        let stdout = String(decoding: try Data(contentsOf: out), as: UTF8.self)
        // tshark warns on stderr when run as root; that is not a failure.
        let stderr = String(decoding: try Data(contentsOf: err), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(description: "tshark exited with \(process.terminationStatus): \(stderr)")
        }
        return stdout.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            var row = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            while row.count < fields.count { row.append("") }
            return row
        }
    }
}

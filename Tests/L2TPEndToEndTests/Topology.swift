// SPDX-License-Identifier: GPL-2.0-only
// Two hosts in network namespaces joined by a veth pair, each running its own l2tpd: the test bed of
// every end-to-end test. Names are unique per test and everything is removed even when a test fails.
//
//   +----------- ns A -----------+            +----------- ns B -----------+
//   | l2tpd (control socket A)   |            | l2tpd (control socket B)   |
//   | l2tpethN ... (TAPs)        |            | l2tpethN ... (TAPs)        |
//   | veth "<id>a" 10.x.0.1/24   |<--veth---->| veth "<id>b" 10.x.0.2/24   |
//   |              fd00:x::1/64  |            |              fd00:x::2/64  |
//   +----------------------------+            +----------------------------+

import Foundation
import Synchronization
import Testing

/// Paths of the binaries under test: next to the test bundle in the build directory.
enum Binaries {
    static let directory: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }()
    static var l2tpd: String { directory + "/l2tpd" }
    static var l2tp: String { directory + "/l2tp" }
}

/// Fails a test early, with a clear reason, when the machine cannot run end-to-end tests.
enum Prerequisites {
    static func check() throws {
        guard getuid() == 0 else {
            throw CommandError(description: "end-to-end tests need root (network namespaces, TAP devices, raw sockets); run `sudo make test`")
        }
        for tool in ["/usr/sbin/ip", "/usr/bin/ping"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw CommandError(description: "\(tool) is missing; `make test` installs the prerequisites")
        }
        guard FileManager.default.isExecutableFile(atPath: Binaries.l2tpd) else {
            throw CommandError(description: "l2tpd not built at \(Binaries.l2tpd)")
        }
    }
}

/// One network namespace with its own l2tpd.
final class Host: @unchecked Sendable {
    let namespace: String
    let veth: String
    let ipv4: String
    let ipv6: String
    let socketPath: String
    private var daemon: Process?
    private var daemonLog: FileHandle?
    let logPath: String

    init(namespace: String, veth: String, ipv4: String, ipv6: String, socketPath: String) {
        self.namespace = namespace
        self.veth = veth
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.socketPath = socketPath
        logPath = socketPath + ".log"
    }

    /// Runs a command inside the namespace.
    @discardableResult
    func run(_ argv: [String], timeout: Double = 30) throws -> CommandResult {
        try Command.run(["/usr/sbin/ip", "netns", "exec", namespace] + argv, timeout: timeout)
    }

    /// Runs a command inside the namespace and requires success.
    @discardableResult
    func check(_ argv: [String], timeout: Double = 30) throws -> CommandResult {
        let r = try run(argv, timeout: timeout)
        guard r.status == 0 else { throw CommandError(description: "[\(namespace)] \(r)\nl2tpd log:\n\(log)") }
        return r
    }

    /// Runs `l2tp --socket <this host's daemon> args...`.
    @discardableResult
    func l2tp(_ args: [String], timeout: Double = 30) throws -> CommandResult {
        try run([Binaries.l2tp, "--socket", socketPath] + args, timeout: timeout)
    }

    /// Like `l2tp` but requires exit status 0.
    @discardableResult
    func l2tpOK(_ args: String) throws -> CommandResult {
        let r = try l2tp(args.split(separator: " ").map(String.init))
        guard r.status == 0 else { throw CommandError(description: "[\(namespace)] \(r)\nl2tpd log:\n\(log)") }
        return r
    }

    /// Starts l2tpd in the namespace and waits for its control socket.
    /// `wrapper` goes between `ip netns exec NS` and l2tpd (e.g. a `setpriv` that bounds capabilities);
    /// a nil `logLevel` leaves the level to the configuration file.
    func startDaemon(
        extraArguments: [String] = [], environment: [String: String] = [:], logLevel: String? = "debug",
        wrapper: [String] = []
    ) throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", namespace] + wrapper + [Binaries.l2tpd, "--control-socket", socketPath]
            + (logLevel.map { ["--log-level", $0] } ?? []) + extraArguments
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try p.runUnblocked()
        daemon = p
        daemonLog = log
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socketPath) {
            guard p.isRunning, Date() < deadline else {
                throw CommandError(description: "l2tpd in \(namespace) did not start:\n\(self.log)")
            }
            usleep(20_000)
        }
    }

    /// Sends SIGTERM and waits (bounded) for the daemon to exit; returns its status.
    @discardableResult
    func stopDaemon(timeout: Double = 5) -> Int32? {
        guard let p = daemon else { return nil }
        daemon = nil
        if p.isRunning { p.terminate() }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            return nil
        }
        try? daemonLog?.close()
        return p.terminationStatus
    }

    var daemonIsRunning: Bool { daemon?.isRunning ?? false }

    /// The daemon's process id (the `ip netns exec` process execs l2tpd).
    var daemonPID: Int32? { daemon?.processIdentifier }

    /// Sends a signal to the daemon.
    func signalDaemon(_ signal: Int32) {
        if let pid = daemonPID { kill(pid, signal) }
    }

    /// Waits (bounded) for the daemon to exit by itself; returns its status and how long it took.
    func waitForDaemonExit(timeout: Double) -> (status: Int32, seconds: Double)? {
        guard let p = daemon else { return nil }
        let start = Date()
        while p.isRunning && Date().timeIntervalSince(start) < timeout { usleep(2_000) }
        guard !p.isRunning else { return nil }
        daemon = nil
        try? daemonLog?.close()
        return (p.terminationStatus, Date().timeIntervalSince(start))
    }

    /// What the daemon logged so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Interface names in the namespace.
    func links() throws -> [String] {
        try check(["ip", "-o", "link", "show"]).stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2)
            guard parts.count >= 2 else { return nil }
            return parts[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first.map(String.init)
        }
    }
}

/// Two hosts joined by veth, torn down by `close()` (called by `withTopology` whatever happens).
final class Topology: @unchecked Sendable {
    private static let counter = Atomic<Int>(0)

    let id: String
    let a: Host
    let b: Host
    private let directory: String

    /// Creates the namespaces, the veth pair and the addresses, and starts both daemons.
    init(startDaemons: Bool = true, mtu: Int = 1500) throws {
        try Prerequisites.check()
        let n = Self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        let pid = Int(getpid()) % 10000
        id = "l2e\(pid)x\(n)"
        directory = NSTemporaryDirectory() + "l2tpd-e2e-\(id)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let subnet = (pid * 7 + n) % 250 + 1
        a = Host(namespace: "\(id)-a", veth: "\(id)a", ipv4: "10.\(subnet).0.1", ipv6: "fd00:\(subnet)::1",
                 socketPath: directory + "/a.sock")
        b = Host(namespace: "\(id)-b", veth: "\(id)b", ipv4: "10.\(subnet).0.2", ipv6: "fd00:\(subnet)::2",
                 socketPath: directory + "/b.sock")
        do {
            for h in [a, b] { try Command.check(["/usr/sbin/ip", "netns", "add", h.namespace]) }
            try Command.check(["/usr/sbin/ip", "link", "add", a.veth, "netns", a.namespace, "type", "veth",
                               "peer", "name", b.veth, "netns", b.namespace])
            for h in [a, b] {
                try h.check(["ip", "link", "set", "lo", "up"])
                try h.check(["ip", "link", "set", h.veth, "mtu", "\(mtu)", "up"])
                try h.check(["ip", "addr", "add", "\(h.ipv4)/24", "dev", h.veth])
                try h.check(["ip", "-6", "addr", "add", "\(h.ipv6)/64", "dev", h.veth, "nodad"])
            }
            if startDaemons {
                try a.startDaemon()
                try b.startDaemon()
            }
        } catch {
            close()
            throw error
        }
    }

    /// Stops the daemons and removes the namespaces (and with them every device in them).
    func close() {
        a.stopDaemon()
        b.stopDaemon()
        for h in [a, b] { _ = try? Command.run(["/usr/sbin/ip", "netns", "del", h.namespace], timeout: 10) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` with a fresh topology and always tears it down.
func withTopology<R>(startDaemons: Bool = true, mtu: Int = 1500, _ body: (Topology) throws -> R) throws -> R {
    let t = try Topology(startDaemons: startDaemons, mtu: mtu)
    defer { t.close() }
    return try body(t)
}

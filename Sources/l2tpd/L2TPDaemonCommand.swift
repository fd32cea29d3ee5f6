// SPDX-License-Identifier: GPL-2.0-only
// The l2tpd command line: flags and the configuration file's [daemon] table to DaemonOptions, then run.

import ArgumentParser
import Glibc
import L2TPConfig
import L2TPDaemon
import Logging

struct L2TPDaemonCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "l2tpd",
        abstract: "Userspace L2TP datapath daemon, controlled through the kernel's l2tp Generic Netlink family.",
        discussion: """
            Runs in the foreground. Tunnels and sessions come from the configuration file (--config) and from \
            clients on the control socket (l2tp, or ip l2tp and other programs through l2tpd-run). SIGHUP \
            reloads the configuration file; SIGTERM and SIGINT shut down. See l2tpd(8) and l2tpd.toml(5).
            """,
        version: "l2tpd \(version)")

    @Option(name: .customLong("config"), help: "Configuration file (TOML); applied at start-up and on SIGHUP.")
    var config: String?

    @Option(name: .customLong("check-config"), help: "Check a configuration file and exit: 0 if valid, 1 with its errors.")
    var checkConfig: String?

    @Flag(name: .customLong("running"), help: "With --check-config: also try the file on the running daemon, as a reload would.")
    var running = false

    @Option(name: .customLong("control-socket"), help: "Path of the control socket (default /run/l2tpd/control.sock).")
    var controlSocket: String?

    @Option(name: .customLong("control-group"), help: "Group allowed to use the control socket (mode 0660). Default: root only (0600).")
    var controlGroup: String?

    @Option(help: "Datapath threads (default: one per CPU).")
    var workers: Int?

    @Flag(name: .customLong("no-offloads"), help: "Move frames one by one: no TAP offloads (TSO/USO/checksum), no UDP GSO/GRO.")
    var noOffloads = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let workers, workers < 1 || workers > 256 { throw ValidationError("--workers must be between 1 and 256") }
        if running && checkConfig == nil { throw ValidationError("--running checks a file: use it with --check-config FILE") }
    }

    func run() throws {
        if let path = checkConfig {
            let config: Configuration
            do {
                config = try Daemon.checkConfiguration(path: path)
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
            guard running else {
                let sessions = config.tunnels.reduce(0) { $0 + $1.sessions.count }
                print("\(path): OK (\(config.tunnels.count) tunnels, \(sessions) sessions)")
                return
            }
            // The daemon listens where the flag, or else the file's [daemon] table, says.
            let socket = controlSocket ?? config.daemon.controlSocket ?? DaemonOptions().controlSocket
            do {
                let check = try Daemon.checkWithRunningDaemon(path: path, socketPath: socket)
                guard check.errors == 0 else {
                    printError(check.report)
                    throw ExitCode(1)
                }
                print(check.report)
                return
            } catch let error as DaemonError {
                printError("l2tpd: \(error)")
                throw ExitCode(1)
            }
        }
        var options = DaemonOptions()
        var settings = DaemonSettings()
        if let path = config {
            do {
                settings = try ConfigLoader.load(path: path).daemon
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
            options.configPath = path
        }
        // Flags win over the file's [daemon] table, which wins over the defaults.
        options.controlSocket = controlSocket ?? settings.controlSocket ?? options.controlSocket
        options.controlGroup = controlGroup ?? settings.controlGroup
        options.workers = workers ?? settings.workers
        options.offloads = !noOffloads && (settings.offloads ?? true)
        let level = logLevel ?? settings.logLevel ?? "info"
        options.logLevel = Logger.Level(rawValue: level) ?? .info
        options.logLevelFromFlag = logLevel != nil

        let environment = Self.environment()
        DaemonLogHandler.level = options.logLevel
        LoggingSystem.bootstrap { DaemonLogHandler(label: $0, environment: environment) }
        do {
            let daemon = try Daemon(options: options, environment: environment)
            let status = try daemon.run()
            throw ExitCode(status)
        } catch let e as ExitCode {
            throw e
        } catch {
            printError("l2tpd: \(error)")
            throw ExitCode(1)
        }
    }

    private func printError(_ text: String) {
        let line = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    private static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { result[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return result
    }
}

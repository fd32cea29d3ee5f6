// SPDX-License-Identifier: GPL-2.0-only
// The l2tpd command line: flags to DaemonOptions, then run.

import ArgumentParser
import Glibc
import L2TPDaemon
import Logging

struct L2TPDaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "l2tpd",
        abstract: "Userspace L2TP datapath daemon, controlled through the kernel's l2tp Generic Netlink family.",
        discussion: "Runs in the foreground. Clients (l2tp, ip l2tp through l2tpd-run) connect to the control socket.")

    @Option(name: .customLong("control-socket"), help: "Path of the control socket.")
    var controlSocket = "/run/l2tpd/control.sock"

    @Option(name: .customLong("control-group"), help: "Group allowed to use the control socket (mode 0660). Default: root only (0600).")
    var controlGroup: String?

    @Option(help: "Datapath threads (default: one per CPU).")
    var workers: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let workers, workers < 1 || workers > 256 { throw ValidationError("--workers must be between 1 and 256") }
    }

    func run() throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var options = DaemonOptions()
        options.controlSocket = controlSocket
        options.controlGroup = controlGroup
        options.workers = workers
        options.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        do {
            let daemon = try Daemon(options: options)
            let status = try daemon.run()
            throw ExitCode(status)
        } catch let e as ExitCode {
            throw e
        } catch {
            let line = Array("l2tpd: \(error)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            throw ExitCode(1)
        }
    }
}

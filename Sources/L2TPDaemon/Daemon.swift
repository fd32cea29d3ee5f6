// SPDX-License-Identifier: GPL-2.0-only
// The l2tpd process: wires the datapath, the control plane and its registrations, the control socket,
// signals and link events, and runs the control loop on the main thread.
//
// Start-up: load the configuration file (if any) through the same request path as clients, then tell
// systemd READY=1.
//
// Control loop (an EventLoop on the main thread; the only thread that changes tunnels and sessions).
// Each of these is a source or timer registered with the loop:
//  1. Control socket readable → accept clients; client readable → handle each request datagram
//     through ControlPlane.handle and queue the replies; notifications go to the `l2tp` group.
//  2. Client writable → flush queued replies (large dumps).
//  3. Link event → follow MTU changes of our devices.
//  4. Control frames of managed tunnels → their owners; trace events → the log; watchdog timer → systemd.
//  5. SIGHUP → reload the configuration file: apply only the difference, or nothing if it has errors.
//  6. SIGTERM/SIGINT → stop accepting, delete every tunnel (devices and sockets go), stop workers,
//     exit 0. A second signal during that exits at once (status 1): the escape from a stuck shutdown,
//     not a faster one. The orderly path closes devices concurrently (400 sessions: 0.1 s); a process
//     that dies leaves the kernel to unregister them one by one as it closes their descriptors (2.5 s).

import CL2TPLinux
import Glibc
import L2TPConfig
import L2TPControl
import L2TPCore
import L2TPDatapath
import L2TPEncap
import L2TPEthernet
import L2TPNetlink
import L2TPSystem
import L2TPWire
import Logging

/// A running daemon.
public final class Daemon {
    private let options: DaemonOptions
    private var logger: Logger
    private let datapath: Datapath
    public let control: ControlPlane
    private let ethernet: EthernetPseudowireFactory
    private let router: ControlFrameRouter
    /// The control loop, which anything that runs on the control thread (PPP, control connections)
    /// registers its sources and timers with.
    private let loop: EventLoop
    /// The loop's source of each client connection, by connection id.
    private var clientSources: [UInt64: EventSourceID] = [:]
    private let signals: FileDescriptor
    private var server: ControlServer?
    private var links: LinkMonitor?
    private let traces: TraceLog
    private let notifier: SystemdNotifier
    /// RLIMIT_NOFILE after raising the soft limit to the hard one: about one descriptor per session.
    private let openFileLimit: UInt64
    private var config: ConfigService?

    /// Sets everything up (signals are blocked before any thread starts).
    public init(options: DaemonOptions, environment: [String: String]) throws {
        self.options = options
        let logger = Logger(label: "l2tpd")  // at DaemonLogHandler.level, which a reload may change
        self.logger = logger
        traces = try TraceLog(logger: logger)
        notifier = SystemdNotifier(environment: environment)

        var list: [Int32] = [SIGTERM, SIGINT, SIGHUP]
        signals = FileDescriptor(rawValue: try negativeErrno(CL2TP_signalfd(&list, Int32(list.count))).get())
        signal(SIGPIPE, SIG_IGN)
        openFileLimit = ResourceLimits.raiseOpenFileLimit()

        let cpus = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        datapath = try Datapath(workerCount: options.workers ?? max(1, cpus))
        router = try ControlFrameRouter()
        datapath.controlFrames = router
        // L2TPD_TAP_OFFLOADS narrows what TAPs ask for, as an older kernel would (tests, kernel bugs);
        // with --no-offloads TAPs ask for nothing and it is not read.
        var tapOffloads: TAPOffloads?
        if options.offloads {
            tapOffloads = .all
            if let names = environment["L2TPD_TAP_OFFLOADS"] {
                guard let narrowed = TAPOffloads(names: names) else {
                    throw StartupError(
                        description: "L2TPD_TAP_OFFLOADS=\(names): expected a comma list of csum, tso and uso, or none")
                }
                tapOffloads = narrowed
            }
        }
        ethernet = EthernetPseudowireFactory(offloads: tapOffloads)
        let registrations = Registrations.live(
            Registrations.Live(managedSockets: ManagedSockets(), offloads: options.offloads, ethernet: ethernet))
        control = ControlPlane(datapath: datapath, registrations: registrations, traceSink: traces)
        loop = try EventLoop(capacity: 64)
    }

    /// Runs until SIGTERM or SIGINT. Returns the exit status.
    public func run() throws -> Int32 {
        datapath.start()
        defer { datapath.stop() }
        try loop.register(signals, interest: .readable) { [unowned self] _, _ in
            if !handleSignals() { loop.stop() }
        }
        try loop.register(router.wakeup.fd, interest: .readable) { [unowned self] _, _ in deliverControlFrames() }
        try loop.register(traces.wakeup.fd, interest: .readable) { [unowned self] _, _ in traces.drain() }
        if let interval = notifier.watchdogInterval {
            loop.schedule(every: .microseconds(interval)) { [unowned self] _ in notifier.watchdog() }
        }

        let group = try options.controlGroup.map { name throws -> gid_t in
            guard let g = getgrnam(name) else { throw DaemonError("unknown group \(name) for --control-group") }
            return g.pointee.gr_gid
        }
        try makeParentDirectory(of: options.controlSocket)
        let server: ControlServer
        do {
            server = try ControlServer(path: options.controlSocket, group: group, logger: logger)
        } catch where error == Errno(EPERM) && group != nil {
            let name = options.controlGroup ?? ""
            throw DaemonError(
                "cannot give \(options.controlSocket) to group \(name): \(error); l2tpd needs CAP_CHOWN or membership "
                    + "of \(name) (under systemd: SupplementaryGroups=\(name))")
        } catch {
            throw DaemonError("cannot listen on \(options.controlSocket): \(error)")
        }
        self.server = server
        try loop.register(server.listener.fd, interest: .readable) { [unowned self] _, _ in acceptClients() }
        if let links = try? LinkMonitor() {
            self.links = links
            try loop.register(links.socket.fd, interest: .readable) { [unowned self] _, _ in
                links.drain { ethernet.mtuChanged(index: $0, mtu: $1) }
            }
        }
        let service = ConfigService(path: options.configPath, control: control, logger: logger) { [unowned self] in
            broadcast($0)
        }
        config = service
        // l2tpd CHECK_CONFIG (`l2tpd --check-config FILE --running`): the reload's own dry run.
        control.configurationCheck = { [unowned service] fd, name in service.check(fd, name: name) }
        if let path = options.configPath {
            let prepared: PreparedReload
            do {
                prepared = try service.prepare()
            } catch {
                throw DaemonError("configuration \(path) has errors:\n\(error)")
            }
            let report = service.apply(prepared)
            logger.info("configuration applied", metadata: ["file": "\(path)", "result": "\(report)"])
        }
        logger.info(
            "l2tpd ready",
            metadata: [
                "control_socket": "\(options.controlSocket)", "workers": "\(datapath.workerCount)",
                "open_files": "\(openFileLimit)",
            ])
        notifier.ready(status: statusLine())

        loop.run()
        shutdown()
        return 0
    }

    // MARK: Clients

    private func acceptClients() {
        guard let server else { return }
        for c in server.acceptAll() {
            router.setPort(c.requester.portID, of: c.id)
            do {
                clientSources[c.id] = try loop.register(c.socket.fd, interest: [.readable, .hangup]) {
                    [unowned self] source, events in serveClient(c, source: source, events: events)
                }
            } catch {
                logger.warning("cannot serve a control client: \(error)")
                drop(c)
            }
        }
    }

    private func serveClient(_ c: ControlConnection, source: EventSourceID, events: EventLoop.Events) {
        if events.contains(.writable) {
            guard c.flush() else { return drop(c) }
        }
        if events.contains(.readable) || events.contains(.hangup) {
            while true {
                let received: IOResult<UnixSocket.Datagram?>
                do {
                    received = try c.socket.receive()
                } catch {
                    logger.debug("control client read failed: \(error)")
                    return drop(c)
                }
                guard case .value(let datagram) = received else { break }
                // A SOCK_SEQPACKET read of 0 bytes is either an empty datagram (ignored) or the end of
                // the stream; only the hang-up event tells them apart. Without it, stop reading for
                // now: epoll is level-triggered and reports the hang-up on the next wake-up.
                guard let datagram else {
                    if events.contains(.hangup) { return drop(c) }
                    break
                }
                var passed = datagram.passedFD
                let out = control.handle(datagram.bytes, from: c.requester, passing: &passed)
                if let passed { close(passed) }  // not taken by a managed tunnel
                if let error = out.error {
                    logger.debug("request failed", metadata: ["pid": "\(c.requester.pid)", "error": "\(error)"])
                }
                apply(out.connectionChanges, to: c)
                guard c.send(out.replies) else { return drop(c) }
                broadcast(out.notifications)
            }
        }
        _ = try? loop.setInterest(source, c.hasPendingOutput ? [.readable, .hangup, .writable] : [.readable, .hangup])
    }

    private func drop(_ c: ControlConnection) {
        if let source = clientSources.removeValue(forKey: c.id) { loop.unregister(source) }
        server?.close(c)
        // Managed tunnels close with the connection that created them.
        control.connectionClosed(c.id)
        router.forget(c.id)
    }

    private func apply(_ changes: [ConnectionChange], to c: ControlConnection) {
        for change in changes {
            switch change {
            case .setPort(let port):
                server?.setPort(c, port)
                router.setPort(port, of: c.id)
            case .join(let group): c.groups.insert(group)
            case .leave(let group): c.groups.remove(group)
            }
        }
    }

    /// Multicast: every member of the `l2tp` group gets each notification, the requester included.
    private func broadcast(_ notifications: [[UInt8]]) {
        guard !notifications.isEmpty, let server else { return }
        for member in server.members(of: L2TPGenl.multicastGroupID) where !member.send(notifications) {
            drop(member)
        }
    }

    private func deliverControlFrames() {
        for (id, message) in router.drain() {
            guard let c = server?.connection(id) else { continue }
            if !c.send([message]) { drop(c) }
        }
    }

    // MARK: Signals and shutdown

    /// Returns false when the daemon must stop.
    private func handleSignals() -> Bool {
        while true {
            let sig = CL2TP_signalfd_read(signals.rawValue)
            guard sig > 0 else { break }
            switch sig {
            case SIGTERM, SIGINT:
                logger.info("shutting down", metadata: ["signal": "\(sig)"])
                return false  // a signal still pending is the second one, for the shutdown's watcher
            case SIGHUP:
                reload()
            default:
                break
            }
        }
        return true
    }

    /// SIGHUP: re-reads the configuration file and applies only the difference; a file with any
    /// error changes nothing.
    private func reload() {
        guard let config, let path = config.path else {
            logger.notice("SIGHUP: no configuration file to reload (start with --config)")
            return
        }
        notifier.reloading()
        defer { traces.drain() }
        do {
            let prepared = try config.prepare()
            reloadDaemonSettings(prepared.configuration.daemon)
            let report = config.apply(prepared)
            logger.info("configuration reloaded", metadata: ["file": "\(path)", "result": "\(report)"])
            notifier.ready(status: "Reloaded (\(report)); " + statusLine())
        } catch {
            for e in error.errors { logger.error("\(e)") }
            logger.error("configuration not reloaded: \(error.errors.count) error(s); nothing changed", metadata: ["file": "\(path)"])
            notifier.ready(status: "Reload failed (\(error.errors.count) errors), configuration unchanged; " + statusLine())
        }
    }

    /// [daemon] on reload: the log level changes now (unless --log-level fixed it) — to the file's
    /// `log_level`, or back to the default (info) when the file no longer sets one, as a start with
    /// this file would; the control socket, its group and the workers only at the next start.
    private func reloadDaemonSettings(_ settings: DaemonSettings) {
        let level = settings.logLevel.flatMap(Logger.Level.init(rawValue:)) ?? DaemonOptions().logLevel
        if level != DaemonLogHandler.level {
            if options.logLevelFromFlag {
                if settings.logLevel != nil {
                    logger.notice("log_level in the file ignored: --log-level \(options.logLevel) was given")
                }
            } else {
                DaemonLogHandler.level = level
                logger.notice("log level changed", metadata: ["log_level": "\(level)"])
            }
        }
        var later: [String] = []
        if settings.controlSocket.map({ $0 != options.controlSocket }) ?? false { later.append("control_socket") }
        if settings.controlGroup.map({ $0 != options.controlGroup }) ?? false { later.append("control_group") }
        if settings.workers.map({ $0 != options.workers }) ?? false { later.append("workers") }
        if settings.offloads.map({ $0 != options.offloads }) ?? false { later.append("offloads") }
        if !later.isEmpty {
            logger.warning("[daemon] \(later.joined(separator: ", ")) changed: takes effect at the next start, not on reload")
        }
    }

    /// The STATUS= line: counts of what is running.
    private func statusLine() -> String {
        "\(control.tunnelCount) tunnels, \(control.sessionCount) sessions"
    }

    private func shutdown() {
        notifier.stopping()
        watchSecondSignal()
        if let server {
            clientSources.values.forEach { loop.unregister($0) }
            clientSources.removeAll()
            server.closeAll()
        }
        control.removeAll()
        links?.close()
        traces.drain()
        logger.info("l2tpd stopped")
    }

    /// While the shutdown deletes everything, a second SIGTERM or SIGINT ends the process at once.
    private func watchSecondSignal() {
        let job = Unmanaged.passRetained(SignalWatch(fd: signals.rawValue)).toOpaque()
        var tid = pthread_t()
        if pthread_create(&tid, nil, secondSignalEntry, job) == 0 { pthread_detach(tid) }
    }

    private func makeParentDirectory(of path: String) throws {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        var dir = ""
        for part in path[..<slash].split(separator: "/") {
            dir += "/" + part
            if mkdir(dir, 0o755) != 0 && errno != EEXIST {
                throw DaemonError("cannot create \(dir): \(Errno.current)")
            }
        }
    }
}

extension Daemon {
    /// `l2tpd --check-config`: reads the file and tries it on a dry-run control plane, without
    /// touching anything.
    public static func checkConfiguration(path: String) throws(ConfigErrors) -> Configuration {
        try ConfigService.check(path: path)
    }
}

/// A start-up failure with a message for the operator.
public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The signalfd the second-signal watcher waits on.
private final class SignalWatch {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
}

private func secondSignalEntry(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let watch = Unmanaged<SignalWatch>.fromOpaque(arg!).takeRetainedValue()
    while true {
        let sig = CL2TP_wait_signal(watch.fd)
        if sig == SIGTERM || sig == SIGINT {
            let line = Array("l2tpd: second signal during shutdown, exiting at once\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            _exit(1)
        }
        if sig < 0 { return nil }
    }
}

/// A reason the daemon cannot start that is not a system call's error.
struct StartupError: Error, CustomStringConvertible {
    let description: String
}

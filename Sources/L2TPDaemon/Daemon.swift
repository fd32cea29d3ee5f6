// SPDX-License-Identifier: GPL-2.0-only
// The l2tpd process: wires the datapath, the control plane and its registrations, the control socket,
// signals and link events, and runs the control loop on the main thread.
//
// Control loop (single thread; the only thread that changes tunnels and sessions):
//  1. Control socket readable → accept clients; client readable → handle each request datagram
//     through ControlPlane.handle and queue the replies.
//  2. Client writable → flush queued replies (large dumps).
//  3. Link event → follow MTU changes of our devices.
//  4. SIGTERM/SIGINT → stop accepting, delete every tunnel (devices and sockets go), stop workers.

import CL2TPLinux
import Glibc
import L2TPControl
import L2TPCore
import L2TPDatapath
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
    private let managed: ManagedTunnels
    private let epoll: Epoll
    private let signals: FileDescriptor
    private var server: ControlServer?
    private var links: LinkMonitor?

    private enum Token {
        static let signals: UInt64 = 1 << 40
        static let listener: UInt64 = 2 << 40
        static let links: UInt64 = 3 << 40
        static let controlFrames: UInt64 = 4 << 40
    }

    /// Sets everything up (signals are blocked before any thread starts).
    public init(options: DaemonOptions) throws {
        self.options = options
        var logger = Logger(label: "l2tpd")
        logger.logLevel = options.logLevel
        self.logger = logger

        var list: [Int32] = [SIGTERM, SIGINT, SIGHUP]
        signals = FileDescriptor(rawValue: try negativeErrno(CL2TP_signalfd(&list, Int32(list.count))).get())
        signal(SIGPIPE, SIG_IGN)

        let cpus = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        datapath = try Datapath(workerCount: options.workers ?? max(1, cpus))
        router = try ControlFrameRouter()
        datapath.controlFrames = router
        managed = ManagedTunnels(router: router)
        control = ControlPlane(datapath: datapath)
        control.register(UDPEncapFactory(datapath: datapath, managed: managed), for: .udp)
        control.register(IPEncapFactory(datapath: datapath, managed: managed), for: .ip)
        ethernet = EthernetPseudowireFactory(datapath: datapath)
        control.register(ethernet, for: .eth)
        epoll = try Epoll(capacity: 64)
    }

    /// Runs until SIGTERM or SIGINT. Returns the exit status.
    public func run() throws -> Int32 {
        datapath.start()
        defer { datapath.stop() }
        try epoll.add(signals, events: Epoll.readable, token: Token.signals)
        try epoll.add(router.wakeup.fd, events: Epoll.readable, token: Token.controlFrames)

        let group = try options.controlGroup.map { name throws -> gid_t in
            guard let g = getgrnam(name) else { throw DaemonError("unknown group \(name) for --control-group") }
            return g.pointee.gr_gid
        }
        try makeParentDirectory(of: options.controlSocket)
        let server: ControlServer
        do {
            server = try ControlServer(path: options.controlSocket, group: group, logger: logger)
        } catch {
            throw DaemonError("cannot listen on \(options.controlSocket): \(error)")
        }
        self.server = server
        try epoll.add(server.listener.fd, events: Epoll.readable, token: Token.listener)
        if let links = try? LinkMonitor() {
            self.links = links
            try epoll.add(links.socket.fd, events: Epoll.readable, token: Token.links)
        }
        logger.info(
            "l2tpd ready",
            metadata: ["control_socket": "\(options.controlSocket)", "workers": "\(datapath.workerCount)"])

        var running = true
        while running {
            epoll.wait(timeout: -1) { token, events in
                switch token {
                case Token.signals: running = handleSignals()
                case Token.listener: acceptClients()
                case Token.links: links?.drain { ethernet.mtuChanged(index: $0, mtu: $1) }
                case Token.controlFrames: deliverControlFrames()
                default: serveClient(fd: Int32(truncatingIfNeeded: token), events: events)
                }
            }
        }
        shutdown()
        return 0
    }

    // MARK: Clients

    private func acceptClients() {
        guard let server else { return }
        for c in server.acceptAll() {
            managed.connection(c.id, port: c.requester.portID)
            try? epoll.add(
                c.socket.fd, events: Epoll.readable | Epoll.hangup, token: UInt64(UInt32(bitPattern: c.socket.fd.rawValue)))
        }
    }

    private func serveClient(fd: Int32, events: UInt32) {
        guard let server, let c = server.connections[fd] else { return }
        if events & Epoll.writable != 0 {
            guard c.flush() else { return drop(c) }
        }
        if events & Epoll.readable != 0 || events & Epoll.hangup != 0 {
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
                    if events & Epoll.hangup != 0 { return drop(c) }
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
        let wanted = Epoll.readable | Epoll.hangup | (c.hasPendingOutput ? Epoll.writable : 0)
        try? epoll.modify(c.socket.fd, events: wanted, token: UInt64(UInt32(bitPattern: fd)))
    }

    private func drop(_ c: ControlConnection) {
        epoll.remove(c.socket.fd)
        server?.close(c)
        // Managed tunnels close with the connection that created them.
        control.connectionClosed(c.id)
        managed.connectionClosed(c.id)
    }

    private func apply(_ changes: [ConnectionChange], to c: ControlConnection) {
        for change in changes {
            switch change {
            case .setPort(let port):
                server?.setPort(c, port)
                managed.connection(c.id, port: port)
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
        var keepRunning = true
        while true {
            let sig = CL2TP_signalfd_read(signals.rawValue)
            guard sig > 0 else { break }
            switch sig {
            case SIGTERM, SIGINT:
                logger.info("shutting down", metadata: ["signal": "\(sig)"])
                keepRunning = false
            case SIGHUP:
                logger.info("SIGHUP: nothing to reload (no --config)")
            default:
                break
            }
        }
        return keepRunning
    }

    private func shutdown() {
        if let server {
            epoll.remove(server.listener.fd)
            server.closeAll()
        }
        control.removeAll()
        links?.close()
        logger.info("l2tpd stopped")
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

/// A start-up failure with a message for the operator.
public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

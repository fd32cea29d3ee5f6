// SPDX-License-Identifier: GPL-2.0-only
// In-memory stand-ins for everything that registers with the control plane: a datapath that records
// publications and grace periods, encapsulations whose tunnels describe their sockets like the real
// UDP/IP endpoints, and a pseudowire that names its devices like l2tp_eth. All of them write to one
// event log, so a test can check the order in which the control plane drove them.
//
// Concurrency: each test builds its own fakes and uses them from its own thread only.

import Glibc
import L2TPControl
import L2TPCore
import L2TPNetlink
import L2TPTestSupport
import L2TPWire

/// What the fakes were asked to do, in order, one short line per call ("detach session 10/100").
final class EventLog: @unchecked Sendable {
    /// Session endpoints are closed concurrently, so recording is locked.
    private let lock = NSLockLike()
    private var recorded: [String] = []

    var events: [String] { lock.around { recorded } }

    func record(_ event: String) { lock.around { recorded.append(event) } }

    /// Forgets everything recorded so far (to look only at what one request did).
    func clear() { lock.around { recorded.removeAll() } }
}

/// A pthread mutex (no Foundation in this target).
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func around<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}

/// A datapath that keeps the last published table and logs every publication and grace period.
final class FakeDatapath: DatapathControl {
    private let log: EventLog
    /// The table the datapath would be using now.
    private(set) var table: SessionTable = .empty
    private(set) var publications = 0
    private(set) var synchronizations = 0

    init(log: EventLog) { self.log = log }

    func publish(_ table: SessionTable) {
        self.table = table
        publications += 1
        log.record("publish")
    }

    func synchronize() {
        synchronizations += 1
        log.record("synchronize")
    }

    var debugDescription: String {
        "DATAPATH fake publications \(publications) synchronizations \(synchronizations)\n"
    }
}

/// A tunnel "socket". `describe` adds the attributes the real TransportEndpoint adds for the same
/// socket (l2tp_nl_tunnel_send_addr4/6): ports and checksum settings only for UDP, UDP_CSUM only for
/// IPv4, the zero-checksum flags only for IPv6.
final class FakeTunnelEndpoint: TunnelEndpoint {
    let tunnel: Tunnel
    let request: UnmanagedTunnelRequest
    private let log: EventLog
    private(set) var isAttached = false
    private(set) var isClosed = false

    init(tunnel: Tunnel, request: UnmanagedTunnelRequest, log: EventLog) {
        self.tunnel = tunnel
        self.request = request
        self.log = log
    }

    func describe(into a: inout L2TPAttributes) {
        let r = request
        if r.local.isIPv6 {
            if tunnel.encap == .udp {
                a.udpZeroCsum6Tx = r.udp6ZeroChecksumTx
                a.udpZeroCsum6Rx = r.udp6ZeroChecksumRx
                a.udpSport = r.localPort
                a.udpDport = r.peerPort
            }
            a.ip6Saddr = r.local
            a.ip6Daddr = r.peer
        } else {
            if tunnel.encap == .udp {
                a.udpCsum = r.udpChecksum ? 1 : 0
                a.udpSport = r.localPort
                a.udpDport = r.peerPort
            }
            a.ipSaddr = r.local
            a.ipDaddr = r.peer
        }
    }

    func attach() {
        isAttached = true
        log.record("attach tunnel \(tunnel.id)")
    }

    func detach() {
        isAttached = false
        log.record("detach tunnel \(tunnel.id)")
    }

    func close() {
        isClosed = true
        log.record("close tunnel \(tunnel.id)")
    }

    var debugDescription: String { "socket fake \(request.local) -> \(request.peer)" }
}

/// Opens fake tunnel sockets for one encapsulation; `failure` makes every open fail with that error,
/// as a bind or connect would (EADDRINUSE, EADDRNOTAVAIL).
final class FakeEncapFactory: EncapFactory {
    private let log: EventLog
    var failure: NetlinkError?
    /// Every request the control plane made, including failed ones.
    private(set) var requests: [UnmanagedTunnelRequest] = []
    /// The tunnels of the successful opens, with their endpoints.
    private(set) var endpoints: [FakeTunnelEndpoint] = []

    init(log: EventLog) { self.log = log }

    func openTunnel(_ tunnel: Tunnel, _ request: UnmanagedTunnelRequest) throws(NetlinkError) -> any TunnelEndpoint {
        requests.append(request)
        if let failure {
            log.record("open tunnel \(tunnel.id) failed")
            throw failure
        }
        log.record("open tunnel \(tunnel.id)")
        let endpoint = FakeTunnelEndpoint(tunnel: tunnel, request: request, log: log)
        endpoints.append(endpoint)
        return endpoint
    }

    /// Managed tunnels adopted: the descriptor and owning connection of each.
    private(set) var adopted: [(tunnel: UInt32, socket: Int32, owner: UInt64)] = []

    func adoptTunnel(_ tunnel: Tunnel, socket: Int32, owner: UInt64) throws(NetlinkError) -> any TunnelEndpoint {
        if let failure {
            log.record("adopt tunnel \(tunnel.id) failed")
            throw failure
        }
        log.record("adopt tunnel \(tunnel.id)")
        adopted.append((tunnel.id.rawValue, socket, owner))
        let unspecified = IPAddress.v4(0, 0, 0, 0)
        let request = UnmanagedTunnelRequest(
            local: unspecified, peer: unspecified, localPort: 0, peerPort: 0, udpChecksum: false,
            udp6ZeroChecksumTx: false, udp6ZeroChecksumRx: false)
        let endpoint = FakeTunnelEndpoint(tunnel: tunnel, request: request, log: log)
        endpoints.append(endpoint)
        return endpoint
    }

    /// The most recent endpoint opened for tunnel `id`.
    func endpoint(_ id: UInt32) -> FakeTunnelEndpoint? {
        endpoints.last { $0.tunnel.id.rawValue == id }
    }
}

/// A session's "device".
final class FakeSessionEndpoint: SessionEndpoint {
    let session: Session
    /// The tunnel endpoint the control plane handed to the factory with this session.
    let tunnelEndpoint: any TunnelEndpoint
    let interfaceName: String?
    private let log: EventLog
    private let onClose: () -> Void
    private(set) var isAttached = false
    private(set) var isClosed = false

    init(session: Session, tunnelEndpoint: any TunnelEndpoint, interfaceName: String?, log: EventLog,
         onClose: @escaping () -> Void)
    {
        self.session = session
        self.tunnelEndpoint = tunnelEndpoint
        self.interfaceName = interfaceName
        self.log = log
        self.onClose = onClose
    }

    private var name: String { "session \(session.tunnel.id)/\(session.id)" }

    func attach() {
        isAttached = true
        log.record("attach \(name)")
    }

    func detach() {
        isAttached = false
        log.record("detach \(name)")
    }

    func close() {
        isClosed = true
        onClose()
        log.record("close \(name)")
    }

    var debugDescription: String { "device \(interfaceName ?? "-") fake" }
}

/// Creates fake devices for one pseudowire type. Like l2tp_eth it sets `session.device` and
/// `session.ifname`: the requested name, or the first free "l2tpethN". A name already in
/// `interfaceNames` fails with EEXIST, as register_netdevice does; `failure` fails every creation.
final class FakePseudowireFactory: PseudowireFactory {
    private let log: EventLog
    private let namePrefix: String
    var failure: NetlinkError?
    /// Interface names in use on the fake host. Tests may add names to simulate foreign devices.
    var interfaceNames: Set<String> = []
    /// L2TP_ATTR_IFNAME of every creation the control plane asked for, including failed ones.
    private(set) var requestedNames: [String?] = []
    /// The successful creations, in order.
    private(set) var endpoints: [FakeSessionEndpoint] = []

    init(log: EventLog, namePrefix: String = "l2tpeth") {
        self.log = log
        self.namePrefix = namePrefix
    }

    func createSession(_ session: Session, tunnel: any TunnelEndpoint, _ request: PseudowireRequest)
        throws(NetlinkError) -> any SessionEndpoint
    {
        requestedNames.append(request.interfaceName)
        let label = "session \(session.tunnel.id)/\(session.id)"
        if let failure {
            log.record("create \(label) failed")
            throw failure
        }
        let name = request.interfaceName ?? firstFreeName()
        if interfaceNames.contains(name) {
            log.record("create \(label) failed")
            throw NetlinkError(EEXIST, "cannot create interface \(name): File exists")
        }
        interfaceNames.insert(name)
        session.device = RecordingDevice()
        session.ifname = name
        log.record("create \(label) \(name)")
        let endpoint = FakeSessionEndpoint(
            session: session, tunnelEndpoint: tunnel, interfaceName: name, log: log
        ) { [weak self] in self?.interfaceNames.remove(name) }
        endpoints.append(endpoint)
        return endpoint
    }

    /// The endpoint of session `sessionID` in tunnel `tunnelID`, if this factory created it.
    func endpoint(_ tunnelID: UInt32, _ sessionID: UInt32) -> FakeSessionEndpoint? {
        endpoints.last { $0.session.tunnel.id.rawValue == tunnelID && $0.session.id.rawValue == sessionID }
    }

    /// The Session object the control plane created for (tunnelID, sessionID).
    func session(_ tunnelID: UInt32, _ sessionID: UInt32) -> Session? {
        endpoint(tunnelID, sessionID)?.session
    }

    private func firstFreeName() -> String {
        var n = 0
        while interfaceNames.contains("\(namePrefix)\(n)") { n += 1 }
        return "\(namePrefix)\(n)"
    }
}

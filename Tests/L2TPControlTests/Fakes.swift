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

/// A datapath that keeps the last published table and logs every publication, grace period, attach
/// and detach. Attaching tells a fake transport its tunnel and a fake device its session.
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

    func add(_ receiver: any PacketReceiver, for tunnel: Tunnel) throws(L2TPError) {
        let fake = receiver as? FakeTransport
        fake?.tunnelAttached = tunnel
        fake?.isAttached = true
        log.record("attach tunnel \(tunnel.id)")
    }

    func remove(_ receiver: any PacketReceiver, for tunnel: Tunnel) {
        (receiver as? FakeTransport)?.isAttached = false
        log.record("detach tunnel \(tunnel.id)")
    }

    func add(_ device: any PseudowireDevice, for session: Session) throws(L2TPError) {
        let fake = device as? FakeDevice
        fake?.isAttached = true
        log.record("attach session \(session.tunnel.id)/\(session.id)")
    }

    func remove(_ device: any PseudowireDevice, for session: Session) {
        (device as? FakeDevice)?.isAttached = false
        log.record("detach session \(session.tunnel.id)/\(session.id)")
    }

    var debugDescription: String {
        "DATAPATH fake publications \(publications) synchronizations \(synchronizations)\n"
    }
}

/// A tunnel "socket", received from by itself: it describes its addressing as the real UDP and IP
/// transports read theirs back from the socket.
final class FakeTransport: TunnelTransport, PacketReceiver, @unchecked Sendable {
    let tunnelID: TunnelID
    let request: UnmanagedTunnelRequest
    let encapsulation: EncapType
    /// The descriptor of an adopted socket (managed tunnel).
    let adoptedSocket: Int32?
    private let log: EventLog
    /// The tunnel the control plane attached this transport for.
    fileprivate(set) var tunnelAttached: Tunnel?
    fileprivate(set) var isAttached = false
    private(set) var isClosed = false

    init(tunnelID: TunnelID, request: UnmanagedTunnelRequest, encap: EncapType, adoptedSocket: Int32? = nil,
         log: EventLog) {
        self.tunnelID = tunnelID
        self.request = request
        encapsulation = encap
        self.adoptedSocket = adoptedSocket
        self.log = log
    }

    /// The tunnel built around this transport.
    var tunnel: Tunnel { tunnelAttached! }

    var receiver: (any PacketReceiver)? { self }
    var addressing: TunnelAddressing {
        TunnelAddressing(
            encap: encapsulation, local: request.local, localPort: request.localPort, peer: request.peer,
            peerPort: request.peerPort, udpChecksum: request.udpChecksum,
            udp6ZeroChecksumTx: request.udp6ZeroChecksumTx, udp6ZeroChecksumRx: request.udp6ZeroChecksumRx)
    }
    var networkOverhead: Int { 28 }
    func pathMTU() -> Int? { nil }
    func send(_ batch: TransmitBatch) -> TransmitResult { TransmitResult(failed: batch.count) }

    func close() {
        isClosed = true
        log.record("close tunnel \(tunnelID)")
    }

    var debugDescription: String { "socket fake \(request.local) -> \(request.peer)" }

    var pollDescriptor: Int32 { -1 }
    var isShared: Bool { false }
    func receive(into batch: ReceiveBatch) -> ReceiveResult { .wouldBlock }
}

/// Opens fake tunnel sockets for one encapsulation; `failure` makes every open fail with that error,
/// as a bind or connect would (EADDRINUSE, EADDRNOTAVAIL).
final class FakeEncapFactory: EncapFactory {
    private let log: EventLog
    private let encap: EncapType
    var failure: NetlinkError?
    /// Every request the control plane made, including failed ones.
    private(set) var requests: [UnmanagedTunnelRequest] = []
    /// The transports of the successful opens and adoptions.
    private(set) var endpoints: [FakeTransport] = []

    init(log: EventLog, encap: EncapType = .udp) {
        self.log = log
        self.encap = encap
    }

    func openTunnel(_ id: TunnelID, _ request: UnmanagedTunnelRequest) throws(L2TPError) -> any TunnelTransport {
        requests.append(request)
        if let failure {
            log.record("open tunnel \(id) failed")
            throw L2TPError(failure.errno, failure.message)
        }
        log.record("open tunnel \(id)")
        let transport = FakeTransport(tunnelID: id, request: request, encap: encap, log: log)
        endpoints.append(transport)
        return transport
    }

    /// Managed tunnels adopted: the descriptor of each and the connection that owns the tunnel.
    var adopted: [(tunnel: UInt32, socket: Int32, owner: UInt64)] {
        endpoints.compactMap { t in
            t.adoptedSocket.map { (t.tunnelID.rawValue, $0, t.tunnelAttached?.controlOwner ?? 0) }
        }
    }

    func adoptTunnel(_ id: TunnelID, socket: Int32) throws(L2TPError) -> any TunnelTransport {
        if let failure {
            log.record("adopt tunnel \(id) failed")
            throw L2TPError(failure.errno, failure.message)
        }
        log.record("adopt tunnel \(id)")
        let unspecified = IPAddress.v4(0, 0, 0, 0)
        let request = UnmanagedTunnelRequest(
            local: unspecified, peer: unspecified, localPort: 0, peerPort: 0, udpChecksum: false,
            udp6ZeroChecksumTx: false, udp6ZeroChecksumRx: false)
        let transport = FakeTransport(tunnelID: id, request: request, encap: encap, adoptedSocket: socket, log: log)
        endpoints.append(transport)
        return transport
    }

    /// The most recent transport opened for tunnel `id`.
    func endpoint(_ id: UInt32) -> FakeTransport? {
        endpoints.last { $0.tunnelID.rawValue == id }
    }
}

/// A session's "device".
final class FakeDevice: PseudowireDevice, @unchecked Sendable {
    let tunnelID: TunnelID
    let sessionID: SessionID
    /// The transport of the tunnel the control plane created this device in.
    let tunnelEndpoint: any TunnelTransport
    var interfaceName: String?
    private let log: EventLog
    private let onClose: () -> Void
    /// The session the control plane built around this device (`bind`).
    private(set) var sessionAttached: Session?
    fileprivate(set) var isAttached = false
    private(set) var isClosed = false

    init(request: PseudowireRequest, interfaceName: String?, log: EventLog, onClose: @escaping () -> Void) {
        tunnelID = request.tunnel.id
        sessionID = request.sessionID
        tunnelEndpoint = request.tunnel.transport!
        self.interfaceName = interfaceName
        self.log = log
        self.onClose = onClose
    }

    var session: Session { sessionAttached! }

    var pollDescriptor: Int32 { -1 }
    func read(into batch: TransmitBatch) -> DeviceRead { DeviceRead(frames: 0, drained: true) }
    func write(_ frames: UnsafeBufferPointer<UnsafeMutableRawBufferPointer>, batch: DeliveryBatch) {}
    func write(_ frame: UnsafeRawBufferPointer) {}

    func bind(to session: Session) {
        precondition(sessionAttached == nil, "bound twice")
        sessionAttached = session
    }

    func close() {
        isClosed = true
        onClose()
        log.record("close session \(tunnelID)/\(sessionID)")
    }

    var debugDescription: String { "device \(interfaceName ?? "-") fake" }
}

/// Creates fake devices for one pseudowire type, named like l2tp_eth names them: the requested
/// name, or the first free "l2tpethN". A name already in `interfaceNames` fails with EEXIST, as
/// register_netdevice does; `failure` fails every creation.
final class FakePseudowireFactory: PseudowireFactory {
    private let log: EventLog
    private let namePrefix: String
    var failure: NetlinkError?
    /// Interface names in use on the fake host. Tests may add names to simulate foreign devices.
    var interfaceNames: Set<String> = []
    /// L2TP_ATTR_IFNAME of every creation the control plane asked for, including failed ones.
    private(set) var requestedNames: [String?] = []
    /// The successful creations, in order.
    private(set) var endpoints: [FakeDevice] = []

    init(log: EventLog, namePrefix: String = "l2tpeth") {
        self.log = log
        self.namePrefix = namePrefix
    }

    func createDevice(_ request: PseudowireRequest) throws(L2TPError) -> any PseudowireDevice {
        requestedNames.append(request.interfaceName)
        let label = "session \(request.tunnel.id)/\(request.sessionID)"
        if let failure {
            log.record("create \(label) failed")
            throw L2TPError(failure.errno, failure.message)
        }
        let name = request.interfaceName ?? firstFreeName()
        if interfaceNames.contains(name) {
            log.record("create \(label) failed")
            throw L2TPError(EEXIST, "cannot create interface \(name): File exists")
        }
        interfaceNames.insert(name)
        log.record("create \(label) \(name)")
        let device = FakeDevice(request: request, interfaceName: name, log: log) { [weak self] in
            self?.interfaceNames.remove(name)
        }
        endpoints.append(device)
        return device
    }

    /// The device of session `sessionID` in tunnel `tunnelID`, if this factory created it.
    func endpoint(_ tunnelID: UInt32, _ sessionID: UInt32) -> FakeDevice? {
        endpoints.last { $0.tunnelID.rawValue == tunnelID && $0.sessionID.rawValue == sessionID }
    }

    /// The Session object the control plane created for (tunnelID, sessionID).
    func session(_ tunnelID: UInt32, _ sessionID: UInt32) -> Session? {
        endpoint(tunnelID, sessionID)?.sessionAttached
    }

    private func firstFreeName() -> String {
        var n = 0
        while interfaceNames.contains("\(namePrefix)\(n)") { n += 1 }
        return "\(namePrefix)\(n)"
    }
}

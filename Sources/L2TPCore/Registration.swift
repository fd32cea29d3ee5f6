// SPDX-License-Identifier: GPL-2.0-only
// What encapsulations, pseudowires and the datapath provide to the control plane. Each kind registers
// a factory at start-up (the kernel's l2tp_nl_register_ops); an unregistered kind answers
// EPROTONOSUPPORT. Factories hand back what they made — a transport, a device — and the control plane
// builds the core's tunnels and sessions around it and attaches it to the datapath.

import L2TPWire

/// Opens tunnel sockets for one encapsulation type (kernel l2tp_tunnel_sock_create).
///
/// Concurrency: called on the control plane's thread.
public protocol EncapFactory: AnyObject {
    /// Opens the socket of unmanaged tunnel `id`. Errors carry the socket call's errno (EADDRINUSE,
    /// EADDRNOTAVAIL, ...).
    func openTunnel(_ id: TunnelID, _ request: UnmanagedTunnelRequest) throws(L2TPError) -> any TunnelTransport

    /// Adopts a program's socket for managed tunnel `id` (L2TP_ATTR_FD), after checking it as
    /// l2tp_validate_socket does. On success the transport owns `socket`; on failure the caller
    /// still does.
    func adoptTunnel(_ id: TunnelID, socket: Int32) throws(L2TPError) -> any TunnelTransport
}

/// What a pseudowire needs to create a session's device.
public struct PseudowireRequest: Sendable {
    /// The session's tunnel (its transport gives the route MTU).
    public var tunnel: Tunnel
    public var sessionID: SessionID
    /// L2TP_ATTR_IFNAME (v3 only); nil: the pseudowire's own template.
    public var interfaceName: String?
    /// The session's L2TP header length, for the device's MTU (l2tp_session_set_header_len).
    public var headerLength: Int

    public init(tunnel: Tunnel, sessionID: SessionID, interfaceName: String?, headerLength: Int) {
        self.tunnel = tunnel
        self.sessionID = sessionID
        self.interfaceName = interfaceName
        self.headerLength = headerLength
    }
}

/// Creates the devices of one pseudowire type (kernel `l2tp_nl_cmd_ops.session_create`).
///
/// Concurrency: called on the control plane's thread.
public protocol PseudowireFactory: AnyObject {
    func createDevice(_ request: PseudowireRequest) throws(L2TPError) -> any PseudowireDevice
}

/// The factories of every kind this l2tpd supports.
public struct RegistrationTable {
    public var encapsulations: [EncapType: any EncapFactory]
    public var pseudowires: [PseudowireType: any PseudowireFactory]

    public init(
        encapsulations: [EncapType: any EncapFactory] = [:], pseudowires: [PseudowireType: any PseudowireFactory] = [:]
    ) {
        self.encapsulations = encapsulations
        self.pseudowires = pseudowires
    }
}

/// What the control plane needs from the datapath.
///
/// Concurrency: every method is called on the control plane's thread.
public protocol DatapathControl: AnyObject {
    /// Installs a new lookup table.
    func publish(_ table: SessionTable)
    /// Returns once no worker uses anything removed or replaced before the call.
    func synchronize()
    /// Starts reading `receiver` for `tunnel`. A shared receiver is read once, however many tunnels
    /// use it; each `add` needs a `remove`.
    func add(_ receiver: any PacketReceiver, for tunnel: Tunnel) throws(L2TPError)
    /// Stops reading `receiver` for `tunnel` (when its last tunnel goes). Close only after `synchronize`.
    func remove(_ receiver: any PacketReceiver, for tunnel: Tunnel)
    /// Starts reading `device` and sending what it reads through `session`.
    func add(_ device: any PseudowireDevice, for session: Session) throws(L2TPError)
    /// Stops reading `device`. Close it only after `synchronize`.
    func remove(_ device: any PseudowireDevice, for session: Session)
    /// Datapath-wide state and counters for `l2tp debug dump`, one or more lines.
    var debugDescription: String { get }
}

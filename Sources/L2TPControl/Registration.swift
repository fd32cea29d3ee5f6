// SPDX-License-Identifier: GPL-2.0-only
// What encapsulations, pseudowires and the datapath provide to the control plane. They register at
// start-up (the kernel's l2tp_nl_register_ops); an unregistered kind answers EPROTONOSUPPORT.

import L2TPCore
import L2TPNetlink
import L2TPWire

/// A tunnel's attachment to the network (its socket), owned by the control plane.
public protocol TunnelEndpoint: AnyObject {
    /// Adds the reply attributes that describe the socket (ports, addresses, checksum settings) in
    /// the kernel's order; nothing for a tunnel without a socket.
    func describe(into attributes: inout L2TPAttributes)
    /// Starts receiving for the tunnel.
    func attach()
    /// Stops the datapath from using the socket; `close` follows after the grace period.
    func detach()
    func close()
    /// One line of socket state for `l2tp debug dump`.
    var debugDescription: String { get }
}

/// A session's attachment to its device, owned by the control plane.
///
/// `close` may be called on several endpoints concurrently, from other threads than the control
/// plane's (device removal waits on the kernel, and those waits are overlapped).
public protocol SessionEndpoint: AnyObject {
    /// The device's interface name, if it has one.
    var interfaceName: String? { get }
    /// Starts transmitting frames from the device.
    func attach()
    func detach()
    func close()
    /// One line of device state for `l2tp debug dump`.
    var debugDescription: String { get }
}

/// The socket parameters of TUNNEL_CREATE for an unmanaged tunnel.
public struct UnmanagedTunnelRequest: Equatable, Sendable {
    public var local: IPAddress
    public var peer: IPAddress
    public var localPort: UInt16
    public var peerPort: UInt16
    public var udpChecksum: Bool
    public var udp6ZeroChecksumTx: Bool
    public var udp6ZeroChecksumRx: Bool

    public init(
        local: IPAddress, peer: IPAddress, localPort: UInt16, peerPort: UInt16, udpChecksum: Bool,
        udp6ZeroChecksumTx: Bool, udp6ZeroChecksumRx: Bool
    ) {
        self.local = local
        self.peer = peer
        self.localPort = localPort
        self.peerPort = peerPort
        self.udpChecksum = udpChecksum
        self.udp6ZeroChecksumTx = udp6ZeroChecksumTx
        self.udp6ZeroChecksumRx = udp6ZeroChecksumRx
    }
}

/// Opens tunnel sockets for one encapsulation type.
public protocol EncapFactory: AnyObject {
    /// Opens the socket of an unmanaged tunnel (kernel l2tp_tunnel_sock_create). Errors carry the
    /// socket call's errno (EADDRINUSE, EADDRNOTAVAIL, ...).
    func openTunnel(_ tunnel: Tunnel, _ request: UnmanagedTunnelRequest) throws(NetlinkError) -> any TunnelEndpoint

    /// Adopts an application's socket for a managed tunnel (L2TP_ATTR_FD), after checking it as
    /// l2tp_validate_socket does. Control frames received for the tunnel go to connection `owner`.
    /// On success the endpoint owns `socket`; on failure the caller still does.
    func adoptTunnel(_ tunnel: Tunnel, socket: Int32, owner: UInt64) throws(NetlinkError) -> any TunnelEndpoint
}

/// The session-create parameters a pseudowire needs beyond the Session itself.
public struct PseudowireRequest: Sendable {
    /// L2TP_ATTR_IFNAME (v3 only).
    public var interfaceName: String?
    public init(interfaceName: String?) { self.interfaceName = interfaceName }
}

/// Creates the device side of sessions of one pseudowire type (kernel `l2tp_nl_cmd_ops.session_create`).
public protocol PseudowireFactory: AnyObject {
    /// Creates the session's device and sets `session.device` and `session.ifname`.
    func createSession(_ session: Session, tunnel: any TunnelEndpoint, _ request: PseudowireRequest)
        throws(NetlinkError) -> any SessionEndpoint
}

/// What the control plane needs from the datapath.
public protocol DatapathControl: AnyObject {
    /// Installs a new lookup table.
    func publish(_ table: SessionTable)
    /// Returns once no worker uses anything removed before the call.
    func synchronize()
    /// Datapath-wide state and counters for `l2tp debug dump`, one or more lines.
    var debugDescription: String { get }
}

// SPDX-License-Identifier: GPL-2.0-only
// The network edge of a tunnel (kernel: the tunnel's socket and its encap_recv hook): a transport
// that sends a batch of L2TP packets to the tunnel's peer, and the receiver the datapath polls for
// the packets that arrive. Implemented by L2TPEncap (UDP and IP); the datapath knows neither.

import L2TPWire

/// The addressing a tunnel's socket ended up with, read back from the socket as the kernel does for
/// TUNNEL_GET replies (bound address and port, connected peer, checksum settings).
public struct TunnelAddressing: Equatable, Sendable {
    public var encap: EncapType
    public var local: IPAddress
    public var localPort: UInt16
    /// The connected peer, or the unspecified address if the socket is not connected.
    public var peer: IPAddress
    public var peerPort: UInt16
    /// IPv4 UDP: checksums computed on transmit (`!sk_no_check_tx`).
    public var udpChecksum: Bool
    /// IPv6 UDP: zero checksums sent (`udp_get_no_check6_tx`).
    public var udp6ZeroChecksumTx: Bool
    /// IPv6 UDP: zero checksums accepted (`udp_get_no_check6_rx`).
    public var udp6ZeroChecksumRx: Bool

    public init(
        encap: EncapType, local: IPAddress, localPort: UInt16 = 0, peer: IPAddress, peerPort: UInt16 = 0,
        udpChecksum: Bool = false, udp6ZeroChecksumTx: Bool = false, udp6ZeroChecksumRx: Bool = false
    ) {
        self.encap = encap
        self.local = local
        self.localPort = localPort
        self.peer = peer
        self.peerPort = peerPort
        self.udpChecksum = udpChecksum
        self.udp6ZeroChecksumTx = udp6ZeroChecksumTx
        self.udp6ZeroChecksumRx = udp6ZeroChecksumRx
    }

    public var isIPv6: Bool { local.isIPv6 }
}

/// What a transport did with a batch: packets (and their bytes, L2TP header included) that left, and
/// packets the kernel refused.
public struct TransmitResult: Equatable, Sendable {
    public var sent: Int
    public var sentBytes: Int
    public var failed: Int

    public init(sent: Int = 0, sentBytes: Int = 0, failed: Int = 0) {
        self.sent = sent
        self.sentBytes = sentBytes
        self.failed = failed
    }
}

/// The outcome of one read of a receiver.
public enum ReceiveResult: Equatable, Sendable {
    /// This many datagrams were read (their packets are in the batch); fewer than the batch holds
    /// means the socket is drained for now.
    case datagrams(Int)
    /// Nothing to read.
    case wouldBlock
    /// The socket reported an error (an ICMP error on a connected socket, ...): a positive errno.
    case failed(errno: Int32)
}

/// Where packets for one or more tunnels arrive: a tunnel's own UDP socket, or a raw IP socket
/// shared by the tunnels of one address pair. The datapath polls it and reads it in batches.
///
/// Concurrency: `receive` is called by the one worker that polls the receiver.
public protocol PacketReceiver: AnyObject, Sendable {
    /// The descriptor the datapath waits on for readability. The datapath never reads or writes it.
    var pollDescriptor: Int32 { get }
    /// The form of the L2TP header its packets start with: UDP (flags first) or IP (session id first).
    var encapsulation: EncapType { get }
    /// Several tunnels receive through it: a packet is matched to its tunnel by its headers alone.
    var isShared: Bool { get }
    /// Reads what is waiting, at most one batch, without blocking.
    func receive(into batch: ReceiveBatch) -> ReceiveResult
}

/// A tunnel's transport: it sends the tunnel's packets to its peer. Created by the encapsulation's
/// factory; owned by the tunnel.
///
/// Concurrency: `send` may be called from any thread at once (every worker that reads one of the
/// tunnel's devices, the control thread); `close` on the control thread after the grace period.
public protocol TunnelTransport: AnyObject, Sendable {
    /// What the datapath polls for the tunnel's packets; nil for a transport that receives nothing
    /// (a dry run's).
    var receiver: (any PacketReceiver)? { get }
    /// Addressing for replies.
    var addressing: TunnelAddressing { get }
    /// Bytes the network layer adds in front of the L2TP header (IP + UDP), for the MTU formula.
    var networkOverhead: Int { get }
    /// The route MTU towards the peer, if known.
    func pathMTU() -> Int?
    /// Sends the packets of `batch` in order; the batch's L2TP headers are written already.
    func send(_ batch: TransmitBatch) -> TransmitResult
    /// Releases the socket.
    func close()
    /// One line of socket state for `l2tp debug dump`.
    var debugDescription: String { get }
}

// SPDX-License-Identifier: GPL-2.0-only
// The twin of the UDP and IP encapsulations for a dry run: tunnels with no socket, so a configuration
// can be tried on a control plane before anything changes.

import L2TPCore
import L2TPWire

/// Accepts every tunnel and opens nothing. (Whether a port is free is only known when the real
/// socket is bound; a reload reports that as a failed request.)
public final class DryRunEncapFactory: EncapFactory {
    private let encap: EncapType

    public init(encap: EncapType) { self.encap = encap }

    public func openTunnel(_ id: TunnelID, _ r: UnmanagedTunnelRequest) throws(L2TPError) -> any TunnelTransport {
        DryRunTransport(addressing: TunnelAddressing(
            encap: encap, local: r.local, localPort: r.localPort, peer: r.peer, peerPort: r.peerPort))
    }

    public func adoptTunnel(_ id: TunnelID, socket: Int32) throws(L2TPError) -> any TunnelTransport {
        let none = IPAddress.v4(0, 0, 0, 0)
        return DryRunTransport(addressing: TunnelAddressing(encap: encap, local: none, peer: none))
    }
}

/// A transport that sends nothing and is read by nobody.
final class DryRunTransport: TunnelTransport {
    let addressing: TunnelAddressing

    init(addressing: TunnelAddressing) { self.addressing = addressing }

    var receiver: (any PacketReceiver)? { nil }
    var networkOverhead: Int { 0 }
    func pathMTU() -> Int? { nil }
    func send(_ batch: TransmitBatch) -> TransmitResult { TransmitResult(failed: batch.count) }
    func close() {}
    var debugDescription: String { "dry run" }
}

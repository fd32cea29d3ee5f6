// SPDX-License-Identifier: GPL-2.0-only
// The transmit path of a session (l2tp_xmit_skb): the L2TP header built in the headroom in front of
// each frame (l2tp_build_l2tpv2_header / l2tp_build_l2tpv3_header), the batch handed to the tunnel's
// transport, and the result counted. The one way frames leave a session, from any thread.
//
// Flow of `transmit`:
//  1. For each packet of the batch, write the header in front of its first piece; with sequencing on,
//     take the next Ns in one atomic step (so two threads never send the same Ns).
//  2. The tunnel's transport sends the batch.
//  3. Count tx_packets/tx_bytes (L2TP header included, UDP/IP excluded) on session and tunnel, and
//     tx_errors for what the transport refused and the frames the device could not send; empty the batch.
// Concurrency: any thread, on its own batch (datapath workers for device frames, the control thread
// for frames a pseudowire's own protocol sends).

import L2TPWire

extension Session {
    /// Encapsulates every packet of `batch` and sends them through the tunnel's transport, counting
    /// the outcome; the batch is empty afterwards.
    public func transmit(_ batch: TransmitBatch) {
        let n = batch.count
        var result = TransmitResult()
        if n > 0 {
            for i in 0..<n {
                batch.prepend(i, length: writeHeader(before: batch.start(i)))
            }
            if let transport = tunnel.transport {
                result = transport.send(batch)
            } else {
                result.failed = n
            }
        }
        countTransmitted(packets: result.sent, bytes: result.sentBytes)
        countTransmitErrors(result.failed + batch.invalid)
        batch.reset()
    }

    /// Writes the L2TP header immediately before `payload` and returns its length, advancing Ns when
    /// sequencing. The caller must have at least `maxHeaderLength` bytes of headroom in front of
    /// `payload`.
    @inline(__always)
    public func writeHeader(before payload: UnsafeMutableRawPointer) -> Int {
        let sending = sendSeq.load(ordering: .relaxed)
        var ns: UInt32?
        // A v3 session without the Default L2-Specific Sublayer has nowhere to carry Ns, and the
        // kernel does not advance it.
        if sending && (tunnel.version == .v2 || l2spec == .default) {
            let n = nsNext.wrappingAdd(1, ordering: .relaxed).oldValue & nsMask
            ns = n
            traceIfDebugging(.sessionSeqnumUpdate, ns: n)
        }
        switch tunnel.version {
        case .v2:
            let len = L2TPv2Header.length(sendSeq: sending)
            return L2TPv2Header.write(
                to: payload - len, peerTunnelID: UInt16(truncatingIfNeeded: tunnel.peerID.rawValue),
                peerSessionID: UInt16(truncatingIfNeeded: peerID.rawValue),
                ns: ns.map { UInt16(truncatingIfNeeded: $0) })
        case .v3:
            let len = L2TPv3Header.length(encap: tunnel.encap, cookieLength: cookie.count, l2spec: l2spec)
            return L2TPv3Header.write(
                to: payload - len, encap: tunnel.encap, peerSessionID: peerID.rawValue, cookie: cookie,
                l2spec: l2spec, ns: ns)
        }
    }

    /// Counts packets that left through the transport; `bytes` include the L2TP headers.
    @inline(__always)
    public func countTransmitted(packets: Int, bytes: Int) {
        guard packets > 0 else { return }
        tunnel.stats.countTransmit(packets: UInt64(packets), bytes: UInt64(bytes))
        stats.countTransmit(packets: UInt64(packets), bytes: UInt64(bytes))
    }

    /// Counts packets the transport failed to send.
    @inline(__always)
    public func countTransmitErrors(_ n: Int) {
        guard n > 0 else { return }
        tunnel.stats.countTransmitErrors(UInt64(n))
        stats.countTransmitErrors(UInt64(n))
    }
}

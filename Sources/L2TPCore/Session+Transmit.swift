// SPDX-License-Identifier: GPL-2.0-only
// Transmit handling: building a session's L2TP header in the headroom in front of a frame
// (l2tp_build_l2tpv2_header / l2tp_build_l2tpv3_header) and counting the result (l2tp_xmit_skb).
//
// Concurrency: called only by the worker that reads the session's device, so `nsNext` has one writer.

import L2TPWire

extension Session {
    /// Writes the L2TP header immediately before `payload` and returns its length. The caller must
    /// have at least `maxHeaderLength` bytes of headroom in front of `payload`.
    @inline(__always)
    public func writeHeader(before payload: UnsafeMutableRawPointer) -> Int {
        let sending = sendSeq.load(ordering: .relaxed)
        var ns: UInt32?
        // A v3 session without the Default L2-Specific Sublayer has nowhere to carry Ns, and the
        // kernel does not advance it.
        if sending && (tunnel.version == .v2 || l2spec == .default) {
            let n = nsNext.load(ordering: .relaxed)
            ns = n
            let mask: UInt32 = tunnel.version == .v2 ? 0xffff : 0xff_ffff
            nsNext.store((n &+ 1) & mask, ordering: .relaxed)
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

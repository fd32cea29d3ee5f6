// SPDX-License-Identifier: GPL-2.0-only
// The full internal state of every tunnel and session as text: the userspace form of the kernel's
// debugfs l2tp/tunnels file, served by `l2tp debug dump`.

import L2TPCore
import L2TPWire

extension ControlPlane {
    /// Every tunnel and session with configuration, sequencing state, counters and device state.
    public func debugDump() -> String {
        var out = ""
        for tunnel in registry.tunnelsInOrder {
            out += "TUNNEL \(tunnel.id) peer \(tunnel.peerID) version \(tunnel.version.rawValue) encap \(tunnel.encap)"
            out += " debug \(tunnel.debug.load(ordering: .relaxed))\n"
            if let transport = tunnel.transport { out += "  \(transport.debugDescription)\n" }
            out += "  " + Self.describe(tunnel.stats.snapshot) + "\n"
            for s in registry.sessionsInOrder(of: tunnel.id) {
                let seq = s.sequenceSnapshot
                out += "  SESSION \(s.id) peer \(s.peerID) pw \(s.pseudowireType) ifname \(s.ifname ?? "-")"
                out += " debug \(s.debug.load(ordering: .relaxed))\n"
                out += "    cookie \(s.cookie.count > 0 ? s.cookie.description : "-")"
                out += " peer_cookie \(s.peerCookie.count > 0 ? s.peerCookie.description : "-")"
                out += " l2spec \(s.l2spec) hdr_len \(s.headerLength)\n"
                out += "    recv_seq \(flag(s.recvSeq.load(ordering: .relaxed))) send_seq \(flag(s.sendSeq.load(ordering: .relaxed)))"
                out += " lns_mode \(flag(s.lnsMode.load(ordering: .relaxed))) reorder_timeout \(s.reorderTimeout.load(ordering: .relaxed))\n"
                out += "    nr \(seq.nr) ns \(s.nextNs) nr_max \(seq.nrMax) nr_window_size \(seq.windowSize)"
                out += " nr_oos \(seq.nrOOS) nr_oos_count \(seq.nrOOSCount) reorder_skip \(flag(seq.reorderSkip))"
                out += " reorder_q \(seq.queue.count)\n"
                if let device = s.device { out += "    \(device.debugDescription)\n" }
                out += "    " + Self.describe(s.stats.snapshot) + "\n"
            }
        }
        out += datapath.debugDescription
        return out
    }

    private func flag(_ b: Bool) -> Int { b ? 1 : 0 }

    /// Counters in kernel names, on one line.
    static func describe(_ s: L2TPStats) -> String {
        "tx_packets \(s.txPackets) tx_bytes \(s.txBytes) tx_errors \(s.txErrors)"
            + " rx_packets \(s.rxPackets) rx_bytes \(s.rxBytes) rx_seq_discards \(s.rxSeqDiscards)"
            + " rx_oos_packets \(s.rxOOSPackets) rx_errors \(s.rxErrors) rx_cookie_discards \(s.rxCookieDiscards)"
            + " rx_invalid \(s.rxInvalid)"
    }
}

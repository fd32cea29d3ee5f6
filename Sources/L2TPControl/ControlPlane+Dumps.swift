// SPDX-License-Identifier: GPL-2.0-only
// Dumps packed into datagrams.

import Glibc
import L2TPCore
import L2TPNetlink
import L2TPWire

extension ControlPlane {
    func dump(tunnels: [Tunnel], _ ctx: RequestContext, _ out: inout ControlOutput) {
        let messages = tunnels.map { tunnelMessage($0, command: .tunnelGet, flags: NetlinkFlags.multi, ctx) }
        out.replies += packDump(messages, ctx)
    }

    func dump(sessions: [Session], _ ctx: RequestContext, _ out: inout ControlOutput) {
        let messages = sessions.map { sessionMessage($0, command: .sessionGet, flags: NetlinkFlags.multi, ctx) }
        out.replies += packDump(messages, ctx)
    }

    /// Packs dump parts into datagrams of at most `dumpDatagramSize` bytes and ends with NLMSG_DONE.
    private func packDump(_ messages: [[UInt8]], _ ctx: RequestContext) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var current: [UInt8] = []
        for m in messages {
            if !current.isEmpty && current.count + m.count > Self.dumpDatagramSize {
                datagrams.append(current)
                current = []
            }
            current += m
        }
        let done = NetlinkAck.done(sequence: ctx.sequence, portID: ctx.portID)
        if !current.isEmpty && current.count + done.count > Self.dumpDatagramSize {
            datagrams.append(current)
            current = []
        }
        current += done
        datagrams.append(current)
        return datagrams
    }
}

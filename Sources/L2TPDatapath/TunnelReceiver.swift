// SPDX-License-Identifier: GPL-2.0-only
// Network → device: reads a batch of datagrams from a tunnel socket and hands each data packet to its
// session (l2tp_udp_encap_recv / l2tp_ip_recv and l2tp_recv_common).
//
// Flow, per batch:
//  1. recvmmsg up to 64 datagrams into the worker's buffers (MSG_DONTWAIT). With UDP GRO on, a
//     buffer may hold several datagrams of one size back to back (the last may be shorter).
//  2. Find the L2TP header (skip the IPv4 header on raw sockets) and classify it (Demux).
//  3. Control frames go to the tunnel's owner, unparsed; data packets are looked up in the table
//     (v2 by tunnel+session, v3 by session, collisions by receiving tunnel).
//  4. Session.receive checks version, cookie, sequencing and queues the frame in the worker's
//     DeliveryBatch.
//  5. The batch is flushed before the next read: each device gets its frames at once (the Ethernet
//     pseudowire coalesces them into super-frames).
// Runs on one worker; no allocation, lock or log per packet (the reorder queue aside).

import L2TPCore
import L2TPEncap
import L2TPSystem
import L2TPWire

final class TunnelReceiver: WorkerHandler {
    let fd: FileDescriptor
    let kind: ReceiveKind
    let tunnel: Tunnel?
    /// UDP_GRO is on for the socket.
    let coalesced: Bool
    unowned let datapath: Datapath

    init(fd: FileDescriptor, kind: ReceiveKind, tunnel: Tunnel?, coalesced: Bool, datapath: Datapath) {
        self.fd = fd
        self.kind = kind
        self.tunnel = tunnel
        self.coalesced = coalesced
        self.datapath = datapath
    }

    func readable(_ worker: Worker) {
        let buffers = worker.buffers
        // Drain at most a few batches, then let other descriptors on this worker run.
        for _ in 0..<4 {
            let n: Int
            switch worker.vector.receive(on: fd, into: buffers, max: Worker.batchSize, coalesced: coalesced) {
            case .success(.value(let count)): n = count
            case .success(.wouldBlock): return
            case .failure:
                datapath.counters.socketErrors.wrappingAdd(1, ordering: .relaxed)
                continue
            }
            let table = worker.table
            let batch = worker.delivery
            for i in 0..<n {
                let length = buffers.lengths[i]
                let base = UnsafeRawPointer(buffers.data(i))
                let size = buffers.segmentSizes[i]
                if size > 0 && length > 0 {
                    // UDP GRO: datagrams of `size` bytes back to back, the last possibly shorter.
                    var start = 0
                    while start < length {
                        let packet = UnsafeRawBufferPointer(start: base + start, count: min(size, length - start))
                        process(packet, table: table, now: worker.now, batch: batch)
                        start += size
                    }
                    continue
                }
                guard length > 0, let offset = kind.l2tpOffset(base, length: length) else {
                    datapath.counters.malformed.wrappingAdd(1, ordering: .relaxed)
                    continue
                }
                let packet = UnsafeRawBufferPointer(start: base + offset, count: length - offset)
                process(packet, table: table, now: worker.now, batch: batch)
            }
            batch.flush()
            if n < Worker.batchSize { return }
        }
    }

    @inline(__always)
    private func process(_ packet: UnsafeRawBufferPointer, table: SessionTable, now: UInt64, batch: DeliveryBatch) {
        let demux = kind == .udp
            ? Demux.udp(packet.baseAddress!, length: packet.count)
            : Demux.ip(packet.baseAddress!, length: packet.count)
        switch demux {
        case .short:
            datapath.counters.malformed.wrappingAdd(1, ordering: .relaxed)
        case .control(let connectionID):
            let owner = tunnel ?? connectionID.flatMap { table.tunnel(TunnelID($0)) }.flatMap { $0.encap == .ip ? $0 : nil }
            // The owner gets what its socket would have: the UDP payload, or over IP the control
            // message after the 4-byte session id 0 (l2tp_ip_recv strips it).
            let frame = kind == .udp ? packet : UnsafeRawBufferPointer(rebasing: packet[4...])
            guard let owner, let sink = datapath.controlFrames, sink.controlFrame(frame, tunnel: owner) else {
                datapath.counters.controlWithoutOwner.wrappingAdd(1, ordering: .relaxed)
                return
            }
        case .v2, .v3:
            guard let session = table.unretainedLookup(demux, receivedBy: tunnel) else {
                datapath.counters.unknownSession.wrappingAdd(1, ordering: .relaxed)
                return
            }
            // `table` holds the session for this whole batch: no reference per packet.
            _ = session._withUnsafeGuaranteedRef { $0.receive(packet, demux: demux, now: now, batch: batch) }
        }
    }
}

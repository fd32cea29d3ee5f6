// SPDX-License-Identifier: GPL-2.0-only
// Network → device: reads a batch from a tunnel's receiver and hands each data packet to its session
// (l2tp_udp_encap_recv / l2tp_ip_recv and l2tp_recv_common).
//
// Flow, per batch:
//  1. The receiver reads up to one batch of datagrams into the worker's ReceiveBatch and lists the
//     L2TP packets in them (a UDP GRO read holds several).
//  2. Classify each packet by the receiver's header form (Demux: UDP flags first, IP session id first).
//  3. Control frames go to the tunnel's owner, unparsed; data packets are looked up in the table
//     (v2 by tunnel+session, v3 by session, collisions by receiving tunnel).
//  4. Session.receive checks version, cookie, sequencing and queues the frame in the worker's
//     DeliveryBatch.
//  5. The batch is flushed before the next read: each device gets its frames at once.
// Runs on one worker; no allocation, lock or log per packet (the reorder queue aside).

import L2TPCore
import L2TPWire

final class ReceiveHandler: WorkerHandler {
    let receiver: any PacketReceiver
    /// The tunnel whose own socket this is; nil for a receiver shared by tunnels.
    let tunnel: Tunnel?
    private let form: EncapType
    unowned let datapath: Datapath

    init(receiver: any PacketReceiver, tunnel: Tunnel?, datapath: Datapath) {
        self.receiver = receiver
        self.tunnel = tunnel
        form = receiver.encapsulation
        self.datapath = datapath
    }

    var pollDescriptor: Int32 { receiver.pollDescriptor }

    func readable(_ worker: Worker) {
        let batch = worker.receiving
        // Drain at most a few batches, then let other descriptors on this worker run.
        for _ in 0..<4 {
            batch.reset()
            let datagrams: Int
            switch receiver.receive(into: batch) {
            case .datagrams(let n): datagrams = n
            case .wouldBlock: return
            case .failed:
                datapath.counters.socketErrors.wrappingAdd(1, ordering: .relaxed)
                continue
            }
            if batch.malformed > 0 {
                datapath.counters.malformed.wrappingAdd(UInt64(batch.malformed), ordering: .relaxed)
            }
            let table = worker.table
            let delivery = worker.delivery
            for i in 0..<batch.count {
                process(batch.packet(i), table: table, now: worker.now, delivery: delivery)
            }
            delivery.flush()
            if datagrams < batch.datagrams.count { return }
        }
    }

    @inline(__always)
    private func process(_ packet: UnsafeRawBufferPointer, table: SessionTable, now: UInt64, delivery: DeliveryBatch) {
        let demux = form == .udp
            ? Demux.udp(packet.baseAddress!, length: packet.count)
            : Demux.ip(packet.baseAddress!, length: packet.count)
        switch demux {
        case .short:
            datapath.counters.malformed.wrappingAdd(1, ordering: .relaxed)
        case .control(let connectionID):
            let owner = tunnel ?? connectionID.flatMap { table.tunnel(TunnelID($0)) }.flatMap { $0.encap == .ip ? $0 : nil }
            // The owner gets what its socket would have: the UDP payload, or over IP the control
            // message after the 4-byte session id 0 (l2tp_ip_recv strips it).
            let frame = form == .udp ? packet : UnsafeRawBufferPointer(rebasing: packet[4...])
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
            _ = session._withUnsafeGuaranteedRef { $0.receive(packet, demux: demux, now: now, batch: delivery) }
        }
    }
}

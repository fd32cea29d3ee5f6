// SPDX-License-Identifier: GPL-2.0-only
// Device → network: reads a batch of frames from a session's device, writes each one's L2TP header in
// the headroom in front of it and sends the batch with one sendmmsg (l2tp_xmit_skb).
//
// Flow, per batch:
//  1. read() frames from the TAP until it is empty or the batch is full.
//  2. Session.writeHeader in place (advancing Ns when sequencing).
//  3. sendmmsg on the tunnel's connected socket; count tx packets/bytes or tx_errors.
// Runs on one worker; this worker is the only writer of the session's Ns.

import L2TPCore
import L2TPEncap
import L2TPSystem

final class DeviceTransmitter: WorkerHandler {
    let fd: FileDescriptor
    let session: Session
    let transport: any TunnelTransport

    init(fd: FileDescriptor, session: Session, transport: any TunnelTransport) {
        self.fd = fd
        self.session = session
        self.transport = transport
    }

    func readable(_ worker: Worker) {
        let buffers = worker.buffers
        let vector = worker.vector
        for _ in 0..<4 {
            var n = 0
            while n < Worker.batchSize {
                let data = buffers.data(n)
                guard case .success(.value(let len)) = fd.read(into: data, count: buffers.capacity), len > 0 else { break }
                let header = session.writeHeader(before: data)
                vector.set(n, start: data - header, length: header + len)
                n += 1
            }
            guard n > 0 else { return }
            let result = vector.send(on: transport.sendFD, count: n)
            session.countTransmitted(packets: result.sent, bytes: result.sentBytes)
            session.countTransmitErrors(result.failed)
            if n < Worker.batchSize { return }
        }
    }
}

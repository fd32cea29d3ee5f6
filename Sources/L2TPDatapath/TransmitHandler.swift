// SPDX-License-Identifier: GPL-2.0-only
// Device → network: reads batches of frames from a session's device and hands each batch to the
// session's transmit path (l2tp_xmit_skb), which encapsulates it and sends it through the tunnel.
//
// Flow, per readiness: device.read into the worker's TransmitBatch (the device does its own work:
// virtio-net header, checksum, segmentation), then Session.transmit (headers, Ns, send, counters);
// again until the device is drained or 256 frames were read, so other descriptors get their turn.
// Runs on the one worker that polls the device.

import L2TPCore

final class TransmitHandler: WorkerHandler {
    let device: any PseudowireDevice
    let session: Session
    /// Frames read per readiness before other descriptors of the worker get their turn.
    static let budget = 256

    init(device: any PseudowireDevice, session: Session) {
        self.device = device
        self.session = session
    }

    var pollDescriptor: Int32 { device.pollDescriptor }

    func readable(_ worker: Worker) {
        let batch = worker.transmitting
        var frames = 0
        while frames < Self.budget {
            let read = device.read(into: batch)
            session.transmit(batch)
            if read.drained { return }
            frames += max(read.frames, 1)
        }
    }
}

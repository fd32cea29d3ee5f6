// SPDX-License-Identifier: GPL-2.0-only
// Device → network: reads a batch of frames from a session's device, writes each one's L2TP header in
// the headroom in front of it and sends the batch with one sendmmsg (l2tp_xmit_skb).
//
// Flow, per batch:
//  1. read() frames from the TAP until it is empty or the batch is full. With a virtio-net header
//     (offloads on), each read starts with it:
//     a. no GSO: finish a partial checksum (NEEDS_CSUM) in place, as skb_checksum_help would;
//        consecutive frames of one size (the last may be shorter) join one UDP GSO message where
//        the transport allows, so a burst of small packets costs the stack one send;
//     b. a TCP/UDP super-frame (up to 64 KiB): split into wire-sized segments — headers copied and
//        fixed up in the worker's SegmentBatch, payloads left in place — then sent at once, since
//        the next split reuses the batch.
//  2. Session.writeHeader in place in front of each frame or segment header (advancing Ns).
//  3. One sendmmsg on the tunnel's connected socket. Segments of a super-frame go as UDP GSO
//     messages (UDP_SEGMENT: the kernel splits them, or a NIC does) where the transport allows it,
//     else as one datagram each. Count tx packets/bytes per L2TP packet, or tx_errors.
// Runs on one worker; this worker is the only writer of the session's Ns.

import Glibc
import L2TPCore
import L2TPEncap
import L2TPOffload
import L2TPSystem

final class DeviceTransmitter: WorkerHandler {
    let fd: FileDescriptor
    let session: Session
    let transport: any TunnelTransport
    /// The TAP was opened with IFF_VNET_HDR: every read starts with a virtio-net header.
    let virtioHeader: Bool

    /// The most a UDP GSO message may carry: the IPv4/IPv6 length fields and UDP_MAX_SEGMENTS (64
    /// before Linux 6.9).
    static let maxSegmentedBytes = 65_000
    static let maxSegmentedPackets = 64

    /// The largest datagram that may join a UDP GSO message of separate frames: the route MTU less
    /// IP and UDP headers (the kernel refuses GSO segments that would need fragmenting). Read once,
    /// at the first frame; -1 until then.
    private var largestSegment = -1

    /// The UDP GSO message separate frames are joining: its datagram size, datagrams and bytes.
    private struct Run {
        var size: Int
        var packets: Int
        var bytes: Int
    }

    init(fd: FileDescriptor, session: Session, transport: any TunnelTransport, virtioHeader: Bool) {
        self.fd = fd
        self.session = session
        self.transport = transport
        self.virtioHeader = virtioHeader
    }

    func readable(_ worker: Worker) {
        if virtioHeader { readOffloaded(worker) } else { readPlain(worker) }
    }

    /// Frames without a virtio-net header: one datagram each.
    private func readPlain(_ worker: Worker) {
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

    /// Frames behind a virtio-net header, super-frames among them.
    private func readOffloaded(_ worker: Worker) {
        let buffers = worker.buffers
        let gather = worker.gather
        let vnet = VirtioNetHeader.size
        for _ in 0..<4 {
            gather.reset()
            var n = 0
            var invalid = 0
            var run: Run?
            while n < Worker.batchSize {
                let data = buffers.data(n)
                guard case .success(.value(let len)) = fd.read(into: data - vnet, count: buffers.capacity + vnet),
                    len > vnet
                else { break }
                n += 1
                let header = VirtioNetHeader(from: data - vnet)
                let length = len - vnet
                if header.gsoKind == VirtioNetHeader.gsoNone {
                    if header.flags & VirtioNetHeader.needsChecksum != 0,
                        !InternetChecksum.complete(
                            data, count: length, start: Int(header.checksumStart), offset: Int(header.checksumOffset))
                    {
                        invalid += 1
                        continue
                    }
                    let h = session.writeHeader(before: data)
                    let size = h + length
                    if var r = run, gather.hasRoom(pieces: 1), size <= r.size, r.packets < Self.maxSegmentedPackets,
                        r.bytes + size <= Self.maxSegmentedBytes
                    {
                        // Joins the open message; a shorter datagram is its last.
                        if r.packets == 1 { gather.setSegmentSize(r.size) }
                        gather.append(data - h, count: size)
                        worker.packetsPerMessage[gather.messageCount - 1] += 1
                        r.packets += 1
                        r.bytes += size
                        run = size < r.size ? nil : r
                        continue
                    }
                    if !gather.hasRoom(pieces: 1) { send(worker) }
                    worker.packetsPerMessage[gather.messageCount] = 1
                    gather.beginMessage()
                    gather.append(data - h, count: size)
                    run = size <= segmentLimit() ? Run(size: size, packets: 1, bytes: size) : nil
                    continue
                }
                // The segments' headers live in the worker's SegmentBatch until the next split.
                run = nil
                send(worker)
                guard case .segments(let count) = worker.segments.split(data, length: length, header: header) else {
                    invalid += 1
                    continue
                }
                queueSegments(count, worker)
                send(worker)
            }
            send(worker)
            session.countTransmitErrors(invalid)
            if n < Worker.batchSize { return }
        }
    }

    /// Adds the `count` segments in the worker's SegmentBatch to its gather vector, each with its L2TP
    /// header: as UDP GSO messages of equal-sized datagrams when the transport allows, else one
    /// datagram each.
    private func queueSegments(_ count: Int, _ worker: Worker) {
        let gather = worker.gather
        let segmented = transport.segmentationOffload
        var i = 0
        while i < count {
            let first = worker.segments.segment(i)
            let h = session.writeHeader(before: first.header)
            let size = h + first.length
            var take = 1
            if segmented {
                // Every datagram of a GSO message has `size` bytes except the last, which may be shorter.
                var bytes = size
                while i + take < count, take < Self.maxSegmentedPackets {
                    let next = worker.segments.segment(i + take)
                    let nextSize = h + next.length
                    guard nextSize <= size, bytes + nextSize <= Self.maxSegmentedBytes else { break }
                    bytes += nextSize
                    take += 1
                    if nextSize < size { break }
                }
            }
            if !gather.hasRoom(pieces: 2 * take) { send(worker) }
            worker.packetsPerMessage[gather.messageCount] = take
            gather.beginMessage(segmentSize: take > 1 ? size : 0)
            gather.append(first.header - h, count: h + first.headerLength)
            gather.append(first.payload, count: first.payloadLength)
            for k in 1..<max(take, 1) {
                let s = worker.segments.segment(i + k)
                let hk = session.writeHeader(before: s.header)
                gather.append(s.header - hk, count: hk + s.headerLength)
                gather.append(s.payload, count: s.payloadLength)
            }
            i += take
        }
    }

    /// The largest datagram separate frames may join a UDP GSO message with; 0: none may.
    @inline(__always)
    private func segmentLimit() -> Int {
        guard transport.segmentationOffload else { return 0 }
        if largestSegment < 0 { largestSegment = max(0, (transport.pathMTU() ?? 0) - transport.networkOverhead) }
        return largestSegment
    }

    /// Sends what the gather vector holds and counts it per L2TP packet. A UDP GSO message the kernel
    /// refuses (EINVAL, EIO, EMSGSIZE, EOPNOTSUPP: an IPsec policy, a route MTU that shrank) is
    /// counted as lost and ends UDP GSO on the tunnel: from then on every datagram is sent alone.
    private func send(_ worker: Worker) {
        let gather = worker.gather
        guard gather.messageCount > 0 else { return }
        let result = gather.send(on: transport.sendFD)
        var packets = 0
        var failedPackets = 0
        for m in 0..<gather.messageCount {
            if gather.wasSent(m) {
                packets += worker.packetsPerMessage[m]
                continue
            }
            failedPackets += worker.packetsPerMessage[m]
            guard worker.packetsPerMessage[m] > 1, let e = gather.error(m) else { continue }
            switch e.rawValue {
            case EINVAL, EIO, EMSGSIZE, EOPNOTSUPP: transport.refuseSegmentationOffload()
            default: break
            }
        }
        session.countTransmitted(packets: packets, bytes: result.sentBytes)
        session.countTransmitErrors(failedPackets)
        gather.reset()
    }
}

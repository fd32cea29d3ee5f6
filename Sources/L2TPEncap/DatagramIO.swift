// SPDX-License-Identifier: GPL-2.0-only
// The batched socket work every transport shares: reading a batch of datagrams with their senders'
// addresses into a ReceiveBatch (l2tp_udp_encap_recv / l2tp_ip_recv, up to finding the L2TP header),
// and sending a TransmitBatch's packets with sendmmsg, as UDP GSO messages where allowed.
//
// Receive flow:
//  1. recvmmsg up to one batch of datagrams (MSG_DONTWAIT), each sender's address alongside. With
//     UDP GRO on, a buffer may hold several datagrams of one size back to back (the last may be shorter).
//  2. Find each L2TP packet (skip the IPv4 header on raw IPv4 sockets) and append it to the batch;
//     count what is truncated, empty or has a bad IP header as malformed.
// Send flow:
//  1. Each packet becomes one datagram of its pieces, or — with GSO — joins the open UDP GSO message
//     when it is of the same group, no longer than the message's datagrams (a shorter one is its
//     last), and the message stays within 64 datagrams and 65,000 bytes. Separate frames (group 0)
//     open a GSO message only when they fit the route MTU (the kernel refuses GSO datagrams that need
//     fragmenting); segments of a super-frame always may.
//  2. sendmmsg when the vector is full and at the end; count sent datagrams, their bytes, and failures.
// No allocation, lock or log per packet.

import Glibc
import L2TPCore
import L2TPSystem

enum DatagramIO {
    /// The most a UDP GSO message may carry: the IPv4/IPv6 length fields and UDP_MAX_SEGMENTS (64
    /// before Linux 6.9).
    static let maxSegmentedBytes = 65_000
    static let maxSegmentedPackets = 64

    /// Reads one batch from `fd`. `coalesced`: UDP_GRO is on for the socket.
    @inline(__always)
    static func receive(on fd: FileDescriptor, kind: ReceiveKind, coalesced: Bool, into batch: ReceiveBatch)
        -> ReceiveResult
    {
        let vector = MessageVector(memory: batch.scratch, byteCount: batch.scratchSize, maxMessages: batch.datagrams.count)
        let buffers = batch.datagrams
        let n = vector.capacity
        for i in 0..<n {
            vector.prepare(
                i, buffer: buffers.data(i), capacity: buffers.capacity, name: batch.sourceStorage(i),
                nameCapacity: ReceiveBatch.sourceSize, ancillary: coalesced)
        }
        let received: Int
        switch vector.receive(on: fd, count: n) {
        case .success(.value(let r)): received = r
        case .success(.wouldBlock): return .wouldBlock
        case .failure(let e): return .failed(errno: e.rawValue)
        }
        for i in 0..<received {
            let length = vector.length(i)
            let base = UnsafeRawPointer(buffers.data(i))
            let size = coalesced ? vector.segmentSize(i) : 0
            if size > 0 && length > 0 {
                // UDP GRO: datagrams of `size` bytes back to back, the last possibly shorter.
                var start = 0
                while start < length {
                    batch.append(base + start, length: min(size, length - start), datagram: i)
                    start += size
                }
                continue
            }
            guard length > 0, let offset = kind.l2tpOffset(base, length: length) else {
                batch.countMalformed()
                continue
            }
            batch.append(base + offset, length: length - offset, datagram: i)
        }
        return .datagrams(received)
    }

    /// How a UDP socket may group packets into GSO messages.
    struct Segmentation {
        /// The largest datagram a separate frame (group 0) may be to open a GSO message: the route MTU
        /// less IP and UDP headers.
        var separateFrameLimit: Int
    }

    /// The open UDP GSO message: its datagram size, datagrams, bytes and group.
    private struct Run {
        var size: Int
        var packets: Int
        var bytes: Int
        var group: UInt32
    }

    /// Sends the batch's packets in order on connected socket `fd`; with `segmentation`, as UDP GSO
    /// messages where allowed. `refused`: the kernel refused a GSO message with an error that means
    /// it will go on refusing them on this socket (EINVAL, EIO, EMSGSIZE, EOPNOTSUPP: an IPsec
    /// policy on the route, a route MTU that shrank); the caller sends one datagram at a time from then on.
    @inline(__always)
    static func send(_ batch: TransmitBatch, on fd: FileDescriptor, segmentation: Segmentation?)
        -> (result: TransmitResult, refused: Bool)
    {
        var gather = GatherVector(memory: batch.scratch, byteCount: batch.scratchSize)
        var result = TransmitResult()
        var refused = false
        var segmentation = segmentation
        var run: Run?
        for i in 0..<batch.count {
            let p = batch.packet(i)
            let size = p.first.count + p.second.count
            let pieces = p.second.count > 0 ? 2 : 1
            if var r = run, r.group == p.group, size <= r.size, r.packets < maxSegmentedPackets,
                r.bytes + size <= maxSegmentedBytes, gather.hasRoom(forPieces: pieces)
            {
                // Joins the open message; a shorter datagram is its last.
                if r.packets == 1 { gather.setSegmentSize(r.size) }
                append(p, to: &gather)
                gather.countDatagram()
                r.packets += 1
                r.bytes += size
                run = size < r.size ? nil : r
                continue
            }
            if !gather.hasRoom(forMessageOf: pieces) {
                flush(&gather, on: fd, into: &result, refused: &refused)
                if refused { segmentation = nil }
            }
            gather.beginMessage()
            append(p, to: &gather)
            run = nil
            if let s = segmentation, p.group != 0 || size <= s.separateFrameLimit {
                run = Run(size: size, packets: 1, bytes: size, group: p.group)
            }
        }
        flush(&gather, on: fd, into: &result, refused: &refused)
        return (result, refused)
    }

    @inline(__always)
    private static func append(
        _ p: (first: UnsafeRawBufferPointer, second: UnsafeRawBufferPointer, group: UInt32), to gather: inout GatherVector
    ) {
        gather.append(p.first.baseAddress!, count: p.first.count)
        if p.second.count > 0 { gather.append(p.second.baseAddress!, count: p.second.count) }
    }

    /// Sends what the vector holds and counts it per datagram.
    private static func flush(
        _ gather: inout GatherVector, on fd: FileDescriptor, into result: inout TransmitResult, refused: inout Bool
    ) {
        guard gather.messageCount > 0 else { return }
        let sent = gather.send(on: fd)
        result.sentBytes += sent.sentBytes
        for m in 0..<gather.messageCount {
            let datagrams = gather.datagrams(m)
            if gather.wasSent(m) {
                result.sent += datagrams
                continue
            }
            result.failed += datagrams
            guard datagrams > 1, let e = gather.error(m) else { continue }
            switch e.rawValue {
            case EINVAL, EIO, EMSGSIZE, EOPNOTSUPP: refused = true
            default: break
            }
        }
        gather.reset()
    }
}

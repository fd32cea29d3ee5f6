// SPDX-License-Identifier: GPL-2.0-only
// Batched sends of datagrams gathered from several pieces each (an L2TP header written in front of a
// copied frame header, then a payload slice of the original frame), optionally as one UDP GSO send
// per message (UDP_SEGMENT), so a TCP super-frame leaves in one or two sendmmsg entries without
// copying its payload. The vectors are laid out in memory the caller lends (a transmit batch's
// scratch), so building a send allocates nothing.
//
// Flow: per message `beginMessage(segmentSize:)`, `append` its pieces and `countDatagram` the ones
// after the first; then `send`, read each message's fate, and `reset`.
// Not thread-safe: one per send, on the sending thread's memory.

import CL2TPLinux
import Glibc

public struct GatherVector {
    public let messageCapacity: Int
    public let pieceCapacity: Int
    private let headers: UnsafeMutablePointer<CL2TP_mmsghdr>
    private let pieces: UnsafeMutablePointer<iovec>
    private static let controlSpace = 32
    private let control: UnsafeMutableRawPointer
    /// Per message, after `send`: 0 if the kernel took it, else the errno it refused it with.
    private let status: UnsafeMutablePointer<Int32>
    /// Per message: the datagrams it carries (more than one for a UDP GSO send).
    private let datagrams: UnsafeMutablePointer<Int32>
    /// Messages begun since `reset`.
    public private(set) var messageCount = 0
    private var pieceCount = 0

    /// Bytes of memory a vector of `messages` messages and `pieces` pieces needs.
    public static func byteCount(messages: Int, pieces: Int) -> Int {
        messages * (MemoryLayout<CL2TP_mmsghdr>.stride + controlSpace + 8) + pieces * MemoryLayout<iovec>.stride
    }

    /// Lays out a vector in `memory` (16-byte aligned, at least `byteCount(messages:pieces:)` bytes),
    /// which must outlive it.
    public init(memory: UnsafeMutableRawPointer, messages: Int, pieces: Int) {
        messageCapacity = messages
        pieceCapacity = pieces
        var at = memory
        headers = at.bindMemory(to: CL2TP_mmsghdr.self, capacity: messages)
        at += messages * MemoryLayout<CL2TP_mmsghdr>.stride
        self.pieces = at.bindMemory(to: iovec.self, capacity: pieces)
        at += pieces * MemoryLayout<iovec>.stride
        control = at
        at += messages * Self.controlSpace
        status = at.bindMemory(to: Int32.self, capacity: messages)
        at += messages * 4
        datagrams = at.bindMemory(to: Int32.self, capacity: messages)
    }

    /// The largest vector that fits `byteCount` bytes with `piecesPerMessage` pieces per message.
    public init(memory: UnsafeMutableRawPointer, byteCount: Int, piecesPerMessage: Int = 8) {
        let perMessage = Self.byteCount(messages: 1, pieces: piecesPerMessage)
        let messages = min(1024, byteCount / perMessage)  // UIO_MAXIOV messages per sendmmsg
        self.init(memory: memory, messages: messages, pieces: messages * piecesPerMessage)
    }

    @inline(__always)
    public mutating func reset() {
        messageCount = 0
        pieceCount = 0
    }

    /// Room for a new message of `pieces` pieces.
    @inline(__always)
    public func hasRoom(forMessageOf n: Int) -> Bool { messageCount < messageCapacity && pieceCount + n <= pieceCapacity }

    /// Room for `n` more pieces in the current message.
    @inline(__always)
    public func hasRoom(forPieces n: Int) -> Bool { pieceCount + n <= pieceCapacity }

    /// Starts a message of one datagram; with `segmentSize` > 0 the kernel splits it into datagrams of
    /// that size (UDP_SEGMENT; the last may be shorter). The caller checks `hasRoom` first.
    @inline(__always)
    public mutating func beginMessage(segmentSize: Int = 0) {
        let m = messageCount
        messageCount += 1
        headers[m].msg_hdr.msg_name = nil
        headers[m].msg_hdr.msg_namelen = 0
        headers[m].msg_hdr.msg_iov = pieces + pieceCount
        headers[m].msg_hdr.msg_iovlen = 0
        headers[m].msg_hdr.msg_flags = 0
        datagrams[m] = 1
        if segmentSize > 0 {
            setSegmentSize(segmentSize)
        } else {
            headers[m].msg_hdr.msg_control = nil
            headers[m].msg_hdr.msg_controllen = 0
        }
    }

    /// Makes the current message a UDP GSO send of `segmentSize`-byte datagrams (UDP_SEGMENT), for a
    /// message that turns out to have more than one.
    @inline(__always)
    public func setSegmentSize(_ segmentSize: Int) {
        let m = messageCount - 1
        CL2TP_cmsg_put_u16(
            &headers[m].msg_hdr, control + m * Self.controlSpace, Self.controlSpace, CL2TP_SOL_UDP,
            CL2TP_UDP_SEGMENT, UInt16(truncatingIfNeeded: segmentSize))
    }

    /// Appends a piece to the current message.
    @inline(__always)
    public mutating func append(_ start: UnsafeRawPointer, count: Int) {
        pieces[pieceCount] = iovec(iov_base: UnsafeMutableRawPointer(mutating: start), iov_len: count)
        pieceCount += 1
        headers[messageCount - 1].msg_hdr.msg_iovlen += 1
    }

    /// Counts one more datagram in the current (UDP GSO) message.
    @inline(__always)
    public func countDatagram() { datagrams[messageCount - 1] += 1 }

    /// Sends every message to the socket's connected peer. A message the kernel refuses is skipped
    /// and counted; the rest are still sent. The corresponding C function is `sendmmsg`.
    /// - Returns: messages sent and their bytes, messages refused, and the last error seen.
    public func send(on fd: FileDescriptor) -> (sent: Int, sentBytes: Int, failed: Int, error: Errno?) {
        sendEachMessage(headers, count: messageCount, on: fd, status: status)
    }

    /// Whether the last `send` got message `m` out.
    @inline(__always)
    public func wasSent(_ m: Int) -> Bool { status[m] == 0 }

    /// Why the last `send` did not get message `m` out; nil if it did.
    @inline(__always)
    public func error(_ m: Int) -> Errno? { status[m] == 0 ? nil : Errno(status[m]) }

    /// The datagrams message `m` carries.
    @inline(__always)
    public func datagrams(_ m: Int) -> Int { Int(datagrams[m]) }

    /// The number of pieces of message `m` and their bytes (tests).
    public func message(_ m: Int) -> (pieces: Int, bytes: Int) {
        let h = headers[m].msg_hdr
        var bytes = 0
        for i in 0..<Int(h.msg_iovlen) { bytes += h.msg_iov[i].iov_len }
        return (Int(h.msg_iovlen), bytes)
    }
}

/// `sendmmsg` of `headers[0..<count]` until every message is sent or refused: a message the kernel
/// refuses is skipped (its errno in `status`, which gets 0 for the sent ones) and the rest still go.
/// - Returns: messages sent and their bytes, messages refused, and the last error seen.
@inline(__always)
func sendEachMessage(
    _ headers: UnsafeMutablePointer<CL2TP_mmsghdr>, count n: Int, on fd: FileDescriptor,
    status: UnsafeMutablePointer<Int32>
) -> (sent: Int, sentBytes: Int, failed: Int, error: Errno?) {
    var offset = 0
    var sent = 0
    var sentBytes = 0
    var failed = 0
    var lastError: Errno?
    while offset < n {
        let r = CL2TP_sendmmsg(fd.rawValue, headers + offset, UInt32(n - offset), 0)
        if r > 0 {
            for i in offset..<offset + Int(r) {
                sentBytes += Int(headers[i].msg_len)
                status[i] = 0
            }
            sent += Int(r)
            offset += Int(r)
            continue
        }
        if r == -EINTR { continue }
        let error = r == 0 ? EIO : -r
        lastError = Errno(error)
        status[offset] = error
        failed += 1
        offset += 1
    }
    return (sent, sentBytes, failed, lastError)
}

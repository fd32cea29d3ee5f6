// SPDX-License-Identifier: GPL-2.0-only
// Batched sends of datagrams gathered from several pieces each (an L2TP header written in front of a
// copied frame header, then a payload slice of the original frame), optionally as one UDP GSO send
// per message (UDP_SEGMENT), so a TCP super-frame leaves in one or two sendmmsg entries without
// copying its payload.
//
// Flow: `reset`, then per message `beginMessage(segmentSize:)` and `append` its pieces, then `send`.
// Not thread-safe: each datapath worker owns one.

import CL2TPLinux
import Glibc

public final class GatherVector: @unchecked Sendable {
    public let messageCapacity: Int
    public let pieceCapacity: Int
    private let headers: UnsafeMutablePointer<CL2TP_mmsghdr>
    private let pieces: UnsafeMutablePointer<iovec>
    private static let controlSpace = 32
    private let control: UnsafeMutableRawPointer
    /// Per message, after `send`: 0 if the kernel took it, else the errno it refused it with.
    private let status: UnsafeMutablePointer<Int32>
    /// Messages begun since `reset`.
    public private(set) var messageCount = 0
    private var pieceCount = 0

    public init(messages: Int = 64, pieces: Int = 1024) {
        messageCapacity = messages
        pieceCapacity = pieces
        headers = .allocate(capacity: messages)
        headers.initialize(repeating: CL2TP_mmsghdr(), count: messages)
        self.pieces = .allocate(capacity: pieces)
        self.pieces.initialize(repeating: iovec(), count: pieces)
        control = .allocate(byteCount: messages * Self.controlSpace, alignment: 8)
        status = .allocate(capacity: messages)
        status.initialize(repeating: 0, count: messages)
    }

    deinit {
        headers.deallocate()
        pieces.deallocate()
        control.deallocate()
        status.deallocate()
    }

    @inline(__always)
    public func reset() {
        messageCount = 0
        pieceCount = 0
    }

    /// Room for another message of up to `pieces` pieces.
    @inline(__always)
    public func hasRoom(pieces n: Int) -> Bool { messageCount < messageCapacity && pieceCount + n <= pieceCapacity }

    /// Starts a message; with `segmentSize` > 0 the kernel splits it into datagrams of that size
    /// (UDP_SEGMENT; the last may be shorter). The caller checks `hasRoom` first.
    @inline(__always)
    public func beginMessage(segmentSize: Int = 0) {
        let m = messageCount
        messageCount += 1
        headers[m].msg_hdr.msg_name = nil
        headers[m].msg_hdr.msg_namelen = 0
        headers[m].msg_hdr.msg_iov = pieces + pieceCount
        headers[m].msg_hdr.msg_iovlen = 0
        headers[m].msg_hdr.msg_flags = 0
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
    public func append(_ start: UnsafeRawPointer, count: Int) {
        pieces[pieceCount] = iovec(iov_base: UnsafeMutableRawPointer(mutating: start), iov_len: count)
        pieceCount += 1
        headers[messageCount - 1].msg_hdr.msg_iovlen += 1
    }

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

    /// The number of pieces of message `m` and their bytes (tests).
    public func message(_ m: Int) -> (pieces: Int, bytes: Int) {
        let h = headers[m].msg_hdr
        var bytes = 0
        for i in 0..<Int(h.msg_iovlen) { bytes += h.msg_iov[i].iov_len }
        return (Int(h.msg_iovlen), bytes)
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Batched datagram receive: mmsghdr/iovec vectors for recvmmsg, laid out in memory the caller lends
// (a receive batch's scratch), each message pointing at a caller's buffer and source-address slot.
//
// Flow: `prepare` each message, `receive` once, then read `length`, `truncated` and `segmentSize`
// of the messages received. Not thread-safe: one per read, on the reading thread's memory.

import CL2TPLinux
import Glibc

public struct MessageVector {
    public let capacity: Int
    private let headers: UnsafeMutablePointer<CL2TP_mmsghdr>
    private let iovecs: UnsafeMutablePointer<iovec>
    /// Ancillary data space per message: one cmsg carrying an int (UDP_GRO's segment size).
    private static let controlSpace = 32
    private let control: UnsafeMutableRawPointer

    /// Bytes of memory a vector of `messages` messages needs.
    public static func byteCount(messages: Int) -> Int {
        messages * (MemoryLayout<CL2TP_mmsghdr>.stride + MemoryLayout<iovec>.stride + controlSpace)
    }

    /// Lays out the largest vector (up to `maxMessages`) that fits `byteCount` bytes of `memory`
    /// (16-byte aligned), which must outlive it.
    public init(memory: UnsafeMutableRawPointer, byteCount: Int, maxMessages: Int) {
        capacity = min(maxMessages, byteCount / Self.byteCount(messages: 1))
        headers = memory.bindMemory(to: CL2TP_mmsghdr.self, capacity: capacity)
        let afterHeaders = memory + capacity * MemoryLayout<CL2TP_mmsghdr>.stride
        iovecs = afterHeaders.bindMemory(to: iovec.self, capacity: capacity)
        control = afterHeaders + capacity * MemoryLayout<iovec>.stride
    }

    /// Points message `i` at `capacity` bytes of `buffer` and, if given, `nameCapacity` bytes of
    /// `name` for the sender's address; `ancillary`: room for a UDP_GRO segment size.
    @inline(__always)
    public func prepare(
        _ i: Int, buffer: UnsafeMutableRawPointer, capacity: Int, name: UnsafeMutableRawPointer?, nameCapacity: Int,
        ancillary: Bool
    ) {
        iovecs[i].iov_base = buffer
        iovecs[i].iov_len = capacity
        headers[i].msg_hdr.msg_iov = iovecs + i
        headers[i].msg_hdr.msg_iovlen = 1
        headers[i].msg_hdr.msg_name = name
        headers[i].msg_hdr.msg_namelen = name == nil ? 0 : socklen_t(nameCapacity)
        headers[i].msg_hdr.msg_control = ancillary ? control + i * Self.controlSpace : nil
        headers[i].msg_hdr.msg_controllen = ancillary ? Self.controlSpace : 0
        headers[i].msg_hdr.msg_flags = 0
    }

    /// Receives into the first `count` prepared messages without blocking. The corresponding C
    /// function is `recvmmsg`.
    @inline(__always)
    public func receive(on fd: FileDescriptor, count: Int) -> Result<IOResult<Int>, Errno> {
        while true {
            let r = CL2TP_recvmmsg(fd.rawValue, headers, UInt32(count), Int32(MSG_DONTWAIT))
            if r >= 0 { return .success(.value(Int(r))) }
            switch -r {
            case EINTR: continue
            case EAGAIN: return .success(.wouldBlock)
            default: return .failure(Errno(-r))
            }
        }
    }

    /// Bytes received into message `i`; -1 if the datagram did not fit (MSG_TRUNC).
    @inline(__always)
    public func length(_ i: Int) -> Int {
        headers[i].msg_hdr.msg_flags & Int32(MSG_TRUNC) != 0 ? -1 : Int(headers[i].msg_len)
    }

    /// For a message received with ancillary room on a socket with UDP_GRO on: the size of each
    /// datagram coalesced into it (the last may be shorter); 0 for a single datagram.
    @inline(__always)
    public func segmentSize(_ i: Int) -> Int {
        guard headers[i].msg_hdr.msg_controllen > 0 else { return 0 }
        return Int(max(0, CL2TP_cmsg_find_int(&headers[i].msg_hdr, CL2TP_SOL_UDP, CL2TP_UDP_GRO)))
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Batched datagram I/O: preallocated mmsghdr/iovec vectors for recvmmsg and sendmmsg.
//
// High-throughput datagram sockets want one syscall per batch, not per packet. This type owns the
// vectors so the per-packet path only fills in pointers and lengths.

import CL2TPLinux
import Glibc

/// mmsghdr and iovec vectors for one socket operation at a time. Not thread-safe.
public final class MessageVector: @unchecked Sendable {
    public let count: Int
    private let headers: UnsafeMutablePointer<CL2TP_mmsghdr>
    private let iovecs: UnsafeMutablePointer<iovec>

    /// Ancillary data space per message: one cmsg carrying an int (UDP_GRO's segment size).
    private static let controlSpace = 32
    private let control: UnsafeMutableRawPointer

    public init(count: Int) {
        self.count = count
        headers = .allocate(capacity: count)
        headers.initialize(repeating: CL2TP_mmsghdr(), count: count)
        iovecs = .allocate(capacity: count)
        iovecs.initialize(repeating: iovec(), count: count)
        control = .allocate(byteCount: count * Self.controlSpace, alignment: 8)
        for i in 0..<count {
            headers[i].msg_hdr.msg_iov = iovecs + i
            headers[i].msg_hdr.msg_iovlen = 1
        }
    }

    deinit {
        headers.deallocate()
        iovecs.deallocate()
        control.deallocate()
    }

    /// Receives up to `min(max, buffers.count)` datagrams, each into `buffers.data(i)`; sets
    /// `buffers.lengths` and, on a socket with UDP_GRO on (`coalesced`), `buffers.segmentSizes`.
    /// Truncated datagrams get length -1. The corresponding C function is `recvmmsg`.
    @inline(__always)
    public func receive(on fd: FileDescriptor, into buffers: PacketBuffers, max: Int, coalesced: Bool = false)
        -> Result<IOResult<Int>, Errno>
    {
        let n = Swift.min(max, buffers.count, count)
        for i in 0..<n {
            iovecs[i].iov_base = buffers.data(i)
            iovecs[i].iov_len = buffers.capacity
            headers[i].msg_hdr.msg_name = nil
            headers[i].msg_hdr.msg_namelen = 0
            headers[i].msg_hdr.msg_control = coalesced ? control + i * Self.controlSpace : nil
            headers[i].msg_hdr.msg_controllen = coalesced ? Self.controlSpace : 0
            headers[i].msg_hdr.msg_flags = 0
        }
        while true {
            let r = CL2TP_recvmmsg(fd.rawValue, headers, UInt32(n), Int32(MSG_DONTWAIT))
            if r >= 0 {
                for i in 0..<Int(r) {
                    let truncated = headers[i].msg_hdr.msg_flags & Int32(MSG_TRUNC) != 0
                    buffers.lengths[i] = truncated ? -1 : Int(headers[i].msg_len)
                    var size = 0
                    if coalesced && headers[i].msg_hdr.msg_controllen > 0 {
                        size = Int(Swift.max(0, CL2TP_cmsg_find_int(&headers[i].msg_hdr, CL2TP_SOL_UDP, CL2TP_UDP_GRO)))
                    }
                    buffers.segmentSizes[i] = size
                }
                return .success(.value(Int(r)))
            }
            switch -r {
            case EINTR: continue
            case EAGAIN: return .success(.wouldBlock)
            default: return .failure(Errno(-r))
            }
        }
    }

    /// Points message `i` at `length` bytes from `start`, for `send`.
    @inline(__always)
    public func set(_ i: Int, start: UnsafeMutableRawPointer, length: Int) {
        iovecs[i].iov_base = start
        iovecs[i].iov_len = length
        headers[i].msg_hdr.msg_name = nil
        headers[i].msg_hdr.msg_namelen = 0
        headers[i].msg_hdr.msg_control = nil
        headers[i].msg_hdr.msg_controllen = 0
    }

    /// Sends messages `0..<n` prepared with `set` to the socket's connected peer. A message the kernel
    /// refuses is skipped and counted as failed; the rest are still sent.
    /// The corresponding C function is `sendmmsg`.
    /// - Returns: how many messages (and bytes) were sent, how many failed, and the last error seen.
    @inline(__always)
    public func send(on fd: FileDescriptor, count n: Int) -> (sent: Int, sentBytes: Int, failed: Int, error: Errno?) {
        sendEachMessage(headers, count: n, on: fd, status: nil)
    }
}

/// `sendmmsg` of `headers[0..<count]` until every message is sent or refused: a message the kernel
/// refuses is skipped (its errno in `status`, which gets 0 for the sent ones) and the rest still go.
/// - Returns: messages sent and their bytes, messages refused, and the last error seen.
@inline(__always)
func sendEachMessage(
    _ headers: UnsafeMutablePointer<CL2TP_mmsghdr>, count n: Int, on fd: FileDescriptor,
    status: UnsafeMutablePointer<Int32>?
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
                status?[i] = 0
            }
            sent += Int(r)
            offset += Int(r)
            continue
        }
        if r == -EINTR { continue }
        let error = r == 0 ? EIO : -r
        lastError = Errno(error)
        status?[offset] = error
        failed += 1
        offset += 1
    }
    return (sent, sentBytes, failed, lastError)
}

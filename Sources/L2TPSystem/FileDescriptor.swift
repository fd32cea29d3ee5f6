// SPDX-License-Identifier: GPL-2.0-only
// A raw file descriptor with the few operations the daemon needs: read, write, close, non-blocking mode.

import Glibc

/// An open file descriptor. It is a plain value: closing is explicit.
public struct FileDescriptor: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public var description: String { "fd \(rawValue)" }

    /// Closes the descriptor. The corresponding C function is `close`.
    public func close() {
        _ = Glibc.close(rawValue)
    }

    /// Reads at most `count` bytes into `buffer`. The corresponding C function is `read`.
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Result<IOResult<Int>, Errno> {
        nonBlocking { Glibc.read(rawValue, buffer, count) }
    }

    /// Writes `count` bytes from `buffer`. The corresponding C function is `write`.
    @inline(__always)
    public func write(_ buffer: UnsafeRawPointer, count: Int) -> Result<IOResult<Int>, Errno> {
        nonBlocking { Glibc.write(rawValue, buffer, count) }
    }

    /// Writes the `count` pieces of `vector` as one write (one packet on a TAP). The corresponding C
    /// function is `writev`.
    @inline(__always)
    public func write(vector: UnsafePointer<iovec>, count: Int) -> Result<IOResult<Int>, Errno> {
        nonBlocking { Glibc.writev(rawValue, vector, Int32(count)) }
    }

    /// Sets or clears O_NONBLOCK. The corresponding C function is `fcntl`.
    public func setNonBlocking(_ on: Bool = true) throws(Errno) {
        let flags = try valueOrErrno { fcntl(rawValue, F_GETFL) }.get()
        let new = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        _ = try valueOrErrno { fcntl(rawValue, F_SETFL, new) }.get()
    }
}

/// Monotonic time in milliseconds (CLOCK_MONOTONIC), the datapath's clock for reorder expiry.
@inline(__always)
public func monotonicMilliseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
}

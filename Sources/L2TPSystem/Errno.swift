// SPDX-License-Identifier: GPL-2.0-only
// A typed errno and the one policy helper every syscall wrapper uses (EINTR retried, EAGAIN as a value).

import CL2TPLinux
import Glibc

/// A POSIX error number.
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current errno.
    public static var current: Errno { Errno(Glibc.errno) }

    /// `strerror` text.
    public var description: String { String(cString: strerror(rawValue)) }

    public static let wouldBlock = Errno(EAGAIN)
    public static let interrupted = Errno(EINTR)
    public static let invalidArgument = Errno(EINVAL)
}

/// The outcome of a non-blocking call: a value, or "try again later" (EAGAIN/EWOULDBLOCK).
public enum IOResult<T> {
    case value(T)
    case wouldBlock
}

/// Runs a syscall that returns -1 and sets errno on failure, retrying on EINTR.
///
/// EBADF and EFAULT are programming errors (a closed or foreign fd, a bad pointer) and trap.
@inline(__always)
public func valueOrErrno<I: FixedWidthInteger>(_ call: () -> I) -> Result<I, Errno> {
    while true {
        let r = call()
        if r != -1 { return .success(r) }
        let e = Glibc.errno
        if e == EINTR { continue }
        precondition(e != EBADF && e != EFAULT, "syscall failed with \(String(cString: strerror(e)))")
        return .failure(Errno(e))
    }
}

/// Like `valueOrErrno` for non-blocking calls: EAGAIN becomes `.wouldBlock`.
@inline(__always)
public func nonBlocking<I: FixedWidthInteger>(_ call: () -> I) -> Result<IOResult<I>, Errno> {
    switch valueOrErrno(call) {
    case .success(let v): return .success(.value(v))
    case .failure(let e) where e.rawValue == EAGAIN || e.rawValue == EWOULDBLOCK: return .success(.wouldBlock)
    case .failure(let e): return .failure(e)
    }
}

/// Converts a `-errno` return value (the CL2TPLinux convention) into a Result.
@inline(__always)
public func negativeErrno(_ r: Int32) -> Result<Int32, Errno> {
    r < 0 ? .failure(Errno(-r)) : .success(r)
}

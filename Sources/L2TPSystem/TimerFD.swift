// SPDX-License-Identifier: GPL-2.0-only
// A timerfd armed to one absolute CLOCK_MONOTONIC deadline, and that clock in nanoseconds: the single
// kernel timer behind all of an EventLoop's timers.

import CL2TPLinux
import Glibc

/// Monotonic time in nanoseconds (CLOCK_MONOTONIC), the clock of `TimerFD` and `EventLoop` timers.
@inline(__always)
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// A non-blocking CLOCK_MONOTONIC timerfd that expires once, at an absolute deadline.
///
/// It is readable from its deadline until `acknowledge()` or the next `arm`/`disarm`.
public final class TimerFD: Sendable {
    public let fd: FileDescriptor

    /// A disarmed timer. The corresponding C function is `timerfd_create(CLOCK_MONOTONIC,
    /// TFD_NONBLOCK | TFD_CLOEXEC)`.
    public init() throws(Errno) {
        fd = FileDescriptor(rawValue: try negativeErrno(CL2TP_timerfd_create()).get())
    }

    deinit { fd.close() }

    /// Expires once at `deadline` (CLOCK_MONOTONIC nanoseconds; a deadline already past expires at
    /// once) and forgets any earlier expiry. `deadline` must not be 0, which means "disarmed".
    /// The corresponding C function is `timerfd_settime(TFD_TIMER_ABSTIME)`.
    public func arm(deadline: UInt64) throws(Errno) {
        precondition(deadline != 0, "TimerFD.arm: deadline 0 means disarmed")
        try set(deadline)
    }

    /// Stops the timer and forgets any expiry not yet acknowledged. The corresponding C function is
    /// `timerfd_settime` with a zero `it_value`.
    public func disarm() throws(Errno) {
        try set(0)
    }

    private func set(_ deadline: UInt64) throws(Errno) {
        while true {
            let r = CL2TP_timerfd_set_deadline(fd.rawValue, deadline)
            if r == -EINTR { continue }
            _ = try negativeErrno(r).get()
            return
        }
    }

    /// Reads and resets the expiry count: 1 after an expiry, 0 if the timer has not expired since it
    /// was last armed or acknowledged. The corresponding C function is `read`.
    @discardableResult
    public func acknowledge() -> UInt64 {
        while true {
            let r = CL2TP_timerfd_read(fd.rawValue)
            if r == -Int64(EINTR) { continue }
            precondition(r >= 0, "timerfd read failed with \(Errno(Int32(-r)))")
            return UInt64(r)
        }
    }
}

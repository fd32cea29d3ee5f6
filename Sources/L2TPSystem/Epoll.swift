// SPDX-License-Identifier: GPL-2.0-only
// An epoll instance and an eventfd, the readiness and wake-up primitives of every loop in the daemon.

import CL2TPLinux
import Glibc

/// An epoll instance. Each registration carries a 64-bit token returned with its events.
public final class Epoll: @unchecked Sendable {
    public let fd: FileDescriptor
    private var tokens: UnsafeMutablePointer<UInt64>
    private var masks: UnsafeMutablePointer<UInt32>
    /// The most events one `wait` returns.
    public let capacity: Int

    public static let readable = CL2TP_EPOLLIN
    public static let writable = CL2TP_EPOLLOUT
    public static let hangup = CL2TP_EPOLLHUP | CL2TP_EPOLLERR | CL2TP_EPOLLRDHUP

    /// The corresponding C function is `epoll_create1`.
    public init(capacity: Int = 64) throws(Errno) {
        let fd = try negativeErrno(CL2TP_epoll_create()).get()
        self.fd = FileDescriptor(rawValue: fd)
        self.capacity = capacity
        tokens = .allocate(capacity: capacity)
        masks = .allocate(capacity: capacity)
    }

    deinit {
        fd.close()
        tokens.deallocate()
        masks.deallocate()
    }

    /// Registers `watched` for `events`. The corresponding C function is `epoll_ctl(EPOLL_CTL_ADD)`.
    public func add(_ watched: FileDescriptor, events: UInt32, token: UInt64) throws(Errno) {
        _ = try negativeErrno(CL2TP_epoll_ctl(fd.rawValue, CL2TP_EPOLL_CTL_ADD, watched.rawValue, events, token)).get()
    }

    /// The corresponding C function is `epoll_ctl(EPOLL_CTL_MOD)`.
    public func modify(_ watched: FileDescriptor, events: UInt32, token: UInt64) throws(Errno) {
        _ = try negativeErrno(CL2TP_epoll_ctl(fd.rawValue, CL2TP_EPOLL_CTL_MOD, watched.rawValue, events, token)).get()
    }

    /// The corresponding C function is `epoll_ctl(EPOLL_CTL_DEL)`. Unknown fds are ignored.
    public func remove(_ watched: FileDescriptor) {
        _ = CL2TP_epoll_ctl(fd.rawValue, CL2TP_EPOLL_CTL_DEL, watched.rawValue, 0, 0)
    }

    /// Waits for events and calls `body(token, events)` for each. `timeout` in ms, -1 forever.
    /// The corresponding C function is `epoll_wait`.
    @inline(__always)
    public func wait(timeout: Int32, _ body: (UInt64, UInt32) -> Void) {
        let n = CL2TP_epoll_wait(fd.rawValue, tokens, masks, Int32(capacity), timeout)
        guard n > 0 else { return }
        for i in 0..<Int(n) { body(tokens[i], masks[i]) }
    }
}

/// An eventfd used to wake a loop blocked in `epoll_wait`.
public final class EventFD: Sendable {
    public let fd: FileDescriptor

    /// The corresponding C function is `eventfd`.
    public init() throws(Errno) {
        fd = FileDescriptor(rawValue: try negativeErrno(CL2TP_eventfd()).get())
    }

    deinit { fd.close() }

    /// Makes the eventfd readable.
    public func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(fd.rawValue, &one, 8)
    }

    /// Resets it to unreadable.
    public func drain() {
        var v: UInt64 = 0
        _ = Glibc.read(fd.rawValue, &v, 8)
    }
}

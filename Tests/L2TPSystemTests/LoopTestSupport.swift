// SPDX-License-Identifier: GPL-2.0-only
// Bounded helpers for real-loop tests: drive rounds until a condition or a time limit, pipes and
// socket pairs, and plain threads (never the cooperative pool, which a blocked loop could starve).

import Glibc
import L2TPSystem
import Synchronization

/// Runs rounds until `done()` holds or `limit` passes. Returns whether `done()` held.
@discardableResult
func spin(_ loop: EventLoop, limit: Duration = .seconds(5), until done: () -> Bool) -> Bool {
    let end = monotonicNanoseconds() + nanoseconds(limit)
    while !done() {
        if monotonicNanoseconds() >= end { return false }
        loop.runOnce(timeout: .milliseconds(10))
    }
    return true
}

/// Runs rounds for about `duration` (to see that nothing more happens).
func spin(_ loop: EventLoop, for duration: Duration) {
    let end = monotonicNanoseconds() + nanoseconds(duration)
    while monotonicNanoseconds() < end { loop.runOnce(timeout: .milliseconds(5)) }
}

/// Polls `done` every millisecond for at most `limit`; for waiting on other threads.
@discardableResult
func waitUntil(limit: Duration = .seconds(5), _ done: () -> Bool) -> Bool {
    let end = monotonicNanoseconds() + nanoseconds(limit)
    while !done() {
        if monotonicNanoseconds() >= end { return false }
        usleep(1000)
    }
    return true
}

func nanoseconds(_ d: Duration) -> UInt64 {
    let (s, atto) = d.components
    return UInt64(s) * 1_000_000_000 + UInt64(atto / 1_000_000_000)
}

func milliseconds(since start: UInt64) -> Double {
    Double(monotonicNanoseconds() - start) / 1e6
}

func sleep(_ d: Duration) { usleep(UInt32(nanoseconds(d) / 1000)) }

/// A non-blocking pipe.
struct Pipe {
    let read: FileDescriptor
    let write: FileDescriptor

    init() throws(Errno) {
        var fds: [Int32] = [-1, -1]
        _ = try valueOrErrno { Glibc.pipe(&fds) }.get()
        read = FileDescriptor(rawValue: fds[0])
        write = FileDescriptor(rawValue: fds[1])
        try read.setNonBlocking()
        try write.setNonBlocking()
    }

    /// Makes the read end readable.
    func put() {
        var b: UInt8 = 1
        _ = write.write(&b, count: 1)
    }

    /// Reads everything waiting.
    func drain() {
        var buf = [UInt8](repeating: 0, count: 256)
        while case .success(.value(let n)) = read.read(into: &buf, count: buf.count), n > 0 {}
    }

    func close() {
        read.close()
        write.close()
    }
}

/// A connected pair of non-blocking Unix stream sockets.
func socketPair() throws(Errno) -> (FileDescriptor, FileDescriptor) {
    var fds: [Int32] = [-1, -1]
    _ = try valueOrErrno { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) }.get()
    let a = FileDescriptor(rawValue: fds[0])
    let b = FileDescriptor(rawValue: fds[1])
    try a.setNonBlocking()
    try b.setNonBlocking()
    return (a, b)
}

private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

private func threadEntry(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    Unmanaged<ThreadBody>.fromOpaque(arg!).takeRetainedValue().run()
    return nil
}

/// Starts a detached pthread running `body`. A test waits for it with `waitUntil`, never a join, so
/// a thread stuck in a broken loop cannot hang the test.
func startThread(_ body: @escaping @Sendable () -> Void) {
    var tid = pthread_t()
    let arg = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    let r = pthread_create(&tid, nil, threadEntry, arg)
    precondition(r == 0, "pthread_create: \(r)")
    pthread_detach(tid)
}

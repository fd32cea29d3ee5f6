// SPDX-License-Identifier: GPL-2.0-only
// In-memory edges for driving a real Datapath: a packet receiver whose readiness is an eventfd and
// whose reads can be held open, a control-frame sink that records, a thread to run a blocking call
// on, and bounded waits (a failing test never hangs).

import Glibc
import L2TPCore
import L2TPDatapath
import L2TPSystem
import L2TPWire
import Synchronization

/// Polls `condition` every millisecond until it holds or `seconds` have passed; returns its last value.
func eventually(within seconds: Int = 5, _ condition: () -> Bool) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(seconds)
    while clock.now < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

/// A `PacketReceiver` fed by the test: `send` queues datagrams and makes its eventfd readable;
/// `receive` copies them into the worker's ReceiveBatch (an empty datagram is counted malformed, as
/// a transport counts one it cannot parse). `hold` makes the next `receive` block until `release`.
final class FakeReceiver: PacketReceiver {
    private let readiness: EventFD
    let encapsulation: EncapType
    let isShared: Bool

    private struct State {
        var queue: [[UInt8]] = []
        /// Calls of `receive`, and the threads that made them.
        var calls = 0
        var threads: Set<UInt> = []
        /// Errors the next reads report, one each, before any datagram.
        var failures: [Int32] = []
    }
    private let state = Mutex(State())
    private let holdNext = Atomic<Bool>(false)
    private let inside = Atomic<Bool>(false)
    private let released = Atomic<Bool>(false)

    init(encapsulation: EncapType = .udp, isShared: Bool = false) {
        readiness = try! EventFD()
        self.encapsulation = encapsulation
        self.isShared = isShared
    }

    var pollDescriptor: Int32 { readiness.fd.rawValue }

    /// Queues `datagrams` at once (one read takes them all) and makes the receiver readable.
    func send(_ datagrams: [[UInt8]]) {
        state.withLock { s in
            s.queue += datagrams
            readiness.signal()
        }
    }

    /// The next read reports `errno` (an ICMP error on a connected socket) instead of datagrams.
    func failNext(errno: Int32) { state.withLock { $0.failures.append(errno) } }

    /// The next `receive` blocks (at most 10 s) until `release`.
    func hold() {
        released.store(false, ordering: .sequentiallyConsistent)
        holdNext.store(true, ordering: .sequentiallyConsistent)
    }

    func release() { released.store(true, ordering: .sequentiallyConsistent) }

    /// A worker is blocked in `receive`.
    var isHeld: Bool { inside.load(ordering: .sequentiallyConsistent) }

    var calls: Int { state.withLock { $0.calls } }
    var threads: Set<UInt> { state.withLock { $0.threads } }
    var pending: Int { state.withLock { $0.queue.count } }

    func receive(into batch: ReceiveBatch) -> ReceiveResult {
        if holdNext.exchange(false, ordering: .sequentiallyConsistent) {
            inside.store(true, ordering: .sequentiallyConsistent)
            _ = eventually(within: 10) { released.load(ordering: .sequentiallyConsistent) }
            inside.store(false, ordering: .sequentiallyConsistent)
        }
        return state.withLock { s -> ReceiveResult in
            s.calls += 1
            s.threads.insert(UInt(pthread_self()))
            if !s.failures.isEmpty { return .failed(errno: s.failures.removeFirst()) }
            let n = min(s.queue.count, batch.datagrams.count)
            for i in 0..<n {
                let datagram = s.queue[i]
                guard !datagram.isEmpty else {
                    batch.countMalformed()
                    continue
                }
                let p = batch.datagrams.data(i)
                datagram.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                batch.append(UnsafeRawPointer(p), length: datagram.count, datagram: i)
            }
            s.queue.removeFirst(n)
            if s.queue.isEmpty { readiness.drain() }
            return n == 0 ? .wouldBlock : .datagrams(n)
        }
    }
}

/// A `ControlFrameSink` that accepts the frames of tunnels with a `controlOwner` (as the daemon's
/// router does for an open control connection) and keeps a copy of each.
final class RecordingSink: ControlFrameSink {
    private let recorded = Mutex<[(tunnel: TunnelID, frame: [UInt8])]>([])

    func controlFrame(_ frame: UnsafeRawBufferPointer, tunnel: Tunnel) -> Bool {
        guard tunnel.controlOwner != nil else { return false }
        let copy = Array(frame)
        recorded.withLock { $0.append((tunnel.id, copy)) }
        return true
    }

    var frames: [(tunnel: TunnelID, frame: [UInt8])] { recorded.withLock { $0 } }
}

/// A thread running one blocking call (e.g. `Datapath.synchronize`).
final class BackgroundCall: @unchecked Sendable {
    private let body: () -> Void
    private let done = Atomic<Bool>(false)
    private var thread = pthread_t()
    private var joined = false

    init(_ body: @escaping () -> Void) {
        self.body = body
        let arg = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, backgroundCallEntry, arg)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    fileprivate func run() {
        body()
        done.store(true, ordering: .sequentiallyConsistent)
    }

    /// Whether the call has returned.
    var hasReturned: Bool { done.load(ordering: .sequentiallyConsistent) }

    /// Waits (at most `seconds`) for the call to return and joins the thread; false if it did not
    /// return in time (the thread is then left to finish on its own).
    func join(within seconds: Int = 5) -> Bool {
        guard eventually(within: seconds, { hasReturned }) else {
            pthread_detach(thread)
            joined = true
            return false
        }
        if !joined { pthread_join(thread, nil) }
        joined = true
        return true
    }
}

private func backgroundCallEntry(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    Unmanaged<BackgroundCall>.fromOpaque(arg!).takeRetainedValue().run()
    return nil
}

/// A weak reference, to watch an object being freed.
final class Weak<Object: AnyObject> {
    weak var object: Object?
    init(_ object: Object) { self.object = object }
    var isFreed: Bool { object == nil }
}

/// Control messages as they arrive, unparsed.
enum ControlPacket {
    /// An L2TPv3 control message over UDP (T, L, Ver 3), 20 bytes: header and zero Ns/Nr, then a tag.
    static func udp(connectionID: UInt32, tag: UInt8) -> [UInt8] {
        [0xc8, 0x03, 0x00, 0x14] + bigEndian(connectionID) + [0, 0, 0, 0] + [UInt8](repeating: tag, count: 8)
    }

    /// The same message over IP: session id 0 in front of it.
    static func ip(connectionID: UInt32, tag: UInt8) -> [UInt8] {
        [0, 0, 0, 0] + udp(connectionID: connectionID, tag: tag)
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }
}

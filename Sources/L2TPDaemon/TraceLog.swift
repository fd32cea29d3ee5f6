// SPDX-License-Identifier: GPL-2.0-only
// Collects trace events from datapath workers and the control plane and logs them on the control
// loop, with the kernel's tracepoint names. Events of tunnels and sessions with L2TP_ATTR_DEBUG set
// are logged whatever the log level: debug logging for that context only.
//
// Flow: `emit` (any thread) appends to a bounded queue under a mutex and wakes the control loop
// (eventfd); `drain` (control loop) logs them. When the queue is full the oldest events are dropped
// and counted, so a debugging session under load cannot grow memory or stall a worker.

import L2TPCore
import L2TPSystem
import Logging
import Synchronization

final class TraceLog: TraceSink, @unchecked Sendable {
    static let capacity = 4096

    private struct Queue {
        var events: [TraceEvent] = []
        var dropped = 0
    }
    private let queue = Mutex(Queue())
    let wakeup: EventFD
    private let logger: Logger
    /// The same logger, at debug level: for contexts with debug flags.
    private let debugLogger: Logger

    init(logger: Logger) throws(Errno) {
        wakeup = try EventFD()
        self.logger = logger
        var d = logger
        d.logLevel = .debug
        debugLogger = d
    }

    func emit(_ event: TraceEvent) {
        let first = queue.withLock { q -> Bool in
            if q.events.count >= Self.capacity {
                q.events.removeFirst(q.events.count / 2)
                q.dropped += Self.capacity / 2
            }
            q.events.append(event)
            return q.events.count == 1
        }
        if first { wakeup.signal() }
    }

    /// Logs what has been emitted since the last call.
    func drain() {
        wakeup.drain()
        let (events, dropped) = queue.withLock { q -> ([TraceEvent], Int) in
            defer {
                q.events.removeAll(keepingCapacity: true)
                q.dropped = 0
            }
            return (q.events, q.dropped)
        }
        if dropped > 0 { logger.warning("trace events dropped", metadata: ["count": "\(dropped)"]) }
        for e in events {
            var metadata: Logger.Metadata = ["tunnel": "\(e.tunnelID)"]
            if e.sessionID != 0 { metadata["session"] = "\(e.sessionID)" }
            if e.name.rawValue.hasPrefix("session_") && e.name != .sessionPktDiscard {
                metadata["ns"] = "\(e.ns)"
                metadata["nr"] = "\(e.nr)"
            }
            if let reason = e.reason { metadata["reason"] = "\(reason)" }
            (e.contextDebug ? debugLogger : logger).debug("\(e.name.rawValue)", metadata: metadata)
        }
    }
}

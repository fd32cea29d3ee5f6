// SPDX-License-Identifier: GPL-2.0-only
// The thread-safe side of an EventLoop: other threads post closures to it, wake it, or stop it,
// through a mutex-guarded queue and an eventfd the loop watches.

import Synchronization

extension EventLoop {
    /// What other threads may use of an `EventLoop`. Every method is thread-safe and does not block on
    /// the loop (a mutex held for an append, one eventfd write).
    public final class Remote: Sendable {
        /// Readable when closures were posted or a wake-up or stop was asked for.
        let wakeup: EventFD
        let jobs = Mutex<[@Sendable (EventLoop) -> Void]>([])
        let stopRequested = Atomic<Bool>(false)

        init() throws(Errno) {
            wakeup = try EventFD()
        }

        /// Runs `job` on the loop's thread during a later round, with the loop as its argument. Jobs run in
        /// the order they were posted (across threads: the order they took the mutex). A job posted to a
        /// loop that never runs again is never run.
        public func post(_ job: @escaping @Sendable (EventLoop) -> Void) {
            jobs.withLock { $0.append(job) }
            wakeup.signal()
        }

        /// Makes the loop finish its current or next `epoll_wait` (a round with nothing else to do).
        public func wake() {
            wakeup.signal()
        }

        /// Makes `run()` return after the round that sees this request (posted jobs run first).
        public func stop() {
            stopRequested.store(true, ordering: .releasing)
            wakeup.signal()
        }
    }
}

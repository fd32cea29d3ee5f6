// SPDX-License-Identifier: GPL-2.0-only
// The control loop others plug into: descriptors with changing interest, one-shot and periodic
// timers, and closures posted from other threads, all dispatched on the one thread that runs it.
//
// Flow of one round (`runOnce`; `run` repeats it until `stop`):
//  1. Arm the loop's single timerfd to the earliest timer deadline (only if that changed).
//  2. epoll_wait: registered descriptors, the timerfd, and the eventfd of `remote`.
//  3. Dispatch descriptor events in the order epoll returned them. Each event is checked against its
//     source's current registration first: a source unregistered (or re-registered in the same slot)
//     earlier in the round is skipped, and events are masked by the interest current at that moment.
//     The remote eventfd runs the posted closures in FIFO order and applies a remote `stop`.
//  4. Timers: read CLOCK_MONOTONIC once; every timer armed before this step and due at that time
//     fires, earliest deadline first, ties in arming order. A cancelled timer never fires, even if
//     it was due in this round. Timers armed by timer actions fire in a later round.
//
// Semantics:
//  - Handlers may register, unregister, change interest, schedule, reschedule and cancel (their own or
//    others') at any time, including during dispatch. Handles carry a generation: after `unregister` or
//    `cancel` (or a one-shot's firing) a handle is stale and every call with it is a harmless no-op.
//  - `.hangup` (EPOLLHUP, EPOLLERR, and EPOLLRDHUP when asked for) is reported even without hang-up
//    interest, as epoll reports it: a handler that sees it must unregister the source (level-triggered
//    epoll reports it again every round otherwise).
//  - A periodic timer that falls behind fires once for all missed ticks and stays on its original
//    grid (next deadline: the first tick after now) — no burst, no drift. See `TimerQueue`.
//  - A one-shot timer's handle stays valid while its handler runs, so the handler can re-arm it with
//    `reschedule` (a restart timer: no new closure); otherwise it goes stale when the handler returns.
//  - `stop()` lets the current round finish; `run()` then returns. A `stop()` before `run()` makes
//    that `run()` return at once.
//  - The loop does not own registered descriptors: unregister before closing one.
//
// Concurrency contract: an EventLoop is used on one thread only — the thread that calls `run` or
// `runOnce` (it may be created and populated on another thread before that). Handlers run on that
// thread, one at a time; `runOnce` is not reentrant. Other threads use only `remote` (Sendable):
// `post` a closure, `wake`, or `stop`. Handlers that capture the loop should do so `unowned` (the loop
// owns them). Steady state allocates nothing per event or per timer expiry: dispatch indexes arrays
// by the epoll token, timers live in an indexed heap, and posted closures are swapped between two
// arrays that keep their capacity (each posted closure is the poster's own allocation).

import Glibc
import Synchronization

/// A registered descriptor. Stale after `unregister`; a stale ID is harmless to use.
public struct EventSourceID: Hashable, Sendable, CustomStringConvertible {
    let slot: UInt32
    let generation: UInt32

    /// The epoll token: generation in the high half, slot in the low half.
    var token: UInt64 { UInt64(generation) << 32 | UInt64(slot) }

    public var description: String { "source \(slot).\(generation)" }
}

/// A single-threaded epoll loop with descriptor sources, timers and a thread-safe post/wake.
public final class EventLoop {
    /// Readiness a source asks for (interest) or is told about (events).
    public struct Events: OptionSet, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// EPOLLIN.
        public static let readable = Events(rawValue: 1)
        /// EPOLLOUT.
        public static let writable = Events(rawValue: 2)
        /// EPOLLRDHUP as interest; reported for EPOLLHUP, EPOLLERR and EPOLLRDHUP.
        public static let hangup = Events(rawValue: 4)

        var epollMask: UInt32 {
            (contains(.readable) ? Epoll.readable : 0) | (contains(.writable) ? Epoll.writable : 0)
                | (contains(.hangup) ? Epoll.hangup : 0)
        }

        init(epollMask mask: UInt32) {
            var e: Events = []
            if mask & Epoll.readable != 0 { e.insert(.readable) }
            if mask & Epoll.writable != 0 { e.insert(.writable) }
            if mask & Epoll.hangup != 0 { e.insert(.hangup) }
            self = e
        }

        public var description: String {
            let names = [(Events.readable, "readable"), (.writable, "writable"), (.hangup, "hangup")]
            return "[" + names.filter { contains($0.0) }.map(\.1).joined(separator: ", ") + "]"
        }
    }

    /// Called with the source and the events it has (masked by its current interest, plus `.hangup`).
    public typealias SourceHandler = (EventSourceID, Events) -> Void
    /// Called with the timer that fired (valid during the call, so it can be rescheduled or cancelled).
    public typealias TimerHandler = (TimerID) -> Void

    private struct Source {
        var generation: UInt32
        var fd: FileDescriptor
        var interest: Events
        /// nil: the slot is free.
        var handler: SourceHandler?
    }

    private static let timerToken = UInt64.max
    private static let remoteToken = UInt64.max - 1

    private let epoll: Epoll
    private let timerFD: TimerFD
    /// The deadline `timerFD` is armed to; 0: disarmed or already expired.
    private var armedDeadline: UInt64 = 0
    private var timers = TimerQueue<TimerHandler>()
    private var sources: [Source] = []
    private var freeSources: [UInt32] = []
    /// Posted closures being run; swapped with the remote queue so both keep their capacity.
    private var spareJobs: [@Sendable (EventLoop) -> Void] = []
    private var stopping = false
    private var dispatching = false
    private var loopThread: pthread_t?

    /// The thread-safe side: `post`, `wake`, `stop` from any thread.
    public let remote: Remote

    /// `capacity`: the most events one epoll_wait returns (more wait for the next round).
    public init(capacity: Int = 64) throws(Errno) {
        epoll = try Epoll(capacity: capacity)
        timerFD = try TimerFD()
        remote = try Remote()
        try epoll.add(timerFD.fd, events: Epoll.readable, token: Self.timerToken)
        try epoll.add(remote.wakeup.fd, events: Epoll.readable, token: Self.remoteToken)
    }

    /// Registered sources.
    public var sourceCount: Int { sources.count - freeSources.count }
    /// Pending timers.
    public var timerCount: Int { timers.count }

    // MARK: Sources

    /// Watches `fd` for `interest` and calls `handler` on this loop's thread when it is ready. The same
    /// descriptor cannot be registered twice (EEXIST). The corresponding C function is `epoll_ctl`.
    @discardableResult
    public func register(
        _ fd: FileDescriptor, interest: Events, _ handler: @escaping SourceHandler
    ) throws(Errno) -> EventSourceID {
        assertLoopThread()
        let slot: UInt32
        if let reused = freeSources.popLast() {
            slot = reused
        } else {
            precondition(sources.count < Int(UInt32.max - 2), "EventLoop: too many sources")
            slot = UInt32(sources.count)
            sources.append(Source(generation: 0, fd: fd, interest: [], handler: nil))
        }
        let id = EventSourceID(slot: slot, generation: sources[Int(slot)].generation)
        do {
            try epoll.add(fd, events: interest.epollMask, token: id.token)
        } catch {
            freeSources.append(slot)
            throw error
        }
        sources[Int(slot)] = Source(generation: id.generation, fd: fd, interest: interest, handler: handler)
        return id
    }

    /// Changes what `source` is watched for; events of the other kinds already returned in this round
    /// are not delivered. Returns false for a stale ID. The corresponding C function is
    /// `epoll_ctl(EPOLL_CTL_MOD)` (not called when the interest is unchanged).
    @discardableResult
    public func setInterest(_ source: EventSourceID, _ interest: Events) throws(Errno) -> Bool {
        assertLoopThread()
        guard valid(source) else { return false }
        let i = Int(source.slot)
        if sources[i].interest == interest { return true }
        try epoll.modify(sources[i].fd, events: interest.epollMask, token: source.token)
        sources[i].interest = interest
        return true
    }

    /// The interest `source` is registered with, nil if stale.
    public func interest(of source: EventSourceID) -> Events? {
        valid(source) ? sources[Int(source.slot)].interest : nil
    }

    /// Stops watching: the handler is not called again, even for an event already returned in this
    /// round, and is released. Returns false for a stale ID. Does not close the descriptor.
    @discardableResult
    public func unregister(_ source: EventSourceID) -> Bool {
        assertLoopThread()
        guard valid(source) else { return false }
        let i = Int(source.slot)
        epoll.remove(sources[i].fd)
        sources[i].handler = nil
        sources[i].interest = []
        sources[i].generation &+= 1
        freeSources.append(source.slot)
        return true
    }

    @inline(__always)
    private func valid(_ id: EventSourceID) -> Bool {
        let i = Int(id.slot)
        return i < sources.count && sources[i].generation == id.generation && sources[i].handler != nil
    }

    // MARK: Timers

    /// A one-shot timer: `handler` runs once, `delay` from now (CLOCK_MONOTONIC), unless cancelled.
    @discardableResult
    public func schedule(after delay: Duration, _ handler: @escaping TimerHandler) -> TimerID {
        assertLoopThread()
        return timers.schedule(at: deadline(after: delay), handler)
    }

    /// A periodic timer: `handler` runs every `interval` (> 0), first after `firstAfter` (default: one
    /// interval), until cancelled. Falling behind folds the missed ticks into one call.
    @discardableResult
    public func schedule(
        every interval: Duration, firstAfter: Duration? = nil, _ handler: @escaping TimerHandler
    ) -> TimerID {
        assertLoopThread()
        let ns = Self.nanoseconds(interval)
        precondition(ns > 0, "EventLoop: a periodic interval must be positive")
        return timers.schedule(at: deadline(after: firstAfter ?? interval), every: ns, handler)
    }

    /// Moves a pending timer to `delay` from now (a periodic one restarts its grid there), or re-arms a
    /// one-shot from its own handler. Returns false for a stale ID.
    @discardableResult
    public func reschedule(_ timer: TimerID, after delay: Duration) -> Bool {
        assertLoopThread()
        return timers.reschedule(timer, at: deadline(after: delay))
    }

    /// Cancels a timer: its handler is not called again, even if it was due in this round, and is
    /// released. Returns false for a stale ID.
    @discardableResult
    public func cancel(_ timer: TimerID) -> Bool {
        assertLoopThread()
        return timers.cancel(timer)
    }

    /// Whether `timer` is pending (false for a one-shot while its handler runs, unless re-armed).
    public func isScheduled(_ timer: TimerID) -> Bool { timers.isScheduled(timer) }

    /// Time left until `timer` fires (zero if due), nil if it is not pending.
    public func timeRemaining(_ timer: TimerID) -> Duration? {
        guard let d = timers.deadline(of: timer) else { return nil }
        let now = monotonicNanoseconds()
        return d > now ? .nanoseconds(Int64(clamping: d - now)) : .zero
    }

    private func deadline(after delay: Duration) -> UInt64 {
        let (t, overflow) = monotonicNanoseconds().addingReportingOverflow(Self.nanoseconds(delay))
        return overflow ? .max : t
    }

    /// A duration in nanoseconds, negative ones as 0, saturating.
    static func nanoseconds(_ d: Duration) -> UInt64 {
        let (seconds, attoseconds) = d.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let (whole, o) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (t, o2) = whole.addingReportingOverflow(UInt64(max(0, attoseconds)) / 1_000_000_000)
        return o || o2 ? .max : t
    }

    // MARK: Running

    /// Runs rounds until `stop()` (here or through `remote`).
    public func run() {
        while !stopping { runOnce() }
        stopping = false
    }

    /// Makes `run()` return once the current round is done.
    public func stop() {
        assertLoopThread()
        stopping = true
    }

    /// One round: waits until something is ready or `timeout` passes (nil: no limit), then dispatches
    /// (descriptors, posted closures, then due timers). Not reentrant.
    public func runOnce(timeout: Duration? = nil) {
        precondition(!dispatching, "EventLoop.runOnce called from one of its handlers")
        let thread = pthread_self()
        if let loopThread { assert(pthread_equal(loopThread, thread) != 0, "EventLoop used from two threads") }
        loopThread = thread
        dispatching = true
        defer {
            dispatching = false
            loopThread = nil
        }

        armTimerFD()
        let ms: Int32 = timeout.map { Int32(clamping: (Self.nanoseconds($0) + 999_999) / 1_000_000) } ?? -1
        epoll.wait(timeout: ms) { token, mask in dispatch(token: token, mask: mask) }
        fireDueTimers()
    }

    private func dispatch(token: UInt64, mask: UInt32) {
        switch token {
        case Self.timerToken:
            timerFD.acknowledge()
            armedDeadline = 0
        case Self.remoteToken:
            runPosted()
        default:
            let i = Int(UInt32(truncatingIfNeeded: token))
            let generation = UInt32(truncatingIfNeeded: token >> 32)
            guard i < sources.count, sources[i].generation == generation, let handler = sources[i].handler else {
                return  // unregistered earlier in this round
            }
            let events = Events(epollMask: mask).intersection(sources[i].interest.union(.hangup))
            guard !events.isEmpty else { return }  // interest changed earlier in this round
            handler(EventSourceID(slot: UInt32(i), generation: generation), events)
        }
    }

    private func runPosted() {
        remote.wakeup.drain()
        var jobs = spareJobs
        spareJobs = []  // `jobs` holds the only reference: the swap below keeps both buffers unique
        remote.jobs.withLock { swap(&$0, &jobs) }
        for job in jobs { job(self) }
        jobs.removeAll(keepingCapacity: true)
        spareJobs = jobs
        if remote.stopRequested.exchange(false, ordering: .acquiringAndReleasing) { stopping = true }
    }

    private func fireDueTimers() {
        guard let next = timers.nextDeadline else { return }
        let now = monotonicNanoseconds()
        guard next <= now else { return }
        let round = timers.beginRound(now: now)
        while let expiry = timers.popDue(round) {
            expiry.action(expiry.id)
            timers.finishFiring(expiry.id)
        }
    }

    /// Points the timerfd at the earliest deadline. An expiry already acknowledged leaves it
    /// disarmed (`armedDeadline` 0), so an unchanged deadline that is already due is armed again.
    private func armTimerFD() {
        let wanted = timers.nextDeadline.map { max($0, 1) } ?? 0
        guard wanted != armedDeadline else { return }
        do {
            if wanted == 0 { try timerFD.disarm() } else { try timerFD.arm(deadline: wanted) }
        } catch {
            preconditionFailure("EventLoop: timerfd_settime failed: \(error)")
        }
        armedDeadline = wanted
    }

    @inline(__always)
    private func assertLoopThread() {
        if let loopThread { assert(pthread_equal(loopThread, pthread_self()) != 0, "EventLoop used from two threads") }
    }
}

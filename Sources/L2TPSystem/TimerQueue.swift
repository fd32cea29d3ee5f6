// SPDX-License-Identifier: GPL-2.0-only
// The deadline logic of EventLoop timers with no clock and no I/O: an indexed binary min-heap of
// one-shot and periodic timers, driven by the caller's `now` so tests can use a fake clock.
//
// Flow (the caller is EventLoop, or a test with a fake clock):
//  1. `schedule(at:every:_:)` arms a timer and returns its `TimerID`; `reschedule` and `cancel` take it.
//  2. `nextDeadline` is what the caller waits for (EventLoop arms its one timerfd to it).
//  3. `beginRound(now:)` starts a round; `popDue` then returns each timer due at that `now`, earliest
//     deadline first, ties in the order they were armed. A periodic timer is re-armed as it is
//     popped; a one-shot is left "firing" until `finishFiring`, so its action may re-arm it.
//  4. `finishFiring(id)` after the action ran: a one-shot that was not re-armed or cancelled is freed.
//
// Rules:
//  - Time is nanoseconds on one monotonic clock (CLOCK_MONOTONIC in EventLoop).
//  - A timer armed after `beginRound` (new, rescheduled, or a periodic timer's next tick) never fires
//    in that round, even if already due: an action that re-arms itself with no delay cannot starve
//    the caller. Deadlines earlier than the latest round's `now` count as that `now`.
//  - A periodic timer that falls behind (a stall longer than its interval) fires once for all the
//    ticks it missed, then stays on its original grid: its next deadline is the first tick of its
//    schedule after `now`. No burst, no drift; `Expiry.missed` says how many ticks were folded in.
//  - Cancelling frees the slot at once; a stale `TimerID` (fired, cancelled, or its slot reused)
//    is rejected by its generation and never touches another timer.
//  - O(log n) schedule, reschedule, cancel and pop; no allocation once the arrays have grown.

/// A timer in a `TimerQueue` (and so in an `EventLoop`). Stale once the timer is cancelled or a
/// one-shot has fired; a stale ID is harmless to use.
public struct TimerID: Hashable, Sendable, CustomStringConvertible {
    let slot: UInt32
    let generation: UInt32

    public var description: String { "timer \(slot).\(generation)" }
}

/// One-shot and periodic timers ordered by deadline, with `Action` carried for each (EventLoop: a
/// closure). Not thread-safe: one owner.
public struct TimerQueue<Action> {
    /// A round of expiries: the time it looks at and the arming sequence it stops before.
    public struct Round: Sendable {
        public let now: UInt64
        let limit: UInt64
    }

    /// A timer `popDue` found due.
    public struct Expiry {
        public let id: TimerID
        public let action: Action
        /// The deadline it was due at.
        public let deadline: UInt64
        /// Periodic timers: ticks after `deadline` that were also due and are folded into this one.
        public let missed: UInt64
        /// Whether it is periodic (already re-armed for its next tick).
        public let isPeriodic: Bool
    }

    private struct Entry {
        var deadline: UInt64
        var sequence: UInt64
        var slot: UInt32

        @inline(__always)
        static func < (a: Entry, b: Entry) -> Bool {
            a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence)
        }
    }

    private enum State: UInt8 { case free, pending, firing }

    private struct Slot {
        var generation: UInt32
        var state: State
        /// 0: one-shot.
        var interval: UInt64
        /// Position in `heap` while pending.
        var position: Int
        var action: Action?
    }

    private var heap: [Entry] = []
    private var slots: [Slot] = []
    private var freeSlots: [UInt32] = []
    /// Arming order: breaks deadline ties and marks what a round may fire.
    private var sequence: UInt64 = 0
    /// The latest round's `now`: no deadline is kept earlier than this.
    private var floor: UInt64 = 0

    public init() {}

    /// Pending timers (armed and not yet fired or cancelled).
    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }

    /// The earliest pending deadline.
    public var nextDeadline: UInt64? { heap.first?.deadline }

    /// Whether `id` is pending: it will fire unless cancelled. False for a one-shot while its action
    /// runs (until it re-arms itself).
    public func isScheduled(_ id: TimerID) -> Bool {
        valid(id) && slots[Int(id.slot)].state == .pending
    }

    /// The deadline `id` is pending for.
    public func deadline(of id: TimerID) -> UInt64? {
        guard isScheduled(id) else { return nil }
        return heap[slots[Int(id.slot)].position].deadline
    }

    /// Arms a timer for `deadline`; with `interval` (> 0) it is periodic, its ticks `interval` apart.
    public mutating func schedule(at deadline: UInt64, every interval: UInt64? = nil, _ action: Action) -> TimerID {
        precondition(interval.map { $0 > 0 } ?? true, "TimerQueue: a periodic interval must be positive")
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            precondition(slots.count < Int(UInt32.max - 2), "TimerQueue: too many timers")
            slot = UInt32(slots.count)
            slots.append(Slot(generation: 0, state: .free, interval: 0, position: -1, action: nil))
        }
        let i = Int(slot)
        slots[i].state = .pending
        slots[i].interval = interval ?? 0
        slots[i].action = action
        push(Entry(deadline: clamped(deadline), sequence: nextSequence(), slot: slot))
        return TimerID(slot: slot, generation: slots[i].generation)
    }

    /// Moves a pending timer to `deadline`, or re-arms a one-shot from its own action (while it is
    /// firing). A periodic timer's grid restarts at `deadline`. Returns false for a stale ID.
    @discardableResult
    public mutating func reschedule(_ id: TimerID, at deadline: UInt64) -> Bool {
        guard valid(id) else { return false }
        let i = Int(id.slot)
        let entry = Entry(deadline: clamped(deadline), sequence: nextSequence(), slot: id.slot)
        switch slots[i].state {
        case .pending:
            let p = slots[i].position
            let earlier = entry < heap[p]
            heap[p] = entry
            if earlier { siftUp(p) } else { siftDown(p) }
        case .firing:
            slots[i].state = .pending
            push(entry)
        case .free:
            return false
        }
        return true
    }

    /// Cancels a timer: it will not fire again, even if already due in the current round. Returns false
    /// for a stale ID (already fired and finished, or cancelled).
    @discardableResult
    public mutating func cancel(_ id: TimerID) -> Bool {
        guard valid(id) else { return false }
        let i = Int(id.slot)
        if slots[i].state == .pending { remove(at: slots[i].position) }
        release(i)
        return true
    }

    /// Starts a round at `now`: `popDue` returns only timers armed before this call.
    public mutating func beginRound(now: UInt64) -> Round {
        floor = max(floor, now)
        return Round(now: now, limit: sequence)
    }

    /// The earliest timer due in `round`, or nil when none is left. A periodic timer is re-armed for
    /// its next tick after `round.now`; a one-shot stays firing until `finishFiring`.
    public mutating func popDue(_ round: Round) -> Expiry? {
        // Whatever was armed during the round has a deadline ≥ round.now (clamped) and a later
        // sequence, so it sorts after every timer this round may fire: stopping at it skips none.
        guard let top = heap.first, top.deadline <= round.now, top.sequence < round.limit else { return nil }
        let i = Int(top.slot)
        let action = slots[i].action!
        let id = TimerID(slot: top.slot, generation: slots[i].generation)
        let interval = slots[i].interval
        if interval == 0 {
            remove(at: 0)
            slots[i].state = .firing
            return Expiry(id: id, action: action, deadline: top.deadline, missed: 0, isPeriodic: false)
        }
        let missed = (round.now - top.deadline) / interval
        let (step, o1) = (missed + 1).multipliedReportingOverflow(by: interval)
        let (next, o2) = top.deadline.addingReportingOverflow(step)
        heap[0] = Entry(deadline: o1 || o2 ? .max : next, sequence: nextSequence(), slot: top.slot)
        siftDown(0)
        return Expiry(id: id, action: action, deadline: top.deadline, missed: missed, isPeriodic: true)
    }

    /// Ends the firing of `id` after its action ran: a one-shot that did not re-arm and was not
    /// cancelled is freed (its ID goes stale). Anything else is left alone.
    public mutating func finishFiring(_ id: TimerID) {
        guard valid(id), slots[Int(id.slot)].state == .firing else { return }
        release(Int(id.slot))
    }

    // MARK: Slots and heap

    @inline(__always)
    private func valid(_ id: TimerID) -> Bool {
        let i = Int(id.slot)
        return i < slots.count && slots[i].generation == id.generation && slots[i].state != .free
    }

    @inline(__always)
    private func clamped(_ deadline: UInt64) -> UInt64 { max(deadline, floor) }

    @inline(__always)
    private mutating func nextSequence() -> UInt64 {
        defer { sequence &+= 1 }
        return sequence
    }

    private mutating func release(_ i: Int) {
        slots[i].state = .free
        slots[i].action = nil
        slots[i].position = -1
        slots[i].generation &+= 1
        freeSlots.append(UInt32(i))
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        siftUp(heap.count - 1)
    }

    private mutating func remove(at p: Int) {
        let last = heap.count - 1
        slots[Int(heap[p].slot)].position = -1
        if p != last {
            heap[p] = heap[last]
            heap.removeLast()
            siftDown(p)
            siftUp(p)
        } else {
            heap.removeLast()
        }
    }

    private mutating func siftUp(_ start: Int) {
        var p = start
        let entry = heap[p]
        while p > 0 {
            let parent = (p - 1) / 2
            guard entry < heap[parent] else { break }
            heap[p] = heap[parent]
            slots[Int(heap[p].slot)].position = p
            p = parent
        }
        heap[p] = entry
        slots[Int(entry.slot)].position = p
    }

    private mutating func siftDown(_ start: Int) {
        var p = start
        let entry = heap[p]
        let n = heap.count
        while true {
            var child = 2 * p + 1
            guard child < n else { break }
            if child + 1 < n && heap[child + 1] < heap[child] { child += 1 }
            guard heap[child] < entry else { break }
            heap[p] = heap[child]
            slots[Int(heap[p].slot)].position = p
            p = child
        }
        heap[p] = entry
        slots[Int(entry.slot)].position = p
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// TimerQueue driven by a fake clock: deadline order, ties, cancellation, re-arming and catch-up.

import L2TPSystem
import L2TPTestSupport
import Testing

/// Pops every timer due at `now` in one round, running `body` (which may change the queue) after each.
private func round(
    _ queue: inout TimerQueue<String>, now: UInt64,
    _ body: (inout TimerQueue<String>, TimerQueue<String>.Expiry) -> Void = { _, _ in }
) -> [String] {
    var fired: [String] = []
    let r = queue.beginRound(now: now)
    while let e = queue.popDue(r) {
        fired.append(e.action)
        body(&queue, e)
        queue.finishFiring(e.id)
    }
    return fired
}

@Suite struct TimerQueueTests {
    @Test func firesInDeadlineOrderNotSchedulingOrder() {
        var q = TimerQueue<String>()
        _ = q.schedule(at: 30, "c")
        _ = q.schedule(at: 10, "a")
        _ = q.schedule(at: 20, "b")
        #expect(q.nextDeadline == 10)
        #expect(round(&q, now: 50) == ["a", "b", "c"])
        #expect(q.isEmpty)
        #expect(q.nextDeadline == nil)
    }

    @Test func tiesFireInSchedulingOrder() {
        var q = TimerQueue<String>()
        for name in ["first", "second", "third", "fourth"] { _ = q.schedule(at: 100, name) }
        _ = q.schedule(at: 99, "earlier")
        #expect(round(&q, now: 100) == ["earlier", "first", "second", "third", "fourth"])
    }

    @Test func onlyDueTimersFire() {
        var q = TimerQueue<String>()
        _ = q.schedule(at: 10, "a")
        _ = q.schedule(at: 11, "b")
        #expect(round(&q, now: 9) == [])
        #expect(round(&q, now: 10) == ["a"])
        #expect(q.nextDeadline == 11)
        #expect(round(&q, now: 11) == ["b"])
    }

    @Test func cancelledTimerNeverFiresAndItsIDGoesStale() {
        var q = TimerQueue<String>()
        let a = q.schedule(at: 10, "a")
        let b = q.schedule(at: 20, "b")
        do { let ok = q.cancel(a); #expect(ok) }
        do { let ok = q.cancel(a); #expect(!ok) }
        #expect(!q.isScheduled(a))
        #expect(q.isScheduled(b))
        // The freed slot is reused; the old ID must not reach the new timer.
        let c = q.schedule(at: 15, "c")
        do { let ok = q.cancel(a); #expect(!ok) }
        do { let ok = q.reschedule(a, at: 1); #expect(!ok) }
        #expect(q.isScheduled(c))
        #expect(round(&q, now: 100) == ["c", "b"])
    }

    @Test func cancelInsideARoundStopsATimerAlreadyDue() {
        var q = TimerQueue<String>()
        _ = q.schedule(at: 10, "a")
        let b = q.schedule(at: 11, "b")
        _ = q.schedule(at: 12, "c")
        let fired = round(&q, now: 20) { q, e in
            if e.action == "a" { do { let ok = q.cancel(b); #expect(ok) } }
        }
        #expect(fired == ["a", "c"])
    }

    @Test func oneShotIsFreedAfterFiringUnlessItReArms() {
        var q = TimerQueue<String>()
        let once = q.schedule(at: 10, "once")
        let restart = q.schedule(at: 10, "restart")
        let fired = round(&q, now: 10) { q, e in
            #expect(!q.isScheduled(e.id))  // firing, not pending
            if e.id == restart { do { let ok = q.reschedule(e.id, at: 40); #expect(ok) } }
        }
        #expect(fired == ["once", "restart"])
        #expect(!q.isScheduled(once))
        do { let ok = q.cancel(once); #expect(!ok) }
        #expect(q.deadline(of: restart) == 40)
        #expect(q.count == 1)
        #expect(round(&q, now: 40) == ["restart"])
        #expect(q.isEmpty)
    }

    @Test func oneShotCancellingItselfWhileFiringIsFreed() {
        var q = TimerQueue<String>()
        let a = q.schedule(at: 10, "a")
        _ = round(&q, now: 10) { q, e in do { let ok = q.cancel(e.id); #expect(ok) } }
        do { let ok = q.cancel(a); #expect(!ok) }
        #expect(q.isEmpty)
    }

    @Test func rescheduleMovesAPendingTimerBothWays() {
        var q = TimerQueue<String>()
        let a = q.schedule(at: 10, "a")
        _ = q.schedule(at: 20, "b")
        do { let ok = q.reschedule(a, at: 30); #expect(ok) }
        #expect(q.nextDeadline == 20)
        #expect(round(&q, now: 25) == ["b"])
        do { let ok = q.reschedule(a, at: 26); #expect(ok) }
        #expect(q.deadline(of: a) == 26)
        #expect(round(&q, now: 29) == ["a"])
    }

    @Test func periodicTimerReArmsOnItsGrid() {
        var q = TimerQueue<String>()
        let p = q.schedule(at: 10, every: 10, "p")
        #expect(round(&q, now: 10) == ["p"])
        #expect(q.deadline(of: p) == 20)
        // Late by 3: the next tick stays at 30, not 33.
        #expect(round(&q, now: 23) == ["p"])
        #expect(q.deadline(of: p) == 30)
        #expect(round(&q, now: 29) == [])
        #expect(round(&q, now: 30) == ["p"])
        do { let ok = q.cancel(p); #expect(ok) }
        #expect(round(&q, now: 1000) == [])
    }

    @Test func periodicTimerCatchesUpAfterAStallWithOneFiring() {
        var q = TimerQueue<String>()
        let p = q.schedule(at: 10, every: 10, "p")
        var missed: [UInt64] = []
        // Ticks 10, 20, 30, 40, 50 are all due at 55: one firing, four folded in, next tick 60.
        let fired = round(&q, now: 55) { _, e in
            missed.append(e.missed)
            #expect(e.isPeriodic)
            #expect(e.deadline == 10)
        }
        #expect(fired == ["p"])
        #expect(missed == [4])
        #expect(q.deadline(of: p) == 60)
        #expect(round(&q, now: 59) == [])
        #expect(round(&q, now: 60) == ["p"])
    }

    @Test func periodicTimerCanCancelItselfFromItsAction() {
        var q = TimerQueue<String>()
        let p = q.schedule(at: 5, every: 5, "p")
        var n = 0
        for t in stride(from: UInt64(5), through: 50, by: 5) {
            n += round(&q, now: t) { q, e in
                if e.deadline == 15 { do { let ok = q.cancel(e.id); #expect(ok) } }
            }.count
        }
        #expect(n == 3)
        #expect(!q.isScheduled(p))
    }

    @Test func timerArmedDuringARoundWaitsForTheNextRound() {
        var q = TimerQueue<String>()
        _ = q.schedule(at: 10, "a")
        _ = q.schedule(at: 10, "b")
        let fired = round(&q, now: 10) { q, e in
            // Already due (in the past, even), yet not in this round: no self-feeding round.
            if e.action == "a" { _ = q.schedule(at: 3, "late") }
        }
        #expect(fired == ["a", "b"])
        #expect(q.nextDeadline == 10)  // clamped to the round's now
        #expect(round(&q, now: 10) == ["late"])
    }

    @Test func timerReArmingItselfWithNoDelayFiresOncePerRound() {
        var q = TimerQueue<String>()
        _ = q.schedule(at: 10, "spin")
        for now in UInt64(10)...14 {
            let fired = round(&q, now: now) { q, e in do { let ok = q.reschedule(e.id, at: now); #expect(ok) } }
            #expect(fired == ["spin"])
        }
    }

    @Test func thousandsOfTimersPopSortedWithCancellations() {
        var q = TimerQueue<Int>()
        var rng = SplitMix64(seed: 0x12_2c)
        var ids: [TimerID] = []
        var deadlines: [Int: UInt64] = [:]
        for i in 0..<5000 {
            let d = rng.next() % 1000 + 1
            ids.append(q.schedule(at: d, i))
            deadlines[i] = d
        }
        var cancelled = Set<Int>()
        for i in stride(from: 0, to: 5000, by: 7) {
            do { let ok = q.cancel(ids[i]); #expect(ok) }
            cancelled.insert(i)
        }
        // Move some both ways.
        for i in stride(from: 3, to: 5000, by: 11) where !cancelled.contains(i) {
            let d = rng.next() % 1000 + 1
            do { let ok = q.reschedule(ids[i], at: d); #expect(ok) }
            deadlines[i] = d
        }
        #expect(q.count == 5000 - cancelled.count)
        var last: UInt64 = 0
        var seen = Set<Int>()
        var now: UInt64 = 0
        while !q.isEmpty {
            now += 50
            let r = q.beginRound(now: now)
            while let e = q.popDue(r) {
                #expect(e.deadline >= last)
                #expect(e.deadline == deadlines[e.action])
                #expect(e.deadline <= now)
                last = e.deadline
                seen.insert(e.action)
                q.finishFiring(e.id)
            }
        }
        #expect(seen.count == 5000 - cancelled.count)
        #expect(seen.isDisjoint(with: cancelled))
    }
}


// SPDX-License-Identifier: GPL-2.0-only
// EventLoop on real descriptors (pipes, socket pairs, eventfds) and its timerfd: dispatch, changes
// made during a round, timers, post/stop from other threads. Every wait is bounded.

import Glibc
@testable import L2TPSystem
import L2TPTestSupport
import Synchronization
import Testing

// Serialized: timing bounds are loose already on two shared cores.
@Suite(.serialized) struct EventLoopTests {
    // MARK: Sources

    @Test func readablePipeCallsItsHandlerWithItsID() throws {
        let loop = try EventLoop()
        let p = try Pipe()
        defer { p.close() }
        var calls: [(EventSourceID, EventLoop.Events)] = []
        let id = try loop.register(p.read, interest: .readable) { id, events in
            calls.append((id, events))
            p.drain()
        }
        #expect(loop.sourceCount == 1)
        spin(loop, for: .milliseconds(20))
        #expect(calls.isEmpty)
        p.put()
        #expect(spin(loop) { !calls.isEmpty })
        #expect(calls.first?.0 == id)
        #expect(calls.first?.1 == .readable)
        spin(loop, for: .milliseconds(20))
        #expect(calls.count == 1)  // drained: level-triggered epoll has nothing more
        #expect(loop.unregister(id))
        #expect(!loop.unregister(id))
        #expect(loop.sourceCount == 0)
        p.put()
        spin(loop, for: .milliseconds(20))
        #expect(calls.count == 1)
    }

    @Test func registeringADescriptorTwiceFailsAndLeaksNoSlot() throws {
        let loop = try EventLoop()
        let p = try Pipe()
        defer { p.close() }
        _ = try loop.register(p.read, interest: .readable) { _, _ in }
        #expect(throws: Errno(EEXIST)) { _ = try loop.register(p.read, interest: .readable) { _, _ in } }
        #expect(loop.sourceCount == 1)
    }

    @Test func writableInterestIsTurnedOnAndOff() throws {
        let loop = try EventLoop()
        let p = try Pipe()
        defer { p.close() }
        var calls = 0
        let id = try loop.register(p.write, interest: []) { id, events in
            #expect(events == .writable)
            calls += 1
            if calls == 3 { #expect((try? loop.setInterest(id, [])) == true) }
        }
        spin(loop, for: .milliseconds(20))
        #expect(calls == 0)  // an empty pipe is writable, but nobody asked
        #expect(try loop.setInterest(id, .writable))
        #expect(loop.interest(of: id) == .writable)
        #expect(spin(loop) { calls == 3 })
        spin(loop, for: .milliseconds(30))
        #expect(calls == 3)
        #expect(loop.interest(of: id) == [])
        #expect(loop.unregister(id))
        #expect(try !loop.setInterest(id, .readable))
        #expect(loop.interest(of: id) == nil)
    }

    @Test func unregisteringAnotherSourceInTheSameRoundSkipsItsPendingEvent() throws {
        let loop = try EventLoop()
        let a = try Pipe()
        let b = try Pipe()
        defer { a.close(); b.close() }
        var called: [String] = []
        var ids: [String: EventSourceID] = [:]
        for (name, other, pipe) in [("a", "b", a), ("b", "a", b)] {
            ids[name] = try loop.register(pipe.read, interest: .readable) { _, _ in
                called.append(name)
                pipe.drain()
                loop.unregister(ids[other]!)
            }
        }
        a.put()
        b.put()
        // Both are ready before the wait, so one epoll_wait returns both events.
        loop.runOnce(timeout: .seconds(1))
        #expect(called.count == 1)
        a.put()
        b.put()
        spin(loop, for: .milliseconds(30))
        let survivor = called[0]
        #expect(called.allSatisfy { $0 == survivor })
        #expect(called.count == 2)
        #expect(loop.sourceCount == 1)
    }

    @Test func aSlotReusedInTheSameRoundDoesNotGetTheOldEvent() throws {
        let loop = try EventLoop()
        let a = try Pipe()
        let b = try Pipe()
        let c = try Pipe()  // never written to: any call for it in the first round is a stale event
        defer { a.close(); b.close(); c.close() }
        var ids: [String: EventSourceID] = [:]
        var cCalls: [EventLoop.Events] = []
        var replaced: EventSourceID?
        for (name, other, pipe) in [("a", "b", a), ("b", "a", b)] {
            ids[name] = try loop.register(pipe.read, interest: .readable) { _, _ in
                pipe.drain()
                guard replaced == nil, let victim = ids[other] else { return }
                loop.unregister(victim)
                replaced = victim
                ids["c"] = try! loop.register(c.read, interest: .readable) { _, events in cCalls.append(events) }
            }
        }
        a.put()
        b.put()
        loop.runOnce(timeout: .seconds(1))
        let victim = try #require(replaced)
        let cID = try #require(ids["c"])
        #expect(cID.slot == victim.slot)  // the free slot was reused, with a new generation
        #expect(cID.generation != victim.generation)
        #expect(cCalls.isEmpty)
        c.put()
        #expect(spin(loop) { !cCalls.isEmpty })
        #expect(cCalls == [.readable])
    }

    @Test func interestNarrowedEarlierInTheRoundMasksThePendingEvent() throws {
        let loop = try EventLoop()
        let (x, xPeer) = try socketPair()
        let (y, yPeer) = try socketPair()
        defer { [x, xPeer, y, yPeer].forEach { $0.close() } }
        var one: UInt8 = 1
        _ = xPeer.write(&one, count: 1)
        _ = yPeer.write(&one, count: 1)
        // Both ends are readable and writable; whichever runs first narrows the other to readable.
        var got: [EventLoop.Events] = []
        var ids: [Int: EventSourceID] = [:]
        for (n, fd) in [(0, x), (1, y)] {
            ids[n] = try loop.register(fd, interest: [.readable, .writable]) { _, events in
                got.append(events)
                if got.count == 1 { _ = try? loop.setInterest(ids[1 - n]!, .readable) }
            }
        }
        loop.runOnce(timeout: .seconds(1))
        #expect(got == [[.readable, .writable], .readable])
    }

    @Test func hangupIsReportedEvenWithoutHangupInterest() throws {
        let loop = try EventLoop()
        let p = try Pipe()
        defer { p.read.close() }
        var seen: EventLoop.Events = []
        let id = try loop.register(p.read, interest: .readable) { id, events in
            seen = events
            loop.unregister(id)
        }
        p.write.close()
        #expect(spin(loop) { !seen.isEmpty })
        #expect(seen.contains(.hangup))
        #expect(!loop.unregister(id))
    }

    @Test func eventFDSignalledFromAnotherThreadCallsItsHandler() throws {
        let loop = try EventLoop()
        let queue = try EventFD()
        var calls = 0
        _ = try loop.register(queue.fd, interest: .readable) { _, _ in
            queue.drain()
            calls += 1
        }
        startThread {
            sleep(.milliseconds(20))
            queue.signal()
        }
        #expect(spin(loop) { calls > 0 })
        #expect(calls == 1)
    }

    // MARK: Timers

    @Test func oneShotFiresOnceAndNotEarly() throws {
        let loop = try EventLoop()
        let start = monotonicNanoseconds()
        var firedAfter: [Double] = []
        let id = loop.schedule(after: .milliseconds(30)) { _ in firedAfter.append(milliseconds(since: start)) }
        #expect(loop.isScheduled(id))
        #expect(try #require(loop.timeRemaining(id)) <= .milliseconds(30))
        #expect(spin(loop) { !firedAfter.isEmpty })
        spin(loop, for: .milliseconds(60))
        #expect(firedAfter.count == 1)
        #expect(firedAfter[0] >= 30)
        #expect(!loop.isScheduled(id))
        #expect(!loop.cancel(id))
        #expect(loop.timerCount == 0)
    }

    @Test func theTimerFDWakesAWaitingRoundAtTheEarliestDeadline() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        loop.schedule(after: .seconds(30)) { _ in fired.append("late") }
        loop.runOnce(timeout: .milliseconds(1))  // the timerfd is now armed for 30 s
        // An earlier timer re-arms it: a round with no timeout must end when that one is due.
        let start = monotonicNanoseconds()
        loop.schedule(after: .milliseconds(20)) { _ in fired.append("early") }
        loop.runOnce(timeout: .seconds(3))
        let took = milliseconds(since: start)
        #expect(fired == ["early"])
        #expect(took >= 20)
        #expect(took < 2000)
        // Cancelling the earliest re-arms it for the next one, not a stale deadline.
        let soon = loop.schedule(after: .milliseconds(10)) { _ in fired.append("cancelled") }
        let scheduled = monotonicNanoseconds()
        loop.schedule(after: .milliseconds(40)) { _ in fired.append("next") }
        loop.runOnce(timeout: .milliseconds(1))  // armed for the 10 ms one
        #expect(loop.cancel(soon))
        #expect(spin(loop, limit: .seconds(3)) { fired.count == 2 })
        #expect(fired == ["early", "next"])
        #expect(milliseconds(since: scheduled) >= 40)
    }

    @Test func timersDueInTheSameRoundRunInDeadlineOrder() throws {
        let loop = try EventLoop()
        var order: [String] = []
        loop.schedule(after: .milliseconds(3)) { _ in order.append("c") }
        loop.schedule(after: .milliseconds(1)) { _ in order.append("a") }
        loop.schedule(after: .milliseconds(2)) { _ in order.append("b") }
        sleep(.milliseconds(10))
        loop.runOnce(timeout: .seconds(1))  // all three are due: one round fires them all
        #expect(order == ["a", "b", "c"])
    }

    @Test func cancellingATimerDueInTheSameRoundStopsIt() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        var second: TimerID?
        loop.schedule(after: .milliseconds(1)) { _ in
            fired.append("first")
            #expect(loop.cancel(second!))
        }
        second = loop.schedule(after: .milliseconds(2)) { _ in fired.append("second") }
        sleep(.milliseconds(10))
        loop.runOnce(timeout: .seconds(1))
        spin(loop, for: .milliseconds(20))
        #expect(fired == ["first"])
        #expect(loop.timerCount == 0)
    }

    @Test func aDescriptorHandlerCancelsATimerDueInTheSameRound() throws {
        let loop = try EventLoop()
        let p = try Pipe()
        defer { p.close() }
        var timerFired = false
        let timer = loop.schedule(after: .milliseconds(1)) { _ in timerFired = true }
        var cancelled = false
        _ = try loop.register(p.read, interest: .readable) { _, _ in
            p.drain()
            cancelled = loop.cancel(timer)
        }
        p.put()
        sleep(.milliseconds(10))
        loop.runOnce(timeout: .seconds(1))  // descriptors are dispatched before timers
        spin(loop, for: .milliseconds(20))
        #expect(cancelled)
        #expect(!timerFired)
    }

    @Test func aOneShotReArmedFromItsHandlerKeepsItsHandle() throws {
        let loop = try EventLoop()
        var ids: [TimerID] = []
        let id = loop.schedule(after: .milliseconds(5)) { id in
            ids.append(id)
            if ids.count < 3 { #expect(loop.reschedule(id, after: .milliseconds(5))) }
        }
        #expect(spin(loop) { ids.count == 3 })
        spin(loop, for: .milliseconds(40))
        #expect(ids == [id, id, id])
        #expect(loop.timerCount == 0)
        #expect(!loop.reschedule(id, after: .zero))
    }

    @Test func periodicFiresAboutNTimesInAWindowAndStopsWhenCancelled() throws {
        let loop = try EventLoop()
        let start = monotonicNanoseconds()
        var count = 0
        let id = loop.schedule(every: .milliseconds(20)) { _ in count += 1 }
        spin(loop, for: .milliseconds(400))
        let elapsed = milliseconds(since: start)
        // Never early and never in bursts: at most one firing per elapsed interval. Loose below.
        #expect(count <= Int(elapsed / 20))
        #expect(count >= 3)
        #expect(loop.cancel(id))
        let after = count
        spin(loop, for: .milliseconds(60))
        #expect(count == after)
        #expect(loop.timerCount == 0)
    }

    @Test func periodicWithFirstDelayZeroFiresAtOnce() throws {
        let loop = try EventLoop()
        var count = 0
        loop.schedule(every: .seconds(60), firstAfter: .zero) { _ in count += 1 }
        #expect(spin(loop, limit: .seconds(1)) { count == 1 })
        spin(loop, for: .milliseconds(20))
        #expect(count == 1)
        #expect(loop.timerCount == 1)
    }

    @Test func periodicThatFallsBehindFiresOnceNotInABurst() throws {
        let loop = try EventLoop()
        var stamps: [UInt64] = []
        var stallEnd: UInt64 = 0
        let start = monotonicNanoseconds()
        loop.schedule(every: .milliseconds(10)) { _ in
            stamps.append(monotonicNanoseconds())
            if stamps.count == 1 {
                sleep(.milliseconds(100))  // ten ticks go by
                stallEnd = monotonicNanoseconds()
            }
        }
        spin(loop, for: .milliseconds(300))
        let end = monotonicNanoseconds()
        try #require(stallEnd != 0)
        // Right after the stall: the folded firing, perhaps one on-grid tick; never the ten missed.
        let burst = stamps.filter { $0 >= stallEnd && $0 < stallEnd + 5_000_000 }.count
        #expect(burst <= 2)
        #expect(stamps.count >= 2)  // it did fire again after the stall
        // Overall: one before the stall, one folded, then the grid ticks in (stallEnd, end].
        #expect(stamps.count <= 3 + Int((end - stallEnd) / 10_000_000))
        #expect(stamps.first! - start >= 10_000_000)
    }

    @Test func thousandsOfTimersEachFireOnceNeverEarly() throws {
        let loop = try EventLoop()
        var rng = SplitMix64(seed: 7)
        let n = 3000
        var fired = [Int](repeating: 0, count: n)
        var early = 0
        var ids: [TimerID] = []
        for i in 0..<n {
            let delay = rng.next() % 100_000_000  // up to 100 ms
            let due = monotonicNanoseconds() + delay
            ids.append(
                loop.schedule(after: .nanoseconds(Int64(delay))) { _ in
                    fired[i] += 1
                    if monotonicNanoseconds() < due { early += 1 }
                })
        }
        var cancelled = Set<Int>()
        for i in stride(from: 0, to: n, by: 3) {
            #expect(loop.cancel(ids[i]))
            cancelled.insert(i)
        }
        #expect(loop.timerCount == n - cancelled.count)
        #expect(spin(loop) { loop.timerCount == 0 })
        spin(loop, for: .milliseconds(20))
        #expect(early == 0)
        #expect((0..<n).allSatisfy { fired[$0] == (cancelled.contains($0) ? 0 : 1) })
    }

    // MARK: Other threads, run and stop

    @Test func postFromAnotherThreadRunsOnTheLoopThreadInOrder() throws {
        let loop = try EventLoop()
        let loopThread = pthread_self()
        let remote = loop.remote
        let ran = Mutex<[Int]>([])
        let onLoopThread = Atomic<Int>(0)
        startThread {
            for i in 0..<100 {
                remote.post { _ in
                    ran.withLock { $0.append(i) }
                    if pthread_equal(pthread_self(), loopThread) != 0 { onLoopThread.add(1, ordering: .relaxed) }
                }
            }
        }
        #expect(spin(loop) { ran.withLock { $0.count } == 100 })
        let order = ran.withLock { $0 }
        #expect(order == Array(0..<100))
        let onThread = onLoopThread.load(ordering: .relaxed)
        #expect(onThread == 100)
    }

    @Test func aPostedClosureGetsTheLoopAndCanScheduleOnIt() throws {
        let loop = try EventLoop()
        let fired = Atomic<Bool>(false)
        let remote = loop.remote
        startThread {
            remote.post { loop in
                loop.schedule(after: .milliseconds(5)) { _ in fired.store(true, ordering: .relaxed) }
            }
        }
        #expect(spin(loop) { fired.load(ordering: .relaxed) })
    }

    @Test func stopFromAHandlerEndsRun() {
        let done = Atomic<Bool>(false)
        let elapsed = Atomic<UInt64>(0)
        let leftover = Atomic<Int>(-1)
        startThread {
            guard let loop = try? EventLoop() else { return }
            let start = monotonicNanoseconds()
            loop.schedule(after: .milliseconds(20)) { [unowned loop] _ in loop.stop() }
            loop.schedule(every: .milliseconds(5)) { _ in }  // keeps waking it: stop must not depend on quiet
            loop.run()
            elapsed.store(monotonicNanoseconds() - start, ordering: .relaxed)
            leftover.store(loop.timerCount, ordering: .relaxed)
            done.store(true, ordering: .releasing)
        }
        #expect(waitUntil { done.load(ordering: .acquiring) })
        let took = elapsed.load(ordering: .relaxed)
        let pending = leftover.load(ordering: .relaxed)
        #expect(took >= 20_000_000)
        #expect(pending == 1)  // the periodic timer is still there
    }

    @Test func remoteStopFromAnotherThreadEndsRun() {
        let remote = Mutex<EventLoop.Remote?>(nil)
        let done = Atomic<Bool>(false)
        let postedRan = Atomic<Bool>(false)
        startThread {
            guard let loop = try? EventLoop() else { return }
            remote.withLock { $0 = loop.remote }
            loop.run()
            done.store(true, ordering: .releasing)
        }
        #expect(waitUntil { remote.withLock { $0 != nil } })
        sleep(.milliseconds(20))
        let idleReturned = done.load(ordering: .acquiring)
        #expect(!idleReturned)  // nothing to do: it waits
        guard let r = remote.withLock({ $0 }) else { return }
        r.post { _ in postedRan.store(true, ordering: .relaxed) }
        r.stop()
        #expect(waitUntil { done.load(ordering: .acquiring) })
        let ran = postedRan.load(ordering: .relaxed)
        #expect(ran)  // jobs posted before stop still ran
    }

    @Test func stopBeforeRunReturnsAtOnceAndRunCanResume() {
        let firstRunSawTimer = Atomic<Bool>(true)
        let done = Atomic<Bool>(false)
        let fired = Atomic<Bool>(false)
        startThread {
            guard let loop = try? EventLoop() else { return }
            loop.schedule(after: .milliseconds(10)) { [unowned loop] _ in
                fired.store(true, ordering: .relaxed)
                loop.stop()
            }
            loop.stop()
            loop.run()  // returns at once: the timer has not fired
            firstRunSawTimer.store(fired.load(ordering: .relaxed), ordering: .relaxed)
            loop.run()  // runs again until the timer stops it
            done.store(true, ordering: .releasing)
        }
        #expect(waitUntil { done.load(ordering: .acquiring) })
        let early = firstRunSawTimer.load(ordering: .relaxed)
        let late = fired.load(ordering: .relaxed)
        #expect(!early)
        #expect(late)
    }

    @Test func wakeMakesAnIdleRoundReturn() throws {
        let loop = try EventLoop()
        let remote = loop.remote
        startThread {
            sleep(.milliseconds(20))
            remote.wake()
        }
        let start = monotonicNanoseconds()
        loop.runOnce(timeout: .seconds(5))
        #expect(milliseconds(since: start) < 4000)
    }

    @Test func durationsConvertToNanosecondsSaturating() {
        #expect(EventLoop.nanoseconds(.milliseconds(1500)) == 1_500_000_000)
        #expect(EventLoop.nanoseconds(.nanoseconds(7)) == 7)
        #expect(EventLoop.nanoseconds(.zero) == 0)
        #expect(EventLoop.nanoseconds(.milliseconds(-5)) == 0)
        #expect(EventLoop.nanoseconds(.seconds(Int64.max)) == UInt64.max)
    }
}

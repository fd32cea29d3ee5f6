// SPDX-License-Identifier: GPL-2.0-only
// A receiver shared by several tunnels (one raw IP socket per address pair): added once per tunnel,
// polled by one worker only, and polled until the last of its tunnels removes it.

import Glibc
@testable import L2TPDatapath
import L2TPCore
import L2TPTestSupport
import L2TPWire
import Testing

@Suite(.serialized) struct SharedReceiverTests {
    @Test("a shared receiver is polled once, by one worker, and until the second remove", arguments: [1, 2])
    func sharedReceiverPolledOnce(workers: Int) throws {
        let datapath = try Datapath(workerCount: workers)
        datapath.start()
        defer { datapath.stop() }
        var sessions = Sessions()
        let tunnelA = try sessions.tunnel(10, encap: .ip)
        let tunnelB = try sessions.tunnel(20, encap: .ip)
        let (a, deviceA) = try sessions.session(100, in: tunnelA)
        let (b, deviceB) = try sessions.session(200, in: tunnelB)
        sessions.publish(to: datapath)
        let receiver = FakeReceiver(encapsulation: .ip, isShared: true)

        // With one worker, polling the descriptor twice would fail in epoll_ctl (EEXIST).
        try datapath.add(receiver, for: tunnelA)
        try datapath.add(receiver, for: tunnelB)
        datapath.synchronize()

        // Packets of both tunnels are demultiplexed by their session ids alone.
        for round in 0..<10 {
            let tag = UInt8(round)
            receiver.send([data(to: a, tag: tag), data(to: b, tag: 100 + tag)])
            try #require(eventually { deviceA.frames.count == round + 1 && deviceB.frames.count == round + 1 })
        }
        #expect(deviceA.tags == Array(0..<10))
        #expect(deviceB.tags == Array(100..<110))
        #expect(receiver.threads.count == 1, "the receiver was read by \(receiver.threads.count) workers")

        // The first remove leaves it polled for the other tunnel (and the table still has both).
        datapath.remove(receiver, for: tunnelA)
        datapath.synchronize()
        receiver.send([data(to: a, tag: 20), data(to: b, tag: 120)])
        try #require(eventually { deviceA.frames.count == 11 && deviceB.frames.count == 11 })
        #expect(deviceA.tags.last == 20)
        #expect(deviceB.tags.last == 120)

        // The second remove stops polling: a waiting datagram is left unread.
        datapath.remove(receiver, for: tunnelB)
        datapath.synchronize()
        let calls = receiver.calls
        receiver.send([data(to: b, tag: 121)])
        usleep(200_000)
        #expect(receiver.calls == calls)
        #expect(receiver.pending == 1)
        #expect(deviceB.frames.count == 11)
        #expect(receiver.threads.count == 1)
        #expect(datapath.counters.all == [0, 0, 0, 0])
    }

    @Test("a removed receiver of its own tunnel is no longer read; an extra remove changes nothing")
    func ownReceiverRemoved() throws {
        let datapath = try Datapath(workerCount: 1)
        datapath.start()
        defer { datapath.stop() }
        var sessions = Sessions()
        let tunnel = try sessions.tunnel(10)
        let (s, device) = try sessions.session(100, in: tunnel)
        sessions.publish(to: datapath)
        let receiver = FakeReceiver()
        try datapath.add(receiver, for: tunnel)
        datapath.synchronize()
        receiver.send([data(to: s, tag: 1)])
        try #require(eventually { device.frames.count == 1 })

        datapath.remove(receiver, for: tunnel)
        datapath.remove(receiver, for: tunnel)
        datapath.synchronize()
        let calls = receiver.calls
        receiver.send([data(to: s, tag: 2)])
        usleep(200_000)
        #expect(receiver.calls == calls)
        #expect(device.tags == [1])

        // It can be added again and is read again.
        try datapath.add(receiver, for: tunnel)
        datapath.synchronize()
        try #require(eventually { device.frames.count == 2 })
        #expect(device.tags == [1, 2])
    }
}

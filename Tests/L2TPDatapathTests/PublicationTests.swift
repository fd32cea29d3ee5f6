// SPDX-License-Identifier: GPL-2.0-only
// Table publication and the grace period (TableCell, Datapath.publish/synchronize): a worker inside a
// handler keeps the table it loaded, a replaced table is kept until every worker has announced an
// epoch past its replacement, and synchronize returns only once every worker has.

import Glibc
@testable import L2TPDatapath
import L2TPCore
import L2TPTestSupport
import L2TPWire
import Testing

/// A table with one v3 session of its own (a fresh tunnel), for the pure TableCell test.
private func tableWithSession(generation: UInt64) -> (SessionTable, Weak<Session>) {
    var registry = TunnelRegistry<Void, Void>()
    let tunnel = Tunnel(id: TunnelID(1), peerID: TunnelID(2), version: .v3, encap: .udp)
    let session = Session(id: SessionID(7), peerID: SessionID(8), tunnel: tunnel, pseudowireType: .eth)
    try! registry.add(tunnel)
    try! registry.add(session)
    var table = registry.makeTable()
    while table.generation < generation { table = registry.makeTable() }
    return (table, Weak(session))
}

@Suite(.serialized) struct PublicationTests {
    @Test("TableCell keeps exactly the replaced tables whose replacement epoch not every worker has passed")
    func cellReclaimsByEpoch() {
        var watched: [Weak<SessionTable>] = []
        var sessions: [Weak<Session>] = []
        let cell: TableCell
        do {
            let (t0, s0) = tableWithSession(generation: 1)
            watched.append(Weak(t0))
            sessions.append(s0)
            cell = TableCell(t0)
        }
        // Tables 1…3 replace 0…2 at epochs 1…3.
        for epoch: UInt64 in 1...3 {
            let (t, s) = tableWithSession(generation: epoch + 1)
            watched.append(Weak(t))
            sessions.append(s)
            cell.publish(t, nextEpoch: epoch)
        }
        #expect(cell.load() === watched[3].object)
        #expect(watched.map(\.isFreed) == [false, false, false, false])

        cell.reclaim(observedByAll: 0)  // nobody has moved past anything
        #expect(watched.map(\.isFreed) == [false, false, false, false])
        cell.reclaim(observedByAll: 2)  // 0 (replaced at 1) and 1 (at 2) are passed; 2 (at 3) is not
        #expect(watched.map(\.isFreed) == [true, true, false, false])
        #expect(sessions.map(\.isFreed) == [true, true, false, false])
        cell.reclaim(observedByAll: 2)  // idempotent
        #expect(watched.map(\.isFreed) == [true, true, false, false])
        cell.reclaim(observedByAll: 3)
        #expect(watched.map(\.isFreed) == [true, true, true, false])
        // The current table is never reclaimed, however far the epoch goes.
        cell.reclaim(observedByAll: .max)
        #expect(watched.map(\.isFreed) == [true, true, true, false])
        #expect(cell.load().generation == 4)
        #expect(sessions.map(\.isFreed) == [true, true, true, false])
    }

    /// A datapath with one tunnel whose receiver can be held, a session only the first published
    /// table holds, and weak references to watch what gets freed.
    private struct Setup {
        let datapath: Datapath
        var sessions = Sessions()
        let tunnel: Tunnel
        let receiver = FakeReceiver()
        let doomedDevice: RecordingDevice
        let doomedPacket: [UInt8]
        let doomedSession: Weak<Session>
        let firstTable: Weak<SessionTable>

        init(workers: Int) throws {
            datapath = try Datapath(workerCount: workers)
            tunnel = try sessions.tunnel(10)
            let (doomed, device) = try sessions.session(100, in: tunnel)
            doomedDevice = device
            doomedPacket = data(to: doomed, tag: 1)
            doomedSession = Weak(doomed)
            let table = sessions.registry.makeTable()
            firstTable = Weak(table)
            datapath.publish(table)
        }

        /// Unregisters the doomed session and publishes a table without it; returns a weak reference.
        mutating func publishWithoutDoomed() -> Weak<SessionTable> {
            sessions.registry.removeSession(tunnelID: tunnel.id, sessionID: SessionID(100))
            let table = sessions.registry.makeTable()
            datapath.publish(table)
            return Weak(table)
        }

        mutating func publishAgain() -> Weak<SessionTable> {
            let table = sessions.registry.makeTable()
            datapath.publish(table)
            return Weak(table)
        }
    }

    @Test("a worker inside a handler keeps its table across publish; synchronize waits for it, then the replaced tables are freed")
    func synchronizeWaitsForBusyWorker() throws {
        var setup = try Setup(workers: 2)
        let datapath = setup.datapath
        let receiver = setup.receiver
        datapath.start()
        defer { datapath.stop() }
        defer { receiver.release() }
        try datapath.add(receiver, for: setup.tunnel)
        datapath.synchronize()  // both workers use the first table; one polls the receiver

        // The worker reads a packet for the doomed session and stays inside the handler.
        receiver.hold()
        receiver.send([setup.doomedPacket])
        try #require(eventually { receiver.isHeld })

        // The session goes, with newer tables published while the worker is still busy.
        let second = setup.publishWithoutDoomed()
        let third = setup.publishAgain()
        let fourth = setup.publishAgain()
        #expect(!setup.firstTable.isFreed)
        #expect(!setup.doomedSession.isFreed)
        // Replaced after the busy worker's last announcement: kept as well.
        #expect(!second.isFreed && !third.isFreed)

        let sync = BackgroundCall { datapath.synchronize() }
        usleep(100_000)
        #expect(!sync.hasReturned, "synchronize returned while a worker was inside a handler")
        #expect(!setup.firstTable.isFreed)

        receiver.release()
        #expect(sync.join(), "synchronize did not return after the worker was released")
        // The worker finished its batch with the table it had loaded: the removed session still
        // delivered the packet it was reading.
        #expect(setup.doomedDevice.tags == [1])
        #expect(setup.firstTable.isFreed)
        #expect(setup.doomedSession.isFreed)
        #expect(second.isFreed && third.isFreed)
        #expect(!fourth.isFreed)
        #expect(datapath.counters.all == [0, 0, 0, 0])
    }

    @Test("publish alone frees a replaced table once every worker has announced a later epoch")
    func publishReclaimsWithoutSynchronize() throws {
        var setup = try Setup(workers: 2)
        let datapath = setup.datapath
        let receiver = setup.receiver
        datapath.start()
        defer { datapath.stop() }
        defer { receiver.release() }
        try datapath.add(receiver, for: setup.tunnel)
        datapath.synchronize()

        receiver.hold()
        receiver.send([setup.doomedPacket])
        try #require(eventually { receiver.isHeld })
        _ = setup.publishWithoutDoomed()
        // However often the table changes, the busy worker's table stays.
        for _ in 0..<20 { _ = setup.publishAgain() }
        #expect(!setup.firstTable.isFreed)
        #expect(!setup.doomedSession.isFreed)

        receiver.release()
        try #require(eventually { setup.doomedDevice.frames.count == 1 })
        // Once the worker is back in its loop it announces the latest epoch; the next publish frees.
        var latest = setup.publishAgain()
        try #require(eventually {
            latest = setup.publishAgain()
            return setup.firstTable.isFreed
        })
        #expect(setup.doomedSession.isFreed)
        #expect(!latest.isFreed)
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// The network side of one receive: datagrams a transport read at once, split into the L2TP packets
// they carry, each with the address it came from — what the datapath demultiplexes to sessions.
//
// Flow:
//  1. `reset`, then the transport reads up to `datagrams.count` datagrams into `datagrams.data(i)`
//     and each sender's address into `sourceStorage(i)` (recvmmsg), laying out its message vectors in
//     `scratch`.
//  2. It appends the L2TP packets it finds (`append`): one per datagram, or several back to back when
//     UDP GRO coalesced them; a datagram it cannot make sense of is counted (`countMalformed`).
//  3. The datapath walks `packet(i)`. The memory stays valid (and writable) until the next `reset`.
// Concurrency: one per datapath worker; not thread-safe; no allocation after init.

public final class ReceiveBatch {
    /// Bytes kept per source address (`struct sockaddr_storage`).
    public static let sourceSize = 128

    /// The datagram buffers.
    public let datagrams: PacketBuffers
    /// The most L2TP packets one batch holds: UDP GRO hands over at most 64 datagrams per read.
    public let capacity: Int
    /// Scratch memory for the transport's message vectors, 16-byte aligned.
    public let scratch: UnsafeMutableRawPointer
    public let scratchSize: Int

    @usableFromInline let sources: UnsafeMutableRawPointer
    @usableFromInline let starts: UnsafeMutablePointer<UnsafeRawPointer>
    @usableFromInline let lengths: UnsafeMutablePointer<Int>
    @usableFromInline let origins: UnsafeMutablePointer<Int>
    /// [0]: packets appended, [1]: datagrams counted malformed. Kept outside the object: a stored `var`
    /// costs an exclusivity check on every append.
    @usableFromInline let counters: UnsafeMutablePointer<Int>

    /// `datagrams`: the buffers to read into; a thread that receives and transmits in turn may lend
    /// the same buffers to its TransmitBatch (nothing of a batch is used once the next one starts).
    public init(datagrams: PacketBuffers = PacketBuffers(count: 64, headroom: 0, capacity: 65536),
                packetsPerDatagram: Int = 64, scratchSize: Int = 16 << 10) {
        self.datagrams = datagrams
        let count = datagrams.count
        capacity = count * packetsPerDatagram
        self.scratchSize = scratchSize
        scratch = .allocate(byteCount: scratchSize, alignment: 16)
        sources = .allocate(byteCount: count * Self.sourceSize, alignment: 16)
        sources.initializeMemory(as: UInt8.self, repeating: 0, count: count * Self.sourceSize)
        starts = .allocate(capacity: capacity)
        lengths = .allocate(capacity: capacity)
        origins = .allocate(capacity: capacity)
        counters = .allocate(capacity: 2)
        counters.initialize(repeating: 0, count: 2)
    }

    deinit {
        scratch.deallocate()
        sources.deallocate()
        starts.deallocate()
        lengths.deallocate()
        origins.deallocate()
        counters.deallocate()
    }

    /// Empties the batch before a read.
    @inlinable @inline(__always)
    public func reset() {
        counters[0] = 0
        counters[1] = 0
    }

    /// Where the address of datagram `i`'s sender goes (a `struct sockaddr_storage`).
    @inlinable @inline(__always)
    public func sourceStorage(_ i: Int) -> UnsafeMutableRawPointer { sources + i * Self.sourceSize }

    /// Adds an L2TP packet of `length` bytes at `start`, found in datagram `datagram`. A packet that
    /// does not fit (more than `capacity`) is counted malformed.
    @inlinable @inline(__always)
    public func append(_ start: UnsafeRawPointer, length: Int, datagram: Int) {
        let n = counters[0]
        guard n < capacity else {
            counters[1] += 1
            return
        }
        starts[n] = start
        lengths[n] = length
        origins[n] = datagram
        counters[0] = n + 1
    }

    /// Counts a datagram the transport could not make sense of (truncated, empty, a bad IP header).
    @inlinable @inline(__always)
    public func countMalformed() { counters[1] += 1 }

    /// L2TP packets in the batch.
    @inlinable public var count: Int { counters[0] }
    /// Datagrams counted malformed since `reset`.
    @inlinable public var malformed: Int { counters[1] }

    /// Packet `i`, from its first L2TP header byte.
    @inlinable @inline(__always)
    public func packet(_ i: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: starts[i], count: lengths[i]) }

    /// The sender of packet `i`: a `struct sockaddr_in` or `sockaddr_in6`.
    @inlinable @inline(__always)
    public func source(ofPacket i: Int) -> UnsafeRawPointer { UnsafeRawPointer(sourceStorage(origins[i])) }
}

// SPDX-License-Identifier: GPL-2.0-only
// The Ethernet pseudowire (RFC 4719, kernel l2tp_eth): one TAP device per session, named l2tpeth%d
// or as requested, with the kernel's MTU rule. It owns the TAP's own work in both directions.
//
// Write (frames the core decapsulated): with offloads the TAP has a virtio-net header (IFF_VNET_HDR)
// and the frames of one receive batch are coalesced (TCP, and UDP where the TAP takes USO) into
// super-frames, each written with one writev of a virtio-net header and the pieces — as a NIC's GRO
// would hand them to the stack. Without, one write per frame.
//
// Read (frames to send), per batch:
//  1. read() frames from the TAP until it is empty or the batch's buffers are used. With a virtio-net
//     header (offloads on), each read starts with it:
//     a. no GSO: finish a partial checksum (NEEDS_CSUM) in place, as skb_checksum_help would; the
//        frame goes as it is;
//     b. a TCP/UDP super-frame (up to 64 KiB): cut into wire-sized segments — headers copied and
//        fixed up in the batch's SegmentBatch, payloads left in place — which end the read, since
//        the next cut reuses the SegmentBatch.
//  2. Each frame or segment is appended to the batch for the session to encapsulate; a frame that
//     cannot be finished or cut is counted invalid (the session's tx_errors).

import Glibc
import L2TPCore
import L2TPOffload
import L2TPSystem
import Synchronization

/// The all-zero virtio-net header of a frame written as it is (no offload). Never written to.
nonisolated(unsafe) private let plainVirtioHeader: UnsafeMutableRawPointer = {
    let p = UnsafeMutableRawPointer.allocate(byteCount: VirtioNetHeader.size, alignment: 8)
    p.initializeMemory(as: UInt8.self, repeating: 0, count: VirtioNetHeader.size)
    return p
}()

/// A session's TAP device.
///
/// Concurrency: `write` runs on datapath workers (several may write the same TAP); `read` on the one
/// worker that polls it; `mtuChanged` and `close` on the control-plane thread.
public final class EthernetPseudowire: PseudowireDevice, @unchecked Sendable {
    /// The kernel's default name template for these devices.
    public static let defaultName = "l2tpeth%d"
    /// Ethernet header (ETH_HLEN).
    public static let ethernetHeaderLength = 14

    public let tap: TAPDevice
    public var name: String { tap.name }
    /// The largest frame the device accepts from the tunnel: MTU + Ethernet header + one VLAN tag,
    /// the limit `dev_forward_skb` applies.
    private let maxFrameLength: Atomic<Int>
    /// Frames not handed to the device: shorter than an Ethernet header, longer than the MTU allows,
    /// or refused by the TAP. The kernel counts these as the netdev's `rx_dropped`.
    public let rxDropped = Atomic<UInt64>(0)

    /// The index `InterfaceNamer` gave the device's name, if it named it.
    public let nameIndex: Int?
    /// The device's interface index (for link events about it).
    public let interfaceIndex: Int32
    /// Called once the TAP is closed, with the device (its factory forgets it and frees its name).
    private let onClose: @Sendable (EthernetPseudowire) -> Void

    private init(
        tap: TAPDevice, mtu: Int, nameIndex: Int?, interfaceIndex: Int32,
        onClose: @escaping @Sendable (EthernetPseudowire) -> Void
    ) {
        self.tap = tap
        self.nameIndex = nameIndex
        self.interfaceIndex = interfaceIndex
        self.onClose = onClose
        maxFrameLength = Atomic(mtu + Self.ethernetHeaderLength + 4)
    }

    /// The MTU l2tp_eth_adjust_mtu gives a new device: the route MTU minus the encapsulation overhead
    /// (outer IP + UDP + L2TP header + Ethernet header), or 1500 minus it when the route MTU is unknown
    /// or the result is out of range.
    public static func mtu(pathMTU: Int?, networkOverhead: Int, l2tpHeaderLength: Int) -> Int {
        let overhead = networkOverhead + l2tpHeaderLength + ethernetHeaderLength
        let m = (pathMTU ?? 0) - overhead
        return (0...65535).contains(m) && pathMTU != nil ? m : 1500 - overhead
    }

    /// Creates the TAP device. A name that is already in use fails with EEXIST, as register_netdevice
    /// does. Without a name, `namer` picks the kernel's `l2tpeth%d` name; the caller releases
    /// `nameIndex` to it when the device is closed. With `offloads` the TAP gets a virtio-net header
    /// and those of them the kernel accepts; nil opens a plain TAP.
    public static func create(
        name: String?, mtu: Int, namer: InterfaceNamer, offloads: TAPOffloads? = nil,
        onClose: @escaping @Sendable (EthernetPseudowire) -> Void = { _ in }
    ) throws(Errno) -> EthernetPseudowire {
        if let name, !name.contains("%"), if_nametoindex(name) != 0 { throw Errno(EEXIST) }
        var reserved: (name: String, index: Int)?
        if name == nil { reserved = namer.reserve() }
        let tap: TAPDevice
        do {
            let chosen = reserved?.name ?? name!
            if let offloads {
                tap = try TAPDevice.open(name: chosen, offloads: offloads)
            } else {
                tap = try TAPDevice.open(name: chosen)
            }
        } catch {
            if let reserved { namer.release(reserved.index) }
            throw error
        }
        let index: Int32
        do {
            try NetworkInterface.setMTU(tap.name, mtu)
            index = try NetworkInterface.index(tap.name)
        } catch {
            tap.close()
            if let reserved { namer.release(reserved.index) }
            throw error
        }
        return EthernetPseudowire(
            tap: tap, mtu: mtu, nameIndex: reserved?.index, interfaceIndex: index, onClose: onClose)
    }

    /// Follows an MTU change made with `ip link set ... mtu`.
    public func mtuChanged(to mtu: Int) {
        maxFrameLength.store(mtu + Self.ethernetHeaderLength + 4, ordering: .relaxed)
    }

    /// Whether a received frame fits the device (the checks of dev_forward_skb); counts it otherwise.
    @inline(__always)
    private func accepts(_ length: Int) -> Bool {
        if length >= Self.ethernetHeaderLength && length <= maxFrameLength.load(ordering: .relaxed) { return true }
        rxDropped.wrappingAdd(1, ordering: .relaxed)
        return false
    }

    // MARK: Write: frames from the tunnel

    /// Writes one received frame to the TAP, or counts it in `rxDropped`.
    @inline(__always)
    public func write(_ frame: UnsafeRawBufferPointer) {
        guard accepts(frame.count) else { return }
        let result: Result<IOResult<Int>, Errno>
        if tap.hasVirtioHeader {
            var vector = (
                iovec(iov_base: plainVirtioHeader, iov_len: VirtioNetHeader.size),
                iovec(iov_base: UnsafeMutableRawPointer(mutating: frame.baseAddress!), iov_len: frame.count))
            result = withUnsafePointer(to: &vector) {
                tap.fd.write(vector: UnsafeRawPointer($0).assumingMemoryBound(to: iovec.self), count: 2)
            }
        } else {
            result = tap.fd.write(frame.baseAddress!, count: frame.count)
        }
        switch result {
        case .success(.value): break
        case .success(.wouldBlock), .failure: rxDropped.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// Writes the frames of one receive batch: coalesced into super-frames when the TAP has a
    /// virtio-net header, one by one otherwise.
    public func write(_ frames: UnsafeBufferPointer<UnsafeMutableRawBufferPointer>, batch: DeliveryBatch) {
        guard tap.hasVirtioHeader else {
            for f in frames { write(UnsafeRawBufferPointer(f)) }
            return
        }
        let coalescer = batch.coalescer
        coalescer.coalesceUDP = tap.offloads.contains(.udpSegmentation)
        for f in frames where accepts(f.count) {
            if !coalescer.add(f.baseAddress!, length: f.count) {
                writeCoalesced(batch)
                coalescer.add(f.baseAddress!, length: f.count)
            }
        }
        writeCoalesced(batch)
    }

    /// Writes what the coalescer holds: per output packet, one writev of its virtio-net header
    /// (in the batch's scratch) and its pieces. A refused write counts every frame in it.
    private func writeCoalesced(_ batch: DeliveryBatch) {
        let header = batch.scratch
        let vector = (batch.scratch + 16).bindMemory(to: iovec.self, capacity: (batch.scratchSize - 16) / 16)
        let fd = tap.fd
        batch.coalescer.finish { virtio, pieces in
            virtio.write(to: header)
            vector[0] = iovec(iov_base: header, iov_len: VirtioNetHeader.size)
            for (k, piece) in pieces.enumerated() {
                vector[k + 1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: piece.baseAddress), iov_len: piece.count)
            }
            switch fd.write(vector: vector, count: pieces.count + 1) {
            case .success(.value): break
            case .success(.wouldBlock), .failure: rxDropped.wrappingAdd(UInt64(pieces.count), ordering: .relaxed)
            }
        }
    }

    // MARK: Read: frames to send

    public func read(into batch: TransmitBatch) -> DeviceRead {
        tap.hasVirtioHeader ? readOffloaded(into: batch) : readPlain(into: batch)
    }

    /// Frames without a virtio-net header: each one a packet.
    private func readPlain(into batch: TransmitBatch) -> DeviceRead {
        let buffers = batch.buffers
        var n = 0
        while n < buffers.count {
            let data = buffers.data(n)
            guard case .success(.value(let len)) = tap.fd.read(into: data, count: buffers.capacity), len > 0 else {
                return DeviceRead(frames: n, drained: true)
            }
            batch.append(data, length: len)
            n += 1
        }
        return DeviceRead(frames: n, drained: false)
    }

    /// Frames behind a virtio-net header, super-frames among them.
    private func readOffloaded(into batch: TransmitBatch) -> DeviceRead {
        let buffers = batch.buffers
        let vnet = VirtioNetHeader.size
        var n = 0
        while n < buffers.count && batch.hasRoom(for: 1) {
            let data = buffers.data(n)
            guard case .success(.value(let len)) = tap.fd.read(into: data - vnet, count: buffers.capacity + vnet),
                len > vnet
            else { return DeviceRead(frames: n, drained: true) }
            n += 1
            let header = VirtioNetHeader(from: data - vnet)
            let length = len - vnet
            if header.gsoKind == VirtioNetHeader.gsoNone {
                if header.flags & VirtioNetHeader.needsChecksum != 0,
                    !InternetChecksum.complete(
                        data, count: length, start: Int(header.checksumStart), offset: Int(header.checksumOffset))
                {
                    batch.countInvalid()
                    continue
                }
                batch.append(data, length: length)
                continue
            }
            // The segments' headers live in the batch's SegmentBatch until the next cut: this read ends.
            guard case .segments(let count) = batch.segments.split(data, length: length, header: header),
                batch.hasRoom(for: count)
            else {
                batch.countInvalid()
                continue
            }
            let group = batch.beginGroup()
            for i in 0..<count {
                let s = batch.segments.segment(i)
                batch.append(s.header, length: s.headerLength, payload: s.payload, payloadLength: s.payloadLength, group: group)
            }
            return DeviceRead(frames: n, drained: false)
        }
        return DeviceRead(frames: n, drained: false)
    }

    // MARK: Life

    public var pollDescriptor: Int32 { tap.fd.rawValue }
    public var interfaceName: String? { tap.name }

    /// Removes the device.
    public func close() {
        tap.close()
        onClose(self)
    }

    public var debugDescription: String {
        "device \(name) rx_dropped \(rxDropped.load(ordering: .relaxed)) offloads \(tap.offloads)"
    }
}

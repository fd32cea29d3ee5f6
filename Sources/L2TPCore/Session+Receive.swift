// SPDX-License-Identifier: GPL-2.0-only
// Receive handling of a data packet already demultiplexed to a session (l2tp_recv_common and what the
// UDP/IP receive hooks check before calling it).
//
// Flow (runs on the worker that received the packet; no allocation unless a packet must be queued):
//  1. The packet's version must be the tunnel's, else tunnel rx_invalid.
//  2. v3: cookie and sublayer must be present (else tunnel rx_invalid over UDP; over IP the kernel
//     drops it uncounted) and the cookie must match (else rx_cookie_discards). v2: read Ns and skip
//     the offset pad (a pad past the end is dropped after step 3, as l2tp_recv_common does).
//  3. Sequencing mode: follow the LNS (toggle send_seq) unless lns_mode; drop unsequenced packets
//     when recv_seq is set, or when lns_mode and send_seq are both set.
//  4. Unsequenced with an empty queue: deliver at once. Otherwise take the sequencing mutex and run
//     the kernel's queue/dequeue walk (SequenceState).
//  5. Delivery counts rx_packets/rx_bytes on tunnel and session and queues the payload in the
//     worker's DeliveryBatch (flushed to the device at the end of the receive batch), or hands it to
//     the device at once when there is no batch.

import L2TPWire

extension Session {
    /// Processes one received data packet for this session.
    ///
    /// - Parameters:
    ///   - packet: the L2TP packet from its first header byte (flags over UDP, session id over IP).
    ///   - demux: what `Demux` said about the packet (must be `.v2` or `.v3`).
    ///   - now: monotonic time in milliseconds, read once per batch by the caller.
    /// - Returns: nil if delivered or queued, else why it was dropped (already counted).
    ///   - batch: the worker's delivery batch: delivered frames are queued there (the packet's memory
    ///     must stay valid until it is flushed); nil delivers at once.
    @discardableResult
    public func receive(_ packet: UnsafeRawBufferPointer, demux: Demux, now: UInt64, batch: DeliveryBatch? = nil)
        -> DropReason?
    {
        let p = packet.baseAddress!
        let length = packet.count
        var ns: UInt32?
        var payloadOffset: Int
        switch demux {
        case .v2(_, _, let flags, let optionsOffset):
            guard tunnel.version == .v2 else { return drop(.versionMismatch) }
            guard let options = L2TPv2Header.parseOptions(p, length: length, flags: flags, offset: optionsOffset)
            else {
                // The kernel applies the sequencing mode before it finds the offset pad runs past the end.
                if let reason = applySequenceMode(sequenced: flags & L2TPHeaderFlags.s != 0) { return drop(reason) }
                return drop(.malformed)
            }
            ns = options.ns.map(UInt32.init)
            payloadOffset = options.payloadOffset
        case .v3(_, let version, let optionsOffset):
            guard version == tunnel.version.rawValue else { return drop(.versionMismatch) }
            switch L2TPv3Header.parseOptions(
                p, length: length, offset: optionsOffset, expectedCookie: peerCookie, l2spec: l2spec)
            {
            case .truncated:
                // l2tp_udp_encap_recv counts rx_invalid; l2tp_ip_recv drops the packet uncounted. Only
                // the IP form (Demux.ip) has its options right after the 4-byte session id.
                return optionsOffset == 4 ? .truncatedOptions : drop(.truncatedOptions)
            case .cookieMismatch: return drop(.cookieMismatch)
            case .ok(let n, let offset):
                ns = n
                payloadOffset = offset
            }
        case .control, .short:
            return drop(.malformed)
        }

        if let reason = applySequenceMode(sequenced: ns != nil) { return drop(reason) }

        let payload = UnsafeRawBufferPointer(rebasing: packet[payloadOffset...])
        if ns == nil && queued.load(ordering: .relaxed) == 0 {
            deliver(payload, length: length, batch: batch)
            return nil
        }
        return receiveQueued(payload, ns: ns, length: length, now: now, batch: batch)
    }

    /// Step 3: the LAC follows the LNS; mandatory sequencing drops unsequenced packets.
    @inline(__always)
    private func applySequenceMode(sequenced: Bool) -> DropReason? {
        let lns = lnsMode.load(ordering: .relaxed)
        let sending = sendSeq.load(ordering: .relaxed)
        if sequenced {
            if !lns && !sending {
                sendSeq.store(true, ordering: .relaxed)
                traceIfDebugging(.sessionSeqnumLNSEnable)
            }
            return nil
        }
        if recvSeq.load(ordering: .relaxed) { return .sequenceRequired }
        if !lns && sending {
            sendSeq.store(false, ordering: .relaxed)
            traceIfDebugging(.sessionSeqnumLNSDisable)
        } else if sending {
            return .sequenceRequired  // we are the LNS and the LAC stopped sequencing
        }
        return nil
    }

    /// Step 4, slow path: the kernel's reorder queue.
    private func receiveQueued(
        _ payload: UnsafeRawBufferPointer, ns: UInt32?, length: Int, now: UInt64, batch: DeliveryBatch?
    ) -> DropReason?
    {
        let timeout = reorderTimeout.load(ordering: .relaxed)
        let expires = now &+ (timeout != 0 ? timeout : 1000)
        return sequence.withLock { state -> DropReason? in
            let (admission, oos) = state.admit(ns: ns, length: length, expires: expires, reorderTimeout: timeout)
            if oos > 0 { stats.rxOOSPackets.wrappingAdd(oos, ordering: .relaxed) }
            switch admission {
            case .outsideWindow:
                traceIfDebugging(.sessionPktOutsideRxWindow, ns: ns ?? 0, nr: state.nr)
                return drop(.outsideWindow)
            case .outOfOrder:
                traceIfDebugging(.sessionPktOOS, ns: ns ?? 0, nr: state.nr)
                return drop(.outOfOrder)
            case .queued: break
            }
            state.dequeue(now: now) { entry, action in
                switch action {
                case .expire:
                    traceIfDebugging(.sessionPktExpired, ns: entry.ns)
                    drop(.expired)
                case .reset:
                    traceIfDebugging(.sessionSeqnumReset, ns: entry.ns, nr: entry.ns)
                case .deliver:
                    if let stored = entry.payload {
                        // A queued copy is only valid now: what the batch holds goes first.
                        batch?.flush()
                        stored.withUnsafeBytes { deliver($0, length: entry.length, batch: nil) }
                    } else {
                        deliver(payload, length: entry.length, batch: batch)
                    }
                    if entry.hasSeq { traceIfDebugging(.sessionSeqnumUpdate, ns: entry.ns, nr: entry.ns &+ 1) }
                }
            }
            state.storePending(payload)
            queued.store(state.queue.count, ordering: .relaxed)
            return nil
        }
    }

    /// Step 5: count, then queue the frame in the worker's batch or hand it over at once.
    @inline(__always)
    private func deliver(_ frame: UnsafeRawBufferPointer, length: Int, batch: DeliveryBatch?) {
        tunnel.stats.rxPackets.wrappingAdd(1, ordering: .relaxed)
        tunnel.stats.rxBytes.wrappingAdd(UInt64(length), ordering: .relaxed)
        stats.rxPackets.wrappingAdd(1, ordering: .relaxed)
        stats.rxBytes.wrappingAdd(UInt64(length), ordering: .relaxed)
        if batch != nil {
            // The worker's own receive buffer: writable, and valid until the batch is flushed.
            // (Optional chaining borrows the batch; `if let` would retain it for every frame.)
            batch?.append(UnsafeMutableRawBufferPointer(mutating: frame), from: self)
        } else {
            device?.write(frame)
        }
    }

    /// Counts a drop under the kernel's counters and returns the reason.
    @discardableResult
    func drop(_ reason: DropReason) -> DropReason {
        traceIfDebugging(.sessionPktDiscard, reason: reason)
        switch reason {
        case .versionMismatch, .truncatedOptions:
            tunnel.stats.rxInvalid.wrappingAdd(1, ordering: .relaxed)
            return reason
        case .cookieMismatch:
            stats.rxCookieDiscards.wrappingAdd(1, ordering: .relaxed)
        case .sequenceRequired, .outOfOrder, .expired:
            stats.rxSeqDiscards.wrappingAdd(1, ordering: .relaxed)
        case .outsideWindow, .malformed, .purged:
            break
        }
        stats.rxErrors.wrappingAdd(1, ordering: .relaxed)
        return reason
    }
}

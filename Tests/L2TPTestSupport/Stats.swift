// SPDX-License-Identifier: GPL-2.0-only
// Counters spelled out field by field in the kernel's order (L2TP_ATTR_STATS), for readable
// expectations.

import L2TPWire

/// An `L2TPStats` with the given counters and zeros elsewhere.
public func stats(
    txPackets: UInt64 = 0, txBytes: UInt64 = 0, txErrors: UInt64 = 0, rxPackets: UInt64 = 0, rxBytes: UInt64 = 0,
    rxSeqDiscards: UInt64 = 0, rxOOSPackets: UInt64 = 0, rxErrors: UInt64 = 0, rxCookieDiscards: UInt64 = 0,
    rxInvalid: UInt64 = 0
) -> L2TPStats {
    var s = L2TPStats()
    s.txPackets = txPackets
    s.txBytes = txBytes
    s.txErrors = txErrors
    s.rxPackets = rxPackets
    s.rxBytes = rxBytes
    s.rxSeqDiscards = rxSeqDiscards
    s.rxOOSPackets = rxOOSPackets
    s.rxErrors = rxErrors
    s.rxCookieDiscards = rxCookieDiscards
    s.rxInvalid = rxInvalid
    return s
}

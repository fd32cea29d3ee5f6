// SPDX-License-Identifier: GPL-2.0-only
// Byte helpers for the netlink tests: hand-built TLVs and messages independent of libnl.

import Foundation
import L2TPTestSupport

/// One attribute: nla_len (header + payload, without padding), nla_type, payload, zero padding to 4.
/// `length` overrides nla_len to build malformed attributes.
func tlv(_ type: UInt16, _ payload: [UInt8], length: Int? = nil) -> [UInt8] {
    let padding = (4 - payload.count % 4) % 4
    return le16(UInt16(length ?? 4 + payload.count)) + le16(type) + payload + [UInt8](repeating: 0, count: padding)
}

/// A whole generic netlink message around `attributes` (already encoded TLVs).
/// `length` overrides nlmsg_len.
func genl(type: UInt16 = 0x1c, flags: UInt16 = 0x05, sequence: UInt32 = 7, portID: UInt32 = 0,
          command: UInt8 = 1, version: UInt8 = 1, _ attributes: [UInt8], length: Int? = nil) -> [UInt8]
{
    let total = 20 + attributes.count
    return le32(UInt32(length ?? total)) + le16(type) + le16(flags) + le32(sequence) + le32(portID)
        + [command, version, 0, 0] + attributes
}

/// A small deterministic PRNG (SplitMix64) so the fuzz tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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


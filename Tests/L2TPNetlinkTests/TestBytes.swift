// SPDX-License-Identifier: GPL-2.0-only
// Byte helpers for the netlink tests: hex fixtures with comments and hand-built TLVs independent of libnl.

import Foundation

/// Parses hex fixture lines: whitespace is ignored, and so is everything after `//` on a line.
func hex(_ lines: String...) -> [UInt8] {
    var digits: [UInt8] = []
    for line in lines.joined(separator: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
        let code = line.components(separatedBy: "//")[0]
        for c in code.unicodeScalars where !c.properties.isWhitespace {
            guard let v = UInt8(String(c), radix: 16) else { fatalError("bad hex digit \(c)") }
            digits.append(v)
        }
    }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

/// Lowercase hex of `bytes`, 16 bytes per line, for readable failure messages.
func dumpHex(_ bytes: [UInt8]) -> String {
    stride(from: 0, to: bytes.count, by: 16).map { start in
        bytes[start..<min(start + 16, bytes.count)].map { b in
            (b < 16 ? "0" : "") + String(b, radix: 16)
        }.joined(separator: " ")
    }.joined(separator: "\n")
}

/// Little-endian (host order on x86-64) encodings, written out by hand.
func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

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

// SPDX-License-Identifier: GPL-2.0-only
// Hex text ↔ bytes and little-endian encodings, for golden fixtures and readable expectation
// failures: the one set every test target uses.

extension Array where Element == UInt8 {
    /// Bytes from hex digits. Whitespace and `:` are ignored so fixtures can group fields, and so is
    /// everything after `//` on a line (a comment naming the field); anything else, or an odd number
    /// of digits, is a mistake in the test and traps.
    public init(hex: String) {
        var out: [UInt8] = []
        var high: UInt8?
        for line in hex.split(separator: "\n", omittingEmptySubsequences: false) {
            let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for c in code.unicodeScalars {
                if c.properties.isWhitespace || c == ":" { continue }
                guard let v = UInt8(String(c), radix: 16) else { preconditionFailure("not a hex digit: \(c) in \(hex)") }
                if let h = high {
                    out.append(h << 4 | v)
                    high = nil
                } else {
                    high = v
                }
            }
        }
        precondition(high == nil, "odd number of hex digits in \(hex)")
        self = out
    }

    /// Joins hex fields (one fixture field per element) into bytes.
    public init(hexFields: [String]) {
        self = [UInt8](hex: hexFields.joined())
    }

    /// Lowercase hex with no separators.
    public var hex: String {
        let digits: [Character] = "0123456789abcdef".map { $0 }
        var s = ""
        s.reserveCapacity(count * 2)
        for b in self {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0xf)])
        }
        return s
    }
}

/// `[UInt8](hex:)` of the lines, joined: a multi-line fixture with `//` comments.
public func hex(_ lines: String...) -> [UInt8] {
    [UInt8](hex: lines.joined(separator: "\n"))
}

/// Lowercase hex, 16 bytes a line, for failure messages.
public func hexDump(_ bytes: [UInt8]) -> String {
    stride(from: 0, to: bytes.count, by: 16).map { start in
        bytes[start..<min(start + 16, bytes.count)].hex.chunked(2).joined(separator: " ")
    }.joined(separator: "\n")
}

extension String {
    fileprivate func chunked(_ n: Int) -> [Substring] {
        var parts: [Substring] = []
        var at = startIndex
        while at < endIndex {
            let next = index(at, offsetBy: n, limitedBy: endIndex) ?? endIndex
            parts.append(self[at..<next])
            at = next
        }
        return parts
    }
}

extension ArraySlice where Element == UInt8 {
    /// Lowercase hex with no separators.
    fileprivate var hex: String { Array(self).hex }
}

/// Little-endian (host order on x86-64, as netlink uses it) encodings, written out by hand.
public func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
public func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
public func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

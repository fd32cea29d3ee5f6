// SPDX-License-Identifier: GPL-2.0-only
// Hex text ↔ bytes, for golden fixtures and readable expectation failures.

extension Array where Element == UInt8 {
    /// Bytes from hex digits. Spaces, newlines and `:` are ignored so fixtures can group fields;
    /// anything else, or an odd number of digits, is a mistake in the test and traps.
    public init(hex: String) {
        var out: [UInt8] = []
        var high: UInt8?
        for c in hex.unicodeScalars {
            if c == " " || c == "\n" || c == "\t" || c == ":" { continue }
            guard let v = UInt8(String(c), radix: 16) else { preconditionFailure("not a hex digit: \(c) in \(hex)") }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
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

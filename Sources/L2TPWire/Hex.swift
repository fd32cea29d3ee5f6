// SPDX-License-Identifier: GPL-2.0-only
// Hex digits, as cookies are written on the command line and in the configuration file.

public enum Hex {
    /// The value of one ASCII hex digit (either case), or nil.
    @inlinable
    public static func digitValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

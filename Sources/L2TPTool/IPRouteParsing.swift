// SPDX-License-Identifier: GPL-2.0-only
// The argument helpers of iproute2's lib/utils.c (matches, get_u32, get_u16, get_addr, check_ifname)
// with their exact C semantics, so the CLI accepts and rejects the same words `ip` does.

import Glibc
import L2TPWire

/// iproute2's argument parsing primitives. Everything works on the UTF-8 bytes of a word, as C does.
enum IPRouteParsing {
    /// iproute2's `matches(prefix, string) == 0`: `prefix` is a non-empty prefix of `string`.
    static func matches(_ prefix: String, _ string: String) -> Bool {
        let p = Array(prefix.utf8)
        let s = Array(string.utf8)
        guard !p.isEmpty, p.count <= s.count else { return false }
        return s.starts(with: p)
    }

    /// `strcasecmp(a, b) == 0` in the C locale (ASCII letters only fold).
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        for (c, d) in zip(x, y) where asciiLower(c) != asciiLower(d) {
            return false
        }
        return true
    }

    private static func asciiLower(_ c: UInt8) -> UInt8 {
        (c >= 0x41 && c <= 0x5a) ? c + 0x20 : c
    }

    /// Runs C `strtoul(text + offset, &end, base)`; returns the value, the byte offset where parsing
    /// stopped, and whether the value overflowed (ERANGE).
    private static func strtoul(_ bytes: [CChar], from offset: Int, base: Int32)
        -> (value: UInt, end: Int, overflow: Bool)
    {
        bytes.withUnsafeBufferPointer { buf in
            let start = buf.baseAddress! + offset
            var end: UnsafeMutablePointer<CChar>? = nil
            Glibc.errno = 0
            let v = Glibc.strtoul(start, &end, base)
            let overflow = Glibc.errno == ERANGE
            let stop = end.map { UnsafePointer($0) - buf.baseAddress! } ?? offset
            return (v, stop, overflow)
        }
    }

    /// Parses an unsigned number of at most `max` like iproute2's `get_u32` / `get_u16` (base 0:
    /// `0x` hex, leading `0` octal). Empty text, trailing junk, overflow and values above `max` fail.
    static func unsigned(_ text: String, max: UInt) -> UInt? {
        let bytes = Array(text.utf8CString)
        guard bytes.count > 1 else { return nil }
        let r = strtoul(bytes, from: 0, base: 0)
        // `bytes` ends with the NUL, so a full parse stops at count - 1.
        guard r.end != 0, r.end == bytes.count - 1 else { return nil }
        if r.value == UInt.max && r.overflow { return nil }
        guard r.value <= max else { return nil }
        return r.value
    }

    /// iproute2's `get_u32(&v, text, 0) == 0`.
    static func u32(_ text: String) -> UInt32? {
        unsigned(text, max: UInt(UInt32.max)).map { UInt32($0) }
    }

    /// iproute2's `get_u16(&v, text, 0) == 0`.
    static func u16(_ text: String) -> UInt16? {
        unsigned(text, max: UInt(UInt16.max)).map { UInt16($0) }
    }

    /// What `get_addr_1(addr, text, AF_UNSPEC)` yields.
    enum Address: Equatable {
        /// `any`, `all` or `default`: family AF_UNSPEC with no bytes, so `add tunnel` later reports the
        /// argument as missing, exactly as `ip l2tp` does.
        case unspecified
        /// An IPv4 or IPv6 address.
        case address(IPAddress)
    }

    /// iproute2's `get_addr_1(addr, text, AF_UNSPEC)`: the special words, IPv6 when the text holds a
    /// colon (inet_pton), otherwise the legacy IPv4 form (1 to 4 strtoul parts, so `10.8` is 10.8.0.0
    /// and `0x0a.1` is 10.1.0.0). Nil when the text is not an address.
    static func address(_ text: String) -> Address? {
        if text == "default" || text == "all" || text == "any" { return .unspecified }
        if text.utf8.contains(UInt8(ascii: ":")) {
            var a6 = in6_addr()
            guard inet_pton(AF_INET6, text, &a6) > 0 else { return nil }
            let bytes = withUnsafeBytes(of: a6) { Array($0) }
            return IPAddress(networkBytes: bytes).map { .address($0) }
        }
        let chars = Array(text.utf8CString)
        var parts: [UInt8] = [0, 0, 0, 0]
        var offset = 0
        for i in 0..<4 {
            let r = strtoul(chars, from: offset, base: 0)
            if r.value > 255 { return nil }
            if r.end == offset { return nil }
            parts[i] = UInt8(r.value)
            let next = chars[r.end]
            if next == 0 { break }
            if i == 3 || next != CChar(UInt8(ascii: ".")) { return nil }
            offset = r.end + 1
        }
        return .address(.v4(parts[0], parts[1], parts[2], parts[3]))
    }

    /// iproute2's `check_ifname(name) == 0` (the kernel's dev_valid_name): non-empty, shorter than
    /// IFNAMSIZ (16) bytes, no '/' and no C-locale whitespace.
    static func isValidInterfaceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count < 16 else { return false }
        for b in bytes {
            switch b {
            case UInt8(ascii: "/"), 0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d: return false
            default: continue
            }
        }
        return true
    }

    /// ipl2tp.c's `hex2mem`: `count` bytes from 2 * `count` hex digits; nil on a non-hex digit.
    static func hexBytes(_ text: String, count: Int) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count >= 2 * count else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            guard let hi = Hex.digitValue(digits[2 * i]), let lo = Hex.digitValue(digits[2 * i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }
}

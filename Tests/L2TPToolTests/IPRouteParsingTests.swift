// SPDX-License-Identifier: GPL-2.0-only
// The lib/utils.c argument primitives: strtoul-based numbers, legacy IPv4, IPv6, names and prefixes.

import L2TPWire
import Testing

@testable import L2TPTool

@Suite("iproute2 argument primitives")
struct IPRouteParsingTests {
    @Test func matchesIsNonEmptyPrefix() {
        #expect(IPRouteParsing.matches("a", "add"))
        #expect(IPRouteParsing.matches("add", "add"))
        #expect(!IPRouteParsing.matches("addx", "add"))
        #expect(!IPRouteParsing.matches("", "add"))
        #expect(!IPRouteParsing.matches("A", "add"))
    }

    @Test func u32() {
        #expect(IPRouteParsing.u32("42") == 42)
        #expect(IPRouteParsing.u32("0x2a") == 42)
        #expect(IPRouteParsing.u32("052") == 42)
        #expect(IPRouteParsing.u32(" 42") == 42)  // strtoul skips leading blanks
        #expect(IPRouteParsing.u32("+42") == 42)
        #expect(IPRouteParsing.u32("-0") == 0)
        #expect(IPRouteParsing.u32("4294967295") == UInt32.max)
        #expect(IPRouteParsing.u32("4294967296") == nil)
        #expect(IPRouteParsing.u32("-1") == nil)
        #expect(IPRouteParsing.u32("42 ") == nil)
        #expect(IPRouteParsing.u32("") == nil)
        #expect(IPRouteParsing.u32("0x") == nil)
        #expect(IPRouteParsing.u32("09") == nil)
    }

    @Test func u16() {
        #expect(IPRouteParsing.u16("65535") == 65535)
        #expect(IPRouteParsing.u16("0xffff") == 65535)
        #expect(IPRouteParsing.u16("65536") == nil)
    }

    @Test func addresses() {
        #expect(IPRouteParsing.address("192.168.1.1") == .address(.v4(192, 168, 1, 1)))
        #expect(IPRouteParsing.address("10.8") == .address(.v4(10, 8, 0, 0)))
        #expect(IPRouteParsing.address("10") == .address(.v4(10, 0, 0, 0)))
        #expect(IPRouteParsing.address("0x0a.010.0.1") == .address(.v4(10, 8, 0, 1)))
        #expect(IPRouteParsing.address("2001:db8::1") == .address(IPAddress("2001:db8::1")!))
        #expect(IPRouteParsing.address("::ffff:1.2.3.4") == .address(IPAddress("::ffff:1.2.3.4")!))
        #expect(IPRouteParsing.address("any") == .unspecified)
        #expect(IPRouteParsing.address("all") == .unspecified)
        #expect(IPRouteParsing.address("default") == .unspecified)
        #expect(IPRouteParsing.address("ANY") == nil)
        #expect(IPRouteParsing.address("256.0.0.1") == nil)
        #expect(IPRouteParsing.address("1.2.3.4.5") == nil)
        #expect(IPRouteParsing.address("1..2") == nil)
        #expect(IPRouteParsing.address("host.example") == nil)
        #expect(IPRouteParsing.address("fe80::1%eth0") == nil)
    }

    @Test func interfaceNames() {
        #expect(IPRouteParsing.isValidInterfaceName("l2tpeth0"))
        #expect(IPRouteParsing.isValidInterfaceName("012345678901234"))
        #expect(!IPRouteParsing.isValidInterfaceName("0123456789012345"))
        #expect(!IPRouteParsing.isValidInterfaceName(""))
        #expect(!IPRouteParsing.isValidInterfaceName("a/b"))
        #expect(!IPRouteParsing.isValidInterfaceName("a\u{0B}b"))
        // 15 bytes of UTF-8 is fine, 16 is not.
        #expect(IPRouteParsing.isValidInterfaceName("ééééééé1"))
        #expect(!IPRouteParsing.isValidInterfaceName("éééééééé"))
    }

    @Test func caseInsensitiveWords() {
        #expect(IPRouteParsing.equalsIgnoringCase("BoTh", "both"))
        #expect(!IPRouteParsing.equalsIgnoringCase("bot", "both"))
    }

    @Test func hexBytes() {
        #expect(IPRouteParsing.hexBytes("0A0b0C0d", count: 4) == [0x0a, 0x0b, 0x0c, 0x0d])
        #expect(IPRouteParsing.hexBytes("0a0b0c0g", count: 4) == nil)
    }
}

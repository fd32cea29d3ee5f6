// SPDX-License-Identifier: GPL-2.0-only
// Golden L2TP packets as hex, one header field per line, with what each one decodes to.
//
// UDP-form packets start at the L2TP flags word (UDP header removed); IP-form packets start at the
// session id (IPv4 header removed). Every UDP data packet is at least 14 bytes (L2TP_HDR_SIZE_MAX)
// unless it is the short-packet fixture. Payloads are 8 bytes a0…a7 so they are easy to spot.

import L2TPTestSupport
import L2TPWire
import Testing

/// Where the packet was received: after a UDP header or directly after an IPv4 header (protocol 115).
enum Form: String, Sendable {
    case udp
    case ip
}

/// What a packet header says, field by field, in the terms our parser reports them.
struct Decoded: Equatable, Sendable, CustomStringConvertible {
    enum Kind: String, Sendable {
        /// A data packet with all of its options present (and the cookie matching).
        case data
        /// T bit over UDP; session id 0 with T and L over IP.
        case control
        /// Not classifiable: short, or an IP session-0 packet that is not a valid control header.
        case unclassified
        /// A data packet whose cookie or sublayer runs past the end.
        case truncated
        /// A data packet whose cookie is not the session's.
        case cookieMismatch
    }

    var kind: Kind
    /// The Ver field; nil when the form has no flags word (IP data) or the packet was not classified.
    var version: UInt8? = nil
    /// L2TPv2 Tunnel ID.
    var tunnelID: UInt16? = nil
    /// L2TPv2 (16-bit) or L2TPv3 (32-bit) Session ID.
    var sessionID: UInt32? = nil
    /// Control Connection ID of an IP-form control message.
    var connectionID: UInt32? = nil
    /// v2 Ns, or the Default L2-Specific Sublayer sequence number when its S bit is set.
    var ns: UInt32? = nil
    /// The v3 cookie bytes.
    var cookie: [UInt8] = []
    /// Where the payload starts, from the first L2TP byte.
    var payloadOffset: Int? = nil

    var description: String {
        var parts = [kind.rawValue]
        if let version { parts.append("ver=\(version)") }
        if let tunnelID { parts.append("tid=\(tunnelID)") }
        if let sessionID { parts.append("sid=\(sessionID)") }
        if let connectionID { parts.append("ccid=\(connectionID)") }
        if let ns { parts.append("ns=\(ns)") }
        if !cookie.isEmpty { parts.append("cookie=\(cookie.hex)") }
        if let payloadOffset { parts.append("payload@\(payloadOffset)") }
        return parts.joined(separator: " ")
    }
}

/// How the kernel-format writers produce a fixture, when they can (they never set L, O or T).
enum Writer: Sendable {
    case v2(tunnelID: UInt16, sessionID: UInt16, ns: UInt16?)
    case v3(encap: EncapType, sessionID: UInt32, cookie: Cookie, l2spec: L2SpecType, ns: UInt32?)
}

/// What the tshark cross-check does with a fixture.
enum TSharkCheck: Sendable {
    /// tshark must decode the same T bit, version, ids, cookie and sequence number as our parser.
    case compare
    /// Only the T bit is compared (tshark dissects the rest differently from the kernel's rules).
    case tBitOnly
    /// tshark must not dissect the packet as L2TP at all (our parser reports a version that is not 2 or 3).
    case notL2TP
    /// Not cross-checked; the reason says why.
    case skip(String)
}

/// One golden packet.
struct Fixture: Sendable, CustomTestStringConvertible {
    let name: String
    let form: Form
    let bytes: [UInt8]
    /// The session's expected cookie (`peer_cookie`) and sublayer type, needed to parse v3 options.
    let cookie: Cookie
    let l2spec: L2SpecType
    /// What the header says, written out by hand from RFC 2661/3931 and the kernel's receive rules.
    let expect: Decoded
    let writer: Writer?
    let tshark: TSharkCheck

    init(
        _ name: String, _ form: Form, _ fields: [String], cookie: Cookie = .none, l2spec: L2SpecType = .none,
        expect: Decoded, writer: Writer? = nil, tshark: TSharkCheck = .compare
    ) {
        self.name = name
        self.form = form
        self.bytes = [UInt8](hexFields: fields)
        self.cookie = cookie
        self.l2spec = l2spec
        self.expect = expect
        self.writer = writer
        self.tshark = tshark
    }

    var testDescription: String { "\(form) \(name)" }
}

enum Fixtures {
    static let cookie4 = Cookie(bytes: [0x11, 0x22, 0x33, 0x44])!
    static let cookie8 = Cookie(bytes: [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08])!

    // MARK: L2TPv2 over UDP

    static let v2Data = Fixture(
        "v2 data, S clear", .udp,
        [
            "0002",  // flags: T=0 L=0 S=0 O=0 P=0, Ver=2
            "1234",  // Tunnel ID 0x1234 (the recipient's)
            "5678",  // Session ID 0x5678 (the recipient's)
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        expect: Decoded(kind: .data, version: 2, tunnelID: 0x1234, sessionID: 0x5678, payloadOffset: 6),
        writer: .v2(tunnelID: 0x1234, sessionID: 0x5678, ns: nil))

    static let v2DataSeq = Fixture(
        "v2 data, S set", .udp,
        [
            "0802",  // flags: S=1, Ver=2
            "1234",  // Tunnel ID
            "5678",  // Session ID
            "0102",  // Ns = 258
            "0000",  // Nr (reserved in data messages; the kernel writes 0)
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        expect: Decoded(kind: .data, version: 2, tunnelID: 0x1234, sessionID: 0x5678, ns: 258, payloadOffset: 10),
        writer: .v2(tunnelID: 0x1234, sessionID: 0x5678, ns: 0x0102))

    static let v2DataLengthSeqOffset = Fixture(
        "v2 data, L S O set", .udp,
        [
            "4a02",  // flags: L=1 S=1 O=1, Ver=2
            "0018",  // Length = 24, the whole L2TP packet
            "1234",  // Tunnel ID
            "5678",  // Session ID
            "fffe",  // Ns = 65534
            "0007",  // Nr = 7 (reserved in data messages, ignored)
            "0002",  // Offset Size = 2
            "eeee",  // offset pad
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        expect: Decoded(kind: .data, version: 2, tunnelID: 0x1234, sessionID: 0x5678, ns: 65534, payloadOffset: 16))

    static let v2DataLength = Fixture(
        "v2 data, L set", .udp,
        [
            "4002",  // flags: L=1, Ver=2
            "0010",  // Length = 16
            "1234",  // Tunnel ID
            "5678",  // Session ID
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        expect: Decoded(kind: .data, version: 2, tunnelID: 0x1234, sessionID: 0x5678, payloadOffset: 8))

    static let v2DataOffset = Fixture(
        "v2 data, O set", .udp,
        [
            "0202",  // flags: O=1, Ver=2
            "1234",  // Tunnel ID
            "5678",  // Session ID
            "0001",  // Offset Size = 1
            "ee",  // offset pad
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        expect: Decoded(kind: .data, version: 2, tunnelID: 0x1234, sessionID: 0x5678, payloadOffset: 9))

    static let v2Control = Fixture(
        "v2 control (T set)", .udp,
        [
            "c802",  // flags: T=1 L=1 S=1, Ver=2
            "0014",  // Length = 20
            "1234",  // Tunnel ID
            "0000",  // Session ID 0
            "0001",  // Ns
            "0002",  // Nr
            "8008",  // AVP: M=1, length 8
            "0000",  // AVP vendor id 0 (IETF)
            "0000",  // AVP attribute type 0 (Message Type)
            "0006",  // Message Type 6 (HELLO)
        ],
        expect: Decoded(kind: .control, version: 2))

    static let v2Short = Fixture(
        "v2 data, 13 bytes", .udp,
        [
            "0002",  // flags: Ver=2
            "1234",  // Tunnel ID
            "5678",  // Session ID
            "a0a1a2a3a4a5a6",  // payload: one byte short of L2TP_HDR_SIZE_MAX in total
        ],
        expect: Decoded(kind: .unclassified),
        tshark: .skip("tshark has no 14-byte rule; the kernel passes such packets to the socket unparsed"))

    // MARK: L2TPv3 over UDP

    static let v3UDPNoCookieSeqClear = Fixture(
        "v3 data, no cookie, default sublayer S clear", .udp,
        [
            "0003",  // flags: T=0, Ver=3
            "0000",  // reserved
            "0000abcd",  // Session ID 0xabcd
            "00000000",  // Default L2-Specific Sublayer: S=0 (sequence number not valid)
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        l2spec: .default,
        expect: Decoded(kind: .data, version: 3, sessionID: 0xabcd, payloadOffset: 12),
        writer: .v3(encap: .udp, sessionID: 0xabcd, cookie: .none, l2spec: .default, ns: nil))

    static let v3UDPNoCookieNoSublayer = Fixture(
        "v3 data, no cookie, no sublayer", .udp,
        [
            "0003",  // flags: Ver=3
            "0000",  // reserved
            "0000abcd",  // Session ID
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        expect: Decoded(kind: .data, version: 3, sessionID: 0xabcd, payloadOffset: 8),
        writer: .v3(encap: .udp, sessionID: 0xabcd, cookie: .none, l2spec: .none, ns: nil))

    static let v3UDPCookie4Seq = Fixture(
        "v3 data, 4-byte cookie, default sublayer S set", .udp,
        [
            "0003",  // flags: Ver=3
            "0000",  // reserved
            "0000abcd",  // Session ID
            "11223344",  // Cookie (4 bytes)
            "40000102",  // Default L2-Specific Sublayer: S=1, Sequence Number 258
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        cookie: cookie4, l2spec: .default,
        expect: Decoded(
            kind: .data, version: 3, sessionID: 0xabcd, ns: 258, cookie: [0x11, 0x22, 0x33, 0x44], payloadOffset: 16),
        writer: .v3(encap: .udp, sessionID: 0xabcd, cookie: cookie4, l2spec: .default, ns: 0x102))

    static let v3UDPCookie8NoSublayer = Fixture(
        "v3 data, 8-byte cookie, no sublayer", .udp,
        [
            "0003",  // flags: Ver=3
            "0000",  // reserved
            "0000abcd",  // Session ID
            "0102030405060708",  // Cookie (8 bytes)
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        cookie: cookie8,
        expect: Decoded(kind: .data, version: 3, sessionID: 0xabcd, cookie: cookie8.bytes, payloadOffset: 16),
        writer: .v3(encap: .udp, sessionID: 0xabcd, cookie: cookie8, l2spec: .none, ns: nil))

    static let v3UDPCookie8SeqMax = Fixture(
        "v3 data, 8-byte cookie, default sublayer S set, largest sequence number", .udp,
        [
            "0003",  // flags: Ver=3
            "0000",  // reserved
            "89abcdef",  // Session ID 0x89abcdef (all 32 bits are the id)
            "0102030405060708",  // Cookie (8 bytes)
            "40ffffff",  // Default L2-Specific Sublayer: S=1, Sequence Number 16777215 (2^24 - 1)
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        cookie: cookie8, l2spec: .default,
        expect: Decoded(
            kind: .data, version: 3, sessionID: 0x89ab_cdef, ns: 0xff_ffff, cookie: cookie8.bytes, payloadOffset: 20),
        writer: .v3(encap: .udp, sessionID: 0x89ab_cdef, cookie: cookie8, l2spec: .default, ns: 0xff_ffff))

    static let v3UDPControl = Fixture(
        "v3 control (T set)", .udp,
        [
            "c803",  // flags: T=1 L=1 S=1, Ver=3
            "0014",  // Length = 20
            "00000009",  // Control Connection ID 9
            "0001",  // Ns
            "0002",  // Nr
            "8008",  // AVP: M=1, length 8
            "0000",  // AVP vendor id 0 (IETF)
            "0000",  // AVP attribute type 0 (Message Type)
            "0006",  // Message Type 6 (HELLO)
        ],
        expect: Decoded(kind: .control, version: 3))

    static let udpVersion1 = Fixture(
        "Ver=1 (L2F)", .udp,
        [
            "0001",  // flags: Ver=1, reserved for L2F
            "0000",  // (would be reserved)
            "0000abcd",  // (would be the session id: the kernel looks it up, then finds the version wrong)
            "00000000",  // (would be the sublayer)
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        l2spec: .default,
        expect: Decoded(kind: .data, version: 1, sessionID: 0xabcd, payloadOffset: 12),
        tshark: .notL2TP)

    static let udpVersion4 = Fixture(
        "Ver=4 (unknown)", .udp,
        [
            "0004",  // flags: Ver=4
            "0000",  // (would be reserved)
            "0000abcd",  // (would be the session id)
            "00000000",  // (would be the sublayer)
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        l2spec: .default,
        expect: Decoded(kind: .data, version: 4, sessionID: 0xabcd, payloadOffset: 12),
        tshark: .notL2TP)

    // MARK: L2TPv3 over IP (protocol 115)

    static let v3IPNoCookieSeqClear = Fixture(
        "v3 data, no cookie, default sublayer S clear", .ip,
        [
            "0000abcd",  // Session ID 0xabcd
            "00000000",  // Default L2-Specific Sublayer: S=0
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        l2spec: .default,
        expect: Decoded(kind: .data, sessionID: 0xabcd, payloadOffset: 8),
        writer: .v3(encap: .ip, sessionID: 0xabcd, cookie: .none, l2spec: .default, ns: nil))

    static let v3IPCookie4Seq = Fixture(
        "v3 data, 4-byte cookie, default sublayer S set", .ip,
        [
            "0000abcd",  // Session ID
            "11223344",  // Cookie (4 bytes)
            "40000005",  // Default L2-Specific Sublayer: S=1, Sequence Number 5
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        cookie: cookie4, l2spec: .default,
        expect: Decoded(kind: .data, sessionID: 0xabcd, ns: 5, cookie: cookie4.bytes, payloadOffset: 12),
        writer: .v3(encap: .ip, sessionID: 0xabcd, cookie: cookie4, l2spec: .default, ns: 5))

    static let v3IPCookie8NoSublayer = Fixture(
        "v3 data, 8-byte cookie, no sublayer", .ip,
        [
            "0000abcd",  // Session ID
            "0102030405060708",  // Cookie (8 bytes)
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        cookie: cookie8,
        expect: Decoded(kind: .data, sessionID: 0xabcd, cookie: cookie8.bytes, payloadOffset: 12),
        writer: .v3(encap: .ip, sessionID: 0xabcd, cookie: cookie8, l2spec: .none, ns: nil))

    static let v3IPCookie8SeqClear = Fixture(
        "v3 data, 8-byte cookie, default sublayer S clear", .ip,
        [
            "00000001",  // Session ID 1
            "0102030405060708",  // Cookie (8 bytes)
            "00000000",  // Default L2-Specific Sublayer: S=0
            "a0a1a2a3a4a5a6a7",  // payload
        ],
        cookie: cookie8, l2spec: .default,
        expect: Decoded(kind: .data, sessionID: 1, cookie: cookie8.bytes, payloadOffset: 16),
        writer: .v3(encap: .ip, sessionID: 1, cookie: cookie8, l2spec: .default, ns: nil))

    static let v3IPControl = Fixture(
        "v3 control (session id 0, T and L set)", .ip,
        [
            "00000000",  // Session ID 0: control message
            "c803",  // control flags: T=1 L=1 S=1, Ver=3
            "000c",  // Length = 12 (a ZLB acknowledgement)
            "00000009",  // Control Connection ID 9
            "0001",  // Ns
            "0002",  // Nr
        ],
        expect: Decoded(kind: .control, version: 3, connectionID: 9))

    static let v3IPSessionZeroWithoutT = Fixture(
        "session id 0 without T", .ip,
        [
            "00000000",  // Session ID 0
            "4803",  // flags: T=0 L=1 S=1, Ver=3: not a control header, the kernel drops it
            "000c",  // Length = 12
            "00000009",  // (would be the Control Connection ID)
            "0001",  // Ns
            "0002",  // Nr
        ],
        expect: Decoded(kind: .unclassified),
        tshark: .tBitOnly)

    static let v3IPSessionZeroWithoutL = Fixture(
        "session id 0 without L", .ip,
        [
            "00000000",  // Session ID 0
            "8803",  // flags: T=1 L=0 S=1, Ver=3: the kernel requires T and L, and drops it
            "000c",  // (would be the Length)
            "00000009",  // (would be the Control Connection ID)
            "0001",  // Ns
            "0002",  // Nr
        ],
        expect: Decoded(kind: .unclassified),
        tshark: .skip("tshark treats any T=1 header as control; the kernel also requires L"))

    static let v3IPSessionZeroShort = Fixture(
        "session id 0, 11-byte control header", .ip,
        [
            "00000000",  // Session ID 0
            "c803",  // flags: T=1 L=1 S=1, Ver=3
            "000c",  // Length
            "00000009",  // Control Connection ID
            "0001",  // Ns
            "00",  // one byte of Nr: 11 bytes after the session id, the kernel needs 12
        ],
        expect: Decoded(kind: .unclassified),
        tshark: .skip("truncated; tshark reports it malformed"))

    static let ipShort = Fixture(
        "3 bytes", .ip,
        [
            "000001"  // three bytes of a session id
        ],
        expect: Decoded(kind: .unclassified),
        tshark: .skip("truncated"))

    static let all: [Fixture] = [
        v2Data, v2DataSeq, v2DataLengthSeqOffset, v2DataLength, v2DataOffset, v2Control, v2Short,
        v3UDPNoCookieSeqClear, v3UDPNoCookieNoSublayer, v3UDPCookie4Seq, v3UDPCookie8NoSublayer, v3UDPCookie8SeqMax,
        v3UDPControl, udpVersion1, udpVersion4,
        v3IPNoCookieSeqClear, v3IPCookie4Seq, v3IPCookie8NoSublayer, v3IPCookie8SeqClear, v3IPControl,
        v3IPSessionZeroWithoutT, v3IPSessionZeroWithoutL, v3IPSessionZeroShort, ipShort,
    ]

    static var written: [Fixture] { all.filter { $0.writer != nil } }
}

// SPDX-License-Identifier: GPL-2.0-only
// SESSION_CREATE in the order l2tp_nl_cmd_session_create checks it, the kernel's session id scoping,
// and the IFNAME / CONN_ID+SESSION_ID lookup of SESSION_DELETE, SESSION_MODIFY and SESSION_GET.

import Glibc
import L2TPControl
import L2TPCore
import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

/// SESSION_CREATE encoded with the codec, leaving out `omitted`.
private func sessionCreate(_ a: L2TPAttributes, omitting omitted: [L2TPAttr] = []) -> [UInt8] {
    Requests.make(.sessionCreate, a, order: L2TPMessageCodec.numericOrder.filter { !omitted.contains($0) })
}

@Suite("SESSION_CREATE")
struct SessionCreateTests {
    @Test("ip l2tp add session: ACK; the device is created, published, then attached")
    func created() throws {
        let f = Fixture()
        f.addTunnel(10)
        f.log.clear()
        f.expectSuccess(Requests.sessionCreate(10, 100, peer: 200))
        #expect(f.log.events == ["create session 10/100 l2tpeth0", "publish", "attach session 10/100"])
        let endpoint = try #require(f.eth.endpoint(10, 100))
        #expect(endpoint.tunnelEndpoint === f.udp.endpoint(10), "the session's own tunnel endpoint")
        let session = endpoint.session
        #expect(session.peerID == SessionID(200))
        #expect(session.pseudowireType == .eth)
        #expect(session.ifname == "l2tpeth0")
        #expect(session.device != nil)
        #expect(f.control.sessionCount == 1)
        #expect(f.datapath.table.sessionCount == 1)
    }

    @Test("A missing CONN_ID is EINVAL, before anything else")
    func missingConnID() {
        let f = Fixture()
        f.addTunnel(10)
        let request = sessionCreate(Requests.sessionAttributes(10, 100), omitting: [.connID, .sessionID, .pwType])
        expectError(f.send(request), answering: request, EINVAL, attribute: "L2TP_ATTR_CONN_ID")
    }

    @Test("An unknown tunnel is ENODEV, even when SESSION_ID and the rest are missing too")
    func unknownTunnel() {
        let f = Fixture()
        f.addTunnel(10)
        let complete = sessionCreate(Requests.sessionAttributes(11, 100))
        expectError(f.send(complete), answering: complete, ENODEV)
        let bare = Requests.make(.sessionCreate, Requests.ids(11))
        expectError(f.send(bare), answering: bare, ENODEV)
        #expect(f.eth.requestedNames.isEmpty)
    }

    @Test("A missing SESSION_ID, PEER_SESSION_ID or PW_TYPE is EINVAL, checked in that order", arguments: 0..<3)
    func missingRequired(index: Int) {
        let required: [L2TPAttr] = [.sessionID, .peerSessionID, .pwType]
        let f = Fixture()
        f.addTunnel(10)
        let alone = sessionCreate(Requests.sessionAttributes(10, 100), omitting: [required[index]])
        expectError(f.send(alone), answering: alone, EINVAL, attribute: required[index].cName)
        var rest = Requests.sessionAttributes(10, 100)
        rest.l2specType = 9  // would be EINVAL later
        let many = sessionCreate(rest, omitting: Array(required[index...]))
        expectError(f.send(many), answering: many, EINVAL, attribute: required[index].cName)
        #expect(f.eth.requestedNames.isEmpty)
        #expect(f.control.sessionCount == 0)
    }

    @Test("A PW_TYPE of 12 (__L2TP_PWTYPE_MAX) or more is EINVAL", arguments: [UInt16(12), 13, 0xffff])
    func pwTypeOutOfRange(pw: UInt16) {
        let f = Fixture()
        f.addTunnel(10)
        f.addV2Tunnel(20)
        for tunnel: UInt32 in [10, 20] {  // the range check comes before the v2 check
            var a = Requests.sessionAttributes(tunnel, 100)
            a.pwType = pw
            let request = sessionCreate(a)
            expectError(f.send(request), answering: request, EINVAL, attribute: "L2TP_ATTR_PW_TYPE")
        }
    }

    @Test("A pseudowire type nobody registered is EPROTONOSUPPORT",
          arguments: [PseudowireType.none, .ethVLAN, .ppp, .pppAC, .ip])
    func unregisteredPseudowire(pw: PseudowireType) {
        let f = Fixture()
        f.addTunnel(10)
        let request = sessionCreate(Requests.sessionAttributes(10, 100, pw: pw))
        expectError(f.send(request), answering: request, EPROTONOSUPPORT)
        #expect(f.eth.requestedNames.isEmpty)
    }

    @Test("In an L2TPv2 tunnel anything but PPP is EPROTONOSUPPORT; PPP goes to its factory without v3 options")
    func v2Tunnel() throws {
        let f = Fixture()
        let ppp = FakePseudowireFactory(log: f.log, namePrefix: "ppp")
        f.control.register(ppp, for: .ppp)
        f.addV2Tunnel(20)
        let eth = sessionCreate(Requests.sessionAttributes(20, 1))
        expectError(f.send(eth), answering: eth, EPROTONOSUPPORT)
        #expect(f.eth.requestedNames.isEmpty)
        // v3-only attributes are not even looked at: an invalid L2SPEC_TYPE passes, IFNAME and cookies are dropped.
        var a = Requests.sessionAttributes(20, 1, pw: .ppp)
        a.l2specType = 2
        a.ifname = "ignored0"
        a.cookie = [1, 2, 3, 4]
        a.peerCookie = [5, 6, 7, 8]
        let out = f.expectSuccess(sessionCreate(a))
        #expect(ppp.requestedNames == [nil])
        let session = try #require(ppp.session(20, 1))
        #expect(session.l2spec == .none)
        #expect(session.cookie.count == 0 && session.peerCookie.count == 0)
        let notified = try #require(decode(out.notifications[0])?.attributes)
        #expect(notified.cookie == nil && notified.peerCookie == nil)
        #expect(notified.ifname == "ppp0")
    }

    @Test("An L2SPEC_TYPE other than none (0) or default (1) is EINVAL", arguments: [UInt8(2), 0xff])
    func badL2Spec(l2spec: UInt8) {
        let f = Fixture()
        f.addTunnel(10)
        var a = Requests.sessionAttributes(10, 100)
        a.l2specType = l2spec
        let request = sessionCreate(a)
        expectError(f.send(request), answering: request, EINVAL, attribute: "L2TP_ATTR_L2SPEC_TYPE")
        #expect(f.eth.requestedNames.isEmpty)
    }

    @Test("Without L2SPEC_TYPE a v3 session uses the default sublayer; with 0 it has none")
    func defaultL2Spec() throws {
        let f = Fixture()
        f.addTunnel(10)
        f.expectSuccess(sessionCreate(Requests.sessionAttributes(10, 1)))
        var none = Requests.sessionAttributes(10, 2)
        none.l2specType = 0
        f.expectSuccess(sessionCreate(none))
        let withDefault = try #require(f.eth.session(10, 1))
        let withNone = try #require(f.eth.session(10, 2))
        #expect(withDefault.l2spec == .default)
        #expect(withDefault.headerLength == 12, "UDP flags, session id, sublayer")
        #expect(withNone.l2spec == .none)
        #expect(withNone.headerLength == 8)
    }

    @Test("Cookies of 1 to 8 bytes, IFNAME and the sequencing options reach the session")
    func options() throws {
        let f = Fixture()
        f.addTunnel(10)
        var a = Requests.sessionAttributes(10, 100)
        a.cookie = [0xaa, 0xbb, 0xcc]
        a.peerCookie = [1, 2, 3, 4, 5, 6, 7, 8]
        a.ifname = "pw0"
        a.recvSeq = 1
        a.sendSeq = 1
        a.lnsMode = 1
        a.recvTimeout = 250
        f.expectSuccess(sessionCreate(a))
        #expect(f.eth.requestedNames == ["pw0"])
        let s = try #require(f.eth.session(10, 100))
        #expect(s.cookie.bytes == [0xaa, 0xbb, 0xcc])
        #expect(s.peerCookie.bytes == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(s.ifname == "pw0")
        #expect(SessionSettings(s) == SessionSettings(recvSeq: true, sendSeq: true, lnsMode: true, reorderTimeout: 250))
    }

    @Test("A session id taken in the same tunnel is EEXIST, and no device is created")
    func duplicate() {
        let f = Fixture()
        f.addTunnel(10)
        f.addSession(10, 100)
        f.log.clear()
        let again = Requests.sessionCreate(10, 100, peer: 999, name: "other0")
        expectError(f.send(again), answering: again, EEXIST)
        #expect(f.eth.requestedNames == [nil])
        #expect(f.log.events.isEmpty)
        #expect(f.control.sessionCount == 1)
    }

    @Test("L2TPv3 session ids are global: UDP and UDP may share one, any IP tunnel involved is EEXIST",
          arguments: [
            (EncapType.udp, EncapType.udp, true),
            (.udp, .ip, false),
            (.ip, .udp, false),
            (.ip, .ip, false),
          ])
    func v3Scope(first: EncapType, second: EncapType, allowed: Bool) {
        let f = Fixture()
        f.addTunnel(10, encap: first)
        f.addTunnel(20, encap: second, local: "198.51.100.1", remote: "198.51.100.2")
        f.addSession(10, 100)
        let request = Requests.sessionCreate(20, 100, name: "second0")
        if allowed {
            f.expectSuccess(request)
            #expect(f.control.sessionCount == 2)
        } else {
            expectError(f.send(request), answering: request, EEXIST)
            #expect(f.eth.requestedNames == [nil], "checked before the device is created")
            #expect(f.control.sessionCount == 1)
        }
    }

    @Test("L2TPv2 session ids are per tunnel")
    func v2Scope() {
        let f = Fixture()
        f.control.register(FakePseudowireFactory(log: f.log, namePrefix: "ppp"), for: .ppp)
        f.addV2Tunnel(1)
        f.addV2Tunnel(2)
        f.expectSuccess(sessionCreate(Requests.sessionAttributes(1, 5, pw: .ppp)))
        f.expectSuccess(sessionCreate(Requests.sessionAttributes(2, 5, pw: .ppp)))
        let again = sessionCreate(Requests.sessionAttributes(2, 5, pw: .ppp))
        expectError(f.send(again), answering: again, EEXIST)
        #expect(f.control.sessionCount == 2)
    }

    @Test("A device that cannot be created (name in use: EEXIST) leaves nothing registered")
    func deviceFailure() {
        let f = Fixture()
        f.addTunnel(10)
        f.eth.interfaceNames.insert("eth0")
        f.log.clear()
        let request = Requests.sessionCreate(10, 100, name: "eth0")
        expectError(f.send(request), answering: request, EEXIST)
        #expect(f.log.events == ["create session 10/100 failed"])
        #expect(f.control.sessionCount == 0)
        #expect(f.datapath.table.sessionCount == 0)
        // Other failures pass through the same way.
        f.eth.failure = NetlinkError(ENFILE, "cannot open /dev/net/tun")
        let other = Requests.sessionCreate(10, 100)
        expectError(f.send(other), answering: other, ENFILE)
        // Nothing was left behind: the same id works with a free name.
        f.eth.failure = nil
        f.addSession(10, 100, name: "pw0")
        #expect(f.control.sessionCount == 1)
    }
}

@Suite("SESSION_DELETE, SESSION_MODIFY, SESSION_GET lookups")
struct SessionLookupTests {
    static let commands: [L2TPCommand] = [.sessionDelete, .sessionModify, .sessionGet]

    /// Tunnel 10 with sessions 100 (l2tpeth0) and 101 (l2tpeth1).
    static func fixture() -> Fixture {
        let f = Fixture()
        f.addTunnel(10)
        f.addSession(10, 100)
        f.addSession(10, 101)
        f.log.clear()
        return f
    }

    /// The session a successful request acted on, from its notification or reply.
    static func target(_ out: ControlOutput) -> UInt32? {
        guard let message = (out.notifications + out.replies).first, let decoded = try? L2TPMessageCodec.decode(message)
        else { return nil }
        return decoded.attributes.sessionID
    }

    @Test("Missing ids are ENODEV, not EINVAL: nothing, CONN_ID alone, SESSION_ID alone", arguments: commands)
    func missingIDs(command: L2TPCommand) {
        let f = Self.fixture()
        for a in [L2TPAttributes(), Requests.ids(10), Requests.ids(nil, 100)] {
            let request = Requests.make(command, a)
            expectError(f.send(request), answering: request, ENODEV)
        }
        #expect(f.control.sessionCount == 2)
    }

    @Test("Unknown ids or interface name are ENODEV", arguments: commands)
    func unknown(command: L2TPCommand) {
        let f = Self.fixture()
        for a in [Requests.ids(10, 102), Requests.ids(11, 100), Requests.ifname("l2tpeth9")] {
            let request = Requests.make(command, a)
            expectError(f.send(request), answering: request, ENODEV)
        }
        #expect(f.control.sessionCount == 2)
        #expect(f.log.events.isEmpty)
    }

    @Test("Found by CONN_ID and SESSION_ID", arguments: commands)
    func byIDs(command: L2TPCommand) {
        let f = Self.fixture()
        let out = f.send(Requests.make(command, Requests.ids(10, 101)))
        #expect(out.error == nil)
        #expect(Self.target(out) == 101)
    }

    @Test("Found by IFNAME across tunnels; IFNAME wins over the ids", arguments: commands)
    func byIfname(command: L2TPCommand) {
        let f = Self.fixture()
        f.addTunnel(20, local: "198.51.100.1", remote: "198.51.100.2")
        f.addSession(20, 7, name: "far0")
        var a = Requests.ifname("far0")
        a.connID = 10
        a.sessionID = 100
        let out = f.send(Requests.make(command, a))
        #expect(out.error == nil)
        #expect(Self.target(out) == 7)
        #expect(f.control.sessionCount == (command == .sessionDelete ? 2 : 3))
    }

    @Test("SESSION_MODIFY changes the sequencing options and reports them")
    func modify() throws {
        let f = Self.fixture()
        var a = Requests.ids(10, 100)
        a.recvSeq = 1
        a.sendSeq = 1
        a.lnsMode = 1
        a.recvTimeout = 40
        a.debug = 3
        let out = f.expectSuccess(Requests.make(.sessionModify, a, sequence: 8))
        let s = try #require(f.eth.session(10, 100))
        #expect(SessionSettings(s) == SessionSettings(recvSeq: true, sendSeq: true, lnsMode: true, reorderTimeout: 40,
                                                      debug: 3))
        let expected = Expected.session(
            10, 100, ifname: "l2tpeth0", recvSeq: 1, sendSeq: 1, lnsMode: 1, recvTimeout: 40)
        #expect(out.notifications == [
            Expected.sessionMessage(expected, .sessionModify, flags: NetlinkFlags.ack, sequence: 8)
        ])
        // Switching off again; the other session is untouched.
        var off = Requests.ids(10, 100)
        off.recvSeq = 0
        off.recvTimeout = 0
        f.expectSuccess(Requests.make(.sessionModify, off))
        #expect(SessionSettings(s) == SessionSettings(recvSeq: false, sendSeq: true, lnsMode: true, reorderTimeout: 0,
                                                      debug: 3))
        let other = try #require(f.eth.session(10, 101))
        #expect(SessionSettings(other) == SessionSettings())
    }
}

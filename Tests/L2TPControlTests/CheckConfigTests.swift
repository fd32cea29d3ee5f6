// SPDX-License-Identifier: GPL-2.0-only
// l2tpd CHECK_CONFIG: a configuration file passed as a descriptor, handed to the daemon's check, the
// verdict returned as text and an error count; privilege and descriptor rules.

import Glibc
import L2TPControl
import L2TPNetlink
import L2TPTestSupport
import Testing

@Suite("l2tpd CHECK_CONFIG")
struct CheckConfigTests {
    @Test("The passed descriptor and the file's name go to the check; its verdict comes back; the descriptor is taken")
    func verdict() throws {
        let f = Fixture()
        var seen: [(Int32, String)] = []
        f.control.configurationCheck = { fd, name in
            seen.append((fd, name))
            return ConfigurationCheck(errors: 2, report: "a.toml:3: x\na.toml:4: y")
        }
        var passed: Int32? = 77
        let request = L2TPDGenl.textRequest(.checkConfig, text: "/etc/l2tpd/a.toml", sequence: 5, portID: 0)
        let out = f.control.handle(request, from: Fixture.admin, passing: &passed)
        #expect(passed == nil, "the check owns the descriptor now")
        #expect(seen.count == 1 && seen.first?.0 == 77 && seen.first?.1 == "/etc/l2tpd/a.toml")
        #expect(out.error == nil && out.replies.count == 1)
        let reply = try #require(out.replies.first)
        #expect(L2TPDGenl.text(of: reply) == "a.toml:3: x\na.toml:4: y")
        #expect(L2TPDGenl.u32(.errors, of: reply) == 2)
        #expect(NetlinkHeader(reply)?.sequence == 5 && NetlinkHeader(reply)?.portID == Fixture.admin.portID)
        #expect(f.log.events.isEmpty, "a check changes nothing")
    }

    @Test("Without CAP_NET_ADMIN: EPERM; without a descriptor: EBADF; the check is not called")
    func refusals() {
        let f = Fixture()
        var called = false
        f.control.configurationCheck = { _, _ in
            called = true
            return ConfigurationCheck(errors: 0, report: "")
        }
        let request = L2TPDGenl.textRequest(.checkConfig, text: "a.toml", sequence: 1, portID: 0)
        var passed: Int32? = 5
        #expect(f.control.handle(request, from: Fixture.user, passing: &passed).error?.errno == EPERM)
        #expect(passed == 5, "a refused request leaves the descriptor with the caller")
        var none: Int32?
        #expect(f.control.handle(request, from: Fixture.admin, passing: &none).error?.errno == EBADF)
        #expect(!called)
    }
}

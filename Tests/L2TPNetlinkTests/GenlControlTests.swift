// SPDX-License-Identifier: GPL-2.0-only
// nlctrl: golden bytes, libnl's genl_ctrl_resolve run against our replies, and the running kernel's own nlctrl.

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import L2TPNetlink
import L2TPTestSupport
import Testing

@Suite("GenlControl (nlctrl)")
struct GenlControlTests {
    func expectBytes(_ ours: [UInt8], _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(ours == expected, "\nours:\n\(hexDump(ours))\nexpected:\n\(hexDump(expected))",
                sourceLocation: sourceLocation)
    }

    @Test("GETFAMILY request as libnl builds it")
    func getFamilyRequest() {
        expectBytes(GenlControl.getFamilyRequest(name: "l2tp", sequence: 0x6b01_fa8a, portID: 0x4c32),
                    hex("20000000 1000 0500 8afa016b 324c0000",  // len 32, GENL_ID_CTRL, REQUEST|ACK
                        "03 01 0000",  // CTRL_CMD_GETFAMILY, version 1
                        "0900 0200 6c327470 00 000000"))  // CTRL_ATTR_FAMILY_NAME "l2tp\0"
    }

    @Test("NEWFAMILY reply for l2tp in ctrl_fill_info order")
    func newFamilyReply() {
        func op(_ index: Int, _ command: UInt8, _ flags: UInt8) -> String {
            // nest i { CTRL_ATTR_OP_ID u32, CTRL_ATTR_OP_FLAGS u32 }
            "1400 0\(index)00 0800 0100 0\(command)000000 0800 0200 \(String(format: "%02x", flags))000000"
        }
        let expected = hex(
            "14010000 1000 0000 05000000 09000000",  // len 276, GENL_ID_CTRL, flags 0, seq 5, pid 9
            "01 02 0000",  // CTRL_CMD_NEWFAMILY, nlctrl version 2
            "0900 0200 6c327470 00 000000",  // CTRL_ATTR_FAMILY_NAME "l2tp"
            "0600 0100 326c 0000",  // CTRL_ATTR_FAMILY_ID = 0x6c32
            "0800 0300 01000000",  // CTRL_ATTR_VERSION = 1
            "0800 0400 00000000",  // CTRL_ATTR_HDRSIZE = 0
            "0800 0500 23000000",  // CTRL_ATTR_MAXATTR = 35
            "b800 0600",  // CTRL_ATTR_OPS, 184 bytes, no NLA_F_NESTED
            op(1, 0, 0x0a),  // NOOP: DO | HASPOL
            op(2, 1, 0x1a),  // TUNNEL_CREATE: UNS_ADMIN_PERM | DO | HASPOL
            op(3, 2, 0x1a),  // TUNNEL_DELETE
            op(4, 3, 0x1a),  // TUNNEL_MODIFY
            op(5, 4, 0x1e),  // TUNNEL_GET: also DUMP
            op(6, 5, 0x1a),  // SESSION_CREATE
            op(7, 6, 0x1a),  // SESSION_DELETE
            op(8, 7, 0x1a),  // SESSION_MODIFY
            op(9, 8, 0x1e),  // SESSION_GET: also DUMP
            "1c00 0700",  // CTRL_ATTR_MCAST_GROUPS, 28 bytes
            "1800 0100",  // group 1
            "0800 0200 326c0000",  // CTRL_ATTR_MCAST_GRP_ID = 0x6c32
            "0900 0100 6c327470 00 000000")  // CTRL_ATTR_MCAST_GRP_NAME "l2tp"
        let bytes = GenlControl.newFamilyReply(GenlControl.l2tp, sequence: 5, portID: 9)
        expectBytes(bytes, expected)
        #expect(GenlControl.parseNewFamily(bytes) == GenlControl.l2tp)
    }

    @Test("a family without ops or groups leaves both nests out")
    func bareFamily() {
        let family = GenlControl.Family(name: "x", id: 0x30, version: 2, headerSize: 4, maxAttribute: 1,
                                        operations: [], multicastGroups: [])
        let bytes = GenlControl.newFamilyReply(family, sequence: 1, portID: 2)
        expectBytes(bytes, hex("3c000000 1000 0000 01000000 02000000", "01 02 0000",
                               "0600 0200 7800 0000",  // FAMILY_NAME "x\0"
                               "0600 0100 3000 0000",  // FAMILY_ID 0x30
                               "0800 0300 02000000", "0800 0400 04000000", "0800 0500 01000000"))
        #expect(GenlControl.parseNewFamily(bytes) == family)
    }

    @Test("parseGetFamily: by name, by id, name wins, neither, other messages")
    func parseGetFamily() throws {
        #expect(try GenlControl.parseGetFamily(GenlControl.getFamilyRequest(name: "l2tp", sequence: 1, portID: 2))
                    == .name("l2tp"))
        let byID = genl(type: 0x10, command: 3, version: 1, tlv(1, le16(0x1c)))
        #expect(try GenlControl.parseGetFamily(byID) == .id(0x1c))
        let both = genl(type: 0x10, command: 3, tlv(2, Array("nlctrl".utf8) + [0]) + tlv(1, le16(0x1c)))
        #expect(try GenlControl.parseGetFamily(both) == .name("nlctrl"))
        #expect(throws: NetlinkError.self) { try GenlControl.parseGetFamily(genl(type: 0x10, command: 3, [])) }
        #expect(try GenlControl.parseGetFamily(genl(type: 0x1c, command: 3, [])) == nil)
        #expect(try GenlControl.parseGetFamily(genl(type: 0x10, command: 1, [])) == nil)
        #expect(try GenlControl.parseGetFamily([1, 2]) == nil)
    }

    @Test("parseGetFamily validates like ctrl_policy")
    func parseGetFamilyErrors() {
        func error(_ bytes: [UInt8]) -> NetlinkError? {
            do { _ = try GenlControl.parseGetFamily(bytes); return nil } catch { return error }
        }
        let short = error(genl(type: 0x10, command: 3, tlv(1, [0x1c])))
        #expect(short?.errno == ERANGE && short?.attributeOffset == 20)
        #expect(short?.message.hasPrefix("CTRL_ATTR_FAMILY_ID:") == true)
        let long = error(genl(type: 0x10, command: 3, tlv(2, Array("a-very-long-family-name".utf8) + [0])))
        #expect(long?.errno == EINVAL)
        #expect(long?.message.hasPrefix("CTRL_ATTR_FAMILY_NAME: longer than 15 bytes") == true)
        #expect(error(genl(type: 0x10, command: 3, [], length: 200))?.errno == EINVAL)
    }

    @Test("parseNewFamily refuses what is not a usable NEWFAMILY")
    func parseNewFamilyNil() {
        #expect(GenlControl.parseNewFamily(GenlControl.getFamilyRequest(name: "l2tp", sequence: 1, portID: 1)) == nil)
        #expect(GenlControl.parseNewFamily(genl(type: 0x10, command: 1, tlv(2, Array("x".utf8) + [0]))) == nil)
        #expect(GenlControl.parseNewFamily([]) == nil)
    }

    @Test("libnl's genl_ctrl_resolve and genl_ctrl_resolve_grp accept our NEWFAMILY reply")
    func libnlResolves() throws {
        let sandbox = try PreloadShim.Sandbox.shared.get()
        let resolver = try PreloadShim.compile(PreloadShim.resolverSource, named: "resolve-\(UUID().uuidString)",
                                               in: sandbox.directory,
                                               flags: ["-I/usr/include/libnl3", "-lnl-genl-3", "-lnl-3"])
        let (run, sent) = try sandbox.run(resolver, ["l2tp", "l2tp"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "\(L2TPGenl.familyID) \(L2TPGenl.multicastGroupID)\n")
        // Both lookups are GETFAMILY requests exactly as getFamilyRequest builds them.
        #expect(sent.count == 2)
        for message in sent {
            #expect(message.kind == "ctrl")
            let header = try #require(NetlinkHeader(message.bytes))
            #expect(message.bytes == GenlControl.getFamilyRequest(name: "l2tp", sequence: header.sequence,
                                                                  portID: PreloadShim.fakePortID))
        }
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Family lookup through nlctrl (CTRL_CMD_GETFAMILY), which libnl and iproute2 do before anything else.

import Glibc
import L2TPControl
import L2TPNetlink
import L2TPTestSupport
import Testing

@Suite("nlctrl: CTRL_CMD_GETFAMILY")
struct NlctrlTests {
    /// GETFAMILY by CTRL_ATTR_FAMILY_ID (u16), as `genl ctrl get id` sends it. Built by hand.
    static func getFamily(id: UInt16, sequence: UInt32) -> [UInt8] {
        le32(28) + le16(0x10) + le16(0x0005) + le32(sequence) + le32(0)
            + [3, 1, 0, 0]  // CTRL_CMD_GETFAMILY, version 1
            + le16(6) + le16(1) + le16(id) + [0, 0]  // CTRL_ATTR_FAMILY_ID
    }

    /// The l2tp family as the kernel's nlctrl describes it: ops 0...8, DO and HASPOL everywhere,
    /// GENL_UNS_ADMIN_PERM on all but NOOP, DUMP on the two GETs; one multicast group "l2tp".
    static let l2tpFamily = GenlControl.Family(
        name: "l2tp", id: 0x6c32, version: 1, headerSize: 0, maxAttribute: 35,
        operations: [
            (0, 0x0a), (1, 0x1a), (2, 0x1a), (3, 0x1a), (4, 0x1e), (5, 0x1a), (6, 0x1a), (7, 0x1a), (8, 0x1e),
        ],
        multicastGroups: [("l2tp", 0x6c32)])

    @Test("By name \"l2tp\": NEWFAMILY with the kernel's ops and group, then the ACK libnl asked for")
    func l2tpByName() throws {
        let f = Fixture()
        let request = GenlControl.getFamilyRequest(name: "l2tp", sequence: 41, portID: 0)
        let out = f.send(request)
        #expect(out.error == nil)
        #expect(out.notifications.isEmpty)
        try #require(out.replies.count == 2)
        let reply = out.replies[0]
        let header = try #require(NetlinkHeader(reply))
        #expect(header == NetlinkHeader(length: UInt32(reply.count), type: 0x10, flags: 0, sequence: 41,
                                        portID: Fixture.admin.portID))
        #expect(reply[16] == 1 && reply[17] == 2, "CTRL_CMD_NEWFAMILY, nlctrl version 2")
        #expect(GenlControl.parseNewFamily(reply) == Self.l2tpFamily)
        #expect(out.replies[1] == ackBytes(answering: request, portID: Fixture.admin.portID))
    }

    @Test("By name \"l2tpd\": exact NEWFAMILY bytes, without a multicast group")
    func l2tpdByName() {
        let f = Fixture()
        let request = GenlControl.getFamilyRequest(name: "l2tpd", sequence: 42, portID: 0)
        let out = f.send(request)
        let expected = hex("""
            bc000000 1000 0000 2a000000 34120000  // len 188, nlctrl, flags 0, seq 42, port 0x1234
            01 02 0000                            // CTRL_CMD_NEWFAMILY, version 2
            0a00 0200 6c327470 64000000           // FAMILY_NAME "l2tpd"
            0600 0100 336c 0000                   // FAMILY_ID 0x6c33
            0800 0300 01000000                    // VERSION 1
            0800 0400 00000000                    // HDRSIZE 0
            0800 0500 06000000                    // MAXATTR 6
            7c00 0600                             // OPS
            1400 0100                             //   op #1
            0800 0100 01000000                    //     OP_ID 1 (DEBUG_DUMP)
            0800 0200 12000000                    //     OP_FLAGS DO | UNS_ADMIN_PERM
            1400 0200                             //   op #2
            0800 0100 02000000                    //     OP_ID 2 (CONTROL_FRAME)
            0800 0200 02000000                    //     OP_FLAGS DO
            1400 0300                             //   op #3
            0800 0100 03000000                    //     OP_ID 3 (SET_PORT)
            0800 0200 02000000                    //     OP_FLAGS DO
            1400 0400                             //   op #4
            0800 0100 04000000                    //     OP_ID 4 (ADD_MEMBERSHIP)
            0800 0200 02000000                    //     OP_FLAGS DO
            1400 0500                             //   op #5
            0800 0100 05000000                    //     OP_ID 5 (DROP_MEMBERSHIP)
            0800 0200 02000000                    //     OP_FLAGS DO
            1400 0600                             //   op #6
            0800 0100 06000000                    //     OP_ID 6 (CHECK_CONFIG)
            0800 0200 12000000                    //     OP_FLAGS DO | UNS_ADMIN_PERM
            """)
        #expect(out.replies == [expected, ackBytes(answering: request, portID: Fixture.admin.portID)],
                "\(out.replies.map(hexDump))")
    }

    @Test("By id, for both families; nlctrl needs no privilege", arguments: [(UInt16(0x6c32), "l2tp"), (0x6c33, "l2tpd")])
    func byID(id: UInt16, name: String) throws {
        let f = Fixture()
        let request = Self.getFamily(id: id, sequence: 43)
        let out = f.send(request, as: Fixture.user)
        #expect(out.error == nil)
        try #require(out.replies.count == 2)
        let family = try #require(GenlControl.parseNewFamily(out.replies[0]))
        #expect(family.name == name)
        #expect(family.id == id)
        #expect(NetlinkHeader(out.replies[0])?.portID == Fixture.user.portID)
        #expect(out.replies[1] == ackBytes(answering: request, portID: Fixture.user.portID))
    }

    @Test("An unknown name is ENOENT with an extack message")
    func unknownName() {
        let f = Fixture()
        let request = GenlControl.getFamilyRequest(name: "nl80211", sequence: 44, portID: 0)
        expectError(f.send(request), answering: request, ENOENT)
    }

    @Test("An unknown id is ENOENT with an extack message")
    func unknownID() {
        let f = Fixture()
        let request = Self.getFamily(id: 0x42, sequence: 45)
        expectError(f.send(request), answering: request, ENOENT)
    }

    @Test("A message for an unknown family id is ENOENT (genl_rcv_msg)")
    func unknownFamilyID() {
        let f = Fixture()
        var request = Requests.tunnelDelete(1)
        request[4] = 0x55
        expectError(f.send(request), answering: request, ENOENT)
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Every number and path the preload library (C) shares with the Swift code, checked against the Swift
// definition, so that changing one side alone fails here.

import CL2TPPreload
import L2TPDaemon
import L2TPNetlink
import L2TPTool
import Testing

@Suite("Constants shared by the preload library and the Swift code")
struct SharedConstantTests {
    @Test("family ids: L2TPD_PRELOAD_FAMILY_L2TP / _L2TPD are the ids l2tpd hands out")
    func familyIDs() {
        #expect(L2TPD_PRELOAD_FAMILY_L2TP == L2TPGenl.familyID)
        #expect(L2TPD_PRELOAD_FAMILY_L2TPD == L2TPDGenl.familyID)
        // And the ones l2tpd's nlctrl answers carry.
        #expect(L2TPD_PRELOAD_FAMILY_L2TP == GenlControl.l2tp.id)
        #expect(L2TPD_PRELOAD_FAMILY_L2TPD == L2TPDGenl.family.id)
    }

    @Test("L2TPD_PRELOAD_GROUP_L2TP is the `l2tp` multicast group's id")
    func multicastGroup() throws {
        #expect(L2TPD_PRELOAD_GROUP_L2TP == L2TPGenl.multicastGroupID)
        let group = try #require(GenlControl.l2tp.multicastGroups.first { $0.name == L2TPGenl.multicastGroup })
        #expect(L2TPD_PRELOAD_GROUP_L2TP == group.id)
    }

    @Test("the `l2tpd` family's commands and attributes the library sends")
    func l2tpdFamily() {
        #expect(L2TPD_PRELOAD_CMD_CONTROL_FRAME == L2TPDGenl.Command.controlFrame.rawValue)
        #expect(L2TPD_PRELOAD_CMD_SET_PORT == L2TPDGenl.Command.setPort.rawValue)
        #expect(L2TPD_PRELOAD_CMD_ADD_MEMBERSHIP == L2TPDGenl.Command.addMembership.rawValue)
        #expect(L2TPD_PRELOAD_CMD_DROP_MEMBERSHIP == L2TPDGenl.Command.dropMembership.rawValue)
        #expect(L2TPD_PRELOAD_ATTR_PORT == L2TPDGenl.Attr.port.rawValue)
        #expect(L2TPD_PRELOAD_ATTR_GROUP == L2TPDGenl.Attr.group.rawValue)
    }

    @Test("the kernel constants of parse.c: GENL_ID_CTRL, L2TP_CMD_TUNNEL_CREATE, L2TP_ATTR_FD")
    func kernelConstants() {
        #expect(L2TPD_PRELOAD_NLCTRL_TYPE == NetlinkMessageType.genlControl)
        #expect(L2TPD_PRELOAD_L2TP_CMD_TUNNEL_CREATE == L2TPCommand.tunnelCreate.rawValue)
        #expect(L2TPD_PRELOAD_L2TP_ATTR_FD == L2TPAttr.fd.rawValue)
    }

    @Test("L2TPD_PRELOAD_DEFAULT_SOCKET is where l2tpd listens and l2tp connects by default")
    func defaultSocket() {
        #expect(L2TPD_PRELOAD_DEFAULT_SOCKET == DaemonOptions().controlSocket)
        #expect(L2TPD_PRELOAD_DEFAULT_SOCKET == L2TPToolMain.defaultSocketPath)
    }

    @Test("L2TPD_PRELOAD_PRIVATE_PID is no port the kernel autobinds, so no program's ACK is taken for it")
    func privatePID() {
        // No Swift counterpart: l2tpd echoes nlmsg_pid without looking at it. A libnl program puts its
        // socket's port in nlmsg_pid; netlink_autobind gives a socket the thread group id (at most
        // PID_MAX_LIMIT, 4,194,304) or else a negative id from -4097 down.
        #expect(L2TPD_PRELOAD_PRIVATE_PID > 4_194_304)
        #expect(Int32(bitPattern: L2TPD_PRELOAD_PRIVATE_PID) > -4097)
    }
}

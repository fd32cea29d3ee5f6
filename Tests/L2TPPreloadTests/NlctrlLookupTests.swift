// SPDX-License-Identifier: GPL-2.0-only
// Which nlctrl family lookups (CTRL_CMD_GETFAMILY) the preload library sends to l2tpd and which to the kernel.

import L2TPNetlink
import Testing

@Suite("nlctrl lookups: l2tpd_preload_classify / classify_nlctrl")
struct NlctrlLookupTests {
    typealias P = PreloadParser
    let name = Lookup.nameAttr
    let id = Lookup.idAttr

    @Test("the lookup builders reproduce the captured iproute2, genl and libnl bytes")
    func buildersMatchCaptures() {
        #expect(Lookup.ipResolve("l2tp") == Captured.ipResolveL2TP)
        #expect(Lookup.genlGetID(0x6c33) == Captured.genlGetID)
        #expect(Lookup.libnlResolve("l2tp") == Captured.libnlResolveL2TP)
    }

    @Test("the captured lookups of l2tp and l2tpd go to l2tpd; the captured dumps go to the kernel")
    func captured() {
        #expect(P.classify(Captured.ipResolveL2TP) == .l2tp)
        #expect(P.classify(Captured.libnlResolveL2TP) == .l2tp)
        #expect(P.classify(Captured.genlGetID) == .l2tpd)
        #expect(P.classify(Captured.genlList) == .kernel)
        #expect(P.classify(Captured.libnlDump) == .kernel)
    }

    @Test("a lookup of \"l2tp\" by name goes to l2tpd, without the l2tpd family flag", arguments: NameLookup.allCases)
    func l2tpByName(_ form: NameLookup) {
        #expect(P.classify(form.request("l2tp")) == .l2tp)
    }

    @Test("a lookup of \"l2tpd\" by name goes to l2tpd and marks the l2tpd family", arguments: NameLookup.allCases)
    func l2tpdByName(_ form: NameLookup) {
        #expect(P.classify(form.request("l2tpd")) == .l2tpd)
    }

    @Test("lookups of other families by name go to the kernel",
          arguments: NameLookup.allCases, ["nl80211", "nlctrl", "", "l2t", "l2tpx", "l2tpdd", "L2TP"])
    func foreignByName(_ form: NameLookup, _ family: String) {
        #expect(P.classify(form.request(family)) == .kernel)
    }

    @Test("lookups by id: l2tpd's two ids go to l2tpd, any other id to the kernel")
    func byID() {
        #expect(P.classify(Lookup.genlGetID(L2TPGenl.familyID)) == .l2tp)
        #expect(P.classify(Lookup.genlGetID(L2TPDGenl.familyID)) == .l2tpd)
        for foreign: UInt16 in [0x10, 0x1c, 0x42, 0x6c31, 0x6c34, 0x326c, 0xffff] {
            #expect(P.classify(Lookup.genlGetID(foreign)) == .kernel, "id \(foreign)")
        }
    }

    @Test("the name wins over the id, whichever comes first, as in the kernel's ctrl_getfamily")
    func nameWinsOverID() {
        let l2tpID = Bytes.attribute(id, Bytes.u16(L2TPGenl.familyID))
        let l2tpdID = Bytes.attribute(id, Bytes.u16(L2TPDGenl.familyID))
        let foreignID = Bytes.attribute(id, Bytes.u16(0x1c))
        let foreignName = Bytes.attribute(name, Bytes.name("nl80211"))
        #expect(P.classify(Lookup.custom(foreignName + l2tpID)) == .kernel)
        #expect(P.classify(Lookup.custom(l2tpdID + foreignName)) == .kernel)
        #expect(P.classify(Lookup.custom(foreignID + Bytes.attribute(name, Bytes.name("l2tp")))) == .l2tp)
        #expect(P.classify(Lookup.custom(Bytes.attribute(name, Bytes.name("l2tp")) + l2tpdID)) == .l2tp)
        #expect(P.classify(Lookup.custom(l2tpID + Bytes.attribute(name, Bytes.name("l2tpd")))) == .l2tpd)
        // An empty name is still a name (the kernel then answers EINVAL or ENOENT).
        #expect(P.classify(Lookup.custom(Bytes.attribute(name, []) + l2tpID)) == .kernel)
    }

    @Test("of two names the last counts, as nla_parse keeps the last")
    func lastNameWins() {
        let l2tp = Bytes.attribute(name, Bytes.name("l2tp"))
        let other = Bytes.attribute(name, Bytes.name("nl80211"))
        #expect(P.classify(Lookup.custom(l2tp + other)) == .kernel)
        #expect(P.classify(Lookup.custom(other + l2tp)) == .l2tp)
    }

    @Test("a GETFAMILY dump lists the kernel's families: it goes to the kernel even when it names l2tp")
    func dumpGoesToKernel() {
        let l2tp = Bytes.attribute(name, Bytes.name("l2tp"))
        #expect(P.classify(Lookup.custom(l2tp, flags: NetlinkFlags.request | NetlinkFlags.dump)) == .kernel)
        #expect(P.classify(Lookup.custom(Bytes.attribute(id, Bytes.u16(L2TPDGenl.familyID)),
                                         flags: NetlinkFlags.request | NetlinkFlags.ack | NetlinkFlags.dump))
                == .kernel)
        // NLM_F_DUMP is NLM_F_ROOT | NLM_F_MATCH; either bit alone is not a dump, for the kernel either.
        #expect(P.classify(Lookup.custom(l2tp, flags: NetlinkFlags.request | NetlinkFlags.root)) == .l2tp)
        #expect(P.classify(Lookup.custom(l2tp, flags: NetlinkFlags.request | NetlinkFlags.match)) == .l2tp)
    }

    @Test("nlctrl commands other than GETFAMILY go to the kernel")
    func otherCommands() {
        let l2tp = Bytes.attribute(name, Bytes.name("l2tp"))
        for command: UInt8 in [0, GenlControl.commandNewFamily, 2, 4, 10 /* CTRL_CMD_GETPOLICY */] {
            #expect(P.classify(Lookup.custom(l2tp, command: command)) == .kernel, "command \(command)")
        }
    }

    @Test("a GETFAMILY naming no family goes to the kernel")
    func noAttributes() {
        #expect(P.classify(Lookup.custom([])) == .kernel)
        #expect(P.classify(Lookup.custom(Bytes.attribute(3 /* CTRL_ATTR_VERSION */, Bytes.u32(1)))) == .kernel)
    }

    @Test("messages shorter than nlmsghdr + genlmsghdr go to the kernel")
    func shorterThanHeaders() {
        let full = Lookup.ipResolve("l2tp")
        for length in 16...19 {
            #expect(P.classify(Array(full.prefix(length))) == .kernel, "nlmsg_len \(length)")
            #expect(P.classifyNlctrl(Array(full.prefix(length))) == .kernel, "nlmsg_len \(length)")
        }
        // A 20-byte header alone holds no name.
        #expect(P.classify(full, length: 20) == .kernel)
    }

    @Test("the name is not NUL-terminated in the attribute: its bytes up to nla_len or a NUL decide")
    func unterminatedName() {
        #expect(P.classify(Lookup.custom(Bytes.attribute(name, Array("l2tp".utf8)))) == .l2tp)
        #expect(P.classify(Lookup.custom(Bytes.attribute(name, Array("l2tpd".utf8)))) == .l2tpd)
        #expect(P.classify(Lookup.custom(Bytes.attribute(name, Array("l2tp\0junk".utf8)))) == .l2tp)
        // nla_len 6 covers "l2" only, although the bytes after it spell the rest.
        #expect(P.classify(Lookup.custom(Bytes.attribute(name, Array("l2tp".utf8), length: 6))) == .kernel)
    }

    @Test("NLA_F_NESTED and NLA_F_NET_BYTEORDER are masked off the attribute type")
    func typeFlagsMasked() {
        #expect(P.classify(Lookup.custom(Bytes.attribute(name | 0x8000, Bytes.name("l2tp")))) == .l2tp)
        #expect(P.classify(Lookup.custom(Bytes.attribute(name | 0x4000, Bytes.name("l2tpd")))) == .l2tpd)
        #expect(P.classify(Lookup.custom(Bytes.attribute(id | 0xc000, Bytes.u16(L2TPGenl.familyID)))) == .l2tp)
    }

    @Test("an id attribute shorter than a u16 is ignored")
    func shortID() {
        #expect(P.classify(Lookup.custom(Bytes.attribute(id, [0x32]))) == .kernel)
        #expect(P.classify(Lookup.custom(Bytes.attribute(id, Bytes.u16(L2TPGenl.familyID), length: 5))) == .kernel)
        // A longer one counts by its first two bytes.
        #expect(P.classify(Lookup.custom(Bytes.attribute(id, Bytes.u32(UInt32(L2TPGenl.familyID))))) == .l2tp)
    }

    @Test("an attribute with nla_len < 4 ends the walk: what follows is not seen")
    func attributeShorterThanItsHeader() {
        let l2tp = Bytes.attribute(name, Bytes.name("l2tp"))
        for bad: UInt16 in 0...3 {
            let broken = Bytes.u16(bad) + Bytes.u16(3) + Bytes.u32(0)
            #expect(P.classify(Lookup.custom(broken + l2tp)) == .kernel, "nla_len \(bad)")
            // What came before is kept.
            #expect(P.classify(Lookup.custom(l2tp + broken)) == .l2tp, "nla_len \(bad)")
        }
    }

    @Test("an attribute running past nlmsg_len ends the walk")
    func attributePastTheEnd() {
        let l2tp = Bytes.attribute(name, Bytes.name("l2tp"))
        #expect(P.classify(Lookup.custom(Bytes.attribute(name, Bytes.name("l2tp"), length: 13))) == .kernel)
        #expect(P.classify(Lookup.custom(Bytes.attribute(name, Bytes.name("l2tp"), length: 0xffff))) == .kernel)
        #expect(P.classify(Lookup.custom(l2tp + Bytes.attribute(name, Bytes.name("nl80211"), length: 200))) == .l2tp)
        // nlmsg_len cuts the name attribute short: bytes after nlmsg_len are not looked at.
        let full = Lookup.custom(l2tp)
        #expect(P.classify(full, length: full.count - 4) == .kernel)
        #expect(P.classify(full, length: 23) == .kernel)
        // A tail of fewer than 4 bytes after the last attribute is ignored.
        #expect(P.classify(Lookup.custom(l2tp + [0xff, 0xff])) == .l2tp)
    }

    @Test("classify hands nlctrl messages to classify_nlctrl unchanged",
          arguments: [Captured.ipResolveL2TP, Captured.genlGetID, Captured.genlList, Captured.libnlResolveL2TP,
                      Lookup.ipResolve("nl80211"), Lookup.genlGetName("l2tpd"), Lookup.custom([])])
    func dispatch(_ message: [UInt8]) {
        #expect(P.classify(message) == P.classifyNlctrl(message))
    }

    @Test("messages of the l2tp and l2tpd families go to l2tpd whatever they hold; other types to the kernel")
    func byType() {
        #expect(P.classify(L2TPRequest.tunnelDump()) == .l2tp)
        #expect(P.classify(L2TPDGenl.request(.debugDump, sequence: 1, portID: 0)) == .l2tpd)
        // The type alone decides: a bare 16-byte header of either family.
        #expect(P.classify(Bytes.u32(16) + Bytes.u16(L2TPGenl.familyID) + Bytes.u16(1) + Bytes.u32(1) + Bytes.u32(0))
                == .l2tp)
        #expect(P.classify(Bytes.u32(16) + Bytes.u16(L2TPDGenl.familyID) + Bytes.u16(1) + Bytes.u32(1) + Bytes.u32(0))
                == .l2tpd)
        // An l2tp request with a kernel family id (as the kernel would allocate it), NLMSG_NOOP, a genl
        // message that merely carries GETFAMILY's command and a name "l2tp".
        let lookalike = Bytes.genl(type: 0x1c, flags: NetlinkFlags.request, command: GenlControl.commandGetFamily,
                                   version: 1, attributes: Bytes.attribute(name, Bytes.name("l2tp")))
        #expect(P.classify(IPRouteRequest.tunnelDump(tunnelID: nil, familyID: 0x1c, sequence: 1)) == .kernel)
        #expect(P.classify(Bytes.genl(type: NetlinkMessageType.noop, flags: 0, command: 0, version: 0)) == .kernel)
        #expect(P.classify(lookalike) == .kernel)
    }
}

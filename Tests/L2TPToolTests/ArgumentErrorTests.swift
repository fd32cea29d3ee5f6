// SPDX-License-Identifier: GPL-2.0-only
// Every usage and argument error, with iproute2's exact wording on stderr and its exit status.

import Testing

@testable import L2TPTool

@Suite("Argument errors")
struct ArgumentErrorTests {
    static let usage = Usage.l2tp

    /// Runs `line` and expects nothing on stdout, `stderr` on stderr and `status`.
    func expectError(_ line: String, _ stderr: String, status: Int32 = 255, sourceLocation: SourceLocation = #_sourceLocation) {
        let daemon = FakeDaemon()
        let r = l2tp(line, daemon: daemon)
        #expect(r == RunResult(status: status, standardOutput: "", standardError: stderr), sourceLocation: sourceLocation)
        #expect(daemon.requests.isEmpty, "no l2tp request may be sent", sourceLocation: sourceLocation)
    }

    @Test func usageTextIsIproute2sWithTheCommandName() {
        // ip/ipl2tp.c usage() with "ip l2tp" replaced by "l2tp", then l2tp's own verbs and help in
        // the same style: every verb the CLI accepts.
        let expected = """
            Usage: l2tp add tunnel
                      remote ADDR local ADDR
                      tunnel_id ID peer_tunnel_id ID
                      [ encap { ip | udp } ]
                      [ udp_sport PORT ] [ udp_dport PORT ]
                      [ udp_csum { on | off } ]
                      [ udp6_csum_tx { on | off } ]
                      [ udp6_csum_rx { on | off } ]
            Usage: l2tp add session [ name NAME ]
                      tunnel_id ID
                      session_id ID peer_session_id ID
                      [ cookie HEXSTR ] [ peer_cookie HEXSTR ]
                      [ seq { none | send | recv | both } ]
                      [ l2spec_type L2SPEC ]
                   l2tp del tunnel tunnel_id ID
                   l2tp del session tunnel_id ID session_id ID
                   l2tp show tunnel [ tunnel_id ID ]
                   l2tp show session [ tunnel_id ID ] [ session_id ID ]
                   l2tp monitor
                   l2tp debug dump
                   l2tp help

            Where: NAME   := STRING
                   ADDR   := { IP_ADDRESS | any }
                   PORT   := { 0..65535 }
                   ID     := { 1..4294967295 }
                   HEXSTR := { 8 or 16 hex digits (4 / 8 bytes) }
                   L2SPEC := { none | default }

            """
        #expect(Usage.l2tp == expected)
    }

    @Test func usageListsEveryVerb() {
        // The verbs ToolRun.object dispatches on, each in its shortest full form.
        for verb in ["add tunnel", "add session", "del tunnel", "del session", "show tunnel", "show session",
                     "monitor", "debug dump", "help"] {
            #expect(Usage.l2tp.contains("l2tp \(verb)"), "\(verb) is missing from l2tp help")
        }
    }

    @Test(arguments: ["", "help", "h", "he", "hel"])
    func helpAndNoArgumentsPrintUsageWithoutContactingTheDaemon(line: String) {
        let r = l2tp(line, daemon: nil)
        #expect(r == RunResult(status: 255, standardOutput: "", standardError: Self.usage))
    }

    @Test(arguments: [
        "add", "del", "show", "add help", "add tunnel help", "show session h", "del tunnel tunnel_id 1 help",
    ])
    func usageFromVerbs(line: String) {
        expectError(line, Self.usage)
    }

    @Test func unknownVerb() {
        expectError("foo", "Command \"foo\" is unknown, try \"l2tp help\".\n")
        expectError("helpme", "Command \"helpme\" is unknown, try \"l2tp help\".\n")
    }

    @Test func emptyVerbIsUnknown() {
        let r = runL2TP([""], daemon: FakeDaemon()).result
        #expect(r == RunResult(status: 255, standardOutput: "", standardError: "Command \"\" is unknown, try \"l2tp help\".\n"))
    }

    @Test func unknownKeyword() {
        expectError("add tunnel foo", "Unknown command: foo\n" + Self.usage)
        expectError("show tunnel Tunnel_id 1", "Unknown command: Tunnel_id\n" + Self.usage)
    }

    @Test(arguments: [
        "add tunnel tunnel_id", "add tunnel tid", "add tunnel peer_tunnel_id", "add tunnel ptid",
        "add session session_id", "add session sid", "add session peer_session_id", "add session psid",
        "add tunnel encap", "add session name", "add tunnel remote", "add tunnel local", "add tunnel udp_sport",
        "add tunnel udp_dport", "add tunnel udp_csum", "add tunnel udp6_csum_rx", "add tunnel udp6_csum_tx",
        "add session cookie", "add session peer_cookie", "add session l2spec_type", "add session seq",
    ])
    func incompleteCommand(line: String) {
        expectError(line, "Command line is not complete. Try option \"help\"\n")
    }

    @Test func offsetsAreIgnoredButNeedAValue() {
        expectError("add session offset", "Ignoring option \"offset\"\nCommand line is not complete. Try option \"help\"\n")
        expectError(
            "add session peer_offset", "Ignoring option \"peer_offset\"\nCommand line is not complete. Try option \"help\"\n")
        expectError(
            "add session offset 8 peer_offset 8",
            "Ignoring option \"offset\"\nIgnoring option \"peer_offset\"\nError: argument \"tunnel_id\" is required\n")
    }

    @Test(arguments: [
        "abc", "", "-1", "4294967296", "0x100000000", "12abc", "1.5", "08", "99999999999999999999999",
    ])
    func invalidIDs(value: String) {
        for keyword in ["tunnel_id", "tid", "peer_tunnel_id", "ptid", "session_id", "sid", "peer_session_id", "psid"] {
            let r = runL2TP(["add", "session", keyword, value], daemon: FakeDaemon()).result
            #expect(r == RunResult(
                status: 255, standardOutput: "",
                standardError: "Error: argument \"\(value)\" is wrong: invalid ID\n\n"))
        }
    }

    @Test(arguments: ["65536", "-1", "x", "0x10000", "1e3"])
    func invalidPorts(value: String) {
        expectError("add tunnel udp_sport \(value)", "Error: argument \"\(value)\" is wrong: invalid port\n\n")
        expectError("add tunnel udp_dport \(value)", "Error: argument \"\(value)\" is wrong: invalid port\n\n")
    }

    @Test func invalidEncapsulation() {
        expectError("add tunnel encap UDP", "Unknown tunnel encapsulation \"UDP\"\n")
        expectError("add tunnel encap ipv6", "Unknown tunnel encapsulation \"ipv6\"\n")
    }

    @Test(arguments: ["0123456789abcdef", "a/b", "a b", "tab\there"])
    func invalidInterfaceNames(name: String) {
        let r = runL2TP(["add", "session", "name", name], daemon: FakeDaemon()).result
        #expect(r == RunResult(
            status: 255, standardOutput: "",
            standardError: "Error: argument \"\(name)\" is wrong: \"name\" not a valid ifname\n"))
    }

    @Test func emptyInterfaceName() {
        let r = runL2TP(["add", "session", "name", ""], daemon: FakeDaemon()).result
        #expect(r.standardError == "Error: argument \"\" is wrong: \"name\" not a valid ifname\n")
        #expect(r.status == 255)
    }

    @Test(arguments: ["bogus", "1.2.3.256", "1.2.3.4.5", "1.2.3.", "::g", "10.0.0.1/24", ""])
    func invalidAddressesExitOne(value: String) {
        // get_addr() prints and calls exit(1) itself, before parse_args' invarg() could run.
        for keyword in ["remote", "local"] {
            let r = runL2TP(["add", "tunnel", keyword, value], daemon: FakeDaemon()).result
            #expect(r == RunResult(
                status: 1, standardOutput: "",
                standardError: "Error: any valid address is expected rather than \"\(value)\".\n"))
        }
    }

    @Test func onOffOptions() {
        expectError("add tunnel udp_csum yes", "Error: argument \"yes\" is wrong: invalid option for udp_csum\n\n")
        expectError("add tunnel udp_csum ON", "Error: argument \"ON\" is wrong: invalid option for udp_csum\n\n")
        expectError("add tunnel udp6_csum_rx 1", "Error: argument \"1\" is wrong: invalid option for udp6_csum_rx\n\n")
        expectError("add tunnel udp6_csum_tx 0", "Error: argument \"0\" is wrong: invalid option for udp6_csum_tx\n\n")
    }

    @Test(arguments: ["cookie", "peer_cookie"])
    func invalidCookies(keyword: String) {
        expectError("add session \(keyword) 123", "Error: argument \"123\" is wrong: cookie must be either 8 or 16 hex digits\n\n")
        expectError(
            "add session \(keyword) 0123456789", "Error: argument \"0123456789\" is wrong: cookie must be either 8 or 16 hex digits\n\n")
        expectError("add session \(keyword) 1234567g", "Error: argument \"1234567g\" is wrong: cookie must be a hex string\n\n")
        expectError(
            "add session \(keyword) 0x345678abcdef0", "Error: argument \"0x345678abcdef0\" is wrong: cookie must be either 8 or 16 hex digits\n\n")
        expectError(
            "add session \(keyword) 0x12345678abcdef", "Error: argument \"0x12345678abcdef\" is wrong: cookie must be a hex string\n\n")
    }

    @Test func invalidL2SpecAndSeq() {
        expectError("add session l2spec_type udp", "Unknown layer2specific header type \"udp\"\n")
        expectError("add session seq all", "Unknown seq value \"all\"\n")
    }

    // MARK: missing arguments, in do_add's order

    @Test func addMissingArguments() {
        expectError("add tunnel_id 1", "Error: argument \"tunnel or session\" is required\n")
        expectError("add tunnel", "Error: argument \"tunnel_id\" is required\n")
        expectError("add session", "Error: argument \"tunnel_id\" is required\n")
        expectError("add session tunnel_id 1", "Error: argument \"peer_session_id\" is required\n")
        expectError("add session tunnel_id 1 peer_session_id 2", "Error: argument \"session_id\" is required\n")
        expectError("add tunnel tunnel_id 1", "Error: argument \"peer_tunnel_id\" is required\n")
        expectError("add tunnel tunnel_id 1 peer_tunnel_id 2", "Error: argument \"local\" is required\n")
        expectError(
            "add tunnel tunnel_id 1 peer_tunnel_id 2 local 10.0.0.1", "Error: argument \"remote\" is required\n")
        expectError(
            "add tunnel tunnel_id 1 peer_tunnel_id 2 local 10.0.0.1 remote 10.0.0.2",
            "Error: argument \"udp_sport\" is required\n")
        expectError(
            "add tunnel tunnel_id 1 peer_tunnel_id 2 local 10.0.0.1 remote 10.0.0.2 udp_sport 1701",
            "Error: argument \"udp_dport\" is required\n")
        expectError(
            "add tunnel session tunnel_id 1 peer_tunnel_id 2 session_id 3",
            "Error: argument \"peer_session_id\" is required\n")
        expectError("add tunnel tunnel_id 0x0 peer_tunnel_id 2", "Error: argument \"tunnel_id\" is required\n")
    }

    @Test(arguments: ["any", "all", "default"])
    func specialAddressWordsCountAsMissing(word: String) {
        // get_addr_1 gives these AF_UNSPEC with no bytes, so do_add reports the address as missing.
        expectError(
            "add tunnel tunnel_id 1 peer_tunnel_id 2 local \(word) remote 10.0.0.2 encap ip",
            "Error: argument \"local\" is required\n")
        expectError(
            "add tunnel tunnel_id 1 peer_tunnel_id 2 local 10.0.0.1 remote \(word) encap ip",
            "Error: argument \"remote\" is required\n")
    }

    @Test func deleteMissingArguments() {
        expectError("del tunnel_id 1", "Error: argument \"tunnel or session\" is required\n")
        expectError("del tunnel", "Error: argument \"tunnel_id\" is required\n")
        expectError("delete session tunnel_id 1", "Error: argument \"session_id\" is required\n")
        expectError("d tunnel session tunnel_id 1", "Error: argument \"session_id\" is required\n")
    }

    @Test func showMissingObject() {
        expectError("show", Self.usage)
        expectError("show tunnel_id 1", "Error: argument \"tunnel or session\" is required\n")
        expectError("list session_id 1", "Error: argument \"tunnel or session\" is required\n")
    }
}

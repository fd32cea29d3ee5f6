// SPDX-License-Identifier: GPL-2.0-only
// The options before the verb: ip.c's prefix matching, -V, -help, unknown options and the socket path.

import Glibc
import Testing

@testable import L2TPTool

@Suite("Global options")
struct GlobalOptionTests {
    func parse(_ line: String) -> (GlobalOptions, GlobalOptions.Outcome)? {
        var diagnostics = ""
        return try? GlobalOptions.parse(line.split(separator: " ").map(String.init), diagnostics: &diagnostics)
    }

    @Test func prefixesFollowIPsOrder() throws {
        let (o, outcome) = try #require(parse("-s -st -stat -statistics -o -onel -j -js -p -pr --json show tunnel"))
        #expect(o.statistics == 4)
        #expect(o.oneline == 2)
        #expect(o.json == 3)
        #expect(o.pretty == 2)
        #expect(outcome == .command(["show", "tunnel"]))
    }

    @Test func socketOption() throws {
        let (o1, c1) = try #require(parse("--socket /tmp/a.sock show tunnel"))
        #expect(o1.socketPath == "/tmp/a.sock")
        #expect(c1 == .command(["show", "tunnel"]))
        let (o2, _) = try #require(parse("-so /tmp/b.sock -s show tunnel"))
        #expect(o2.socketPath == "/tmp/b.sock")
        #expect(o2.statistics == 1)
    }

    @Test func doubleDashEndsOptions() throws {
        let (o, c) = try #require(parse("-j -- -s show"))
        #expect(o.json == 1)
        #expect(o.statistics == 0)
        #expect(c == .command(["-s", "show"]))
    }

    @Test func version() {
        let r = l2tp("-V", daemon: nil)
        #expect(r == RunResult(status: 0, standardOutput: "l2tp utility, l2tpd-\(L2TPToolMain.version)\n", standardError: ""))
        #expect(l2tp("-Version show tunnel", daemon: nil).status == 0)
        #expect(l2tp("--Vers", daemon: nil).status == 0)
    }

    @Test(arguments: ["-h", "-help", "--help", "-he"])
    func help(option: String) {
        let r = l2tp("\(option) show tunnel", daemon: nil)
        #expect(r == RunResult(status: 255, standardOutput: "", standardError: Usage.options))
    }

    @Test func unknownOptions() {
        #expect(l2tp("-x show tunnel", daemon: nil)
            == RunResult(status: 255, standardOutput: "", standardError: "Option \"-x\" is unknown, try \"l2tp -help\".\n"))
        // ip.c reads "--opt" as "-opt", and reports it that way.
        #expect(l2tp("--details show tunnel", daemon: nil).standardError
            == "Option \"-details\" is unknown, try \"l2tp -help\".\n")
        #expect(l2tp("-v", daemon: nil).standardError == "Option \"-v\" is unknown, try \"l2tp -help\".\n")
        #expect(l2tp("-jsonx show tunnel", daemon: nil).status == 255)
    }

    @Test func socketWithoutValuePrintsUsage() {
        #expect(l2tp("--socket", daemon: nil) == RunResult(status: 255, standardOutput: "", standardError: Usage.options))
    }

    @Test func socketPathPrecedence() {
        let env = [L2TPToolMain.socketEnvironmentVariable: "/tmp/env.sock"]
        let (_, io1) = runL2TP(["show", "tunnel"], daemon: FakeDaemon())
        #expect(io1.connectedPaths == ["/run/l2tpd/control.sock"])
        let (_, io2) = runL2TP(["show", "tunnel"], daemon: FakeDaemon(), environment: env)
        #expect(io2.connectedPaths == ["/tmp/env.sock"])
        let (_, io3) = runL2TP(["--socket", "/tmp/opt.sock", "show", "tunnel"], daemon: FakeDaemon(), environment: env)
        #expect(io3.connectedPaths == ["/tmp/opt.sock"])
        let (_, io4) = runL2TP(["show", "tunnel"], daemon: FakeDaemon(), environment: [L2TPToolMain.socketEnvironmentVariable: ""])
        #expect(io4.connectedPaths == ["/run/l2tpd/control.sock"])
    }

    @Test func optionsAfterTheVerbAreArguments() {
        let r = l2tp("show -j tunnel", daemon: FakeDaemon())
        #expect(r == RunResult(status: 255, standardOutput: "", standardError: "Unknown command: -j\n" + Usage.l2tp))
    }
}

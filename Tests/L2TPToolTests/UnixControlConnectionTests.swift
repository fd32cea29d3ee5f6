// SPDX-License-Identifier: GPL-2.0-only
// The real transport over a kernel SOCK_SEQPACKET socketpair: datagram boundaries, end of stream, and
// connect errors naming the socket path.

import Glibc
import L2TPNetlink
import Testing

@testable import L2TPTool

/// A ToolIO whose connection is one end of a socketpair; the test plays l2tpd on the other end.
private struct SocketPairIO: ToolIO {
    var standardOutput = ""
    var standardError = ""
    var clientFD: Int32

    mutating func write(_ text: String, to stream: ToolStream) {
        if stream == .standardOutput { standardOutput += text } else { standardError += text }
    }

    mutating func connect(socketPath path: String) throws(DaemonError) -> any DaemonConnection {
        UnixControlConnection(connectedDescriptor: clientFD)
    }

    mutating func initialSequence() -> UInt32 { 1000 }
}

@Suite("Unix control connection")
struct UnixControlConnectionTests {
    /// A connected SOCK_SEQPACKET pair: (client, daemon).
    func socketPair() throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        let r = socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &fds)
        try #require(r == 0)
        return (fds[0], fds[1])
    }

    func send(_ fd: Int32, _ bytes: [UInt8]) {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        #expect(n == bytes.count)
    }

    /// Every datagram waiting on `fd`.
    func drain(_ fd: Int32) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n <= 0 { return out }
            out.append(Array(buffer[0..<n]))
        }
    }

    @Test func dumpOverARealSocket() throws {
        let (client, daemon) = try socketPair()
        defer { close(daemon) }
        // l2tpd's answers are queued before the CLI runs; SOCK_SEQPACKET keeps their boundaries.
        send(daemon, GenlControl.newFamilyReply(GenlControl.l2tp, sequence: 1001, portID: 9))
        let replies = FakeDaemon().dumpReply(
            [Fixture.udp4Tunnel, Fixture.ipTunnel], command: .tunnelGet, sequence: 1002)
        for datagram in replies { send(daemon, datagram) }

        var io = SocketPairIO(clientFD: client)
        let status = L2TPToolMain.run(arguments: ["show", "tunnel"], environment: [:], io: &io)
        #expect(status == 0)
        #expect(io.standardError == "")
        #expect(io.standardOutput == GoldenTextTests.udp4TunnelText + "Tunnel 1, encap IP\n  From 10.0.0.1 to 10.0.0.2\n  Peer tunnel 2\n")
        let sent = drain(daemon)
        #expect(sent == [
            GenlControl.getFamilyRequest(name: "l2tp", sequence: 1001, portID: 0),
            IPRouteRequest.tunnelDump(tunnelID: nil, familyID: GenlControl.l2tp.id, sequence: 1002),
        ])
    }

    @Test func daemonClosingTheSocketIsReported() throws {
        let (client, daemon) = try socketPair()
        // l2tpd on its own thread: answer the lookup, read the request, hang up without answering.
        var thread = pthread_t()
        let r = pthread_create(&thread, nil, hangUpAfterLookup, UnsafeMutableRawPointer(bitPattern: Int(daemon) + 1))
        try #require(r == 0)
        var io = SocketPairIO(clientFD: client)
        let status = L2TPToolMain.run(arguments: ["del", "tunnel", "tunnel_id", "1"], environment: [:], io: &io)
        pthread_join(thread, nil)
        #expect(status == 2)
        #expect(io.standardOutput == "")
        #expect(io.standardError == "Error: l2tpd at /run/l2tpd/control.sock closed the connection\n")
    }

    @Test func connectErrorsNameThePath() throws {
        let path = "/tmp/l2tp-cli-test-\(getpid())-absent.sock"
        #expect(throws: DaemonError.transport(errno: ENOENT)) { try UnixControlConnection(path: path) }
        var io = StandardIOWithoutOutput()
        let status = L2TPToolMain.run(arguments: ["--socket", path, "show", "tunnel"], environment: [:], io: &io)
        #expect(status == 1)
        #expect(io.standardError == "Error: cannot reach l2tpd at \(path): No such file or directory\n")
    }
}

/// The daemon side of `daemonClosingTheSocketIsReported`: `arg` is the descriptor plus one.
private func hangUpAfterLookup(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let fd = Int32(Int(bitPattern: arg) - 1)
    var buffer = [UInt8](repeating: 0, count: 65536)
    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    if n >= 16, let header = NetlinkHeader(buffer[0..<n]) {
        let reply = GenlControl.newFamilyReply(GenlControl.l2tp, sequence: header.sequence, portID: 9)
        _ = reply.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        _ = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    }
    close(fd)
    return nil
}

/// StandardIO's real connect with captured output.
private struct StandardIOWithoutOutput: ToolIO {
    var real = StandardIO()
    var standardError = ""

    mutating func write(_ text: String, to stream: ToolStream) {
        if stream == .standardError { standardError += text }
    }

    mutating func connect(socketPath path: String) throws(DaemonError) -> any DaemonConnection {
        try real.connect(socketPath: path)
    }

    mutating func initialSequence() -> UInt32 { real.initialSequence() }
}

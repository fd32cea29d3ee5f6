// SPDX-License-Identifier: GPL-2.0-only
// GenlControl and NetlinkAck compared byte for byte with what the running kernel's nlctrl sends.

#if canImport(Glibc)
import Glibc
#endif
import L2TPNetlink
import L2TPTestSupport
import Testing

/// A NETLINK_GENERIC socket to the running kernel, for comparing our bytes with the kernel's.
struct KernelNetlink: ~Copyable {
    let fd: Int32

    init(options: [Int32] = []) throws {
        fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 16 /* NETLINK_GENERIC */)
        guard fd >= 0 else { throw NetlinkError(errno, "socket(AF_NETLINK, NETLINK_GENERIC)") }
        var one: Int32 = 1
        for option in options {
            setsockopt(fd, 270 /* SOL_NETLINK */, option, &one, 4)
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { throw NetlinkError(errno, "send to the kernel") }
    }

    func receive() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw NetlinkError(errno, "recv from the kernel") }
        return Array(buffer.prefix(count))
    }

    /// The port id the kernel bound the socket to (after the first send).
    var portID: UInt32 {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return withUnsafeBytes(of: address) { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) }
    }
}

@Suite("GenlControl and NetlinkAck against the running kernel's nlctrl")
struct KernelControlTests {
    @Test("the kernel's NEWFAMILY for nlctrl parses, and re-encodes to the same bytes; its ACK too")
    func nlctrlFamily() throws {
        let kernel = try KernelNetlink()
        let request = GenlControl.getFamilyRequest(name: "nlctrl", sequence: 41, portID: 0)
        try kernel.send(request)
        let replies = try splitNetlinkMessages(kernel.receive())
        let reply = try #require(replies.first)
        let family = try #require(GenlControl.parseNewFamily(reply))
        #expect(family.name == "nlctrl")
        #expect(family.id == NetlinkMessageType.genlControl)
        #expect(family.version == 2)
        #expect(family.operations.contains { $0.id == UInt32(GenlControl.commandGetFamily) })
        #expect(family.multicastGroups.first.map { $0.name == "notify" && $0.id == 0x10 } == true)
        let port = try #require(NetlinkHeader(reply)).portID
        let ours = GenlControl.newFamilyReply(family, sequence: 41, portID: port)
        #expect(ours == reply, "\nours:\n\(hexDump(ours))\nkernel:\n\(hexDump(reply))")

        let ack = try replies.count > 1 ? replies[1] : kernel.receive()
        #expect(ack == NetlinkAck.encode(answering: request, error: nil, portID: port))
        #expect(NetlinkAck.parse(ack)?.errno == 0)
    }

    @Test("the kernel's ENOENT for an unknown family equals ours, uncapped and capped")
    func unknownFamily() throws {
        for capped in [false, true] {
            let kernel = try KernelNetlink(options: capped ? [10 /* NETLINK_CAP_ACK */] : [])
            let request = GenlControl.getFamilyRequest(name: "l2tpd-none", sequence: 7, portID: 0)
            try kernel.send(request)
            let reply = try kernel.receive()
            let port = kernel.portID
            let ours = NetlinkAck.encode(answering: request, error: NetlinkError(ENOENT), portID: port, capped: capped)
            #expect(ours == reply, "capped \(capped)\nours:\n\(hexDump(ours))\nkernel:\n\(hexDump(reply))")
            #expect(NetlinkAck.parse(reply)?.errno == ENOENT)
        }
    }

    @Test("a name without NUL: kernel extack and parseGetFamily agree on errno and offset")
    func malformedName() throws {
        let kernel = try KernelNetlink(options: [11 /* NETLINK_EXT_ACK */])
        let request = genl(type: 0x10, flags: 0x05, sequence: 3, command: 3, version: 1, tlv(2, Array("l2tp".utf8)))
        try kernel.send(request)
        let reply = try kernel.receive()
        let parsed = try #require(NetlinkAck.parse(reply))
        #expect(parsed.errno == EINVAL)
        #expect(parsed.message?.isEmpty == false)
        #expect(parsed.offset == 20)
        do {
            _ = try GenlControl.parseGetFamily(request)
            Issue.record("parseGetFamily accepted a name without NUL")
        } catch {
            #expect(error.errno == parsed.errno)
            #expect(error.attributeOffset == parsed.offset)
        }
    }
}

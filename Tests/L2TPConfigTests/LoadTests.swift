// SPDX-License-Identifier: GPL-2.0-only
// Reading configuration files from disk: success, unreadable files, encodings.

#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import L2TPConfig

@Suite("Loading files")
struct LoadTests {
    /// Writes `bytes` to a new file in a fresh temporary directory and returns its path.
    func temporaryFile(_ bytes: [UInt8]) throws -> String {
        var template = Array("/tmp/l2tpd-config-test-XXXXXX".utf8CString)
        let dir = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        let path = dir + "/l2tpd.toml"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
        return path
    }

    func remove(_ path: String) {
        unlink(path)
        rmdir(String(path.dropLast("/l2tpd.toml".count)))
    }

    @Test func loadsTheExample() throws {
        let path = try temporaryFile(Array(ExampleConfig.text.utf8))
        defer { remove(path) }
        let config = try ConfigLoader.load(path: path)
        #expect(config == (try ConfigLoader.parse(ExampleConfig.text, path: path)))
        #expect(config.path == path)
    }

    /// Docs/examples/l2tpd.toml, found from this file's path.
    static let shippedExample: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/L2TPConfigTests/LoadTests.swift
        return parts.joined(separator: "/") + "/Docs/examples/l2tpd.toml"
    }()

    @Test(.enabled(if: access(shippedExample, R_OK) == 0, "Docs/examples/l2tpd.toml is not there"))
    func theShippedExampleLoads() throws {
        let config = try ConfigLoader.load(path: Self.shippedExample)
        #expect(!config.tunnels.isEmpty)
        #expect(try !ReloadPlanner.plan(desired: config, current: CurrentState()).isEmpty)
    }

    @Test func errorsNameThePathAsGiven() throws {
        let path = try temporaryFile(Array("[daemon]\nworkers = 0\n".utf8))
        defer { remove(path) }
        #expect {
            try ConfigLoader.load(path: path)
        } throws: { error in
            (error as? ConfigErrors)?.description
                == "\(path):2: workers: 0 is out of range; workers is 1...256 datapath threads (leave it out for one per CPU)"
        }
    }

    @Test func missingFile() {
        #expect {
            try ConfigLoader.load(path: "/nonexistent/l2tpd.toml")
        } throws: { error in
            (error as? ConfigErrors)?.errors == [
                ConfigError(path: "/nonexistent/l2tpd.toml", line: 0, message: "cannot read: No such file or directory")
            ]
        }
        #expect {
            try ConfigLoader.load(path: "/")
        } throws: { error in
            (error as? ConfigErrors)?.description == "/: cannot read: Is a directory"
        }
    }

    @Test func invalidUTF8NamesItsLine() throws {
        let path = try temporaryFile(Array("[daemon]\nlog_level = \"".utf8) + [0xFF, 0xFE] + Array("\"\n".utf8))
        defer { remove(path) }
        #expect {
            try ConfigLoader.load(path: path)
        } throws: { error in
            (error as? ConfigErrors)?.description == "\(path):2: not valid UTF-8; a configuration file is UTF-8 text"
        }
    }

    @Test func byteOrderMarkAndCRLF() throws {
        let text = "\u{FEFF}" + ExampleConfig.text.replacingOccurrences("\n", "\r\n")
        let path = try temporaryFile(Array(text.utf8))
        defer { remove(path) }
        var config = try ConfigLoader.load(path: path)
        config.path = "l2tpd.toml"
        #expect(config == GoldenParseTests.expected)
    }
}

@Suite("Loading from a descriptor")
struct DescriptorLoadTests {
    @Test("A passed descriptor is read from where it stands; a pipe is refused at once instead of read")
    func descriptors() throws {
        let path = "/tmp/l2tpd-descriptor-\(getpid()).toml"
        let text = "[[tunnel]]\ntunnel_id = 1\npeer_tunnel_id = 2\nlocal = \"192.0.2.1\"\nremote = \"192.0.2.2\"\nudp_sport = 1\nudp_dport = 2\n"
        let fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0o600)
        try #require(fd >= 0)
        defer { close(fd); unlink(path) }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        lseek(fd, 0, SEEK_SET)
        let config = try ConfigLoader.load(descriptor: fd, path: "passed.toml")
        #expect(config.tunnels.map(\.id) == [1])

        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }  // the write end stays open: a read would block
        #expect {
            try ConfigLoader.load(descriptor: ends[0], path: "pipe")
        } throws: { error in
            (error as? ConfigErrors)?.errors.map(\.description) == ["pipe: not a regular file; a configuration file is a file"]
        }
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Test harness: an LD_PRELOAD shim, compiled with `cc` at test time, that fakes NETLINK_GENERIC sockets.
//
// How the capture works:
// 1. `socket(AF_NETLINK, *, NETLINK_GENERIC)` returns one end of an AF_UNIX datagram socketpair; the
//    shim keeps the other end to queue replies. Every other socket (the NETLINK_ROUTE socket `ip`
//    opens at start-up) is left alone.
// 2. `setsockopt` and `bind` on the fake socket succeed without doing anything; `getsockname` reports
//    AF_NETLINK with port id 0x4c32 (`fakePortID`).
// 3. `sendmsg` / `send` / `sendto` on the fake socket walk the netlink messages and, for each:
//    - nlctrl CTRL_CMD_GETFAMILY: log it as "ctrl <hex>", queue the NEWFAMILY template from
//      $L2TP_SHIM_FAMILY_REPLY (made by `GenlControl.newFamilyReply`), plus an ACK if NLM_F_ACK;
//    - family $L2TP_SHIM_FAMILY_ID: log it as "l2tp <hex>", then queue $L2TP_SHIM_L2TP_REPLY if given,
//      else NLMSG_DONE for a dump, else an ACK if NLM_F_ACK.
//    Templates get the request's nlmsg_seq and the fake port id patched in; an NLMSG_ERROR template
//    also gets the request's nlmsghdr copied into its echoed header.
// 4. `recvmsg` / `recvfrom` read the queued reply and report the kernel (AF_NETLINK, port 0) as sender,
//    which iproute2 and libnl check.
// Log lines go to $L2TP_SHIM_CAPTURE, one message per line.

import Foundation
import L2TPNetlink
import L2TPTestSupport

enum PreloadShim {
    static let fakePortID: UInt32 = 0x4c32

    /// The shim's C source.
    static let source = #"""
        // Test-only LD_PRELOAD shim: fakes NETLINK_GENERIC sockets with an AF_UNIX socketpair.
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <errno.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <sys/uio.h>
        #include <unistd.h>
        #include <linux/netlink.h>
        #include <linux/genetlink.h>

        #define FAKE_PORT 0x4c32u
        #define MAX_FD 4096
        static int peer_of[MAX_FD]; /* 0: not ours; otherwise the reply end's fd + 1 */

        static int is_fake(int fd) { return fd >= 0 && fd < MAX_FD && peer_of[fd] != 0; }
        static void *real(const char *name) { return dlsym(RTLD_NEXT, name); }
        static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
        static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
        static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
        static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

        static unsigned env_uint(const char *name, unsigned dflt) {
            const char *v = getenv(name);
            return v ? (unsigned)strtoul(v, NULL, 0) : dflt;
        }

        static void record(const char *kind, const uint8_t *msg, uint32_t len) {
            const char *path = getenv("L2TP_SHIM_CAPTURE");
            if (!path) return;
            FILE *f = fopen(path, "a");
            if (!f) return;
            fprintf(f, "%s ", kind);
            for (uint32_t i = 0; i < len; i++) fprintf(f, "%02x", msg[i]);
            fprintf(f, "\n");
            fclose(f);
        }

        static long load(const char *env, uint8_t *buf, size_t cap) {
            const char *path = getenv(env);
            if (!path) return -1;
            FILE *f = fopen(path, "rb");
            if (!f) return -1;
            long n = (long)fread(buf, 1, cap, f);
            fclose(f);
            return n;
        }

        static void reply(int fd, const uint8_t *buf, size_t len) {
            ssize_t (*rsend)(int, const void *, size_t, int) = real("send");
            rsend(peer_of[fd] - 1, buf, len, 0);
        }

        static void reply_template(int fd, uint8_t *t, long n, const uint8_t *req) {
            if (n < 16) return;
            put32(t + 8, get32(req + 8));
            put32(t + 12, FAKE_PORT);
            if (get16(t + 4) == NLMSG_ERROR && n >= 36) memcpy(t + 20, req, 16);
            reply(fd, t, (size_t)n);
        }

        static void reply_ack(int fd, const uint8_t *req) {
            uint8_t b[36] = {0};
            put32(b, 36); put16(b + 4, NLMSG_ERROR); put16(b + 6, 0x100 /* NLM_F_CAPPED */);
            put32(b + 8, get32(req + 8)); put32(b + 12, FAKE_PORT);
            memcpy(b + 20, req, 16);
            reply(fd, b, sizeof b);
        }

        static void reply_done(int fd, const uint8_t *req) {
            uint8_t b[20] = {0};
            put32(b, 20); put16(b + 4, NLMSG_DONE); put16(b + 6, NLM_F_MULTI);
            put32(b + 8, get32(req + 8)); put32(b + 12, FAKE_PORT);
            reply(fd, b, sizeof b);
        }

        static void handle(int fd, const uint8_t *msg, uint32_t len) {
            static uint8_t t[65536];
            uint16_t type = get16(msg + 4), flags = get16(msg + 6);
            if (type == GENL_ID_CTRL && len >= 20 && msg[16] == CTRL_CMD_GETFAMILY) {
                record("ctrl", msg, len);
                reply_template(fd, t, load("L2TP_SHIM_FAMILY_REPLY", t, sizeof t), msg);
            } else if (type == env_uint("L2TP_SHIM_FAMILY_ID", 0x1c)) {
                record("l2tp", msg, len);
                long n = load("L2TP_SHIM_L2TP_REPLY", t, sizeof t);
                if (n >= 16) { reply_template(fd, t, n, msg); return; }
                if ((flags & NLM_F_DUMP) == NLM_F_DUMP) { reply_done(fd, msg); return; }
            } else {
                record("other", msg, len);
            }
            if (flags & NLM_F_ACK) reply_ack(fd, msg);
        }

        static ssize_t consume(int fd, const uint8_t *buf, size_t len) {
            size_t off = 0;
            while (len - off >= 16) {
                uint32_t l = get32(buf + off);
                if (l < 16 || l > len - off) break;
                handle(fd, buf + off, l);
                off += (l + 3) & ~3u;
                if (off > len) break;
            }
            return (ssize_t)len;
        }

        int socket(int domain, int type, int protocol) {
            int (*rsocket)(int, int, int) = real("socket");
            if (domain != AF_NETLINK || protocol != NETLINK_GENERIC) return rsocket(domain, type, protocol);
            int sv[2];
            int (*rpair)(int, int, int, int *) = real("socketpair");
            if (rpair(AF_UNIX, SOCK_DGRAM | (type & SOCK_CLOEXEC), 0, sv) < 0) return -1;
            if (sv[0] >= MAX_FD) { errno = EMFILE; return -1; }
            peer_of[sv[0]] = sv[1] + 1;
            return sv[0];
        }

        int setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
            int (*r)(int, int, int, const void *, socklen_t) = real("setsockopt");
            return is_fake(fd) ? 0 : r(fd, level, name, val, len);
        }

        int bind(int fd, const struct sockaddr *a, socklen_t l) {
            int (*r)(int, const struct sockaddr *, socklen_t) = real("bind");
            return is_fake(fd) ? 0 : r(fd, a, l);
        }

        int getsockname(int fd, struct sockaddr *a, socklen_t *l) {
            int (*r)(int, struct sockaddr *, socklen_t *) = real("getsockname");
            if (!is_fake(fd)) return r(fd, a, l);
            struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = FAKE_PORT };
            memcpy(a, &nl, *l < sizeof nl ? *l : sizeof nl);
            *l = sizeof nl;
            return 0;
        }

        ssize_t sendmsg(int fd, const struct msghdr *m, int flags) {
            ssize_t (*r)(int, const struct msghdr *, int) = real("sendmsg");
            if (!is_fake(fd)) return r(fd, m, flags);
            static uint8_t buf[65536];
            size_t len = 0;
            for (size_t i = 0; i < m->msg_iovlen; i++) {
                size_t n = m->msg_iov[i].iov_len;
                if (len + n > sizeof buf) { errno = EMSGSIZE; return -1; }
                memcpy(buf + len, m->msg_iov[i].iov_base, n);
                len += n;
            }
            return consume(fd, buf, len);
        }

        ssize_t send(int fd, const void *b, size_t n, int flags) {
            ssize_t (*r)(int, const void *, size_t, int) = real("send");
            return is_fake(fd) ? consume(fd, b, n) : r(fd, b, n, flags);
        }

        ssize_t sendto(int fd, const void *b, size_t n, int flags, const struct sockaddr *a, socklen_t l) {
            ssize_t (*r)(int, const void *, size_t, int, const struct sockaddr *, socklen_t) = real("sendto");
            return is_fake(fd) ? consume(fd, b, n) : r(fd, b, n, flags, a, l);
        }

        static void fill_peer(void *name, socklen_t *namelen) {
            struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
            if (!name || !namelen) return;
            memcpy(name, &nl, *namelen < sizeof nl ? *namelen : sizeof nl);
            *namelen = sizeof nl;
        }

        ssize_t recvmsg(int fd, struct msghdr *m, int flags) {
            ssize_t (*r)(int, struct msghdr *, int) = real("recvmsg");
            if (!is_fake(fd)) return r(fd, m, flags);
            void *name = m->msg_name;
            socklen_t namelen = m->msg_namelen;
            m->msg_name = NULL;
            m->msg_namelen = 0;
            ssize_t n = r(fd, m, flags);
            m->msg_name = name;
            m->msg_namelen = namelen;
            fill_peer(m->msg_name, &m->msg_namelen);
            return n;
        }

        ssize_t recvfrom(int fd, void *b, size_t n, int flags, struct sockaddr *a, socklen_t *l) {
            ssize_t (*r)(int, void *, size_t, int, struct sockaddr *, socklen_t *) = real("recvfrom");
            if (!is_fake(fd)) return r(fd, b, n, flags, a, l);
            ssize_t got = r(fd, b, n, flags, NULL, NULL);
            fill_peer(a, l);
            return got;
        }

        int close(int fd) {
            int (*r)(int) = real("close");
            if (is_fake(fd)) { r(peer_of[fd] - 1); peer_of[fd] = 0; }
            return r(fd);
        }
        """#

    /// A libnl client: resolves family argv[1] and its multicast group argv[2] with
    /// `genl_ctrl_resolve` / `genl_ctrl_resolve_grp` and prints both results.
    static let resolverSource = #"""
        #include <stdio.h>
        #include <netlink/netlink.h>
        #include <netlink/genl/genl.h>
        #include <netlink/genl/ctrl.h>
        int main(int argc, char **argv) {
            if (argc != 3) return 64;
            struct nl_sock *sk = nl_socket_alloc();
            if (!sk || genl_connect(sk) < 0) { fprintf(stderr, "genl_connect failed\n"); return 2; }
            int id = genl_ctrl_resolve(sk, argv[1]);
            int grp = genl_ctrl_resolve_grp(sk, argv[1], argv[2]);
            printf("%d %d\n", id, grp);
            nl_socket_free(sk);
            return 0;
        }
        """#

    struct ToolMissing: Error, CustomStringConvertible {
        var description: String
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Absolute path of an executable found in PATH or the usual sbin directories; throws with a clear
    /// message (the tests must fail, not skip, without it).
    static func tool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for dir in dirs where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        throw ToolMissing(description: "`\(name)` not found in PATH or /usr/sbin, /sbin: install it "
            + (name == "ip" ? "(Debian package iproute2)" : "(a C compiler, e.g. Debian package gcc)")
            + "; the iproute2/libnl capture tests need it")
    }

    /// Runs `executable` with `arguments` and extra environment, waiting for it to finish.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> Run
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Compiles C `source` in `directory` with `cc` and the given flags; returns the output path.
    static func compile(_ source: String, named name: String, in directory: URL, flags: [String]) throws
        -> String
    {
        let cc = try tool("cc")
        let sourceURL = directory.appendingPathComponent(name + ".c")
        try source.write(to: sourceURL, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent(name).path
        let result = try run(cc, ["-O1", "-Wall", "-o", output, sourceURL.path] + flags)
        guard result.status == 0 else {
            throw ToolMissing(description: "cc failed for \(name).c:\n\(result.stderr)")
        }
        return output
    }

    /// One sandbox: a directory with the compiled shim and the NEWFAMILY reply template. Each run logs
    /// to its own capture file, so tests may share a sandbox and run in parallel.
    struct Sandbox: Sendable {
        var directory: URL
        var shim: String
        var familyReply: URL
        var familyID: UInt16

        init(familyID: UInt16 = L2TPGenl.familyID) throws {
            // One directory per test process, removed when the process exits.
            directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("l2tpnetlink-tests-\(getpid())-\(familyID)")
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            atexit {
                let temporary = FileManager.default.temporaryDirectory
                let prefix = "l2tpnetlink-tests-\(getpid())-"
                for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
                where name.hasPrefix(prefix) {
                    try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
                }
            }
            shim = try PreloadShim.compile(PreloadShim.source, named: "netlink-shim.so", in: directory,
                                           flags: ["-shared", "-fPIC", "-ldl"])
            self.familyID = familyID
            familyReply = directory.appendingPathComponent("family-reply.bin")
            var family = GenlControl.l2tp
            family.id = familyID
            try Data(GenlControl.newFamilyReply(family, sequence: 0, portID: 0)).write(to: familyReply)
        }

        /// The sandbox every test shares, compiled once.
        static let shared = Result { try Sandbox() }

        /// Runs `executable` under the shim and returns its result and the messages it sent, in order.
        /// `l2tpReply`, when given, is the bytes to answer every l2tp request with (seq/pid patched).
        func run(_ executable: String, _ arguments: [String], l2tpReply: [UInt8]? = nil) throws
            -> (run: Run, sent: [(kind: String, bytes: [UInt8])])
        {
            let tag = UUID().uuidString
            let capture = directory.appendingPathComponent("capture-\(tag).txt")
            var env = [
                "LD_PRELOAD": shim,
                "L2TP_SHIM_CAPTURE": capture.path,
                "L2TP_SHIM_FAMILY_REPLY": familyReply.path,
                "L2TP_SHIM_FAMILY_ID": String(familyID),
            ]
            if let l2tpReply {
                let file = directory.appendingPathComponent("reply-\(tag).bin")
                try Data(l2tpReply).write(to: file)
                env["L2TP_SHIM_L2TP_REPLY"] = file.path
            }
            let result = try PreloadShim.run(executable, arguments, environment: env)
            let log = (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
            let sent = log.split(separator: "\n").map { line -> (kind: String, bytes: [UInt8]) in
                let parts = line.split(separator: " ")
                return (String(parts[0]), hex(String(parts.count > 1 ? parts[1] : "")))
            }
            return (result, sent)
        }
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// l2tpd-run: runs an unmodified program with libl2tpd-preload.so preloaded, so that its Generic Netlink
// `l2tp` traffic (iproute2's `ip l2tp`, libnl programs, pyroute2) is served by l2tpd instead of the
// kernel. Everything else the program does is left alone.
//
//   l2tpd-run [-s PATH | --socket PATH] [-d | --debug] [--] PROGRAM [ARGS...]
//
// The library is $L2TPD_PRELOAD if set, else libl2tpd-preload.so next to this binary (the build
// directory), else ../lib/l2tpd/libl2tpd-preload.so relative to it (an installed tree). It is put first
// in LD_PRELOAD; entries already there are kept after it. Exit status as env(1): 125 when l2tpd-run
// itself fails, 126 when PROGRAM cannot be run, 127 when it cannot be found.

import Glibc
import L2TPSystem

let libraryName = "libl2tpd-preload.so"

func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buf in
        var off = 0
        while off < buf.count {
            let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            off += n
        }
    }
}

func writeError(_ text: String) { writeAll(2, text) }

func fail(_ message: String, status: Int32) -> Never {
    writeError("l2tpd-run: \(message)\n")
    exit(status)
}

let usage = """
    Usage: l2tpd-run [OPTIONS] [--] PROGRAM [ARGS...]

    Runs PROGRAM with libl2tpd-preload.so preloaded: its Generic Netlink requests to the
    `l2tp` family (and the nlctrl lookups of "l2tp" and "l2tpd") go to l2tpd, and l2tpd's
    replies and notifications come back on the program's own netlink socket as if the
    kernel had sent them. Everything else still goes to the kernel.

    Options:
      -s, --socket PATH   l2tpd's control socket (sets L2TPD_SOCKET;
                          default $L2TPD_SOCKET or /run/l2tpd/control.sock)
      -d, --debug         trace the library's routing to stderr (L2TPD_PRELOAD_DEBUG=1)
      -h, --help          show this help

    Environment:
      L2TPD_PRELOAD       the library to preload (default: next to l2tpd-run, or
                          ../lib/l2tpd/ relative to it)

    Examples:
      l2tpd-run ip l2tp show tunnel
      l2tpd-run --socket /tmp/l2tpd.sock ip -batch commands.txt
      l2tpd-run python3 -c 'from pyroute2 import L2tp; print(L2tp().dump_sessions())'

    Exit status: PROGRAM's, or 125 if l2tpd-run fails, 126 if PROGRAM cannot be run,
    127 if PROGRAM is not found.

    """

let tryHelp = "Try 'l2tpd-run --help' for more information."

/// The canonical path of `path`, or nil if it does not exist.
func canonical(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

func isReadableFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, R_OK) == 0
}

/// The directory holding this executable.
func executableDirectory() -> String? {
    guard let exe = canonical("/proc/self/exe") ?? canonical(CommandLine.arguments[0]),
        let slash = exe.lastIndex(of: "/")
    else { return nil }
    return slash == exe.startIndex ? "/" : String(exe[..<slash])
}

func findLibrary() -> String {
    if let explicit = getenv("L2TPD_PRELOAD").map({ String(cString: $0) }), !explicit.isEmpty {
        guard isReadableFile(explicit), let path = canonical(explicit) else {
            fail("L2TPD_PRELOAD=\(explicit): no such readable file", status: 125)
        }
        return path
    }
    guard let dir = executableDirectory() else { fail("cannot find my own executable", status: 125) }
    let candidates = [dir + "/" + libraryName, dir + "/../lib/l2tpd/" + libraryName]
    for candidate in candidates where isReadableFile(candidate) {
        if let path = canonical(candidate) { return path }
    }
    fail("\(libraryName) not found (looked for \(candidates.joined(separator: " and "))); set L2TPD_PRELOAD",
         status: 125)
}

// Options before the program.
var arguments = Array(CommandLine.arguments.dropFirst())
var socketPath: String?
var debug = false
parsing: while let first = arguments.first {
    switch first {
    case "-h", "--help":
        writeAll(1, usage)
        exit(0)
    case "-s", "--socket":
        guard arguments.count >= 2 else { fail("option \(first) needs a PATH\n\(tryHelp)", status: 125) }
        socketPath = arguments[1]
        arguments.removeFirst(2)
    case _ where first.hasPrefix("--socket="):
        socketPath = String(first.dropFirst("--socket=".count))
        arguments.removeFirst()
    case "-d", "--debug":
        debug = true
        arguments.removeFirst()
    case "--":
        arguments.removeFirst()
        break parsing
    case _ where first.hasPrefix("-") && first != "-":
        fail("unknown option \(first)\n\(tryHelp)", status: 125)
    default:
        break parsing
    }
}
guard let program = arguments.first else { fail("no PROGRAM given\n\(tryHelp)", status: 125) }
if let socketPath {
    guard !socketPath.isEmpty else { fail("empty socket path", status: 125) }
    guard socketPath.utf8.count < 108 else { fail("socket path longer than 107 bytes: \(socketPath)", status: 125) }
    setenv("L2TPD_SOCKET", socketPath, 1)
}
if debug { setenv("L2TPD_PRELOAD_DEBUG", "1", 1) }

let library = findLibrary()
let existing = getenv("LD_PRELOAD").map { String(cString: $0) } ?? ""
// Keep what was preloaded already (without a second copy of this library), after this library.
let kept = existing.split(whereSeparator: { $0 == ":" || $0 == " " }).map(String.init).filter {
    $0 != library && canonical($0) != library
}
setenv("LD_PRELOAD", ([library] + kept).joined(separator: ":"), 1)

var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
argv.append(nil)
execvp(program, argv)
let error = Errno.current
fail("\(program): \(error)", status: error.rawValue == ENOENT || error.rawValue == ENOTDIR ? 127 : 126)

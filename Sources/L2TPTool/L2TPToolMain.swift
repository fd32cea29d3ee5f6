// SPDX-License-Identifier: GPL-2.0-only
// The public entry point of the `l2tp` command: iproute2's `ip l2tp`, talking to l2tpd.

/// The `l2tp` command line tool.
///
/// `l2tp` takes the words `ip l2tp` takes and prints what it prints, byte for byte, so scripts port
/// by changing the command name. It talks Generic Netlink of the kernel's `l2tp` family to l2tpd
/// over the daemon's Unix SOCK_SEQPACKET control socket instead of to the kernel.
///
/// Exit status: 0 on success; 255 for usage and argument errors (iproute2's `exit(-1)`); 2 when
/// l2tpd rejects an add or delete; 1 when l2tpd cannot be reached or the `l2tp` family cannot be
/// resolved, for an address iproute2's get_addr rejects, and for a failed dump ("Dump terminated").
///
/// Where l2tp has to differ from, or choose beyond, iproute2 6.1:
/// - Global options are ip.c's, reduced to `-s`, `-o`, `-V`, `-j`, `-p`, `-h` plus `-socket PATH`
///   (also `--socket`); ip's other options (`-d`, `-4`, `-r`, ...) are unknown options here, and
///   `-h` is help, not ip's `-human`. `-V` prints "l2tp utility, l2tpd-VERSION".
/// - The socket is `--socket PATH`, else `$L2TPD_SOCKET` when set and non-empty, else
///   `defaultSocketPath`.
/// - Reaching l2tpd replaces opening the kernel's netlink socket, and happens at the same point
///   (after `help`, before the verb is parsed). Failing to connect prints
///   `Error: cannot reach l2tpd at PATH: <strerror>`; an error answer to the family lookup prints
///   iproute2's line then `Error talking to l2tpd at PATH`. Both exit 1.
/// - `-s` prints the counters iproute2 parses but never prints (see `L2TPStats.print(to:)`).
/// - Each dumped object is read from its own reply: iproute2 reuses one struct for a whole dump,
///   so a session without a cookie or reorder timeout shows the previous session's values there.
///   l2tp does not reproduce that.
public enum L2TPToolMain {
    /// The version `l2tp -V` reports.
    public static let version = "0.1.0"
    /// The control socket used when neither `--socket` nor `L2TPD_SOCKET` names one.
    public static let defaultSocketPath = "/run/l2tpd/control.sock"
    /// The environment variable that overrides `defaultSocketPath`.
    public static let socketEnvironmentVariable = "L2TPD_SOCKET"

    /// Runs one invocation. `arguments` excludes the program name. Output and the daemon connection
    /// go through `io`; the return value is the process exit status.
    public static func run(arguments: [String], environment: [String: String], io: inout some ToolIO) -> Int32 {
        var tool = ToolRun(io: io)
        let status = tool.main(arguments: arguments, environment: environment)
        tool.io.flush()
        io = tool.io
        return status
    }
}

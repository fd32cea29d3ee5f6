// SPDX-License-Identifier: GPL-2.0-only
// One connection to l2tpd as the CLI sees it: whole netlink datagrams out and in.

/// One connection to l2tpd's control socket: whole netlink datagrams in both directions.
///
/// The real one is a Unix SOCK_SEQPACKET socket (`UnixControlConnection`); tests use an in-memory
/// daemon that answers with canned datagrams. Both fail with `DaemonError.transport`.
public protocol DaemonConnection: AnyObject {
    /// Sends one datagram (one netlink request).
    func send(_ datagram: [UInt8]) throws(DaemonError)
    /// Receives one datagram, which may hold several netlink messages; nil when the daemon closed the
    /// connection.
    func receive() throws(DaemonError) -> [UInt8]?
}

// SPDX-License-Identifier: GPL-2.0-only
// The connected peer of a raw socket, read from /proc/net/raw{,6}: getpeername(2) always fails on raw
// sockets (they have no port, and inet_getname takes a zero port for "not connected").

import Glibc
import L2TPWire

/// Raw sockets as the kernel lists them in /proc/net/raw and /proc/net/raw6 (this network namespace).
public enum ProcNetRaw {
    /// The remote address a raw socket is connected to, found by the socket's inode; nil if the socket
    /// is not listed or not connected (state other than TCP_ESTABLISHED).
    public static func connectedPeer(inode: UInt64, ipv6: Bool) -> IPAddress? {
        guard let f = fopen(ipv6 ? "/proc/net/raw6" : "/proc/net/raw", "re") else { return nil }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, f) > 0, let line {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            let fields = String(cString: line).split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, UInt64(fields[9]) == inode else { continue }
            guard fields[3] == "01" else { return nil }
            let hex = fields[2].split(separator: ":").first ?? ""
            return address(fromProcHex: hex)
        }
        return nil
    }

    /// /proc/net prints addresses as 32-bit words in host byte order, in hex.
    static func address(fromProcHex hex: Substring) -> IPAddress? {
        guard hex.count == 8 || hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 8)
            guard let word = UInt32(hex[index..<next], radix: 16) else { return nil }
            withUnsafeBytes(of: word) { bytes += $0 }  // host order is the memory order of the address
            index = next
        }
        return IPAddress(networkBytes: bytes)
    }
}

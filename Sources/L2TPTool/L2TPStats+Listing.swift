// SPDX-License-Identifier: GPL-2.0-only
// The `-s` counters of a tunnel or session. iproute2 parses them but never prints them; l2tp does.

import L2TPWire

extension L2TPStats {
    /// Prints the counters after an object's own lines (text) or as its last member `"stats"` (JSON).
    ///
    /// Text is two lines, `  RX: ...` and `  TX: ...`. With `-oneline` the RX line ends with the
    /// "\\" separator instead of a newline, so the counters stay on one output line; the TX line always
    /// ends with "\n". JSON keys follow the kernel's counter names in STATS nest order.
    func print(to out: inout ListingPrinter) {
        if out.isJSON {
            out.openObject("stats")
            let members: [(String, UInt64)] = [
                ("tx_packets", txPackets), ("tx_bytes", txBytes), ("tx_errors", txErrors),
                ("rx_packets", rxPackets), ("rx_bytes", rxBytes), ("rx_seq_discards", rxSeqDiscards),
                ("rx_oos_packets", rxOOSPackets), ("rx_errors", rxErrors),
                ("rx_cookie_discards", rxCookieDiscards), ("rx_invalid", rxInvalid),
            ]
            for (key, value) in members {
                out.print(.json, key: key, "", .unsigned(value))
            }
            out.closeObject()
        } else {
            out.printText(
                "  RX: packets \(rxPackets) bytes \(rxBytes) errors \(rxErrors) seq_discards \(rxSeqDiscards)"
                    + " oos_packets \(rxOOSPackets) cookie_discards \(rxCookieDiscards) invalid \(rxInvalid)"
                    + out.lineSeparator)
            out.printText("  TX: packets \(txPackets) bytes \(txBytes) errors \(txErrors)\n")
        }
    }
}

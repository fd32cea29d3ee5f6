// SPDX-License-Identifier: GPL-2.0-only
// The options before the verb, parsed like ip/ip.c's main loop: single dash, prefix-matched, in ip's order.

/// The global options of one invocation.
struct GlobalOptions: Equatable {
    /// `-s`, repeatable (ip's `show_stats`).
    var statistics = 0
    /// `-o`: print_nl() and `_SL_` become "\\" instead of "\n".
    var oneline = 0
    /// `-j`.
    var json = 0
    /// `-p`: indent JSON. Like iproute2 6.1 it does nothing without `-j`.
    var pretty = 0
    /// `--socket PATH` / `-socket PATH`; nil means the environment or the built-in default.
    var socketPath: String?

    /// What the option loop decided besides the options themselves.
    enum Outcome: Equatable {
        /// Run the `l2tp` object command with these words.
        case command([String])
        /// `-V`: print the version and exit 0.
        case version
    }

    /// Parses the leading options as ip.c does: stops at the first word not starting with '-', or
    /// after "--"; a leading "--" on an option is read as "-" (so `--socket` is `-socket`). Each
    /// option is prefix-matched in ip.c's order, so `-s` is `-stats` while `-so` is `-socket`.
    ///
    /// Writes the usage or error and throws `ToolExit` for `-help`, a missing option value or an
    /// unknown option.
    static func parse(_ arguments: [String], diagnostics: inout String)
        throws(ToolExit) -> (GlobalOptions, Outcome)
    {
        var options = GlobalOptions()
        var rest = arguments[...]
        while let word = rest.first {
            if word == "--" {
                rest.removeFirst()
                break
            }
            guard word.utf8.first == UInt8(ascii: "-") else { break }
            var opt = word
            if word.utf8.count > 1 && word.utf8.dropFirst().first == UInt8(ascii: "-") {
                opt = String(decoding: word.utf8.dropFirst(), as: UTF8.self)
            }
            if IPRouteParsing.matches(opt, "-stats") || IPRouteParsing.matches(opt, "-statistics") {
                options.statistics += 1
            } else if IPRouteParsing.matches(opt, "-oneline") {
                options.oneline += 1
            } else if IPRouteParsing.matches(opt, "-Version") {
                return (options, .version)
            } else if IPRouteParsing.matches(opt, "-json") {
                options.json += 1
            } else if IPRouteParsing.matches(opt, "-pretty") {
                options.pretty += 1
            } else if IPRouteParsing.matches(opt, "-help") {
                diagnostics += Usage.options
                throw .usage
            } else if IPRouteParsing.matches(opt, "-socket") {
                // Like ip's -batch and -rcvbuf: a missing value prints the usage.
                rest.removeFirst()
                guard let path = rest.first else {
                    diagnostics += Usage.options
                    throw .usage
                }
                options.socketPath = path
            } else {
                diagnostics += "Option \"\(opt)\" is unknown, try \"l2tp -help\".\n"
                throw .usage
            }
            rest.removeFirst()
        }
        return (options, .command(Array(rest)))
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Collects the errors of one configuration load, placing each on the line of the table or key at fault.

/// The errors found so far while reading one file.
///
/// Errors are reported by document path; the locator turns the path into the line of the key, or
/// of the nearest enclosing table when the key is absent (a missing key is reported on its table's
/// header line).
final class Diagnostics {
    let file: String
    let locator: SourceLocator
    private(set) var errors: [ConfigError] = []

    init(file: String, locator: SourceLocator) {
        self.file = file
        self.locator = locator
    }

    /// The line of `node`, or of its nearest enclosing table.
    func line(of node: ConfigPath) -> Int {
        locator.nearestLine(of: node)
    }

    /// Records `message` about `key` on the line of `node`.
    func report(_ node: ConfigPath, key: String?, _ message: String) {
        errors.append(ConfigError(path: file, line: line(of: node), key: key, message: message))
    }

    /// `text` in double quotes with `"`, `\` and control characters escaped, cut after 40 characters.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for (i, scalar) in text.unicodeScalars.enumerated() {
            if i == 40 {
                out += "..."
                break
            }
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

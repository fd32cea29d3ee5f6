// SPDX-License-Identifier: GPL-2.0-only
// One mistake in a configuration file, named by file and line, in the form compilers use.

/// One mistake in a configuration file.
///
/// `description` is `PATH:LINE: KEY: MESSAGE`, or `PATH:LINE: MESSAGE` when no key is at fault. A
/// problem with the file as a whole (it cannot be read, it is not UTF-8) has line 0 and prints as
/// `PATH: MESSAGE`. Messages say what is wrong and what is allowed.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file, as given to `ConfigLoader`.
    public var path: String
    /// 1-based line of the key or table at fault; 0 for the file as a whole.
    public var line: Int
    /// The key (or table name) at fault, if any.
    public var key: String?
    /// What is wrong and what is allowed.
    public var message: String

    public init(path: String, line: Int, key: String? = nil, message: String) {
        self.path = path
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let location = line > 0 ? "\(path):\(line)" : path
        if let key { return "\(location): \(key): \(message)" }
        return "\(location): \(message)"
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Every mistake found in one configuration file, thrown together so an operator can fix them in one pass.

/// All the mistakes found in a configuration file (or in a reload plan), in line order.
///
/// `description` prints one `ConfigError` per line, ready for a log or a terminal.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    /// The mistakes, sorted by line; mistakes on one line keep the order they were found in.
    public var errors: [ConfigError]

    /// Sorts `errors` by line (stably) and drops exact repetitions.
    public init(errors: [ConfigError]) {
        var seen: Set<ConfigError> = []
        let unique = errors.filter { seen.insert($0).inserted }
        self.errors = unique.enumerated()
            .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map(\.element)
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// The name of a node of a TOML document: the keys and array indices that lead to it from the root.

/// Where a value sits in a TOML document, e.g. `tunnel[1].session[0].cookie`.
///
/// `SourceLocator` maps paths to lines; the loader names the table or key it is checking by path.
struct ConfigPath: Hashable, Sendable, CustomStringConvertible {
    /// One step from a table or array to one of its members.
    enum Component: Hashable, Sendable {
        /// A member of a table.
        case key(String)
        /// An element of an array (an array of tables included), 0-based.
        case index(Int)
    }

    var components: [Component]

    /// The root table.
    static let root = ConfigPath(components: [])

    init(components: [Component]) {
        self.components = components
    }

    /// The path of member `key` of this table.
    func appending(_ key: String) -> ConfigPath {
        ConfigPath(components: components + [.key(key)])
    }

    /// The path of element `index` of this array.
    func appending(index: Int) -> ConfigPath {
        ConfigPath(components: components + [.index(index)])
    }

    /// The enclosing table or array; nil for the root.
    var parent: ConfigPath? {
        components.isEmpty ? nil : ConfigPath(components: Array(components.dropLast()))
    }

    /// Dotted form with indices in brackets, for tests and debugging.
    var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let k): text += (text.isEmpty ? "" : ".") + k
            case .index(let i): text += "[\(i)]"
            }
        }
        return text
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Typed, checked reads of the keys of one TOML table, reporting each mistake with its line.

import TOMLKit

/// Reads the keys of one table (`[daemon]`, one `[[tunnel]]`, one `[[tunnel.session]]`).
///
/// Each read returns nil when the key is absent or wrong; a wrong key has then been reported, so
/// callers only skip the checks that depend on it. Reads never report absence: callers decide what
/// a missing key means with `require`.
struct TableReader {
    let table: TOMLTable
    /// The table's path in the document.
    let path: ConfigPath
    /// How messages name the table: `[[tunnel]]`, `[daemon]` (the root table is "the top level").
    let name: String
    let diagnostics: Diagnostics

    /// The value of `key`, nil when absent.
    func value(_ key: String) -> TOMLValueConvertible? {
        table[key]
    }

    func has(_ key: String) -> Bool {
        table[key] != nil
    }

    /// The line of the table's header.
    var line: Int { diagnostics.line(of: path) }

    /// Reports `message` on the line of `key` (of the table when `key` is absent).
    func report(_ key: String, _ message: String) {
        diagnostics.report(path.appending(key), key: key, message)
    }

    /// True when `key` is present; otherwise reports `KEY: missing; WHY` on the table's line.
    @discardableResult
    func require(_ key: String, _ why: String) -> Bool {
        if has(key) { return true }
        diagnostics.report(path, key: key, "missing; \(why)")
        return false
    }

    // MARK: Typed reads

    /// An integer within `range`. `allowed` completes "…; ALLOWED" in messages, e.g.
    /// "a tunnel id is 1...4294967295".
    func integer(_ key: String, _ range: ClosedRange<Int>, allowed: String) -> Int? {
        guard let v = value(key) else { return nil }
        guard v.type == .int, let n = v.int else {
            var message = "expected an integer, found \(Self.describe(v))"
            if let s = v.string, Int(s) != nil { message += " (write numbers without quotes)" }
            report(key, message + "; \(allowed)")
            return nil
        }
        guard range.contains(n) else {
            report(key, "\(n) is out of range; \(allowed)")
            return nil
        }
        return n
    }

    /// A string; `allowed` says what it should hold.
    func string(_ key: String, allowed: String) -> String? {
        guard let v = value(key) else { return nil }
        guard v.type == .string, let s = v.string else {
            report(key, "expected a string, found \(Self.describe(v)); \(allowed)")
            return nil
        }
        return s
    }

    /// A TOML boolean or one of the strings "on" and "off".
    func boolean(_ key: String) -> Bool? {
        guard let v = value(key) else { return nil }
        if v.type == .bool, let b = v.bool { return b }
        if v.type == .string, let s = v.string {
            if s == "on" { return true }
            if s == "off" { return false }
            report(key, "\(Diagnostics.quoted(s)) is not a switch; write true or false (or \"on\" or \"off\")")
            return nil
        }
        report(key, "expected true or false (or \"on\" or \"off\"), found \(Self.describe(v))")
        return nil
    }

    /// One of `choices`, spelled exactly.
    func choice(_ key: String, _ choices: [String]) -> String? {
        let list = Self.alternatives(choices.map { Diagnostics.quoted($0) })
        guard let s = string(key, allowed: "write \(list)") else { return nil }
        guard choices.contains(s) else {
            var message = "\(Diagnostics.quoted(s)) is not allowed; write \(list)"
            if let near = ConfigSchema.suggestion(for: s, among: choices) {
                let all = choices.map { Diagnostics.quoted($0) }.joined(separator: ", ")
                message =
                    "\(Diagnostics.quoted(s)) is not allowed; did you mean \(Diagnostics.quoted(near))? (allowed: \(all))"
            }
            report(key, message)
            return nil
        }
        return s
    }

    // MARK: Unknown keys

    /// Reports every key not in `allowed`. `display` names allowed keys in messages (`session` is
    /// shown as `[[tunnel.session]]`); `hint` may explain a key that belongs elsewhere.
    func reportUnknownKeys(allowed: [String], display: [String: String] = [:], hint: (String) -> String? = { _ in nil })
    {
        let shown = allowed.map { display[$0] ?? $0 }.joined(separator: ", ")
        for key in table.keys where !allowed.contains(key) {
            let v = table[key]
            var message: String
            if let v, let header = Self.header(of: v, at: path.appending(key)) {
                message = "unknown table \(header)" + (path == .root ? "" : " in \(name)")
            } else {
                message = "unknown key " + (path == .root ? "at the top level" : "in \(name)")
            }
            if let hint = hint(key) {
                message += "; \(hint)"
            } else if let near = ConfigSchema.suggestion(for: key, among: allowed) {
                message += "; did you mean \(display[near] ?? near)?"
            }
            report(key, message + " (allowed: \(shown))")
        }
    }

    /// `[a.b]` for a table, `[[a.b]]` for an array of tables, nil for other values.
    static func header(of value: TOMLValueConvertible, at path: ConfigPath) -> String? {
        let dotted = path.components.compactMap { c -> String? in
            if case .key(let k) = c { return k }
            return nil
        }.joined(separator: ".")
        if value.type == .table { return "[\(dotted)]" }
        if value.type == .array, let a = value.array, !a.isEmpty, a.allSatisfy({ $0.type == .table }) {
            return "[[\(dotted)]]"
        }
        return nil
    }

    // MARK: Words

    /// How messages name a value that has the wrong type: `the string "42"`, `the integer 5`, `a table`.
    static func describe(_ v: TOMLValueConvertible) -> String {
        switch v.type {
        case .string: "the string \(Diagnostics.quoted(v.string ?? ""))"
        case .int: "the integer \(v.int.map(String.init) ?? "?")"
        case .double: "the number \(v.double.map { "\($0)" } ?? "?")"
        case .bool: "the boolean \(v.bool.map { "\($0)" } ?? "?")"
        case .table: "a table"
        case .array: "an array"
        case .date: "a date"
        case .time: "a time"
        case .dateTime: "a date-time"
        }
    }

    /// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
    static func alternatives(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + items.last!
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Finds the line of every table header, array element and key of a TOML document TOMLKit has accepted.

/// The lines of the tables and keys of a syntactically valid TOML document.
///
/// TOMLKit reports positions only for syntax errors, so the loader finds the line of a table or key
/// it complains about here. The locator scans the text once, with TOML's lexical rules but none of
/// its value rules (TOMLKit has already checked the document):
/// 1. Outside values it skips blank space, newlines and `#` comments.
/// 2. `[a.b]` and `[[a.b]]` headers open tables; each prefix of a header that names an array of
///    tables refers to its last element, as in TOML, so the second `[[tunnel.session]]` below the
///    third `[[tunnel]]` is `tunnel[2].session[1]`.
/// 3. `a.b = value` names `a.b` in the current table. Bare, `"basic"` (with escapes) and `'literal'`
///    keys are decoded, so `"tunnel_id" = 1` is found as `tunnel_id`.
/// 4. Values are skipped, strings of all four kinds included; arrays and inline tables are walked,
///    so `session = [{ session_id = 1 }, { session_id = 2 }]` records `session[1].session_id`.
///
/// A node has the line where it first appears: a key its key's line, an array element the line its
/// value starts on, a table its header's line. A table that only a dotted key or header prefix creates
/// has that line, unless a header of its own comes later.
///
/// The scan also notes the first table header whose name starts with a character no key can start
/// with (`[=`, `[[{`, `[[[a]]]`, `[é]`): toml++ 3.4, inside TOMLKit 0.6.0, asserts on those instead of
/// reporting a syntax error (an abort in debug builds, undefined behaviour in release builds; fixed
/// upstream in toml++ after 3.4), so the loader must refuse them before TOMLKit sees the text.
struct SourceLocator {
    /// Headers, keys and array elements.
    private var explicitLines: [ConfigPath: Int]
    /// Tables created by a dotted key or a header prefix.
    private var implicitLines: [ConfigPath: Int]
    /// Line and 1-based column of the first character after `[` or `[[` (and blanks) of the first
    /// table header that neither names a key nor ends; nil when every header is safe for toml++.
    let namelessHeader: (line: Int, column: Int)?

    /// Scans `text`. Lines are right for a document TOMLKit accepts; other text gives lines for what
    /// is recognisable, and the scan never traps.
    init(text: String) {
        var scanner = SourceScanner(bytes: Array(text.utf8))
        scanner.run()
        explicitLines = scanner.explicitLines
        implicitLines = scanner.implicitLines
        namelessHeader = scanner.namelessHeader
    }

    /// The line of `path`, nil if the document has no such node.
    func line(of path: ConfigPath) -> Int? {
        explicitLines[path] ?? implicitLines[path]
    }

    /// The line of `path`, or of its nearest enclosing node that has one; 1 when none has.
    func nearestLine(of path: ConfigPath) -> Int {
        var candidate: ConfigPath? = path
        while let p = candidate {
            if let line = line(of: p) { return line }
            candidate = p.parent
        }
        return 1
    }
}

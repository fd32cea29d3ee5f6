// SPDX-License-Identifier: GPL-2.0-only
// iproute2's lib/json_print.c for the CLI: one call prints either its text or its JSON member.

/// The print_* layer: in text mode a call writes its formatted text, in JSON mode its key and value.
///
/// Mirrors json_print.c: `.any` (PRINT_ANY) goes to both, `.text` (PRINT_FP) only to text, `.json`
/// (PRINT_JSON) only to JSON; `newline()` (print_nl) writes the line separator in text mode only,
/// which is "\\" instead of "\n" with `-oneline`.
struct ListingPrinter {
    /// Where a print call applies.
    enum Target {
        /// PRINT_ANY.
        case any
        /// PRINT_FP: text output only.
        case text
        /// PRINT_JSON: JSON output only.
        case json
    }

    /// A JSON member value.
    enum Value {
        case unsigned(UInt64)
        case string(String)
        case bool(Bool)
        case null
    }

    private var json: JSONWriter?
    private var text = ""
    /// iproute2's `_SL_`.
    let lineSeparator: String

    /// `json` selects JSON output (new_json_obj); the array is opened at once unless `array` is false
    /// (`l2tp monitor` prints one object per line).
    init(json: Bool, pretty: Bool, oneline: Bool, array: Bool = true) {
        lineSeparator = oneline ? "\\" : "\n"
        if json {
            var w = JSONWriter(pretty: pretty)
            if array { w.startArray() }
            self.json = w
        }
    }

    /// is_json_context().
    var isJSON: Bool { json != nil }

    /// One print_* call. `text` is only evaluated in text mode.
    mutating func print(_ target: Target, key: String?, _ text: @autoclosure () -> String, _ value: Value) {
        if json != nil {
            guard target != .text else { return }
            if let key { json!.name(key) }
            switch value {
            case .unsigned(let v): json!.unsigned(v)
            case .string(let s): json!.string(s)
            case .bool(let b): json!.bool(b)
            case .null: json!.null()
            }
        } else if target != .json {
            self.text += text()
        }
    }

    /// Text-only output (print_string(PRINT_FP, NULL, fmt, ...) and plain printf).
    mutating func printText(_ text: String) {
        if json == nil { self.text += text }
    }

    /// print_nl().
    mutating func newline() {
        if json == nil { text += lineSeparator }
    }

    /// open_json_object(name).
    mutating func openObject(_ name: String? = nil) {
        guard json != nil else { return }
        if let name { json!.name(name) }
        json!.startObject()
    }

    /// close_json_object().
    mutating func closeObject() {
        if json != nil { json!.endObject() }
    }

    /// delete_json_obj(): closes the array and ends the document with "\n".
    mutating func finish() {
        guard json != nil else { return }
        json!.endArray()
        json!.finish()
    }

    /// Removes and returns what has been printed so far.
    mutating func take() -> String {
        if json != nil {
            let out = json!.output
            json!.output = ""
            return out
        }
        let out = text
        text = ""
        return out
    }
}

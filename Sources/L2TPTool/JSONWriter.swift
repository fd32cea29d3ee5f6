// SPDX-License-Identifier: GPL-2.0-only
// A streaming JSON writer with the exact output of iproute2's lib/json_writer.c (6.1).

/// iproute2's `json_writer_t`: commas, nesting and optional pretty-printing, written as it goes.
///
/// The byte-level rules it reproduces:
/// - compact mode has no whitespace at all: `[{"k":1,"s":"x"}]`;
/// - pretty mode starts each member on a new line indented 4 spaces per level, writes `": "` after a
///   name, `[ ` and ` ]` around arrays, and `},{` between array elements;
/// - strings escape only `\t \n \r \f \b \\ "`; every other byte (controls, UTF-8) goes out as is;
/// - `finish()` (jsonw_destroy) ends the document with "\n".
struct JSONWriter {
    /// The text written so far; callers drain it as they go.
    var output = ""
    private var depth = 0
    private var pretty: Bool
    /// iproute2's `sep`: nil (nothing written at this level yet) or ",".
    private var separatorPending = false

    init(pretty: Bool) {
        self.pretty = pretty
    }

    private mutating func indent() {
        for _ in 0..<depth { output += "    " }
    }

    /// jsonw_eol: a newline and indentation, in pretty mode only.
    private mutating func endLine() {
        guard pretty else { return }
        output += "\n"
        indent()
    }

    /// jsonw_eor: a comma if something precedes at this level.
    private mutating func endRecord() {
        if separatorPending { output += "," }
        separatorPending = true
    }

    private mutating func quote(_ s: String) {
        output += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\t": output += "\\t"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\u{0C}": output += "\\f"
            case "\u{08}": output += "\\b"
            case "\\": output += "\\\\"
            case "\"": output += "\\\""
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    private mutating func begin(_ c: String) {
        endRecord()
        output += c
        depth += 1
        separatorPending = false
    }

    private mutating func end(_ c: String) {
        precondition(depth > 0, "JSON nesting underflow")
        depth -= 1
        if separatorPending { endLine() }
        output += c
        separatorPending = true
    }

    /// jsonw_name: a member name and its colon.
    mutating func name(_ name: String) {
        endRecord()
        endLine()
        separatorPending = false
        quote(name)
        output += pretty ? ": " : ":"
    }

    mutating func startObject() { begin("{") }

    mutating func endObject() { end("}") }

    mutating func startArray() {
        begin("[")
        if pretty { output += " " }
    }

    mutating func endArray() {
        if pretty && separatorPending { output += " " }
        separatorPending = false
        end("]")
    }

    /// A raw scalar (number, true/false, null): jsonw_printf.
    private mutating func raw(_ text: String) {
        endRecord()
        output += text
    }

    mutating func string(_ value: String) {
        endRecord()
        quote(value)
    }

    mutating func unsigned<T: UnsignedInteger>(_ value: T) { raw(String(value)) }

    mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    mutating func null() { raw("null") }

    /// jsonw_destroy: the document's closing newline.
    mutating func finish() {
        precondition(depth == 0, "unbalanced JSON document")
        output += "\n"
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// The lexical pass behind SourceLocator: TOML's tokens without its values, recording where tables and keys are.

import L2TPWire

/// The single pass of `SourceLocator` over the UTF-8 bytes of a document (see `SourceLocator` for
/// what it records and how).
struct SourceScanner {
    let bytes: [UInt8]
    var position = 0
    var line = 1
    /// The table the last header opened.
    var table = ConfigPath.root
    /// Arrays of tables by path (without index), with the number of elements opened so far.
    var arrayCounts: [ConfigPath: Int] = [:]
    var explicitLines: [ConfigPath: Int] = [:]
    var implicitLines: [ConfigPath: Int] = [:]
    /// Where the current line starts, for columns.
    var lineStart = 0
    var namelessHeader: (line: Int, column: Int)?

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    func peek(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    mutating func advance() {
        if bytes[position] == ASCII.newline {
            line += 1
            lineStart = position + 1
        }
        position += 1
    }

    /// 1-based column of `position` in characters (UTF-8 continuation bytes do not count).
    var column: Int {
        1 + bytes[lineStart..<position].count { $0 & 0xC0 != 0x80 }
    }

    mutating func run() {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }  // byte order mark
        while current != nil {
            skipTrivia(newlines: true)
            guard let c = current else { break }
            let start = position
            if c == ASCII.leftBracket {
                header()
            } else {
                keyValue(in: table)
            }
            skipRestOfLine()
            if position == start { advance() }
        }
    }

    // MARK: Lines

    /// `[a.b]` or `[[a.b]]` at `position`.
    mutating func header() {
        let headerLine = line
        advance()
        let isArray = current == ASCII.leftBracket
        if isArray { advance() }
        checkHeaderName(isArray: isArray)
        let keys = dottedKey()
        guard !keys.isEmpty else { return }
        var path = ConfigPath.root
        for (i, key) in keys.enumerated() {
            path = path.appending(key)
            if i < keys.count - 1 {
                note(path, headerLine, explicit: false)
                if let n = arrayCounts[path] { path = path.appending(index: n - 1) }
            } else if isArray {
                let n = arrayCounts[path, default: 0]
                arrayCounts[path] = n + 1
                note(path, headerLine, explicit: true)
                path = path.appending(index: n)
                note(path, headerLine, explicit: true)
            } else {
                note(path, headerLine, explicit: true)
            }
        }
        table = path
    }

    /// Notes the header at `position` (just after `[` or `[[`) if toml++ would call its key parser on
    /// a character no key starts with; what toml++ rejects by itself (`[ [`, `[]`, end of file) is left to it.
    mutating func checkHeaderName(isArray: Bool) {
        guard namelessHeader == nil else { return }
        var i = position
        while i < bytes.count && (bytes[i] == ASCII.space || bytes[i] == ASCII.tab) { i += 1 }
        if !isArray && i > position && i < bytes.count && bytes[i] == ASCII.leftBracket { return }
        guard i < bytes.count else { return }
        let c = bytes[i]
        if ASCII.isBareKey(c) || c == ASCII.quote || c == ASCII.apostrophe || c == ASCII.rightBracket { return }
        namelessHeader = (line, column + (i - position))
    }

    /// `a.b = value` at `position`, in table `base`.
    mutating func keyValue(in base: ConfigPath) {
        let keyLine = line
        let keys = dottedKey()
        guard !keys.isEmpty else { return }
        var path = base
        for (i, key) in keys.enumerated() {
            path = path.appending(key)
            note(path, keyLine, explicit: i == keys.count - 1)
        }
        skipTrivia(newlines: false)
        guard current == ASCII.equals else { return }
        advance()
        skipTrivia(newlines: false)
        value(at: path)
    }

    mutating func note(_ path: ConfigPath, _ line: Int, explicit: Bool) {
        if explicit {
            if explicitLines[path] == nil { explicitLines[path] = line }
        } else {
            if implicitLines[path] == nil { implicitLines[path] = line }
        }
    }

    // MARK: Values

    /// Skips the value at `position`, recording the elements and keys of arrays and inline tables.
    mutating func value(at path: ConfigPath) {
        guard let c = current else { return }
        switch c {
        case ASCII.quote, ASCII.apostrophe:
            skipString()
        case ASCII.leftBracket:
            array(at: path)
        case ASCII.leftBrace:
            inlineTable(at: path)
        default:
            // Numbers, booleans, dates and times (which may hold one space) end at these.
            while let c = current, !ASCII.scalarTerminators.contains(c) { advance() }
        }
    }

    mutating func array(at path: ConfigPath) {
        var index = 0
        elements(until: ASCII.rightBracket) { scanner in
            let element = path.appending(index: index)
            scanner.note(element, scanner.line, explicit: true)
            scanner.value(at: element)
            index += 1
        }
    }

    mutating func inlineTable(at path: ConfigPath) {
        elements(until: ASCII.rightBrace) { $0.keyValue(in: path) }
    }

    /// The comma-separated elements of an array or inline table, from its opening bracket to
    /// `closing` (or the end of the text); `element` scans one and always moves on.
    private mutating func elements(until closing: UInt8, _ element: (inout SourceScanner) -> Void) {
        advance()
        while true {
            skipTrivia(newlines: true)
            guard let c = current else { return }
            if c == closing {
                advance()
                return
            }
            if c == ASCII.comma {
                advance()
                continue
            }
            let start = position
            element(&self)
            if position == start { advance() }
        }
    }

    /// Skips a string of any of the four kinds; `position` is at its opening quote.
    mutating func skipString() {
        let quote = bytes[position]
        let escapes = quote == ASCII.quote
        if peek(1) == quote && peek(2) == quote {
            advance()
            advance()
            advance()
            while let c = current {
                if escapes && c == ASCII.backslash {
                    advance()
                    if current != nil { advance() }
                } else if c == quote && peek(1) == quote && peek(2) == quote {
                    // Up to two quotes just inside the closing delimiter belong to the string.
                    while current == quote { advance() }
                    return
                } else {
                    advance()
                }
            }
        } else {
            advance()
            while let c = current, c != ASCII.newline {
                advance()
                if c == quote { return }
                if escapes && c == ASCII.backslash && current != nil && current != ASCII.newline { advance() }
            }
        }
    }

    // MARK: Keys

    /// A possibly dotted key; empty if `position` holds no key.
    mutating func dottedKey() -> [String] {
        var keys: [String] = []
        while true {
            skipTrivia(newlines: false)
            guard let c = current else { break }
            if c == ASCII.quote || c == ASCII.apostrophe {
                keys.append(quotedKey())
            } else if ASCII.isBareKey(c) {
                let start = position
                while let c = current, ASCII.isBareKey(c) { advance() }
                keys.append(String(decoding: bytes[start..<position], as: UTF8.self))
            } else {
                break
            }
            skipTrivia(newlines: false)
            guard current == ASCII.dot else { break }
            advance()
        }
        return keys
    }

    /// A `"basic"` key with its escapes decoded, or a `'literal'` key.
    mutating func quotedKey() -> String {
        let quote = bytes[position]
        advance()
        var out: [UInt8] = []
        while let c = current, c != quote, c != ASCII.newline {
            advance()
            guard quote == ASCII.quote && c == ASCII.backslash, let e = current else {
                out.append(c)
                continue
            }
            advance()
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "e"): out.append(0x1B)
            case UInt8(ascii: "u"): appendScalar(hexDigits: 4, to: &out)
            case UInt8(ascii: "U"): appendScalar(hexDigits: 8, to: &out)
            case UInt8(ascii: "x"): appendScalar(hexDigits: 2, to: &out)
            default: out.append(e)
            }
        }
        if current == quote { advance() }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads `hexDigits` hex digits of an escape and appends that scalar's UTF-8.
    mutating func appendScalar(hexDigits: Int, to out: inout [UInt8]) {
        var value: UInt32 = 0
        for _ in 0..<hexDigits {
            guard let c = current, let digit = Hex.digitValue(c) else { break }
            value = value &* 16 &+ UInt32(digit)
            advance()
        }
        if let scalar = Unicode.Scalar(value) { out += Array(String(Character(scalar)).utf8) }
    }

    // MARK: Trivia

    /// Skips spaces, tabs and comments, and newlines too if `newlines`.
    mutating func skipTrivia(newlines: Bool) {
        while let c = current {
            if c == ASCII.space || c == ASCII.tab || c == ASCII.carriageReturn {
                advance()
            } else if c == ASCII.newline && newlines {
                advance()
            } else if c == ASCII.hash {
                while let c = current, c != ASCII.newline { advance() }
            } else {
                return
            }
        }
    }

    /// Skips what is left of the line (a header's closing brackets, a comment), and the newline.
    mutating func skipRestOfLine() {
        while let c = current {
            advance()
            if c == ASCII.newline { return }
        }
    }
}

/// The bytes the scanner looks for.
private enum ASCII {
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let hash = UInt8(ascii: "#")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let backslash = UInt8(ascii: "\\")
    static let leftBracket = UInt8(ascii: "[")
    static let rightBracket = UInt8(ascii: "]")
    static let leftBrace = UInt8(ascii: "{")
    static let rightBrace = UInt8(ascii: "}")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let dot = UInt8(ascii: ".")
    static let scalarTerminators: Set<UInt8> = [comma, rightBracket, rightBrace, newline, carriageReturn, hash]

    static func isBareKey(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Entry points that turn a configuration file into a validated, lowered `Configuration`.

#if canImport(Glibc)
import Glibc
#endif
import TOMLKit

/// Reads, checks and lowers configuration files.
///
/// 1. The text must be UTF-8 without NUL bytes (TOMLKit hands the text to toml++ as a C string).
/// 2. `SourceLocator` scans it, and refuses the table headers toml++ 3.4 would assert on.
/// 3. TOMLKit parses it; a syntax error is reported alone, with toml++'s line and column.
/// 4. `ConfigReader` checks every table and key against the schema, and every tunnel and session
///    against the others, collecting all errors.
/// 5. Without errors the tunnels and sessions are lowered to their create requests; otherwise all
///    errors are thrown together, in line order.
public enum ConfigLoader {
    /// Reads the file at `path` and parses it (see `parse`). Errors name `path` as given.
    public static func load(path: String) throws(ConfigErrors) -> Configuration {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConfigErrors(errors: [ConfigError(path: path, line: 0, message: FileError(errno: errno).message)])
        }
        defer { close(fd) }
        return try readConfiguration(fd, path: path)
    }

    /// Reads an open file to its end and parses it (see `parse`): a file a client passed to the daemon.
    /// Only a regular file is read (a pipe or socket could block the reader for ever). Errors name
    /// `path`. The caller keeps the descriptor.
    public static func load(descriptor fd: Int32, path: String) throws(ConfigErrors) -> Configuration {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw ConfigErrors(errors: [
                ConfigError(path: path, line: 0, message: "not a regular file; a configuration file is a file")
            ])
        }
        return try readConfiguration(fd, path: path)
    }

    /// Reads `fd` to its end and parses what it holds.
    private static func readConfiguration(_ fd: Int32, path: String) throws(ConfigErrors) -> Configuration {
        let bytes: [UInt8]
        switch readAll(fd) {
        case .success(let b): bytes = b
        case .failure(let error):
            throw ConfigErrors(errors: [ConfigError(path: path, line: 0, message: error.message)])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let line = lineOfFirstInvalidUTF8(bytes)
            throw ConfigErrors(errors: [
                ConfigError(path: path, line: line, message: "not valid UTF-8; a configuration file is UTF-8 text")
            ])
        }
        return try parse(text, path: path)
    }

    /// Parses configuration text; `path` is only used to name the file in errors and reload reasons.
    public static func parse(_ text: String, path: String) throws(ConfigErrors) -> Configuration {
        if let nul = text.utf8.firstIndex(of: 0) {
            let line = 1 + text.utf8[..<nul].count { $0 == UInt8(ascii: "\n") }
            throw ConfigErrors(errors: [
                ConfigError(path: path, line: line, message: "contains a NUL byte; a configuration file is text")
            ])
        }
        let locator = SourceLocator(text: text)
        if let at = locator.namelessHeader {
            throw ConfigErrors(errors: [
                ConfigError(
                    path: path, line: at.line,
                    message: "TOML syntax error at column \(at.column): a table header needs a name that starts with "
                        + "a letter, a digit, '_', '-' or a quote: write [name] or [[name]]")
            ])
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let at = error.source.begin
            throw ConfigErrors(errors: [
                ConfigError(
                    path: path, line: max(at.line, 1),
                    message: "TOML syntax error at column \(at.column): \(error.description)")
            ])
        } catch {
            throw ConfigErrors(errors: [ConfigError(path: path, line: 1, message: "TOML syntax error: \(error)")])
        }
        let diagnostics = Diagnostics(file: path, locator: locator)
        let configuration = ConfigReader(diagnostics: diagnostics).read(root)
        guard diagnostics.errors.isEmpty else { throw ConfigErrors(errors: diagnostics.errors) }
        return configuration
    }

    /// The whole file from the descriptor's offset, or a message saying why it cannot be read.
    private static func readAll(_ fd: Int32) -> Result<[UInt8], FileError> {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(FileError(errno: errno))
            }
            if n == 0 { return .success(bytes) }
            bytes += chunk[0..<n]
            if bytes.count > maximumFileSize {
                return .failure(
                    FileError(
                        message: "larger than \(maximumFileSize / 1_048_576) MiB; is this the configuration file?"))
            }
        }
    }

    /// Files larger than this are refused rather than parsed.
    static let maximumFileSize = 16 * 1_048_576

    /// 1-based line of the first byte that is not part of valid UTF-8.
    private static func lineOfFirstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var line = 1
        var lineStart = 0
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            if String(validating: bytes[lineStart..<i], as: UTF8.self) == nil { return line }
            line += 1
            lineStart = i + 1
        }
        return line
    }
}

/// Why a configuration file could not be read.
private struct FileError: Error {
    var message: String

    init(message: String) {
        self.message = message
    }

    init(errno code: Int32) {
        message = "cannot read: \(String(cString: strerror(code)))"
    }
}

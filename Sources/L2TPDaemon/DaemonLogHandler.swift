// SPDX-License-Identifier: GPL-2.0-only
// Log lines for people and for journald: `LEVEL message key=value ...` on stderr, with a timestamp
// on a terminal or file, and with the syslog priority prefix (`<6>`) instead when stderr is the
// journal ($JOURNAL_STREAM), so journald records each line's level.

import Glibc
import Logging
import Synchronization

/// A swift-log handler writing one line per message to standard error.
public struct DaemonLogHandler: LogHandler {
    /// The level of every logger that has not set its own: `--log-level` or `log_level`, changed by a
    /// reload.
    public static var level: Logger.Level {
        get { Logger.Level.allCases[sharedLevel.load(ordering: .relaxed)] }
        set { sharedLevel.store(Logger.Level.allCases.firstIndex(of: newValue)!, ordering: .relaxed) }
    }
    private static let sharedLevel = Atomic<Int>(Logger.Level.allCases.firstIndex(of: .info)!)

    /// A level this logger set for itself (the trace log's debug logger), instead of the shared one.
    private var ownLevel: Logger.Level?
    public var logLevel: Logger.Level {
        get { ownLevel ?? Self.level }
        set { ownLevel = newValue }
    }
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let journal: Bool

    /// Serialises writes from several threads.
    private static let lock = Mutex(())

    public init(label: String, environment: [String: String]) {
        self.label = label
        journal = environment["JOURNAL_STREAM"] != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = journal ? "<\(Self.syslogPriority(event.level))>" : Self.timestamp() + " "
        line += "\(event.level.rawValue.uppercased()) \(event.message)"
        var all = metadata
        event.metadata.map { all.merge($0) { $1 } }
        for key in all.keys.sorted() { line += " \(key)=\(all[key]!)" }
        line += "\n"
        let bytes = Array(line.utf8)
        Self.lock.withLock { _ in
            _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
    }

    /// sd-daemon(3) priorities.
    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    private static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var tm = tm()
        var seconds = ts.tv_sec
        gmtime_r(&seconds, &tm)
        var buf = [CChar](repeating: 0, count: 32)
        _ = strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%S", &tm)
        let millis = ts.tv_nsec / 1_000_000
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } + ".\(ms)Z"
    }
}

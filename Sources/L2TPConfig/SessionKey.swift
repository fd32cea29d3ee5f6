// SPDX-License-Identifier: GPL-2.0-only
// The (tunnel id, session id) pair that names a session across reloads.

/// Names a session: its tunnel's id and its own id.
public struct SessionKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var tunnel: UInt32
    public var session: UInt32

    public init(tunnel: UInt32, session: UInt32) {
        self.tunnel = tunnel
        self.session = session
    }

    public static func < (a: SessionKey, b: SessionKey) -> Bool {
        (a.tunnel, a.session) < (b.tunnel, b.session)
    }

    /// `TUNNEL/SESSION`, as reload reasons print it.
    public var description: String { "\(tunnel)/\(session)" }
}

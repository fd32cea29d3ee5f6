// SPDX-License-Identifier: GPL-2.0-only
// SESSION_CREATE and SESSION_MODIFY read as l2tp_nl_cmd_session_create / _modify read them: required
// attributes and their errnos in the kernel's order, defaults applied, attributes the session ignores
// dropped. The one reading the control plane creates and modifies sessions with and a configuration
// reload compares sessions with.

#if canImport(Glibc)
import Glibc
#endif
import L2TPWire

/// What a SESSION_CREATE request means, in a tunnel of a given version; SESSION_MODIFY changes the
/// sequencing fields and `debug`. Two requests that create the same session are equal.
public struct SessionCreateRequest: Equatable, Sendable {
    /// L2TP_ATTR_CONN_ID: the session's tunnel.
    public var tunnelID: TunnelID
    /// L2TP_ATTR_SESSION_ID.
    public var id: SessionID
    /// L2TP_ATTR_PEER_SESSION_ID.
    public var peerID: SessionID
    /// L2TP_ATTR_PW_TYPE, below `PseudowireType.limit` (whether this l2tpd has it is the control
    /// plane's question).
    public var pseudowireType: UInt16
    /// v3 only (none in v2 tunnels).
    public var cookie: Cookie
    public var peerCookie: Cookie
    /// v3 only; absent is the Default L2-Specific Sublayer (`.none` in v2 tunnels).
    public var l2spec: L2SpecType
    /// L2TP_ATTR_IFNAME, v3 only; nil: the pseudowire picks a name.
    public var interfaceName: String?
    /// RECV_SEQ, SEND_SEQ and LNS_MODE by their low bit (the kernel keeps them in 1-bit fields).
    public var recvSeq: Bool
    public var sendSeq: Bool
    public var lnsMode: Bool
    /// L2TP_ATTR_RECV_TIMEOUT in milliseconds; absent is 0 (no reordering).
    public var reorderTimeout: UInt64
    /// L2TP_ATTR_DEBUG; absent is 0.
    public var debug: UInt32

    /// Reads `a` for a tunnel of `version`, after the tunnel was found, in l2tp_nl_cmd_session_create's
    /// order: SESSION_ID, PEER_SESSION_ID and PW_TYPE present, PW_TYPE in range, PPP only in L2TPv2
    /// tunnels, then (v3) L2SPEC_TYPE valid and cookies of at most 8 bytes.
    public init(_ a: L2TPAttributes, version: ProtocolVersion) throws(NetlinkError) {
        guard let connID = a.connID else { throw .missing("L2TP_ATTR_CONN_ID") }
        guard let sessionID = a.sessionID else { throw .missing("L2TP_ATTR_SESSION_ID") }
        guard let peerSessionID = a.peerSessionID else { throw .missing("L2TP_ATTR_PEER_SESSION_ID") }
        guard let pwType = a.pwType else { throw .missing("L2TP_ATTR_PW_TYPE") }
        guard pwType < PseudowireType.limit else {
            throw NetlinkError(EINVAL, "L2TP_ATTR_PW_TYPE \(pwType) is out of range (at most \(PseudowireType.limit - 1))")
        }
        if version == .v2 && pwType != PseudowireType.ppp.rawValue {
            throw NetlinkError(EPROTONOSUPPORT, "L2TPv2 tunnels carry PPP sessions only (L2TP_ATTR_PW_TYPE 7)")
        }
        tunnelID = TunnelID(connID)
        id = SessionID(sessionID)
        peerID = SessionID(peerSessionID)
        pseudowireType = pwType
        cookie = .none
        peerCookie = .none
        l2spec = version == .v2 ? .none : .default
        if version == .v3 {
            if let raw = a.l2specType {
                guard let t = L2SpecType(rawValue: raw) else {
                    throw NetlinkError(EINVAL, "L2TP_ATTR_L2SPEC_TYPE \(raw) is neither none (0) nor default (1)")
                }
                l2spec = t
            }
            if let bytes = a.cookie {
                guard let c = Cookie(bytes: bytes) else { throw NetlinkError(EINVAL, "L2TP_ATTR_COOKIE is longer than 8 bytes") }
                cookie = c
            }
            if let bytes = a.peerCookie {
                guard let c = Cookie(bytes: bytes) else {
                    throw NetlinkError(EINVAL, "L2TP_ATTR_PEER_COOKIE is longer than 8 bytes")
                }
                peerCookie = c
            }
            interfaceName = a.ifname
        }
        recvSeq = (a.recvSeq ?? 0) & 1 != 0
        sendSeq = (a.sendSeq ?? 0) & 1 != 0
        lnsMode = (a.lnsMode ?? 0) & 1 != 0
        reorderTimeout = a.recvTimeout ?? 0
        debug = a.debug ?? 0
    }

    /// The request with a SESSION_MODIFY applied.
    public func applying(_ m: SessionModifyRequest) -> SessionCreateRequest {
        var r = self
        if let v = m.debug { r.debug = v }
        if let v = m.recvSeq { r.recvSeq = v }
        if let v = m.sendSeq { r.sendSeq = v }
        if let v = m.lnsMode { r.lnsMode = v }
        if let v = m.reorderTimeout { r.reorderTimeout = v }
        return r
    }

    /// The attributes of a SESSION_CREATE that means this request.
    public var attributes: L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = tunnelID.rawValue
        a.sessionID = id.rawValue
        a.peerSessionID = peerID.rawValue
        a.pwType = pseudowireType
        a.l2specType = l2spec.rawValue
        if cookie.count > 0 { a.cookie = cookie.bytes }
        if peerCookie.count > 0 { a.peerCookie = peerCookie.bytes }
        a.ifname = interfaceName
        a.recvSeq = recvSeq ? 1 : 0
        a.sendSeq = sendSeq ? 1 : 0
        a.lnsMode = lnsMode ? 1 : 0
        a.recvTimeout = reorderTimeout
        a.debug = debug
        return a
    }
}

/// What a SESSION_MODIFY request changes; nil fields are left alone. RECV_SEQ, SEND_SEQ and
/// LNS_MODE count by their low bit.
public struct SessionModifyRequest: Equatable, Sendable {
    public var debug: UInt32?
    public var recvSeq: Bool?
    public var sendSeq: Bool?
    public var lnsMode: Bool?
    public var reorderTimeout: UInt64?

    public init(debug: UInt32? = nil, recvSeq: Bool? = nil, sendSeq: Bool? = nil, lnsMode: Bool? = nil,
                reorderTimeout: UInt64? = nil) {
        self.debug = debug
        self.recvSeq = recvSeq
        self.sendSeq = sendSeq
        self.lnsMode = lnsMode
        self.reorderTimeout = reorderTimeout
    }

    public init(_ a: L2TPAttributes) {
        self.init(
            debug: a.debug, recvSeq: a.recvSeq.map { $0 & 1 != 0 }, sendSeq: a.sendSeq.map { $0 & 1 != 0 },
            lnsMode: a.lnsMode.map { $0 & 1 != 0 }, reorderTimeout: a.recvTimeout)
    }

    /// The modifiable fields of `desired` that differ from `current`.
    public init(from current: SessionCreateRequest, to desired: SessionCreateRequest) {
        self.init(
            debug: current.debug != desired.debug ? desired.debug : nil,
            recvSeq: current.recvSeq != desired.recvSeq ? desired.recvSeq : nil,
            sendSeq: current.sendSeq != desired.sendSeq ? desired.sendSeq : nil,
            lnsMode: current.lnsMode != desired.lnsMode ? desired.lnsMode : nil,
            reorderTimeout: current.reorderTimeout != desired.reorderTimeout ? desired.reorderTimeout : nil)
    }

    /// Nothing to change.
    public var isEmpty: Bool { self == SessionModifyRequest() }

    /// The attributes of a SESSION_MODIFY (without CONN_ID and SESSION_ID) that means this request.
    public var attributes: L2TPAttributes {
        var a = L2TPAttributes()
        a.debug = debug
        a.recvSeq = recvSeq.map { $0 ? 1 : 0 }
        a.sendSeq = sendSeq.map { $0 ? 1 : 0 }
        a.lnsMode = lnsMode.map { $0 ? 1 : 0 }
        a.recvTimeout = reorderTimeout
        return a
    }
}

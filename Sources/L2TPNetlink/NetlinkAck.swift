// SPDX-License-Identifier: GPL-2.0-only
// NLMSG_ERROR acknowledgements with extended-ack TLVs and NLMSG_DONE, as net/netlink/af_netlink.c writes them.

#if canImport(Glibc)
import Glibc
#endif

/// Acknowledgements and errors (`NLMSG_ERROR`) and the end of a dump (`NLMSG_DONE`).
///
/// ```
/// | nlmsghdr (type NLMSG_ERROR) | error: s32 (-errno, 0 = ACK) | the request's nlmsghdr (16) |
/// | [the request's payload, unless NLM_F_CAPPED] | [extack TLVs, with NLM_F_ACK_TLVS] |
/// ```
/// The middle part is `struct nlmsgerr`; the layout follows `netlink_ack` in net/netlink/af_netlink.c.
public enum NetlinkAck {
    /// The corresponding C constant is `NLMSGERR_ATTR_MSG` (a NUL-terminated string).
    public static let attrMessage: UInt16 = 1
    /// The corresponding C constant is `NLMSGERR_ATTR_OFFS` (u32 offset of the bad attribute).
    public static let attrOffset: UInt16 = 2

    /// NLMSG_ERROR answering `request` (its full bytes).
    ///
    /// - error nil or errno 0 is an ACK: `NLM_F_CAPPED`, only the request's header echoed. A message on
    ///   a zero-errno error is sent as a warning (`NLMSGERR_ATTR_MSG`), as the kernel does.
    /// - otherwise `error` is `-errno`, the whole request is echoed with flags 0 (or just its header
    ///   with `NLM_F_CAPPED` when `capped`, the `NETLINK_CAP_ACK` behaviour), and `NLMSGERR_ATTR_MSG`
    ///   (when the message is not empty) and `NLMSGERR_ATTR_OFFS` (when an offset is known) follow
    ///   with `NLM_F_ACK_TLVS`.
    ///
    /// `nlmsg_seq` is the request's; `nlmsg_pid` is `portID` (the kernel uses the requester's port).
    /// A request shorter than its header is echoed zero-padded to 16 bytes.
    public static func encode(answering request: [UInt8], error: NetlinkError?, portID: UInt32,
                              capped: Bool = false) -> [UInt8]
    {
        var echoedHeader = Array(request.prefix(NetlinkHeader.size))
        echoedHeader += [UInt8](repeating: 0, count: NetlinkHeader.size - echoedHeader.count)
        let header = NetlinkHeader(echoedHeader)!
        let errno = error?.errno ?? 0
        let isCapped = errno == 0 || capped
        var payload: [UInt8] = []
        if !isCapped, request.count > NetlinkHeader.size {
            let end = min(max(Int(header.length), NetlinkHeader.size), request.count)
            payload = Array(request[NetlinkHeader.size..<end])
        }
        let message = error.flatMap { $0.message.isEmpty ? nil : Array($0.message.utf8) }
        let offset = errno != 0 ? error?.attributeOffset : nil

        var flags: UInt16 = isCapped ? NetlinkFlags.capped : 0
        if message != nil || offset != nil { flags |= NetlinkFlags.ackTLVs }
        let capacity = NetlinkHeader.size + 20 + NetlinkHeader.align(payload.count)
            + (message.map { LibnlMessage.attributeSize($0.count + 1) } ?? 0) + LibnlMessage.attributeSize(4)
        let out = LibnlMessage(capacity: capacity)
        let body = out.putHeader(type: NetlinkMessageType.error, flags: flags, sequence: header.sequence,
                                 portID: portID, payload: 20)
        body.storeBytes(of: -errno, toByteOffset: 0, as: Int32.self)
        echoedHeader.withUnsafeBytes { (body + 4).copyMemory(from: $0.baseAddress!, byteCount: NetlinkHeader.size) }
        out.append(payload)
        if let message { out.putString(attrMessage, message) }
        if let offset { out.putU32(attrOffset, offset) }
        return out.bytes
    }

    /// NLMSG_DONE ending a dump: payload an int 0 (`dump_done_errno`), flags `NLM_F_MULTI`.
    public static func done(sequence: UInt32, portID: UInt32) -> [UInt8] {
        let out = LibnlMessage(capacity: NetlinkHeader.size + 4)
        out.putHeader(type: NetlinkMessageType.done, flags: NetlinkFlags.multi, sequence: sequence,
                      portID: portID, payload: 4)
        return out.bytes
    }

    /// Client side: parses an NLMSG_ERROR message into its errno (positive, 0 for an ACK) and, when
    /// `NLM_F_ACK_TLVS` is set, the extack message and attribute offset. Nil if `message` is not an
    /// NLMSG_ERROR or is too short to hold the error code.
    public static func parse(_ message: [UInt8]) -> (errno: Int32, message: String?, offset: UInt32?)? {
        guard let header = NetlinkHeader(message), header.type == NetlinkMessageType.error else { return nil }
        let length = min(Int(header.length), message.count)
        guard length >= NetlinkHeader.size + 4 else { return nil }
        let aligned = AlignedMessage(message, length: length)
        let error = aligned.base.loadUnaligned(fromByteOffset: NetlinkHeader.size, as: Int32.self)
        let errno = error == Int32.min ? Int32.max : -error
        guard header.flags & NetlinkFlags.ackTLVs != 0, length >= NetlinkHeader.size + 20 else {
            return (errno, nil, nil)
        }
        // TLVs follow struct nlmsgerr and, unless capped, the rest of the echoed request.
        var start = NetlinkHeader.size + 20
        if header.flags & NetlinkFlags.capped == 0 {
            let echoed = Int(aligned.base.loadUnaligned(fromByteOffset: NetlinkHeader.size + 4, as: UInt32.self))
            start += NetlinkHeader.align(max(echoed, NetlinkHeader.size) - NetlinkHeader.size)
        }
        var text: String?
        var offset: UInt32?
        if start < length {
            _ = aligned.walkAttributes(at: start, count: length - start) { attribute in
                switch attribute.type {
                case attrMessage: text = attribute.cString
                case attrOffset where attribute.count >= 4: offset = attribute.u32
                default: break
                }
            }
        }
        return (errno, text, offset)
    }
}

// SPDX-License-Identifier: GPL-2.0-only
// Walking a run of netlink attributes with libnl (nla_ok / nla_next), as the kernel's nla_for_each_attr does.

import CNetlink

/// One attribute met while walking a message: a view into the (aligned copy of the) message.
///
/// ```
/// | nla_len (u16) | nla_type (u16: N bit 15, B bit 14, type 0-13) | payload ... | pad to 4 |
/// ```
/// The corresponding C struct is `struct nlattr`.
struct NetlinkAttribute {
    /// The type without `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER` (`nla_type`).
    var type: UInt16
    /// The `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER` bits as sent.
    var flagBits: UInt16
    /// Byte offset of the attribute header from the start of the nlmsghdr (for NLMSGERR_ATTR_OFFS).
    var offset: Int
    /// `nla_data` .. `nla_data + nla_len`.
    var payload: UnsafeRawBufferPointer

    var count: Int { payload.count }

    /// The payload's first 1, 2, 4 or 8 bytes in host order; the caller has checked the length.
    var u8: UInt8 { payload.loadUnaligned(as: UInt8.self) }
    var u16: UInt16 { payload.loadUnaligned(as: UInt16.self) }
    var u32: UInt32 { payload.loadUnaligned(as: UInt32.self) }
    var u64: UInt64 { payload.loadUnaligned(as: UInt64.self) }
    var bytes: [UInt8] { Array(payload) }

    /// The bytes before the first NUL (or all of them), as text; invalid UTF-8 is repaired.
    var cString: String {
        let end = payload.firstIndex(of: 0) ?? payload.count
        return String(decoding: payload[0..<end], as: UTF8.self)
    }
}

/// A copy of a message in memory aligned for `struct nlmsghdr` / `struct nlattr`, on which libnl's
/// walking functions may run. `length` is the message's `nlmsg_len`, already checked to fit.
struct AlignedMessage: ~Copyable {
    let base: UnsafeMutableRawPointer
    let length: Int

    init(_ bytes: [UInt8], length: Int) {
        precondition(length <= bytes.count)
        let base = UnsafeMutableRawPointer.allocate(byteCount: max(length, 1), alignment: 8)
        bytes.withUnsafeBytes { source in
            if let from = source.baseAddress, length > 0 { base.copyMemory(from: from, byteCount: length) }
        }
        self.base = base
        self.length = length
    }

    deinit { base.deallocate() }

    /// Walks the attributes after the generic netlink header: `genlmsg_attrdata(gnlh, 0)` for
    /// `genlmsg_attrlen(gnlh, 0)` bytes. The caller has checked `length >= 20`.
    func walkGenlAttributes<E: Error>(_ body: (NetlinkAttribute) throws(E) -> Void) throws(E) -> Int {
        let gnlh = (base + NetlinkHeader.size).assumingMemoryBound(to: genlmsghdr.self)
        let first = genlmsg_attrdata(gnlh, 0)!
        let count = Int(genlmsg_attrlen(gnlh, 0))
        return try walk(first: first, count: count, body)
    }

    /// Walks `count` bytes of attributes starting `offset` bytes into the message.
    func walkAttributes<E: Error>(at offset: Int, count: Int, _ body: (NetlinkAttribute) throws(E) -> Void)
        throws(E) -> Int
    {
        guard offset <= length, count >= 0 else { return max(count, 0) }
        let first = (base + offset).assumingMemoryBound(to: nlattr.self)
        return try walk(first: first, count: min(count, length - offset), body)
    }

    /// Walks the attributes nested in `nest` (`nla_for_each_nested`).
    func walkNested<E: Error>(_ nest: NetlinkAttribute, _ body: (NetlinkAttribute) throws(E) -> Void) throws(E)
        -> Int
    {
        try walkAttributes(at: nest.offset + 4, count: nest.count, body)
    }

    /// `nla_for_each_attr`: stops at the first header that `nla_ok` rejects (shorter than 4 bytes or
    /// running past the end). Returns the bytes left over, which liberal parsing ignores.
    private func walk<E: Error>(first: UnsafeMutablePointer<nlattr>, count: Int,
                                _ body: (NetlinkAttribute) throws(E) -> Void) throws(E) -> Int
    {
        var remaining = Int32(clamping: count)
        var nla: UnsafeMutablePointer<nlattr>? = first
        while let current = nla, nla_ok(current, remaining) != 0 {
            let data = UnsafeRawPointer(nla_data(current)!)
            let attribute = NetlinkAttribute(
                type: UInt16(truncatingIfNeeded: nla_type(current)),
                flagBits: current.pointee.nla_type & UInt16(NLA_F_NESTED | NLA_F_NET_BYTEORDER),
                offset: UnsafeRawPointer(current) - UnsafeRawPointer(base),
                payload: UnsafeRawBufferPointer(start: data, count: Int(nla_len(current))))
            try body(attribute)
            nla = nla_next(current, &remaining)
        }
        return Int(max(remaining, 0))
    }
}

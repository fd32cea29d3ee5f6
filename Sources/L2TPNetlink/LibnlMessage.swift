// SPDX-License-Identifier: GPL-2.0-only
// A thin owner of a libnl `struct nl_msg` used to build every message this module sends, then copied out.

import CNetlink

/// Builds one netlink message with libnl (`nlmsg_alloc_size`, `nlmsg_put` / `genlmsg_put`, `nla_put_*`).
///
/// The buffer is sized by the caller for the whole message, so a failing `nla_put_*` (which only
/// happens when the buffer is too small) is a programming error and traps.
final class LibnlMessage {
    private let msg: OpaquePointer

    /// Allocates a zeroed buffer of `capacity` bytes (`nlmsg_alloc_size`, which uses calloc).
    init(capacity: Int) {
        guard let msg = nlmsg_alloc_size(max(capacity, 64)) else {
            fatalError("nlmsg_alloc_size(\(capacity)) failed: out of memory")
        }
        self.msg = msg
    }

    deinit { nlmsg_free(msg) }

    /// Writes the nlmsghdr and reserves `payload` zeroed bytes after it (`nlmsg_put`). Returns the payload.
    @discardableResult
    func putHeader(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32, payload: Int)
        -> UnsafeMutableRawPointer
    {
        guard let nlh = nlmsg_put(msg, portID, sequence, Int32(type), Int32(payload), Int32(flags)) else {
            fatalError("nlmsg_put: buffer too small")
        }
        return nlmsg_data(nlh)
    }

    /// Writes the nlmsghdr and the genlmsghdr (`genlmsg_put`, no family header).
    func putGenlHeader(family: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32,
                       command: UInt8, version: UInt8)
    {
        guard genlmsg_put(msg, portID, sequence, Int32(family), 0, Int32(flags), command, version) != nil else {
            fatalError("genlmsg_put: buffer too small")
        }
    }

    /// Appends raw payload bytes after what is there, padded to 4 bytes (`nlmsg_append`).
    func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        var copy = bytes
        let rc = copy.withUnsafeMutableBytes { nlmsg_append(msg, $0.baseAddress, $0.count, 4) }
        precondition(rc == 0, "nlmsg_append: buffer too small")
    }

    /// `nla_put_u8`.
    func putU8(_ type: UInt16, _ value: UInt8) { check(nla_put_u8(msg, Int32(type), value)) }
    /// `nla_put_u16`.
    func putU16(_ type: UInt16, _ value: UInt16) { check(nla_put_u16(msg, Int32(type), value)) }
    /// `nla_put_u32`.
    func putU32(_ type: UInt16, _ value: UInt32) { check(nla_put_u32(msg, Int32(type), value)) }
    /// `nla_put_u64`: 8 bytes, no pad attribute (as the kernel's `nla_put_u64_64bit` on x86-64).
    func putU64(_ type: UInt16, _ value: UInt64) { check(nla_put_u64(msg, Int32(type), value)) }
    /// `nla_put_flag`: a zero-length attribute.
    func putFlag(_ type: UInt16) { check(nla_put_flag(msg, Int32(type))) }

    /// `nla_put` with exactly `bytes` as payload (binary data, addresses).
    func putBytes(_ type: UInt16, _ bytes: [UInt8]) {
        check(bytes.withUnsafeBytes { nla_put(msg, Int32(type), Int32($0.count), $0.baseAddress) })
    }

    /// `nla_put` of `bytes` plus a terminating NUL (what `nla_put_string` writes, but an embedded NUL
    /// in `bytes` is kept rather than cutting the string short).
    func putString(_ type: UInt16, _ bytes: [UInt8]) { putBytes(type, bytes + [0]) }

    /// Opens a nest with `nla_nest_start` and clears `NLA_F_NESTED`, which libnl 3.5+ sets but the
    /// kernel's `nla_nest_start_noflag` (used by l2tp_netlink.c and genetlink.c) does not.
    func beginNest(_ type: UInt16) -> UnsafeMutablePointer<nlattr> {
        guard let nest = nla_nest_start(msg, Int32(type)) else { fatalError("nla_nest_start: buffer too small") }
        nest.pointee.nla_type &= ~UInt16(NLA_F_NESTED)
        return nest
    }

    /// `nla_nest_end`. Note that libnl drops a nest that ended up empty.
    func endNest(_ nest: UnsafeMutablePointer<nlattr>) { check(nla_nest_end(msg, nest)) }

    /// The finished message: `nlmsg_hdr(msg)->nlmsg_len` bytes.
    var bytes: [UInt8] {
        let nlh = nlmsg_hdr(msg)!
        let length = Int(nlh.pointee.nlmsg_len)
        return Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(nlh), count: length))
    }

    private func check(_ rc: Int32) {
        precondition(rc >= 0, "libnl attribute put failed (\(rc)): message buffer too small")
    }

    /// Bytes an attribute with `payload` bytes occupies, padding included (`nla_total_size`).
    static func attributeSize(_ payload: Int) -> Int { 4 + NetlinkHeader.align(payload) }
}

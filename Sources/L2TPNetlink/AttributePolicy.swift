// SPDX-License-Identifier: GPL-2.0-only
// The kernel's attribute policy checks (lib/nlattr.c validate_nla) under liberal validation, in Swift.

#if canImport(Glibc)
import Glibc
#endif

/// One entry of an attribute policy. The corresponding C struct is `struct nla_policy`.
///
/// `check` follows `validate_nla` in lib/nlattr.c for a family whose ops say
/// `GENL_DONT_VALIDATE_STRICT` (`NL_VALIDATE_LIBERAL`): a value longer than its type is accepted and
/// read from its first bytes (the kernel only warns "attribute type N has an invalid length"),
/// `NLA_F_NESTED` is neither required nor rejected, and only a too-short value, an over-long binary
/// or string, or a string without its NUL fails.
enum AttributePolicy {
    /// `NLA_U8`, `NLA_U16`, `NLA_U32`, `NLA_U64`, `NLA_MSECS`: at least `size` bytes, else `ERANGE`.
    case integer(size: Int)
    /// `NLA_NUL_STRING` with `.len = maxLength`: a NUL within the first `maxLength + 1` bytes
    /// (else `EINVAL`), and at most `maxLength` bytes once one trailing NUL is dropped (else `ERANGE`).
    case nulString(maxLength: Int)
    /// `NLA_BINARY` with `.len = maxLength`: at most `maxLength` bytes, else `ERANGE`.
    case binary(maxLength: Int)
    /// `NLA_NESTED` without a nested policy: empty, or at least one attribute header (4 bytes).
    case nested
    /// `NLA_UNSPEC` / no entry (flags, PAD): anything goes.
    case unspecified

    /// Validates `attribute` named `name` (a C constant such as "L2TP_ATTR_IFNAME").
    /// Errors carry the attribute's offset for `NLMSGERR_ATTR_OFFS`.
    func check(_ attribute: NetlinkAttribute, name: String) throws(NetlinkError) {
        let length = attribute.count
        func fail(_ errno: Int32, _ text: String) -> NetlinkError {
            NetlinkError(errno, "\(name): \(text)", attributeOffset: UInt32(attribute.offset))
        }
        switch self {
        case .integer(let size):
            if length < size {
                throw fail(ERANGE, "\(length) byte\(length == 1 ? "" : "s") is too short for a u\(size * 8) "
                    + "(expected \(size) bytes)")
            }
        case .nulString(let maxLength):
            // validate_nla: the NUL must sit within the first min(len, maxLength + 1) bytes.
            let window = min(length, maxLength + 1)
            if window == 0 {
                throw fail(EINVAL, "empty; expected a NUL-terminated string of at most \(maxLength) bytes")
            }
            if !attribute.payload[0..<window].contains(0) {
                if length > maxLength {
                    throw fail(EINVAL, "longer than \(maxLength) bytes (no NUL within the first "
                        + "\(maxLength + 1) of \(length) bytes)")
                }
                throw fail(EINVAL, "not NUL-terminated; send the string followed by a 0 byte")
            }
            let stripped = attribute.payload[length - 1] == 0 ? length - 1 : length
            if stripped > maxLength {
                throw fail(ERANGE, "longer than \(maxLength) bytes (\(length) bytes including trailing NULs)")
            }
        case .binary(let maxLength):
            if length > maxLength {
                throw fail(ERANGE, "\(length) bytes, at most \(maxLength) allowed")
            }
        case .nested:
            if length != 0 && length < 4 {
                throw fail(ERANGE, "\(length) bytes is too short for a nest (empty, or at least one "
                    + "4-byte attribute header)")
            }
        case .unspecified:
            break
        }
    }
}

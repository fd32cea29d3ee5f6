// SPDX-License-Identifier: GPL-2.0-only
// Swift faces of the preload library's parse.c, over byte arrays, for the tests.

import CL2TPPreload

/// Calls into parse.c (`l2tpd_preload_*`). The C functions read `length` bytes of the message (its
/// nlmsg_len), which defaults to the whole array; the array always holds at least that many.
enum PreloadParser {
    /// Where `l2tpd_preload_classify` sends a message.
    enum Route: Equatable, CustomStringConvertible {
        /// 0: the kernel.
        case kernel
        /// 1 with the `l2tpd` family flag clear: l2tpd, as `l2tp` traffic.
        case l2tp
        /// 1 with the flag set: l2tpd, and the program now knows the `l2tpd` family.
        case l2tpd
        /// Any other return value, or the flag set on the way to the kernel: never valid.
        case invalid(result: Int32, l2tpdFamily: Bool)

        init(result: Int32, l2tpdFamily: Bool) {
            switch (result, l2tpdFamily) {
            case (0, false): self = .kernel
            case (1, false): self = .l2tp
            case (1, true): self = .l2tpd
            default: self = .invalid(result: result, l2tpdFamily: l2tpdFamily)
            }
        }

        var description: String {
            switch self {
            case .kernel: "kernel"
            case .l2tp: "l2tpd (l2tp)"
            case .l2tpd: "l2tpd (l2tpd family)"
            case .invalid(let result, let flag): "invalid (\(result), l2tpd_family \(flag))"
            }
        }
    }

    /// `l2tpd_preload_classify` of one nlmsg (nlmsg_len at least 16, as the callers guarantee).
    static func classify(_ message: [UInt8], length: Int? = nil) -> Route {
        let length = length ?? message.count
        precondition(length >= 16 && length <= message.count, "classify needs a whole nlmsghdr")
        var flag = false
        let result = message.withUnsafeBufferPointer {
            l2tpd_preload_classify($0.baseAddress, UInt32(length), &flag)
        }
        return Route(result: result, l2tpdFamily: flag)
    }

    /// `l2tpd_preload_classify_nlctrl`, called directly.
    static func classifyNlctrl(_ message: [UInt8], length: Int? = nil) -> Route {
        let length = length ?? message.count
        precondition(length <= message.count)
        var flag = false
        let result = message.withUnsafeBufferPointer {
            l2tpd_preload_classify_nlctrl($0.baseAddress, UInt32(length), &flag)
        }
        return Route(result: result, l2tpdFamily: flag)
    }

    /// `l2tpd_preload_any_for_l2tpd` over the whole buffer.
    static func anyForL2TPD(_ buffer: [UInt8]) -> Bool {
        buffer.withUnsafeBufferPointer { l2tpd_preload_any_for_l2tpd($0.baseAddress, $0.count) }
    }

    /// `l2tpd_preload_passed_fd_of`: the descriptor in L2TP_ATTR_FD, or -1.
    static func passedFD(_ message: [UInt8], length: Int? = nil) -> Int32 {
        let length = length ?? message.count
        precondition(length <= message.count)
        return message.withUnsafeBufferPointer { l2tpd_preload_passed_fd_of($0.baseAddress, UInt32(length)) }
    }

    /// `l2tpd_preload_is_private_ack`: the request's sequence number and the error field, or nil.
    static func privateAck(_ datagram: [UInt8]) -> (sequence: UInt32, error: Int32)? {
        var sequence: UInt32 = 0xdead_beef
        var error: Int32 = 0x0bad
        let yes = datagram.withUnsafeBufferPointer {
            l2tpd_preload_is_private_ack($0.baseAddress, $0.count, &sequence, &error)
        }
        return yes ? (sequence, error) : nil
    }

    /// `l2tpd_preload_is_control_frames`.
    static func isControlFrames(_ datagram: [UInt8]) -> Bool {
        datagram.withUnsafeBufferPointer { l2tpd_preload_is_control_frames($0.baseAddress, $0.count) }
    }
}

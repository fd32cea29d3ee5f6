// SPDX-License-Identifier: GPL-2.0-only
// Process resource limits: one descriptor per session device and per UDP tunnel means thousands of
// descriptors, above the usual soft limit of 1024 (l2tpd uses epoll only, never select).

import Glibc

public enum ResourceLimits {
    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force.
    /// The corresponding C functions are `getrlimit` and `setrlimit`.
    @discardableResult
    public static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
        }
        return UInt64(limit.rlim_cur)
    }
}

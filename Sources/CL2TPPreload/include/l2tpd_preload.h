// SPDX-License-Identifier: GPL-2.0-only
// Public header of libl2tpd-preload.so, the LD_PRELOAD library that lets unmodified programs (iproute2's
// `ip l2tp`, libnl programs, pyroute2) drive l2tpd through the Generic Netlink `l2tp` family as if it
// were the kernel. Load it with `l2tpd-run PROGRAM ARGS...` or LD_PRELOAD. See preload.c for the design.
//
// Environment read by the library when it is loaded:
//   L2TPD_SOCKET          l2tpd's control socket (default L2TPD_PRELOAD_DEFAULT_SOCKET)
//   L2TPD_PRELOAD_DEBUG   "1": trace routing decisions to stderr (otherwise the library prints nothing)

#ifndef L2TPD_PRELOAD_H
#define L2TPD_PRELOAD_H

#ifdef __cplusplus
extern "C" {
#endif

/// The control socket used when L2TPD_SOCKET is not set.
#define L2TPD_PRELOAD_DEFAULT_SOCKET "/run/l2tpd/control.sock"

/// Generic Netlink family ids l2tpd hands out (outside the kernel's dynamic range, <= 1023).
#define L2TPD_PRELOAD_FAMILY_L2TP 0x6c32
#define L2TPD_PRELOAD_FAMILY_L2TPD 0x6c33
/// The id of the `l2tp` multicast group l2tpd announces.
#define L2TPD_PRELOAD_GROUP_L2TP 0x6c32

/// The `l2tpd` family's commands and attributes the library uses (see L2TPDGenl.swift).
#define L2TPD_PRELOAD_CMD_CONTROL_FRAME 2
#define L2TPD_PRELOAD_CMD_SET_PORT 3
#define L2TPD_PRELOAD_CMD_ADD_MEMBERSHIP 4
#define L2TPD_PRELOAD_CMD_DROP_MEMBERSHIP 5
#define L2TPD_PRELOAD_ATTR_PORT 4
#define L2TPD_PRELOAD_ATTR_GROUP 5

/// nlmsg_pid of the requests the library itself sends to l2tpd (SET_PORT, memberships), so that their
/// acknowledgements, which echo the request header, are recognised and never reach the program.
#define L2TPD_PRELOAD_PRIVATE_PID 0x6c32ff00u

/// 1 if this copy of the library intercepts calls (it was loaded as a shared object, e.g. through
/// LD_PRELOAD); 0 if it was linked into an executable, where every wrapper only forwards to libc.
int l2tpd_preload_active(void);

/// The library's version string.
const char *l2tpd_preload_version(void);

#ifdef __cplusplus
}
#endif

#endif

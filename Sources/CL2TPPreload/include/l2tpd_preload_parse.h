// SPDX-License-Identifier: GPL-2.0-only
// The preload library's pure byte parsing (parse.c): which nlmsgs of a send go to l2tpd, the descriptor an
// `l2tp` TUNNEL_CREATE passes, and what a datagram from l2tpd is. No I/O, no state, no allocation.
//
// Internal to libl2tpd-preload.so: every function is hidden, so the program the library is preloaded into
// never sees these names. They are declared in the module's include directory so that the unit tests
// (Tests/L2TPPreloadTests) can call them through the CL2TPPreload module.

#ifndef L2TPD_PRELOAD_PARSE_H
#define L2TPD_PRELOAD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Not exported from the shared library (still linkable from other objects of the same image).
#define L2TPD_PRELOAD_HIDDEN __attribute__((visibility("hidden")))

/// Kernel constants the parsers compare with. parse.c checks them against the kernel's headers at
/// compile time; L2TPPreloadTests checks them against their Swift counterparts.
/// nlctrl's message type, `GENL_ID_CTRL` (Swift: `NetlinkMessageType.genlControl`).
#define L2TPD_PRELOAD_NLCTRL_TYPE 0x10
/// `L2TP_CMD_TUNNEL_CREATE` of the `l2tp` family (Swift: `L2TPCommand.tunnelCreate`).
#define L2TPD_PRELOAD_L2TP_CMD_TUNNEL_CREATE 1
/// `L2TP_ATTR_FD` of the `l2tp` family (Swift: `L2TPAttr.fd`).
#define L2TPD_PRELOAD_L2TP_ATTR_FD 23

// MARK: - Byte helpers (host byte order, any alignment)

/// The u32 at `p`.
L2TPD_PRELOAD_HIDDEN uint32_t l2tpd_preload_get32(const uint8_t *p);
/// The u16 at `p`.
L2TPD_PRELOAD_HIDDEN uint16_t l2tpd_preload_get16(const uint8_t *p);
/// Writes `v` at `p`.
L2TPD_PRELOAD_HIDDEN void l2tpd_preload_put32(uint8_t *p, uint32_t v);
/// Writes `v` at `p`.
L2TPD_PRELOAD_HIDDEN void l2tpd_preload_put16(uint8_t *p, uint16_t v);
/// `n` rounded up to a multiple of 4 (NLMSG_ALIGN, NLA_ALIGN).
L2TPD_PRELOAD_HIDDEN size_t l2tpd_preload_align4(size_t n);

// MARK: - Messages a program sends

/// An nlctrl message (at `m`, nlmsg_len `len`, `len` bytes readable): 1 if it is a CTRL_CMD_GETFAMILY
/// for l2tpd, 0 if it is for the kernel. The name wins over the id, as in the kernel's ctrl_getfamily;
/// a dump (NLM_F_DUMP) always goes to the kernel. Attributes are walked like nla_ok/nla_next: a header
/// shorter than 4 bytes or running past `len` ends the walk. Sets *l2tpd_family when the message names
/// the `l2tpd` family (it is left alone otherwise).
L2TPD_PRELOAD_HIDDEN int l2tpd_preload_classify_nlctrl(const uint8_t *m, uint32_t len, bool *l2tpd_family);

/// One nlmsg (at `m`, nlmsg_len `len` of at least 16, `len` bytes readable): 1 if it is for l2tpd
/// (of type `l2tp` or `l2tpd`, or an nlctrl lookup of them), 0 for the kernel. Sets *l2tpd_family for
/// the `l2tpd` family's messages and lookups.
L2TPD_PRELOAD_HIDDEN int l2tpd_preload_classify(const uint8_t *m, uint32_t len, bool *l2tpd_family);

/// Whether any nlmsg of the `len`-byte buffer `b` is for l2tpd. The walk ends at the first header
/// whose nlmsg_len is shorter than a header or runs past the buffer.
L2TPD_PRELOAD_HIDDEN bool l2tpd_preload_any_for_l2tpd(const uint8_t *b, size_t len);

/// The descriptor number in L2TP_ATTR_FD (at least 4 bytes of payload) of an `l2tp` TUNNEL_CREATE
/// (at `m`, nlmsg_len `len`, `len` bytes readable), or -1.
L2TPD_PRELOAD_HIDDEN int l2tpd_preload_passed_fd_of(const uint8_t *m, uint32_t len);

// MARK: - Datagrams from l2tpd

/// Whether the `n`-byte datagram `b` is l2tpd's NLMSG_ERROR (ACK or error) answering one of the
/// library's own `l2tpd` requests (nlmsg_pid L2TPD_PRELOAD_PRIVATE_PID in the echoed header). If so,
/// sets *seq to the request's sequence number and *error to the error field (0 or -errno).
L2TPD_PRELOAD_HIDDEN bool l2tpd_preload_is_private_ack(const uint8_t *b, size_t n, uint32_t *seq, int *error);

/// Whether the `n`-byte datagram `b` starts with an `l2tpd` CONTROL_FRAME message.
L2TPD_PRELOAD_HIDDEN bool l2tpd_preload_is_control_frames(const uint8_t *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif

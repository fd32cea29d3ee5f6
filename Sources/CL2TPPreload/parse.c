// SPDX-License-Identifier: GPL-2.0-only
// The preload library's pure byte parsing: which nlmsgs go to l2tpd, the descriptor a TUNNEL_CREATE passes,
// and what a datagram from l2tpd is (see l2tpd_preload_parse.h). No I/O, no state; preload.c does the rest.
//
// Messages are read in host byte order, as netlink is:
//
//   nlmsghdr     | len u32 | type u16 | flags u16 | seq u32 | pid u32 |              bytes 0..15
//   genlmsghdr   | cmd u8 | version u8 | reserved u16 |                              bytes 16..19
//   attributes   | nla_len u16 | nla_type u16 | payload | pad to 4 | ...            from byte 20
//
//   NLMSG_ERROR  | nlmsghdr | error s32 | the request's nlmsghdr (16) | [payload] [extack TLVs] |

#define _POSIX_C_SOURCE 200809L   // strnlen
#include <linux/genetlink.h>
#include <linux/l2tp.h>
#include <linux/netlink.h>
#include <string.h>

#include "l2tpd_preload.h"
#include "l2tpd_preload_parse.h"

_Static_assert(L2TPD_PRELOAD_NLCTRL_TYPE == GENL_ID_CTRL, "nlctrl's type is GENL_ID_CTRL");
_Static_assert(L2TPD_PRELOAD_L2TP_CMD_TUNNEL_CREATE == L2TP_CMD_TUNNEL_CREATE, "L2TP_CMD_TUNNEL_CREATE");
_Static_assert(L2TPD_PRELOAD_L2TP_ATTR_FD == L2TP_ATTR_FD, "L2TP_ATTR_FD");

// ---------------------------------------------------------------------------------------------------
// Byte helpers.

uint32_t l2tpd_preload_get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
uint16_t l2tpd_preload_get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
void l2tpd_preload_put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
void l2tpd_preload_put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
size_t l2tpd_preload_align4(size_t n) { return (n + 3) & ~(size_t)3; }

// ---------------------------------------------------------------------------------------------------
// Classifying messages.

// The string/u16 attributes of an nlctrl GETFAMILY decide; the name wins, as in ctrl_getfamily.
// Returns 1 for l2tpd, 0 for the kernel; *l2tpd_family is set when it names the `l2tpd` family.
int l2tpd_preload_classify_nlctrl(const uint8_t *m, uint32_t len, bool *l2tpd_family) {
    if (len < 20 || m[16] != CTRL_CMD_GETFAMILY) return 0;
    // A dump lists families: the kernel's only.
    if ((l2tpd_preload_get16(m + 6) & NLM_F_DUMP) == NLM_F_DUMP) return 0;
    const uint8_t *name = NULL;
    size_t name_len = 0;
    int id = -1;
    size_t off = 20;
    while (len - off >= 4) {
        uint16_t alen = l2tpd_preload_get16(m + off), type = l2tpd_preload_get16(m + off + 2) & NLA_TYPE_MASK;
        if (alen < 4 || alen > len - off) break;
        if (type == CTRL_ATTR_FAMILY_NAME) {
            name = m + off + 4;
            name_len = strnlen((const char *)name, alen - 4u);
        } else if (type == CTRL_ATTR_FAMILY_ID && alen >= 6) {
            id = l2tpd_preload_get16(m + off + 4);
        }
        off += l2tpd_preload_align4(alen);
        if (off > len) break;
    }
    if (name != NULL) {
        if (name_len == 4 && memcmp(name, "l2tp", 4) == 0) return 1;
        if (name_len == 5 && memcmp(name, "l2tpd", 5) == 0) { *l2tpd_family = true; return 1; }
        return 0;
    }
    if (id == L2TPD_PRELOAD_FAMILY_L2TP) return 1;
    if (id == L2TPD_PRELOAD_FAMILY_L2TPD) { *l2tpd_family = true; return 1; }
    return 0;
}

// 1 if the nlmsg at `m` (nlmsg_len `len`) is for l2tpd.
int l2tpd_preload_classify(const uint8_t *m, uint32_t len, bool *l2tpd_family) {
    uint16_t type = l2tpd_preload_get16(m + 4);
    if (type == L2TPD_PRELOAD_FAMILY_L2TP) return 1;
    if (type == L2TPD_PRELOAD_FAMILY_L2TPD) { *l2tpd_family = true; return 1; }
    if (type == L2TPD_PRELOAD_NLCTRL_TYPE) return l2tpd_preload_classify_nlctrl(m, len, l2tpd_family);
    return 0;
}

// Whether any message of the buffer is for l2tpd (a quick look before anything is copied).
bool l2tpd_preload_any_for_l2tpd(const uint8_t *b, size_t len) {
    size_t off = 0;
    while (len - off >= NLMSG_HDRLEN) {
        uint32_t l = l2tpd_preload_get32(b + off);
        if (l < NLMSG_HDRLEN || l > len - off) break;
        bool ignored = false;
        if (l2tpd_preload_classify(b + off, l, &ignored)) return true;
        off += l2tpd_preload_align4(l);
        if (off >= len) break;
    }
    return false;
}

// The descriptor number in L2TP_ATTR_FD of an `l2tp` TUNNEL_CREATE, or -1.
int l2tpd_preload_passed_fd_of(const uint8_t *m, uint32_t len) {
    if (len < 20 || l2tpd_preload_get16(m + 4) != L2TPD_PRELOAD_FAMILY_L2TP ||
        m[16] != L2TPD_PRELOAD_L2TP_CMD_TUNNEL_CREATE)
        return -1;
    size_t off = 20;
    while (len - off >= 4) {
        uint16_t alen = l2tpd_preload_get16(m + off), type = l2tpd_preload_get16(m + off + 2) & NLA_TYPE_MASK;
        if (alen < 4 || alen > len - off) break;
        if (type == L2TPD_PRELOAD_L2TP_ATTR_FD && alen >= 8) return (int)l2tpd_preload_get32(m + off + 4);
        off += l2tpd_preload_align4(alen);
        if (off > len) break;
    }
    return -1;
}

// ---------------------------------------------------------------------------------------------------
// Datagrams from l2tpd.

bool l2tpd_preload_is_private_ack(const uint8_t *b, size_t n, uint32_t *seq, int *error) {
    if (n < 36 || l2tpd_preload_get16(b + 4) != NLMSG_ERROR || l2tpd_preload_get32(b) < 36 ||
        l2tpd_preload_get32(b) > n)
        return false;
    const uint8_t *echo = b + 20;
    if (l2tpd_preload_get16(echo + 4) != L2TPD_PRELOAD_FAMILY_L2TPD ||
        l2tpd_preload_get32(echo + 12) != L2TPD_PRELOAD_PRIVATE_PID)
        return false;
    *seq = l2tpd_preload_get32(echo + 8);
    *error = (int)l2tpd_preload_get32(b + 16);
    return true;
}

bool l2tpd_preload_is_control_frames(const uint8_t *b, size_t n) {
    return n >= 20 && l2tpd_preload_get16(b + 4) == L2TPD_PRELOAD_FAMILY_L2TPD &&
           b[16] == L2TPD_PRELOAD_CMD_CONTROL_FRAME;
}

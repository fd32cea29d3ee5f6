// SPDX-License-Identifier: GPL-2.0-only
// C shims for what Swift cannot import from Linux headers: TUN/TAP and interface ioctls, mmsghdr batch
// calls, cmsg walking, epoll, signalfd and timerfd.
#ifndef CL2TPLINUX_H
#define CL2TPLINUX_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/virtio_net.h>

// MARK: - TUN/TAP

static const short CL2TP_IFF_VNET_HDR = IFF_VNET_HDR;

/// Opens /dev/net/tun and attaches it to a TAP device called `name` (which may contain "%d").
/// On success returns the fd and writes the kernel's chosen name into `name_out` (IFNAMSIZ bytes).
/// On failure returns -errno.
int CL2TP_tap_open(const char *name, short extra_flags, char *name_out);

// Offloads a TAP may be given (TUNSETOFFLOAD): checksum, TSO over IPv4/IPv6 with ECN, and USO
// (Linux 6.2; the constants are spelled out for older headers).
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif
static const unsigned int CL2TP_TUN_F_CSUM = TUN_F_CSUM;
static const unsigned int CL2TP_TUN_F_TSO4 = TUN_F_TSO4;
static const unsigned int CL2TP_TUN_F_TSO6 = TUN_F_TSO6;
static const unsigned int CL2TP_TUN_F_TSO_ECN = TUN_F_TSO_ECN;
static const unsigned int CL2TP_TUN_F_USO4 = TUN_F_USO4;
static const unsigned int CL2TP_TUN_F_USO6 = TUN_F_USO6;

/// ioctl(TUNSETOFFLOAD) with `flags` (TUN_F_*). Returns 0 or -errno (EINVAL for flags the kernel
/// does not know).
int CL2TP_tap_set_offload(int fd, unsigned int flags);

/// ioctl on an AF_INET datagram socket with an `ifreq` naming `ifname`. Returns 0 or -errno.
int CL2TP_if_get_mtu(int sockfd, const char *ifname, int *mtu);
int CL2TP_if_set_mtu(int sockfd, const char *ifname, int mtu);
int CL2TP_if_get_index(int sockfd, const char *ifname, int *ifindex);
int CL2TP_if_get_hwaddr(int sockfd, const char *ifname, uint8_t mac[6]);

// MARK: - Batched datagram I/O

/// Mirror of `struct mmsghdr`, which Swift's Glibc hides without _GNU_SOURCE.
struct CL2TP_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

/// recvmmsg(2). Returns the number of messages or -errno.
int CL2TP_recvmmsg(int fd, struct CL2TP_mmsghdr *vec, unsigned int vlen, int flags);
/// sendmmsg(2). Returns the number of messages or -errno.
int CL2TP_sendmmsg(int fd, struct CL2TP_mmsghdr *vec, unsigned int vlen, int flags);

// MARK: - UDP segmentation and receive offload (Linux 4.18 / 5.0)

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
static const int CL2TP_SOL_UDP = 17;
static const int CL2TP_UDP_SEGMENT = UDP_SEGMENT;
static const int CL2TP_UDP_GRO = UDP_GRO;

// MARK: - Ancillary data

/// Space for one cmsg carrying `len` bytes (CMSG_SPACE).
size_t CL2TP_cmsg_space(size_t len);
/// Writes one SCM_RIGHTS cmsg carrying `fd` into `buf` (CMSG_SPACE(sizeof(int)) bytes) and
/// sets msg->msg_control/msg_controllen.
void CL2TP_cmsg_put_fd(struct msghdr *msg, void *buf, size_t buflen, int fd);
/// Returns the first fd carried by SCM_RIGHTS in `msg`, or -1. Every further fd is closed.
int CL2TP_cmsg_take_fd(struct msghdr *msg);
/// Writes one (level, type) cmsg carrying a 16-bit value (UDP_SEGMENT), sets msg_control.
void CL2TP_cmsg_put_u16(struct msghdr *msg, void *buf, size_t buflen, int level, int type, uint16_t value);
/// Finds a (level, type) cmsg holding an int or u16 (UDP_GRO) and returns it, or -1.
int CL2TP_cmsg_find_int(struct msghdr *msg, int level, int type);

// MARK: - Peer credentials and capabilities

/// SO_PEERCRED on a connected Unix socket. Returns 0 or -errno.
int CL2TP_peer_cred(int fd, pid_t *pid, uid_t *uid, gid_t *gid);
/// Whether process `pid` has CAP_NET_ADMIN over the calling process's network namespace, as the
/// kernel's GENL_UNS_ADMIN_PERM judges it (cap_capable against the user namespace owning the network
/// namespace): effective CAP_NET_ADMIN in that user namespace, or ownership of a namespace between
/// it and the client's. When the client's namespace cannot be read (no ptrace access to it), only a
/// client and daemon both in the initial user namespace are judged by the capability; others get 0.
/// Returns 1, 0, or -errno.
int CL2TP_pid_has_cap_net_admin(pid_t pid);

// MARK: - epoll and eventfd (struct epoll_event is packed on x86_64 and does not import cleanly)

/// epoll_ctl(EPOLL_CTL_ADD/MOD/DEL). Returns 0 or -errno.
int CL2TP_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// epoll_wait into parallel arrays. Returns the number of events or -errno.
int CL2TP_epoll_wait(int epfd, uint64_t *data, uint32_t *events, int max, int timeout_ms);
/// epoll_create1(EPOLL_CLOEXEC). Returns the fd or -errno.
int CL2TP_epoll_create(void);
/// eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC). Returns the fd or -errno.
int CL2TP_eventfd(void);

static const uint32_t CL2TP_EPOLLIN = 0x001;
static const uint32_t CL2TP_EPOLLOUT = 0x004;
static const uint32_t CL2TP_EPOLLERR = 0x008;
static const uint32_t CL2TP_EPOLLHUP = 0x010;
static const uint32_t CL2TP_EPOLLRDHUP = 0x2000;
static const int CL2TP_EPOLL_CTL_ADD = 1;
static const int CL2TP_EPOLL_CTL_DEL = 2;
static const int CL2TP_EPOLL_CTL_MOD = 3;

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK|SOCK_CLOEXEC); -1 with errno set on failure.
int CL2TP_accept(int fd);

// MARK: - Signals

/// Blocks `signals` in the calling thread (and threads it creates later) and returns a signalfd that
/// reports them (SFD_NONBLOCK|SFD_CLOEXEC), or -errno.
int CL2TP_signalfd(const int *signals, int count);
/// Reads one signal number from a signalfd; 0 if none is pending, -errno on error.
int CL2TP_signalfd_read(int fd);

// MARK: - Managed tunnel sockets

/// SO_NETNS_COOKIE of a socket (the identity of its network namespace), or 0 if unsupported.
uint64_t CL2TP_netns_cookie(int fd);
/// Attaches a classic BPF program that drops every packet (SO_ATTACH_FILTER). Returns 0 or -errno.
int CL2TP_attach_drop_all(int fd);

// MARK: - Timers

/// Waits (poll) for the next signal on signalfd `fd` and returns its number; for the watcher of a
/// second shutdown signal. Returns -errno on error.
int CL2TP_wait_signal(int fd);

// MARK: - Misc

/// Sets the calling thread's name (pthread_setname_np, at most 15 bytes).
void CL2TP_set_thread_name(const char *name);
/// Blocks the given signals in the calling thread (for worker threads).
void CL2TP_block_all_signals(void);

#endif

// MARK: - Event loop timer (added for L2TPSystem.EventLoop; kept apart, with its own guard)
#ifndef CL2TPLINUX_EVENT_LOOP_TIMER_H
#define CL2TPLINUX_EVENT_LOOP_TIMER_H

#include <stdint.h>

/// timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK|TFD_CLOEXEC), disarmed. Returns the fd or -errno.
int CL2TP_timerfd_create(void);
/// timerfd_settime(TFD_TIMER_ABSTIME): one expiry at `deadline_ns` on CLOCK_MONOTONIC, no interval (a
/// deadline already past expires at once); 0 disarms. Resets the expiry count. Returns 0 or -errno.
int CL2TP_timerfd_set_deadline(int fd, uint64_t deadline_ns);
/// Reads the expiry count of a non-blocking timerfd: the count, 0 if it has not expired, or -errno.
int64_t CL2TP_timerfd_read(int fd);

#endif

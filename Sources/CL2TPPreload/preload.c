// SPDX-License-Identifier: GPL-2.0-only
// libl2tpd-preload.so: lets an unmodified program drive l2tpd through the Generic Netlink `l2tp` family
// as if l2tpd were the kernel.
//
// How it works
// ------------
// The program keeps its own, real NETLINK_GENERIC socket R: every other genl family still reaches the
// kernel, and poll/epoll/MSG_PEEK/SO_RCVBUF on R behave natively. Per message, the library routes only
// l2tp traffic to l2tpd, and injects l2tpd's answers into R by netlink unicast from a helper socket.
// What decides the routing without any I/O (which nlmsgs are l2tpd's, the descriptor in L2TP_ATTR_FD,
// which datagrams from l2tpd are the library's own ACKs) is in parse.c, with its unit tests in
// Tests/L2TPPreloadTests.
//
//  socket()      A NETLINK_GENERIC socket is created for real and remembered (per socket, identified by
//                its inode, with every descriptor that refers to it: dup/dup2/dup3/fcntl(F_DUPFD*) add
//                descriptors, close/dup2 over/close_range/closefrom remove them; when the last one goes,
//                what belongs to the socket is torn down).
//  send*/write   The nlmsgs of the buffer are walked. nlctrl CTRL_CMD_GETFAMILY naming "l2tp"/"l2tpd" (or
//                their ids 0x6c32/0x6c33) and every message of type 0x6c32/0x6c33 go to l2tpd, one
//                datagram per message on a SOCK_SEQPACKET connection U to $L2TPD_SOCKET; the rest goes to
//                the kernel unchanged (a buffer that mixes both is split; the full length is returned).
//                Like the kernel, which answers inside sendmsg, the call returns once l2tpd's answers
//                are in R (a private SET_PORT sent behind the message is a barrier: l2tpd answers in
//                order). Dumps return at once: their answer may exceed R's buffer.
//                nlctrl dumps always go to the kernel: `genl ctrl list` lists the kernel's families only.
//                Messages addressed to another netlink port (nl_pid != 0) are never touched.
//  first use     U is connected, R is given a port if it has none (a bare NLMSG_NOOP sent to the kernel
//                autobinds it, as the kernel's first sendmsg would), l2tpd is told that port with the
//                `l2tpd` family's SET_PORT so replies and notifications carry it, and a pump thread starts:
//                it reads each datagram from U and sends it unchanged to R's port from a helper
//                NETLINK_GENERIC socket H (one per process). If l2tpd cannot be reached, the message goes to
//                the kernel instead, so the program sees what a machine without L2TP answers.
//  TUNNEL_CREATE An `l2tp` TUNNEL_CREATE carrying L2TP_ATTR_FD is sent with that descriptor attached
//                (SCM_RIGHTS): the attribute's number means nothing in l2tpd's process.
//  recvmsg/      When the sender is H, msg_name's nl_pid is rewritten to 0 and SCM_CREDENTIALS to the
//  recvfrom      kernel's (pid/uid/gid 0): iproute2 and libnl check that replies come from the kernel.
//  setsockopt    NETLINK_ADD_MEMBERSHIP / NETLINK_DROP_MEMBERSHIP of group 0x6c32 (the `l2tp` group) are
//                sent to l2tpd (ADD_MEMBERSHIP / DROP_MEMBERSHIP) and answered 0; notifications then
//                arrive on U and are pumped into R like replies. Other groups go to the kernel.
//  bind/connect  A program that binds R with nl_pid 0 after the library autobound it gets the port it
//                already has (the kernel would refuse a second bind with EINVAL). connect(R, kernel) is
//                not passed on (a connected netlink socket refuses unicasts from H); R is only autobound.
//
// The library's own requests to l2tpd carry nlmsg_pid L2TPD_PRELOAD_PRIVATE_PID and ask for an ACK; the
// ACK (which echoes the request header) is consumed here and never reaches R.
//
// Limitations
// -----------
// - Injecting into R needs CAP_NET_ADMIN (NETLINK_GENERIC has no NL_CFG_F_NONROOT_SEND). Without it the
//   library routes everything to the kernel. (l2tp's write commands need CAP_NET_ADMIN anyway.)
// - fork: the child keeps R but has no pump thread; its first l2tpd-bound message opens its own
//   connection (memberships are not carried over; while the parent lives, its subscription still feeds
//   the shared R).
// - The program must not close descriptors it does not own (closefrom() in a process that keeps using R
//   closes U and H). sendmmsg/recvmmsg are not intercepted. NETLINK_LIST_MEMBERSHIPS does not show l2tpd's
//   group. NETLINK_PKTINFO reports group 0 for notifications. H lives in the network namespace the process
//   was in at its first l2tp message: R must be in that namespace too (a socket made in another namespace,
//   like pyroute2's netns= sockets, is not served; run the program inside the namespace instead).
// - If l2tpd goes away while requests are unanswered, each of them gets an NLMSG_ERROR ECONNRESET (the
//   kernel never goes away; a program waiting for an answer would otherwise wait forever).
// - Wrappers take a mutex only for tracked sockets: close() of one from a signal handler that interrupted
//   the library on the same thread could deadlock (closing any other descriptor is lock-free).
// - l2tpd's CONTROL_FRAME messages (managed tunnels) reach R only after the program resolved the `l2tpd`
//   family on it; other programs would not understand them.
// - A connection that passed a tunnel socket (managed tunnel) is kept until the process exits, even after
//   R is closed: l2tpd ties managed tunnels to the connection, the kernel to the socket's lifetime.
//
// Wrappers never print unless L2TPD_PRELOAD_DEBUG=1. Descriptors that are not tracked NETLINK_GENERIC
// sockets cost one relaxed atomic load (no tracked socket) or a short lock-free scan.

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "l2tpd_preload.h"
#include "l2tpd_preload_parse.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define PRELOAD_VERSION "1.0"
#define MAX_TRACKED 256              // NETLINK_GENERIC descriptors tracked at once
#define MAX_GROUPS 8                 // l2tpd memberships remembered per socket
#define REQUEST_TIMEOUT_MS 3000      // waiting for l2tpd's ACK to SET_PORT / memberships
#define INJECT_TIMEOUT_MS 250        // SO_SNDTIMEO of H, so the pump notices teardown while R is full
#define MAX_PENDING 32               // unanswered requests remembered per connection

// ---------------------------------------------------------------------------------------------------
// The real functions.

typedef int (*socket_fn)(int, int, int);
typedef int (*close_fn)(int);
typedef int (*dup_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);
typedef int (*fcntl_fn)(int, int, ...);
typedef int (*close_range_fn)(unsigned int, unsigned int, int);
typedef void (*closefrom_fn)(int);
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);
typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*recv_fn)(int, void *, size_t, int);
typedef ssize_t (*recvfrom_fn)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
typedef ssize_t (*recvfrom_chk_fn)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);

static struct {
    _Atomic(socket_fn) socket;
    _Atomic(close_fn) close;
    _Atomic(dup_fn) dup;
    _Atomic(dup2_fn) dup2;
    _Atomic(dup3_fn) dup3;
    _Atomic(fcntl_fn) fcntl;
    _Atomic(fcntl_fn) fcntl64;
    _Atomic(close_range_fn) close_range;
    _Atomic(closefrom_fn) closefrom;
    _Atomic(bind_fn) bind;
    _Atomic(connect_fn) connect;
    _Atomic(setsockopt_fn) setsockopt;
    _Atomic(send_fn) send;
    _Atomic(sendto_fn) sendto;
    _Atomic(sendmsg_fn) sendmsg;
    _Atomic(write_fn) write;
    _Atomic(recv_fn) recv;
    _Atomic(recvfrom_fn) recvfrom;
    _Atomic(recvfrom_chk_fn) recvfrom_chk;
    _Atomic(recvmsg_fn) recvmsg;
} real_fns;

static void *resolve(const char *name) {
    void *p = dlsym(RTLD_NEXT, name);
    return p;
}

// The next definition of `name` after this library (libc's), looked up once.
#define REAL(field, symbol)                                                                            \
    ({                                                                                                 \
        __typeof__(atomic_load_explicit(&real_fns.field, memory_order_relaxed)) f_ =                   \
            atomic_load_explicit(&real_fns.field, memory_order_acquire);                               \
        if (f_ == NULL) {                                                                              \
            f_ = (__typeof__(f_))resolve(symbol);                                                      \
            atomic_store_explicit(&real_fns.field, f_, memory_order_release);                          \
        }                                                                                              \
        f_;                                                                                            \
    })

#define R_socket REAL(socket, "socket")
#define R_close REAL(close, "close")
#define R_dup REAL(dup, "dup")
#define R_dup2 REAL(dup2, "dup2")
#define R_dup3 REAL(dup3, "dup3")
#define R_fcntl REAL(fcntl, "fcntl")
#define R_fcntl64 REAL(fcntl64, "fcntl64")
#define R_close_range REAL(close_range, "close_range")
#define R_closefrom REAL(closefrom, "closefrom")
#define R_bind REAL(bind, "bind")
#define R_connect REAL(connect, "connect")
#define R_setsockopt REAL(setsockopt, "setsockopt")
#define R_send REAL(send, "send")
#define R_sendto REAL(sendto, "sendto")
#define R_sendmsg REAL(sendmsg, "sendmsg")
#define R_write REAL(write, "write")
#define R_recv REAL(recv, "recv")
#define R_recvfrom REAL(recvfrom, "recvfrom")
#define R_recvfrom_chk REAL(recvfrom_chk, "__recvfrom_chk")
#define R_recvmsg REAL(recvmsg, "recvmsg")

// ---------------------------------------------------------------------------------------------------
// Configuration and debug output.

static atomic_int active;            // 1: intercept; 0: forward only (not loaded as a shared object)
static int debug_enabled;
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)] = L2TPD_PRELOAD_DEFAULT_SOCKET;

__attribute__((format(printf, 1, 2))) static void dbg(const char *fmt, ...) {
    if (!debug_enabled) return;
    char buf[512];
    int saved = errno;
    int n = snprintf(buf, sizeof buf, "l2tpd-preload[%d]: ", (int)getpid());
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) m = 0;
    size_t len = (size_t)n + ((size_t)m < sizeof buf - (size_t)n - 1 ? (size_t)m : sizeof buf - (size_t)n - 2);
    buf[len++] = '\n';
    write_fn w = R_write;
    if (w) (void)!w(2, buf, len);
    errno = saved;
}

// ---------------------------------------------------------------------------------------------------
// Time.

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// ---------------------------------------------------------------------------------------------------
// State.
//
// psock: one tracked NETLINK_GENERIC socket (an open file description; several descriptors may refer to
//        it). refs = descriptors + pump thread + temporary holders; freed at 0. When its last descriptor
//        goes (nfds 0), its link is closed.
// link:  one connection U to l2tpd on behalf of one psock, with its pump thread. refs = the psock's
//        pointer + the pump + temporary holders; U is closed and the link freed at 0.
//
// Lock order: op_mu (connecting) before tab_mu (the tables, psock fields); a link's req_mu (one private
// request at a time) before its mu. tab_mu is held only briefly and never across a blocking call.

struct link {
    atomic_int refs;
    int ufd;
    uint32_t port;                   // R's netlink port: where the pump delivers
    atomic_bool dead;                // U is finished (EOF, error, or torn down)
    atomic_bool orphan;              // R is gone but U is kept (managed tunnels): drop what arrives
    atomic_bool passed_fds;          // a tunnel socket was passed on U
    atomic_bool aware;               // the program resolved the `l2tpd` family: deliver CONTROL_FRAMEs
    atomic_bool congested;           // the pump is waiting for room in R's receive queue
    bool pumping;                    // the pump thread runs (set before it starts)
    pthread_mutex_t req_mu;          // one private request at a time
    pthread_mutex_t mu;              // guards the private-request fields below
    pthread_cond_t cv;
    uint32_t wait_seq;
    int wait_state;                  // 0 idle, 1 waiting, 2 answered
    int wait_error;                  // -errno from l2tpd's ACK
    uint8_t pending[MAX_PENDING][NLMSG_HDRLEN];   // headers of unanswered requests (nlmsg_len 0: free)
    struct psock *ps;                // the pump's reference
};

struct psock {
    int refs;                        // under tab_mu
    int nfds;                        // under tab_mu
    dev_t dev;
    ino_t ino;
    bool autobound;                  // the library gave R its port
    bool aware;                      // the program resolved the `l2tpd` family on it
    uint32_t groups[MAX_GROUPS];     // memberships held at l2tpd (re-joined after reconnecting)
    int ngroups;
    struct link *link;               // under tab_mu
};

struct fdent {
    atomic_int fd;                   // -1: free
    struct psock *ps;                // under tab_mu
};

static pthread_mutex_t tab_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t op_mu = PTHREAD_MUTEX_INITIALIZER;
static struct fdent fdtab[MAX_TRACKED];
static atomic_int ntracked;          // used entries
static atomic_int hiwater;           // entries [0, hiwater) may be used
static atomic_uint private_seq = 1;

// The helper socket H (one per process; inherited by forked children, where it keeps its port).
static int hfd = -1;                 // under op_mu
static uint32_t hport;
static dev_t hdev;
static ino_t hino;
static bool inject_ok;
static atomic_uint hport_seen;       // H's port for the recv wrappers (0 = none yet)

// Lock-free: the table index of `fd`, or -1. Cheap when nothing is tracked.
static int slot_of(int fd) {
    if (fd < 0 || atomic_load_explicit(&ntracked, memory_order_acquire) == 0) return -1;
    int n = atomic_load_explicit(&hiwater, memory_order_acquire);
    for (int i = 0; i < n; i++) {
        if (atomic_load_explicit(&fdtab[i].fd, memory_order_acquire) == fd) return i;
    }
    return -1;
}

static void ps_free(struct psock *ps) { free(ps); }

// Under tab_mu.
static void ps_unref_locked(struct psock *ps, struct psock **to_free) {
    if (--ps->refs == 0) *to_free = ps;
}

static void link_put(struct link *l) {
    if (l == NULL) return;
    if (atomic_fetch_sub(&l->refs, 1) == 1) {
        R_close(l->ufd);
        pthread_mutex_destroy(&l->req_mu);
        pthread_mutex_destroy(&l->mu);
        pthread_cond_destroy(&l->cv);
        free(l);
    }
}

// Ends a link whose psock lost its last descriptor (called without locks).
static void link_release(struct link *l) {
    if (l == NULL) return;
    if (atomic_load(&l->passed_fds)) {
        // Managed tunnels live with the connection at l2tpd: keep U until the process exits.
        atomic_store(&l->orphan, true);
        dbg("socket closed; keeping the l2tpd connection for its managed tunnels");
    } else {
        atomic_store(&l->dead, true);
        shutdown(l->ufd, SHUT_RDWR);   // wakes the pump, which exits and drops its reference
    }
    link_put(l);
}

// Removes `fd` from the table (under tab_mu). Returns the link to release and the psock to free.
static void forget_locked(int fd, struct link **release, struct psock **to_free) {
    int n = atomic_load(&hiwater);
    for (int i = 0; i < n; i++) {
        if (atomic_load(&fdtab[i].fd) != fd) continue;
        struct psock *ps = fdtab[i].ps;
        fdtab[i].ps = NULL;
        atomic_store(&fdtab[i].fd, -1);
        atomic_fetch_sub(&ntracked, 1);
        if (--ps->nfds == 0) {
            *release = ps->link;
            ps->link = NULL;
        }
        ps_unref_locked(ps, to_free);
        return;
    }
}

static void forget_fd(int fd) {
    if (slot_of(fd) < 0) return;
    struct link *release = NULL;
    struct psock *to_free = NULL;
    pthread_mutex_lock(&tab_mu);
    forget_locked(fd, &release, &to_free);
    pthread_mutex_unlock(&tab_mu);
    if (release) dbg("fd %d: last descriptor closed", fd);
    link_release(release);
    if (to_free) ps_free(to_free);
}

// Adds `fd` for `ps` (under tab_mu). False if the table is full.
static bool insert_locked(int fd, struct psock *ps) {
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (atomic_load(&fdtab[i].fd) != -1) continue;
        fdtab[i].ps = ps;
        ps->refs++;
        ps->nfds++;
        int hw = atomic_load(&hiwater);
        if (i + 1 > hw) atomic_store(&hiwater, i + 1);
        atomic_fetch_add(&ntracked, 1);
        atomic_store_explicit(&fdtab[i].fd, fd, memory_order_release);
        return true;
    }
    return false;
}

static void track_new(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return;
    struct psock *ps = calloc(1, sizeof *ps);
    if (ps == NULL) return;
    ps->dev = st.st_dev;
    ps->ino = st.st_ino;
    struct link *release = NULL;
    struct psock *to_free = NULL;
    pthread_mutex_lock(&tab_mu);
    forget_locked(fd, &release, &to_free);   // a stale entry for a number the kernel reused
    bool ok = insert_locked(fd, ps);
    pthread_mutex_unlock(&tab_mu);
    link_release(release);
    if (to_free) ps_free(to_free);
    if (!ok) {
        free(ps);
        dbg("fd %d: more than %d NETLINK_GENERIC sockets; this one goes to the kernel only", fd, MAX_TRACKED);
        return;
    }
    dbg("fd %d: NETLINK_GENERIC socket tracked", fd);
}

// `newfd` now refers to the same socket as `oldfd` (dup and friends).
static void alias_fd(int oldfd, int newfd) {
    if (oldfd == newfd || slot_of(oldfd) < 0) return;
    struct link *release = NULL;
    struct psock *to_free = NULL;
    pthread_mutex_lock(&tab_mu);
    forget_locked(newfd, &release, &to_free);
    int i = slot_of(oldfd);
    if (i >= 0 && fdtab[i].ps != NULL) {
        if (!insert_locked(newfd, fdtab[i].ps)) dbg("fd %d: table full; the duplicate is not tracked", newfd);
    }
    pthread_mutex_unlock(&tab_mu);
    link_release(release);
    if (to_free) ps_free(to_free);
}

// A referenced psock for `fd`, or NULL. With `verify`, a stale entry (the number now names another
// file, closed behind the library's back) is dropped.
static struct psock *ps_get(int fd, bool verify) {
    if (slot_of(fd) < 0) return NULL;
    struct stat st;
    bool have_st = verify && fstat(fd, &st) == 0;
    struct psock *ps = NULL;
    bool stale = false;
    pthread_mutex_lock(&tab_mu);
    int i = slot_of(fd);
    if (i >= 0 && fdtab[i].ps != NULL) {
        ps = fdtab[i].ps;
        if (verify && (!have_st || st.st_dev != ps->dev || st.st_ino != ps->ino)) {
            ps = NULL;
            stale = true;
        } else {
            ps->refs++;
        }
    }
    pthread_mutex_unlock(&tab_mu);
    if (stale) {
        dbg("fd %d: no longer the tracked socket; forgotten", fd);
        forget_fd(fd);
    }
    return ps;
}

static void ps_put(struct psock *ps) {
    if (ps == NULL) return;
    struct psock *to_free = NULL;
    pthread_mutex_lock(&tab_mu);
    ps_unref_locked(ps, &to_free);
    pthread_mutex_unlock(&tab_mu);
    if (to_free) ps_free(to_free);
}

// ---------------------------------------------------------------------------------------------------
// The helper socket H.

// Sends a bare NLMSG_NOOP (no NLM_F_REQUEST: the kernel neither processes nor answers it) to port
// `to`. It autobinds an unbound socket, as any send does. (This kernel refuses zero-length sends.)
static int send_noop(int fd, uint32_t to) {
    uint8_t m[NLMSG_HDRLEN] = {0};
    l2tpd_preload_put32(m, NLMSG_HDRLEN);
    l2tpd_preload_put16(m + 4, NLMSG_NOOP);
    struct sockaddr_nl dst = {.nl_family = AF_NETLINK, .nl_pid = to};
    return R_sendto(fd, m, sizeof m, MSG_DONTWAIT, (struct sockaddr *)&dst, sizeof dst) == (ssize_t)sizeof m ? 0 : -1;
}

// Under op_mu. Creates H (or re-creates it if its number was closed behind the library's back).
static bool helper_ready(void) {
    if (hfd >= 0) {
        struct stat st;
        if (fstat(hfd, &st) == 0 && st.st_dev == hdev && st.st_ino == hino) return inject_ok;
        hfd = -1;
    }
    int fd = R_socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    if (fd < 0) {
        dbg("helper socket: %s", strerror(errno));
        return false;
    }
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    socklen_t sl = sizeof sa;
    if (R_bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        dbg("helper socket bind: %s", strerror(errno));
        R_close(fd);
        return false;
    }
    int big = 4 << 20;
    if (R_setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0)
        (void)R_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    struct timeval tv = {.tv_sec = 0, .tv_usec = INJECT_TIMEOUT_MS * 1000};
    (void)R_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    // Unicast to a user port on NETLINK_GENERIC needs CAP_NET_ADMIN: probe it with a NOOP sent to H
    // itself, then read it back.
    inject_ok = send_noop(fd, sa.nl_pid) == 0;
    if (inject_ok) {
        uint8_t sink[NLMSG_HDRLEN];
        (void)R_recv(fd, sink, sizeof sink, MSG_DONTWAIT);
    }
    if (!inject_ok) dbg("cannot unicast to netlink ports (%s): l2tpd's answers could not reach the program; using the kernel", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        R_close(fd);
        return false;
    }
    hfd = fd;
    hport = sa.nl_pid;
    hdev = st.st_dev;
    hino = st.st_ino;
    atomic_store(&hport_seen, hport);
    dbg("helper netlink socket fd %d port %u", hfd, hport);
    return inject_ok;
}

// ---------------------------------------------------------------------------------------------------
// Datagrams from l2tpd.

// Remembers a request sent to l2tpd until its ACK, error or NLMSG_DONE (or the barrier behind it) shows
// that every answer arrived. When all slots are taken, the first is reused.
static void pending_add(struct link *l, const uint8_t *m) {
    pthread_mutex_lock(&l->mu);
    int slot = 0;
    for (int i = 0; i < MAX_PENDING; i++) {
        if (l2tpd_preload_get32(l->pending[i]) == 0) { slot = i; break; }
    }
    memcpy(l->pending[slot], m, NLMSG_HDRLEN);
    if (l2tpd_preload_get32(l->pending[slot]) == 0) l2tpd_preload_put32(l->pending[slot], NLMSG_HDRLEN);
    pthread_mutex_unlock(&l->mu);
}

static void pending_done(struct link *l, uint32_t seq) {
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < MAX_PENDING; i++) {
        if (l2tpd_preload_get32(l->pending[i]) != 0 && l2tpd_preload_get32(l->pending[i] + 8) == seq) {
            memset(l->pending[i], 0, NLMSG_HDRLEN);
            break;
        }
    }
    pthread_mutex_unlock(&l->mu);
}

// The terminal messages of a datagram from l2tpd (ACKs, errors, NLMSG_DONE) complete their requests.
static void pending_answered(struct link *l, const uint8_t *b, size_t n) {
    size_t off = 0;
    while (n - off >= NLMSG_HDRLEN) {
        uint32_t len = l2tpd_preload_get32(b + off);
        if (len < NLMSG_HDRLEN || len > n - off) break;
        uint16_t type = l2tpd_preload_get16(b + off + 4);
        if (type == NLMSG_ERROR || type == NLMSG_DONE) pending_done(l, l2tpd_preload_get32(b + off + 8));
        off += l2tpd_preload_align4(len);
    }
}

static void inject(struct link *l, const uint8_t *b, size_t n);

// l2tpd went away: every request still waiting for an answer gets NLMSG_ERROR ECONNRESET.
static void pending_fail(struct link *l) {
    uint8_t headers[MAX_PENDING][NLMSG_HDRLEN];
    pthread_mutex_lock(&l->mu);
    memcpy(headers, l->pending, sizeof headers);
    memset(l->pending, 0, sizeof l->pending);
    pthread_mutex_unlock(&l->mu);
    for (int i = 0; i < MAX_PENDING; i++) {
        if (l2tpd_preload_get32(headers[i]) == 0) continue;
        uint8_t e[NLMSG_HDRLEN + 4 + NLMSG_HDRLEN] = {0};
        l2tpd_preload_put32(e, sizeof e);
        l2tpd_preload_put16(e + 4, NLMSG_ERROR);
        l2tpd_preload_put16(e + 6, 0x100);   // NLM_F_CAPPED: only the request's header is echoed
        l2tpd_preload_put32(e + 8, l2tpd_preload_get32(headers[i] + 8));
        l2tpd_preload_put32(e + 12, l->port);
        l2tpd_preload_put32(e + 16, (uint32_t)-ECONNRESET);
        memcpy(e + 20, headers[i], NLMSG_HDRLEN);
        dbg("l2tpd went away before answering seq %u: ECONNRESET", l2tpd_preload_get32(headers[i] + 8));
        inject(l, e, sizeof e);
    }
}

// Sends one datagram from l2tpd to R's port, waiting while R's receive queue is full (the pump waits
// for as long as it takes; before the pump runs, the program's own thread is here, so it gives up).
static void inject(struct link *l, const uint8_t *b, size_t n) {
    struct sockaddr_nl to = {.nl_family = AF_NETLINK, .nl_pid = l->port};
    int64_t give_up = l->pumping ? INT64_MAX : now_ms() + 1000;
    for (;;) {
        if (atomic_load(&l->dead) || atomic_load(&l->orphan)) return;
        ssize_t r = R_sendto(hfd, b, n, 0, (struct sockaddr *)&to, sizeof to);
        if (r >= 0) {
            atomic_store(&l->congested, false);
            dbg("delivered %zu bytes to port %u", n, l->port);
            return;
        }
        if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) && now_ms() < give_up) {
            atomic_store(&l->congested, true);
            continue;
        }
        atomic_store(&l->congested, false);
        dbg("delivering %zu bytes to port %u failed: %s; dropped", n, l->port, strerror(errno));
        return;
    }
}

// One datagram read from U: a private ACK completes the waiting request; anything else goes to R.
static void handle_datagram(struct link *l, const uint8_t *b, size_t n) {
    uint32_t seq;
    int error;
    if (l2tpd_preload_is_private_ack(b, n, &seq, &error)) {
        pthread_mutex_lock(&l->mu);
        if (l->wait_state == 1 && seq == l->wait_seq) {
            l->wait_error = error;
            l->wait_state = 2;
            pthread_cond_broadcast(&l->cv);
        }
        pthread_mutex_unlock(&l->mu);
        return;
    }
    if (atomic_load(&l->orphan)) return;
    pending_answered(l, b, n);
    if (l2tpd_preload_is_control_frames(b, n) && !atomic_load(&l->aware)) {
        dbg("CONTROL_FRAME dropped: the program has not resolved the l2tpd family");
        return;
    }
    inject(l, b, n);
}

// Reads one datagram from U into a growing buffer. Returns its length, 0 at end of stream, -1 on error.
static ssize_t read_datagram(int fd, uint8_t **buf, size_t *cap) {
    for (;;) {
        ssize_t want = R_recv(fd, *buf, 1, MSG_PEEK | MSG_TRUNC);
        if (want < 0 && errno == EINTR) continue;
        if (want <= 0) return want;
        if ((size_t)want > *cap) {
            uint8_t *nb = realloc(*buf, (size_t)want);
            if (nb == NULL) return -1;
            *buf = nb;
            *cap = (size_t)want;
        }
        ssize_t got = R_recv(fd, *buf, *cap, 0);
        if (got < 0 && errno == EINTR) continue;
        return got;
    }
}

static void *pump_main(void *arg) {
    struct link *l = arg;
    size_t cap = 65536;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        ssize_t n = read_datagram(l->ufd, &buf, &cap);
        if (n <= 0) {
            if (!atomic_load(&l->dead)) {
                dbg("l2tpd connection ended (%s)", n == 0 ? "EOF" : strerror(errno));
                pending_fail(l);
            }
            break;
        }
        handle_datagram(l, buf, (size_t)n);
    }
    free(buf);
    atomic_store(&l->dead, true);
    pthread_mutex_lock(&l->mu);
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    struct psock *ps = l->ps;
    bool drop = false;
    pthread_mutex_lock(&tab_mu);
    if (ps->link == l) {
        ps->link = NULL;   // the next l2tpd-bound message reconnects
        drop = true;
    }
    pthread_mutex_unlock(&tab_mu);
    if (drop) link_put(l);
    link_put(l);
    ps_put(ps);
    return NULL;
}

// ---------------------------------------------------------------------------------------------------
// Requests of the library itself.

static bool send_on_link(struct link *l, const uint8_t *m, size_t len, int passfd) {
    struct iovec iov = {.iov_base = (void *)m, .iov_len = len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    if (passfd >= 0) {
        memset(&control, 0, sizeof control);
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &passfd, sizeof(int));
    }
    for (;;) {
        ssize_t r = R_sendmsg(l->ufd, &mh, MSG_NOSIGNAL);
        if (r >= 0) return true;
        if (errno == EINTR) continue;
        return false;
    }
}

// Sends an `l2tpd` request with one u32 attribute and waits for its ACK. Returns 0 or -errno
// (-ETIMEDOUT, -ECONNRESET when the connection failed).
// A `barrier` request gives up as soon as the pump finds R's queue full: the program, not l2tpd, is
// then the one to wait for.
static int private_request_locked(struct link *l, uint8_t cmd, uint16_t attr, uint32_t value, bool barrier);

static int private_request(struct link *l, uint8_t cmd, uint16_t attr, uint32_t value, bool barrier) {
    pthread_mutex_lock(&l->req_mu);
    int r = private_request_locked(l, cmd, attr, value, barrier);
    pthread_mutex_unlock(&l->req_mu);
    return r;
}

static int private_request_locked(struct link *l, uint8_t cmd, uint16_t attr, uint32_t value, bool barrier) {
    uint8_t m[28];
    uint32_t seq = atomic_fetch_add(&private_seq, 1);
    l2tpd_preload_put32(m, sizeof m);
    l2tpd_preload_put16(m + 4, L2TPD_PRELOAD_FAMILY_L2TPD);
    l2tpd_preload_put16(m + 6, NLM_F_REQUEST | NLM_F_ACK);
    l2tpd_preload_put32(m + 8, seq);
    l2tpd_preload_put32(m + 12, L2TPD_PRELOAD_PRIVATE_PID);
    m[16] = cmd;
    m[17] = 1;
    m[18] = m[19] = 0;
    l2tpd_preload_put16(m + 20, 8);
    l2tpd_preload_put16(m + 22, attr);
    l2tpd_preload_put32(m + 24, value);
    pthread_mutex_lock(&l->mu);
    l->wait_seq = seq;
    l->wait_state = 1;
    l->wait_error = 0;
    pthread_mutex_unlock(&l->mu);
    if (!send_on_link(l, m, sizeof m, -1)) {
        int e = errno;
        pthread_mutex_lock(&l->mu);
        l->wait_state = 0;
        pthread_mutex_unlock(&l->mu);
        return -(e ? e : ECONNRESET);
    }
    int64_t deadline = now_ms() + REQUEST_TIMEOUT_MS;
    int result;
    if (!l->pumping) {
        // Before the pump starts, read U here (other datagrams, e.g. notifications, go on to R).
        size_t cap = 65536;
        uint8_t *buf = malloc(cap);
        result = -ETIMEDOUT;
        while (buf != NULL) {
            pthread_mutex_lock(&l->mu);
            bool done = l->wait_state == 2;
            if (done) result = l->wait_error;
            pthread_mutex_unlock(&l->mu);
            if (done) break;
            int64_t left = deadline - now_ms();
            if (left <= 0) break;
            struct pollfd p = {.fd = l->ufd, .events = POLLIN};
            int pr = poll(&p, 1, (int)left);
            if (pr < 0 && errno == EINTR) continue;
            if (pr <= 0) break;
            ssize_t n = read_datagram(l->ufd, &buf, &cap);
            if (n <= 0) {
                result = -ECONNRESET;
                atomic_store(&l->dead, true);
                break;
            }
            handle_datagram(l, buf, (size_t)n);
        }
        free(buf);
    } else {
        pthread_mutex_lock(&l->mu);
        while (l->wait_state != 2 && !atomic_load(&l->dead)) {
            int64_t left = deadline - now_ms();
            if (left <= 0) break;
            if (barrier && atomic_load(&l->congested)) break;
            if (barrier && left > 100) left = 100;   // re-check congestion now and then
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += left / 1000;
            ts.tv_nsec += (left % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&l->cv, &l->mu, &ts);
        }
        result = l->wait_state == 2 ? l->wait_error
                 : atomic_load(&l->dead) ? -ECONNRESET
                 : (barrier && atomic_load(&l->congested)) ? -ENOBUFS
                                                            : -ETIMEDOUT;
        pthread_mutex_unlock(&l->mu);
    }
    pthread_mutex_lock(&l->mu);
    l->wait_state = 0;
    pthread_mutex_unlock(&l->mu);
    return result;
}

// ---------------------------------------------------------------------------------------------------
// Connecting.

// R's port, autobinding R if it has none. 0 on failure.
static uint32_t ensure_port(int rfd, struct psock *ps) {
    struct sockaddr_nl sa;
    socklen_t sl = sizeof sa;
    memset(&sa, 0, sizeof sa);
    if (getsockname(rfd, (struct sockaddr *)&sa, &sl) != 0) return 0;
    if (sa.nl_pid != 0) return sa.nl_pid;
    // A message the kernel ignores autobinds R exactly as the program's first sendmsg would, without
    // touching memberships (bind() with nl_groups 0 would clear groups 1-32).
    if (send_noop(rfd, 0) != 0) {
        struct sockaddr_nl any = {.nl_family = AF_NETLINK};
        (void)R_bind(rfd, (struct sockaddr *)&any, sizeof any);
    }
    sl = sizeof sa;
    if (getsockname(rfd, (struct sockaddr *)&sa, &sl) != 0 || sa.nl_pid == 0) return 0;
    pthread_mutex_lock(&tab_mu);
    ps->autobound = true;
    pthread_mutex_unlock(&tab_mu);
    dbg("fd %d autobound to port %u", rfd, sa.nl_pid);
    return sa.nl_pid;
}

static int connect_daemon(void) {
    int fd = R_socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, socket_path, sizeof sa.sun_path - 1);
    for (;;) {
        if (R_connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) return fd;
        if (errno != EINTR) break;
    }
    int e = errno;
    R_close(fd);
    errno = e;
    return -1;
}

// Under op_mu: a new link for `ps` with its pump running, or NULL if l2tpd cannot serve the program.
static struct link *link_open(int rfd, struct psock *ps) {
    int ufd = connect_daemon();
    if (ufd < 0) {
        dbg("l2tpd at %s unreachable (%s): using the kernel", socket_path, strerror(errno));
        return NULL;
    }
    uint32_t port = helper_ready() ? ensure_port(rfd, ps) : 0;
    if (port == 0) {
        if (inject_ok) dbg("fd %d has no netlink port: %s", rfd, strerror(errno));
        R_close(ufd);
        return NULL;
    }
    struct link *l = calloc(1, sizeof *l);
    if (l == NULL) {
        R_close(ufd);
        return NULL;
    }
    l->ufd = ufd;
    l->port = port;
    atomic_init(&l->refs, 1);
    pthread_mutex_init(&l->req_mu, NULL);
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);

    pthread_mutex_lock(&tab_mu);
    atomic_store(&l->aware, ps->aware);
    uint32_t groups[MAX_GROUPS];
    int ngroups = ps->ngroups;
    memcpy(groups, ps->groups, sizeof groups);
    pthread_mutex_unlock(&tab_mu);

    int r = private_request(l, L2TPD_PRELOAD_CMD_SET_PORT, L2TPD_PRELOAD_ATTR_PORT, port, false);
    if (r == -ETIMEDOUT || r == -ECONNRESET || r == -EPIPE || atomic_load(&l->dead)) {
        dbg("l2tpd did not answer SET_PORT (%s): using the kernel", strerror(-r));
        link_put(l);
        return NULL;
    }
    if (r != 0) dbg("l2tpd refused SET_PORT %u: %s (replies may carry another port)", port, strerror(-r));
    for (int i = 0; i < ngroups; i++) {
        int g = private_request(l, L2TPD_PRELOAD_CMD_ADD_MEMBERSHIP, L2TPD_PRELOAD_ATTR_GROUP, groups[i], false);
        if (g != 0) dbg("re-joining group %u: %s", groups[i], strerror(-g));
    }

    // The pump: all signals blocked (the program's handlers run on its own threads), detached.
    atomic_fetch_add(&l->refs, 1);
    pthread_mutex_lock(&tab_mu);
    ps->refs++;
    pthread_mutex_unlock(&tab_mu);
    l->ps = ps;
    l->pumping = true;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 128 * 1024);
    pthread_t thread;
    int e = pthread_create(&thread, &attr, pump_main, l);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        dbg("pump thread: %s", strerror(e));
        l->pumping = false;
        atomic_store(&l->dead, true);
        link_put(l);
        ps_put(ps);
        link_put(l);
        return NULL;
    }
    pthread_setname_np(thread, "l2tpd-pump");
    dbg("fd %d (port %u) connected to l2tpd at %s", rfd, port, socket_path);
    return l;
}

// A referenced, live link for `ps`, connecting if needed; NULL if l2tpd cannot serve the program.
static struct link *link_get(int rfd, struct psock *ps) {
    pthread_mutex_lock(&tab_mu);
    struct link *l = ps->link;
    if (l != NULL && !atomic_load(&l->dead)) {
        atomic_fetch_add(&l->refs, 1);
        pthread_mutex_unlock(&tab_mu);
        return l;
    }
    pthread_mutex_unlock(&tab_mu);

    pthread_mutex_lock(&op_mu);
    pthread_mutex_lock(&tab_mu);
    l = ps->link;
    if (l != NULL && !atomic_load(&l->dead)) {
        atomic_fetch_add(&l->refs, 1);
        pthread_mutex_unlock(&tab_mu);
        pthread_mutex_unlock(&op_mu);
        return l;
    }
    bool open = ps->nfds > 0;
    pthread_mutex_unlock(&tab_mu);
    struct link *fresh = open ? link_open(rfd, ps) : NULL;
    struct link *old = NULL;
    if (fresh != NULL) {
        pthread_mutex_lock(&tab_mu);
        old = ps->link;
        ps->link = fresh;                      // the psock's reference
        atomic_fetch_add(&fresh->refs, 1);     // the caller's
        pthread_mutex_unlock(&tab_mu);
    }
    pthread_mutex_unlock(&op_mu);
    if (old != NULL) {
        atomic_store(&old->dead, true);
        shutdown(old->ufd, SHUT_RDWR);
        link_put(old);
    }
    return fresh;
}

// Marks a link broken so the next use reconnects.
static void link_fail(struct link *l) {
    atomic_store(&l->dead, true);
    shutdown(l->ufd, SHUT_RDWR);
}

// ---------------------------------------------------------------------------------------------------
// Sending.

// Sends one l2tpd-bound message. 0: sent; 1: l2tpd unreachable, the caller sends it to the kernel.
static int send_l2tpd(int rfd, struct psock *ps, const uint8_t *m, uint32_t len, bool l2tpd_family) {
    if (l2tpd_family) {
        pthread_mutex_lock(&tab_mu);
        ps->aware = true;
        if (ps->link) atomic_store(&ps->link->aware, true);
        pthread_mutex_unlock(&tab_mu);
    }
    int passfd = l2tpd_preload_passed_fd_of(m, len);
    for (int attempt = 0; attempt < 2; attempt++) {
        struct link *l = link_get(rfd, ps);
        if (l == NULL) return 1;
        if (l2tpd_family) atomic_store(&l->aware, true);
        pending_add(l, m);
        if (send_on_link(l, m, len, passfd)) {
            if (passfd >= 0) atomic_store(&l->passed_fds, true);
            dbg("fd %d: %u-byte message type 0x%x cmd %u to l2tpd%s", rfd, len, l2tpd_preload_get16(m + 4),
                len > 16 ? m[16] : 0, passfd >= 0 ? " with a descriptor" : "");
            // The kernel answers inside sendmsg: when it returns, the reply or ACK is already queued on
            // R, and programs may read R without waiting. l2tpd answers in order, so once the ACK of
            // a SET_PORT sent behind the message has reached the pump, every answer to the message is
            // in R. Dumps are left alone: their answer may exceed R's buffer (and the kernel too
            // queues only the first part before sendmsg returns).
            if ((l2tpd_preload_get16(m + 6) & NLM_F_DUMP) != NLM_F_DUMP) {
                int b = private_request(l, L2TPD_PRELOAD_CMD_SET_PORT, L2TPD_PRELOAD_ATTR_PORT, l->port, true);
                if (b == 0) pending_done(l, l2tpd_preload_get32(m + 8));   // answered, even if without ACK
                if (b != 0) dbg("fd %d: barrier after the message: %s", rfd, strerror(-b));
            }
            link_put(l);
            return 0;
        }
        int e = errno;
        pending_done(l, l2tpd_preload_get32(m + 8));
        if (e == EBADF && passfd >= 0) {
            // Not a descriptor of this process: let l2tpd answer as the kernel does for a bad fd.
            dbg("fd %d: L2TP_ATTR_FD %d is not an open descriptor; sent without it", rfd, passfd);
            passfd = -1;
            attempt--;
            link_put(l);
            continue;
        }
        dbg("fd %d: sending to l2tpd failed: %s", rfd, strerror(e));
        link_fail(l);
        link_put(l);
    }
    return 1;
}

// Routes the nlmsgs of `b` (the whole buffer of one send call). Returns what the send call returns.
static ssize_t route(int fd, struct psock *ps, const uint8_t *b, size_t len, int flags, const struct sockaddr *to,
                     socklen_t tolen) {
    size_t off = 0, run = 0;   // [run, off): messages waiting to go to the kernel
    while (len - off >= NLMSG_HDRLEN) {
        uint32_t l = l2tpd_preload_get32(b + off);
        if (l < NLMSG_HDRLEN || l > len - off) break;
        size_t step = l2tpd_preload_align4(l) < len - off ? l2tpd_preload_align4(l) : len - off;
        bool l2tpd_family = false;
        if (l2tpd_preload_classify(b + off, l, &l2tpd_family)) {
            if (off > run && R_sendto(fd, b + run, off - run, flags, to, tolen) < 0) return -1;
            run = off;
            if (send_l2tpd(fd, ps, b + off, l, l2tpd_family) == 0) run = off + step;
        }
        off += step;
    }
    if (len > run && R_sendto(fd, b + run, len - run, flags, to, tolen) < 0) return -1;
    return (ssize_t)len;
}

// Whether a destination lets the library route (NULL, or the kernel without multicast groups).
static bool to_kernel(const struct sockaddr *to, socklen_t tolen) {
    if (to == NULL || tolen == 0) return true;
    if (tolen < sizeof(struct sockaddr_nl) || to->sa_family != AF_NETLINK) return false;
    const struct sockaddr_nl *nl = (const struct sockaddr_nl *)to;
    return nl->nl_pid == 0 && nl->nl_groups == 0;
}

// 1 if handled (result in *out), 0 to forward the call unchanged.
static int maybe_route(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen,
                       ssize_t *out) {
    if (slot_of(fd) < 0 || buf == NULL || !to_kernel(to, tolen) || !l2tpd_preload_any_for_l2tpd(buf, len)) return 0;
    struct psock *ps = ps_get(fd, true);
    if (ps == NULL) return 0;
    int saved = errno;
    ssize_t r = route(fd, ps, buf, len, flags, to, tolen);
    if (r >= 0) errno = saved;
    ps_put(ps);
    *out = r;
    return 1;
}

// ---------------------------------------------------------------------------------------------------
// Wrappers.

int l2tpd_preload_active(void) { return atomic_load(&active); }

const char *l2tpd_preload_version(void) { return PRELOAD_VERSION; }

int socket(int domain, int type, int protocol) {
    socket_fn f = R_socket;
    int fd = f(domain, type, protocol);
    if (fd >= 0 && domain == AF_NETLINK && protocol == NETLINK_GENERIC && atomic_load_explicit(&active, memory_order_relaxed))
        track_new(fd);
    return fd;
}

int close(int fd) {
    forget_fd(fd);
    return R_close(fd);
}

int dup(int oldfd) {
    int fd = R_dup(oldfd);
    if (fd >= 0) alias_fd(oldfd, fd);
    return fd;
}

int dup2(int oldfd, int newfd) {
    if (oldfd != newfd) forget_fd(newfd);
    int fd = R_dup2(oldfd, newfd);
    if (fd >= 0) alias_fd(oldfd, fd);
    return fd;
}

int dup3(int oldfd, int newfd, int flags) {
    if (oldfd != newfd) forget_fd(newfd);
    int fd = R_dup3(oldfd, newfd, flags);
    if (fd >= 0) alias_fd(oldfd, fd);
    return fd;
}

// Every fcntl command takes at most one argument, an int, a long or a pointer; glibc reads it as a
// pointer too.
int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    int r = R_fcntl(fd, cmd, arg);
    if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) alias_fd(fd, r);
    return r;
}

int fcntl64(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    fcntl_fn f = R_fcntl64;
    if (f == NULL) f = R_fcntl;
    int r = f(fd, cmd, arg);
    if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) alias_fd(fd, r);
    return r;
}

static void forget_range(unsigned int first, unsigned int last) {
    if (atomic_load(&ntracked) == 0) return;
    int n = atomic_load(&hiwater);
    for (int i = 0; i < n; i++) {
        int fd = atomic_load(&fdtab[i].fd);
        if (fd >= 0 && (unsigned int)fd >= first && (unsigned int)fd <= last) forget_fd(fd);
    }
}

int close_range(unsigned int first, unsigned int last, int flags) {
    if (!(flags & CLOSE_RANGE_CLOEXEC)) forget_range(first, last);
    close_range_fn f = R_close_range;
    if (f == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return f(first, last, flags);
}

void closefrom(int lowfd) {
    if (lowfd >= 0) forget_range((unsigned int)lowfd, UINT_MAX);
    closefrom_fn f = R_closefrom;
    if (f != NULL) f(lowfd);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    if (slot_of(fd) >= 0 && addr != NULL && len >= sizeof(struct sockaddr_nl) && addr->sa_family == AF_NETLINK) {
        struct psock *ps = ps_get(fd, true);
        if (ps != NULL) {
            pthread_mutex_lock(&tab_mu);
            bool autobound = ps->autobound;
            pthread_mutex_unlock(&tab_mu);
            ps_put(ps);
            struct sockaddr_nl want;
            memcpy(&want, addr, sizeof want);
            if (autobound && want.nl_pid == 0) {
                // The library gave R its port before the program's own bind: keep it.
                struct sockaddr_nl cur;
                socklen_t cl = sizeof cur;
                if (getsockname(fd, (struct sockaddr *)&cur, &cl) == 0) {
                    want.nl_pid = cur.nl_pid;
                    return R_bind(fd, (struct sockaddr *)&want, sizeof want);
                }
            }
        }
    }
    return R_bind(fd, addr, len);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    if (slot_of(fd) >= 0 && addr != NULL && len >= sizeof(struct sockaddr_nl) && addr->sa_family == AF_NETLINK) {
        const struct sockaddr_nl *nl = (const struct sockaddr_nl *)addr;
        if (nl->nl_pid == 0 && nl->nl_groups == 0) {
            // Sends without an address already go to the kernel; a connected socket would refuse H.
            struct psock *ps = ps_get(fd, true);
            if (ps != NULL) {
                uint32_t port = ensure_port(fd, ps);
                ps_put(ps);
                if (port != 0) return 0;
            }
        }
    }
    return R_connect(fd, addr, len);
}

int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
    if (level == SOL_NETLINK && (name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP) &&
        value != NULL && len >= sizeof(uint32_t) && slot_of(fd) >= 0) {
        uint32_t group;
        memcpy(&group, value, sizeof group);
        struct psock *ps = group == L2TPD_PRELOAD_GROUP_L2TP ? ps_get(fd, true) : NULL;
        if (ps != NULL) {
            bool add = name == NETLINK_ADD_MEMBERSHIP;
            struct link *l = link_get(fd, ps);
            if (l != NULL) {
                int r = private_request(l, add ? L2TPD_PRELOAD_CMD_ADD_MEMBERSHIP : L2TPD_PRELOAD_CMD_DROP_MEMBERSHIP,
                                        L2TPD_PRELOAD_ATTR_GROUP, group, false);
                link_put(l);
                if (r == 0) {
                    pthread_mutex_lock(&tab_mu);
                    int found = -1;
                    for (int i = 0; i < ps->ngroups; i++)
                        if (ps->groups[i] == group) found = i;
                    if (add && found < 0 && ps->ngroups < MAX_GROUPS) ps->groups[ps->ngroups++] = group;
                    if (!add && found >= 0) ps->groups[found] = ps->groups[--ps->ngroups];
                    pthread_mutex_unlock(&tab_mu);
                }
                ps_put(ps);
                dbg("fd %d: %s group %u at l2tpd: %s", fd, add ? "join" : "leave", group, r == 0 ? "ok" : strerror(-r));
                if (r == 0) return 0;
                errno = -r;
                return -1;
            }
            ps_put(ps);
        }
    }
    return R_setsockopt(fd, level, name, value, len);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen) {
    ssize_t r;
    if (maybe_route(fd, buf, len, flags, to, tolen, &r)) return r;
    return R_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t send(int fd, const void *buf, size_t len, int flags) {
    ssize_t r;
    if (maybe_route(fd, buf, len, flags, NULL, 0, &r)) return r;
    return R_send(fd, buf, len, flags);
}

ssize_t write(int fd, const void *buf, size_t len) {
    ssize_t r;
    if (maybe_route(fd, buf, len, 0, NULL, 0, &r)) return r;
    return R_write(fd, buf, len);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
    if (slot_of(fd) >= 0 && msg != NULL && msg->msg_iovlen > 0 &&
        to_kernel(msg->msg_name, msg->msg_name ? msg->msg_namelen : 0)) {
        size_t total = 0;
        for (size_t i = 0; i < msg->msg_iovlen; i++) total += msg->msg_iov[i].iov_len;
        const uint8_t *flat = msg->msg_iov[0].iov_base;
        uint8_t *copy = NULL;
        if (msg->msg_iovlen > 1) {
            copy = malloc(total ? total : 1);
            if (copy != NULL) {
                size_t off = 0;
                for (size_t i = 0; i < msg->msg_iovlen; i++) {
                    memcpy(copy + off, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
                    off += msg->msg_iov[i].iov_len;
                }
            }
            flat = copy;
        }
        ssize_t r;
        int handled = flat != NULL && maybe_route(fd, flat, total, flags, msg->msg_name,
                                                  msg->msg_name ? msg->msg_namelen : 0, &r);
        free(copy);
        if (handled) return r;
    }
    return R_sendmsg(fd, msg, flags);
}

// Replies injected by H look as if the kernel sent them.
static void disguise_sender(struct sockaddr *from, socklen_t fromlen, struct msghdr *msg) {
    uint32_t h = atomic_load_explicit(&hport_seen, memory_order_relaxed);
    if (h == 0 || from == NULL || fromlen < sizeof(struct sockaddr_nl) || from->sa_family != AF_NETLINK) return;
    struct sockaddr_nl *nl = (struct sockaddr_nl *)from;
    if (nl->nl_pid != h) return;
    nl->nl_pid = 0;
    if (msg == NULL || msg->msg_control == NULL) return;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred kernel = {.pid = 0, .uid = 0, .gid = 0};
            memcpy(CMSG_DATA(c), &kernel, sizeof kernel);
        }
    }
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
    ssize_t r = R_recvmsg(fd, msg, flags);
    if (r >= 0 && msg != NULL && slot_of(fd) >= 0) disguise_sender(msg->msg_name, msg->msg_namelen, msg);
    return r;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen) {
    ssize_t r = R_recvfrom(fd, buf, len, flags, from, fromlen);
    if (r >= 0 && from != NULL && fromlen != NULL && slot_of(fd) >= 0) disguise_sender(from, *fromlen, NULL);
    return r;
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, struct sockaddr *from,
                       socklen_t *fromlen) {
    ssize_t r = R_recvfrom_chk(fd, buf, len, buflen, flags, from, fromlen);
    if (r >= 0 && from != NULL && fromlen != NULL && slot_of(fd) >= 0) disguise_sender(from, *fromlen, NULL);
    return r;
}

// ---------------------------------------------------------------------------------------------------
// Loading and fork.

static void atfork_prepare(void) {
    pthread_mutex_lock(&op_mu);
    pthread_mutex_lock(&tab_mu);
}

static void atfork_parent(void) {
    pthread_mutex_unlock(&tab_mu);
    pthread_mutex_unlock(&op_mu);
}

// The child has no pump threads: forget its links (closing its copies of U) so that its next
// l2tpd-bound message opens a connection of its own. The link structures are left behind.
static void atfork_child(void) {
    int n = atomic_load(&hiwater);
    for (int i = 0; i < n; i++) {
        if (atomic_load(&fdtab[i].fd) < 0 || fdtab[i].ps == NULL) continue;
        struct psock *ps = fdtab[i].ps;
        if (ps->link != NULL) {
            R_close(ps->link->ufd);
            ps->link = NULL;
        }
    }
    pthread_mutex_unlock(&tab_mu);
    pthread_mutex_unlock(&op_mu);
}

static int marker;

__attribute__((constructor)) static void preload_init(void) {
    for (int i = 0; i < MAX_TRACKED; i++) atomic_init(&fdtab[i].fd, -1);
    // Resolve eagerly so that no wrapper calls dlsym later (e.g. from a signal handler).
    (void)R_socket, (void)R_close, (void)R_dup, (void)R_dup2, (void)R_dup3, (void)R_fcntl, (void)R_fcntl64;
    (void)R_close_range, (void)R_closefrom, (void)R_bind, (void)R_connect, (void)R_setsockopt, (void)R_send;
    (void)R_sendto, (void)R_sendmsg, (void)R_write, (void)R_recv, (void)R_recvfrom, (void)R_recvfrom_chk;
    (void)R_recvmsg;

    // Intercept only when loaded as a shared object: a program that links these objects statically
    // (the test bundle does) must keep plain libc behaviour. The main program's link_map has name "".
    Dl_info info;
    struct link_map *map = NULL;
    if (dladdr1(&marker, &info, (void **)&map, RTLD_DL_LINKMAP) == 0 || map == NULL || map->l_name == NULL ||
        map->l_name[0] == '\0')
        return;

    const char *d = getenv("L2TPD_PRELOAD_DEBUG");
    debug_enabled = d != NULL && strcmp(d, "1") == 0;
    const char *path = getenv("L2TPD_SOCKET");
    if (path != NULL && path[0] != '\0') {
        if (strlen(path) < sizeof socket_path) {
            memcpy(socket_path, path, strlen(path) + 1);
        } else {
            dbg("L2TPD_SOCKET is longer than %zu bytes; using %s", sizeof socket_path - 1, socket_path);
        }
    }
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    atomic_store(&active, 1);
    dbg("loaded (l2tpd at %s)", socket_path);
}

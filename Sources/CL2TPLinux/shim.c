// SPDX-License-Identifier: GPL-2.0-only
// Implementations of the C shims declared in CL2TPLinux.h; compiled with _GNU_SOURCE for mmsghdr.
#define _GNU_SOURCE
#include "CL2TPLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <poll.h>
#include <linux/filter.h>
#include <unistd.h>

_Static_assert(sizeof(struct CL2TP_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");

int CL2TP_tap_open(const char *name, short extra_flags, char *name_out)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | extra_flags;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    memcpy(name_out, ifr.ifr_name, IFNAMSIZ);
    name_out[IFNAMSIZ - 1] = '\0';
    return fd;
}

static int ifreq_ioctl(int sockfd, const char *ifname, unsigned long req, struct ifreq *ifr)
{
    strncpy(ifr->ifr_name, ifname, IFNAMSIZ - 1);
    ifr->ifr_name[IFNAMSIZ - 1] = '\0';
    if (ioctl(sockfd, req, ifr) < 0)
        return -errno;
    return 0;
}

int CL2TP_if_get_mtu(int sockfd, const char *ifname, int *mtu)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    int rc = ifreq_ioctl(sockfd, ifname, SIOCGIFMTU, &ifr);
    if (rc == 0)
        *mtu = ifr.ifr_mtu;
    return rc;
}

int CL2TP_if_set_mtu(int sockfd, const char *ifname, int mtu)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_mtu = mtu;
    return ifreq_ioctl(sockfd, ifname, SIOCSIFMTU, &ifr);
}

int CL2TP_if_get_index(int sockfd, const char *ifname, int *ifindex)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    int rc = ifreq_ioctl(sockfd, ifname, SIOCGIFINDEX, &ifr);
    if (rc == 0)
        *ifindex = ifr.ifr_ifindex;
    return rc;
}

int CL2TP_if_get_hwaddr(int sockfd, const char *ifname, uint8_t mac[6])
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    int rc = ifreq_ioctl(sockfd, ifname, SIOCGIFHWADDR, &ifr);
    if (rc == 0)
        memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return rc;
}

int CL2TP_tap_set_offload(int fd, unsigned int flags)
{
    return ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags) < 0 ? -errno : 0;
}

int CL2TP_recvmmsg(int fd, struct CL2TP_mmsghdr *vec, unsigned int vlen, int flags)
{
    int n = recvmmsg(fd, (struct mmsghdr *)vec, vlen, flags, NULL);
    return n < 0 ? -errno : n;
}

int CL2TP_sendmmsg(int fd, struct CL2TP_mmsghdr *vec, unsigned int vlen, int flags)
{
    int n = sendmmsg(fd, (struct mmsghdr *)vec, vlen, flags);
    return n < 0 ? -errno : n;
}

size_t CL2TP_cmsg_space(size_t len)
{
    return CMSG_SPACE(len);
}

void CL2TP_cmsg_put_fd(struct msghdr *msg, void *buf, size_t buflen, int fd)
{
    memset(buf, 0, buflen);
    msg->msg_control = buf;
    msg->msg_controllen = CMSG_SPACE(sizeof(int));
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
}

int CL2TP_cmsg_take_fd(struct msghdr *msg)
{
    int found = -1;
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
            if (found < 0)
                found = fd;
            else
                close(fd);
        }
    }
    return found;
}

void CL2TP_cmsg_put_u16(struct msghdr *msg, void *buf, size_t buflen, int level, int type, uint16_t value)
{
    memset(buf, 0, buflen);
    msg->msg_control = buf;
    msg->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg);
    cmsg->cmsg_level = level;
    cmsg->cmsg_type = type;
    cmsg->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    memcpy(CMSG_DATA(cmsg), &value, sizeof(uint16_t));
}

int CL2TP_cmsg_find_int(struct msghdr *msg, int level, int type)
{
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_level != level || cmsg->cmsg_type != type)
            continue;
        size_t len = cmsg->cmsg_len - CMSG_LEN(0);
        if (len >= sizeof(int)) {
            int v;
            memcpy(&v, CMSG_DATA(cmsg), sizeof(int));
            return v;
        }
        if (len >= sizeof(uint16_t)) {
            uint16_t v;
            memcpy(&v, CMSG_DATA(cmsg), sizeof(uint16_t));
            return v;
        }
    }
    return -1;
}

int CL2TP_peer_cred(int fd, pid_t *pid, uid_t *uid, gid_t *gid)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -errno;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

/* Reads "CapEff:" and the effective uid from /proc/PID/status. */
static int read_status(pid_t pid, unsigned long long *cap_eff, unsigned long *euid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char line[256];
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long ruid, eu;
        if (sscanf(line, "CapEff: %llx", cap_eff) == 1)
            found |= 1;
        else if (sscanf(line, "Uid: %lu %lu", &ruid, &eu) == 2) {
            *euid = eu;
            found |= 2;
        }
    }
    fclose(f);
    return found == 3 ? 0 : -ENOENT;
}

#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(0xb7, 0x1)
#define NS_GET_PARENT _IO(0xb7, 0x2)
#endif
#ifndef NS_GET_OWNER_UID
#define NS_GET_OWNER_UID _IO(0xb7, 0x4)
#endif

/* Whether /proc/<who>/uid_map is the initial user namespace's identity map, "0 0 4294967295". A
 * child namespace can only have it if a fully privileged process wrote it. */
static int has_initial_uid_map(const char *who)
{
    char path[64], buf[128];
    snprintf(path, sizeof(path), "/proc/%s/uid_map", who);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long inside, outside, count;
    int used = 0;
    if (sscanf(buf, " %lu %lu %lu %n", &inside, &outside, &count, &used) != 3 || buf[used] != '\0')
        return 0; /* not exactly one line */
    return inside == 0 && outside == 0 && count == 4294967295UL;
}

/* When the client's user namespace cannot be named: without ptrace access to it (it has capabilities
 * we lack — root calling a daemon whose capabilities systemd bounded — or another uid), stat of
 * /proc/PID/ns/user fails, while uid_map stays readable. Trust the capability only between two
 * processes of the initial user namespace; anything else may be a namespace of the client's own,
 * where its capabilities mean nothing here. */
static int judge_by_uid_maps(pid_t pid, int has_cap)
{
    char who[16];
    snprintf(who, sizeof(who), "%d", (int)pid);
    return has_cap && has_initial_uid_map("self") && has_initial_uid_map(who);
}

int CL2TP_pid_has_cap_net_admin(pid_t pid)
{
    unsigned long long caps = 0;
    unsigned long euid = 0;
    int rc = read_status(pid, &caps, &euid);
    if (rc < 0)
        return rc;
    int has_cap = (caps >> 12) & 1; /* CAP_NET_ADMIN = 12 */

    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
    struct stat client_ns;
    if (stat(path, &client_ns) < 0)
        return judge_by_uid_maps(pid, has_cap);

    /* cap_capable(): walk from the user namespace owning our network namespace towards the root.
     * The client has the capability if it is in that namespace with CAP_NET_ADMIN effective, or if
     * it is the owner of one of the namespaces below its own on that path. */
    int netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (netns < 0)
        return judge_by_uid_maps(pid, has_cap);
    int ns = ioctl(netns, NS_GET_USERNS); /* Linux 4.9 */
    close(netns);
    if (ns < 0)
        return judge_by_uid_maps(pid, has_cap);
    int result = 0;
    for (;;) {
        struct stat st;
        if (fstat(ns, &st) < 0)
            break;
        if (st.st_ino == client_ns.st_ino && st.st_dev == client_ns.st_dev) {
            result = has_cap;
            break;
        }
        int parent = ioctl(ns, NS_GET_PARENT);
        if (parent < 0)
            break; /* reached the initial namespace without meeting the client's */
        struct stat pst;
        uid_t owner = (uid_t)-1;
        if (fstat(parent, &pst) == 0 && pst.st_ino == client_ns.st_ino && pst.st_dev == client_ns.st_dev &&
            ioctl(ns, NS_GET_OWNER_UID, &owner) == 0 && owner == (uid_t)euid) {
            close(parent);
            result = 1;
            break;
        }
        close(ns);
        ns = parent;
    }
    close(ns);
    return result;
}

void CL2TP_set_thread_name(const char *name)
{
    char buf[16];
    strncpy(buf, name, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    pthread_setname_np(pthread_self(), buf);
}

void CL2TP_block_all_signals(void)
{
    sigset_t set;
    sigfillset(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int CL2TP_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int CL2TP_epoll_wait(int epfd, uint64_t *data, uint32_t *events, int max, int timeout_ms)
{
    struct epoll_event evs[256];
    if (max > 256)
        max = 256;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    if (n < 0)
        return -errno;
    for (int i = 0; i < n; i++) {
        data[i] = evs[i].data.u64;
        events[i] = evs[i].events;
    }
    return n;
}

int CL2TP_eventfd(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int CL2TP_epoll_create(void)
{
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int CL2TP_accept(int fd)
{
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int CL2TP_signalfd(const int *signals, int count)
{
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++)
        sigaddset(&set, signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return -errno;
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int CL2TP_signalfd_read(int fd)
{
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof(info));
    if (n < 0)
        return errno == EAGAIN ? 0 : -errno;
    if (n != sizeof(info))
        return 0;
    return (int)info.ssi_signo;
}

uint64_t CL2TP_netns_cookie(int fd)
{
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
    uint64_t cookie = 0;
    socklen_t len = sizeof(cookie);
    if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0)
        return 0;
    return cookie;
}

int CL2TP_attach_drop_all(int fd)
{
    struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
    struct sock_fprog prog = { .len = 1, .filter = code };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ? -errno : 0;
}

int CL2TP_wait_signal(int fd)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        int sig = CL2TP_signalfd_read(fd);
        if (sig != 0)
            return sig;
    }
}

// MARK: - Event loop timer (added for L2TPSystem.EventLoop; kept apart)

int CL2TP_timerfd_create(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int CL2TP_timerfd_set_deadline(int fd, uint64_t deadline_ns)
{
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)(deadline_ns / 1000000000u);
    its.it_value.tv_nsec = (long)(deadline_ns % 1000000000u);
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ? -errno : 0;
}

int64_t CL2TP_timerfd_read(int fd)
{
    uint64_t expirations = 0;
    ssize_t n = read(fd, &expirations, sizeof(expirations));
    if (n < 0)
        return errno == EAGAIN ? 0 : -errno;
    return n == sizeof(expirations) ? (int64_t)expirations : 0;
}

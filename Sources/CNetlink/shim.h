// SPDX-License-Identifier: GPL-2.0-only
// Umbrella header for the parts of libnl-3 and libnl-genl-3 that l2tpd uses.
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

// SPDX-License-Identifier: GPL-2.0-only
// l2tpd: the userspace L2TP datapath daemon. Runs in the foreground.

L2TPDaemonCommand.main()

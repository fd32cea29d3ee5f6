// SPDX-License-Identifier: GPL-2.0-only
// The `l2tp` executable: iproute2's `ip l2tp` for l2tpd. All logic lives in L2TPTool.

import Glibc
import L2TPTool

var io = StandardIO()
let status = L2TPToolMain.run(
    arguments: Array(CommandLine.arguments.dropFirst()),
    environment: StandardIO.processEnvironment(),
    io: &io)
exit(status)

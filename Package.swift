// swift-tools-version: 6.1
// SPDX-License-Identifier: GPL-2.0-only
// l2tpd: a userspace L2TP datapath daemon for Linux, controlled through the kernel's `l2tp` GENL family.

import PackageDescription

let package = Package(
    name: "l2tpd",
    products: [
        .executable(name: "l2tpd", targets: ["l2tpd"]),
        .executable(name: "l2tp", targets: ["l2tp"]),
        .executable(name: "l2tpd-run", targets: ["l2tpd-run"]),
        // LD_PRELOAD library that points a program's l2tp Generic Netlink traffic at l2tpd.
        .library(name: "l2tpd-preload", type: .dynamic, targets: ["CL2TPPreload"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C shims: TUN/TAP ioctls, mmsghdr batch calls, cmsg, epoll, signalfd, timerfd, capabilities.
        .target(name: "CL2TPLinux"),
        // libnl-3 and libnl-genl-3, found through pkg-config.
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev"])]
        ),

        // Hot path.
        .target(name: "L2TPSystem", dependencies: ["CL2TPLinux", "L2TPWire"]),
        .target(name: "L2TPWire"),
        // Pure: virtio-net headers, Internet checksums, segmentation of super-frames and coalescing.
        .target(name: "L2TPOffload"),
        .target(name: "L2TPCore", dependencies: ["L2TPWire", "L2TPOffload"]),
        .target(name: "L2TPEncap", dependencies: ["L2TPCore", "L2TPSystem", "L2TPWire"]),
        .target(name: "L2TPEthernet", dependencies: ["L2TPCore", "L2TPSystem", "L2TPOffload"]),
        .target(name: "L2TPDatapath", dependencies: ["CL2TPLinux", "L2TPCore", "L2TPSystem", "L2TPWire"]),

        // Control plane.
        .target(name: "L2TPNetlink", dependencies: ["CNetlink", "L2TPWire"]),
        .target(
            name: "L2TPControl",
            dependencies: ["L2TPCore", "L2TPNetlink", "L2TPSystem", "L2TPWire"]
        ),
        .target(
            name: "L2TPConfig",
            dependencies: ["L2TPNetlink", "L2TPWire", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        .target(
            name: "L2TPDaemon",
            dependencies: [
                "CL2TPLinux", "L2TPConfig", "L2TPControl", "L2TPCore", "L2TPDatapath", "L2TPEncap", "L2TPEthernet",
                "L2TPNetlink", "L2TPSystem", "L2TPWire",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "l2tpd",
            dependencies: [
                "L2TPDaemon", "L2TPConfig", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "L2TPTool", dependencies: ["L2TPNetlink", "L2TPSystem", "L2TPWire"]),
        .executableTarget(name: "l2tp", dependencies: ["L2TPTool"]),
        // The preload library (C, no Swift runtime in the target process) and its wrapper.
        .target(name: "CL2TPPreload"),
        .executableTarget(name: "l2tpd-run", dependencies: ["L2TPSystem"]),

        // Tests: one per library module, plus end-to-end tests in network namespaces.
        .target(name: "L2TPTestSupport", dependencies: ["L2TPCore", "L2TPWire"], path: "Tests/L2TPTestSupport"),
        .testTarget(name: "L2TPWireTests", dependencies: ["L2TPWire", "L2TPTestSupport"]),
        .testTarget(name: "L2TPCoreTests", dependencies: ["L2TPCore", "L2TPTestSupport", "L2TPWire"]),
        .testTarget(
            name: "L2TPDatapathTests", dependencies: ["L2TPCore", "L2TPDatapath", "L2TPSystem", "L2TPTestSupport", "L2TPWire"]
        ),
        .testTarget(name: "L2TPOffloadTests", dependencies: ["L2TPOffload", "L2TPTestSupport"]),
        .testTarget(name: "L2TPSystemTests", dependencies: ["L2TPSystem", "L2TPTestSupport"]),
        .testTarget(name: "L2TPNetlinkTests", dependencies: ["L2TPNetlink", "L2TPTestSupport", "L2TPWire"]),
        .testTarget(
            name: "L2TPControlTests",
            dependencies: ["L2TPControl", "L2TPCore", "L2TPDaemon", "L2TPNetlink", "L2TPTestSupport", "L2TPWire"]
        ),
        .testTarget(name: "L2TPToolTests", dependencies: ["L2TPNetlink", "L2TPTool", "L2TPWire"]),
        .testTarget(name: "L2TPConfigTests", dependencies: ["L2TPConfig", "L2TPNetlink", "L2TPTestSupport", "L2TPWire"]),
        .testTarget(
            name: "L2TPPreloadTests",
            dependencies: ["CL2TPPreload", "L2TPDaemon", "L2TPNetlink", "L2TPTestSupport", "L2TPTool", "L2TPWire"]
        ),
        .testTarget(
            name: "L2TPEndToEndTests",
            // The executables are built for the tests to run; the modules are imported.
            dependencies: ["l2tpd", "l2tp", "l2tpd-run", "L2TPNetlink", "L2TPSystem"]
        ),
    ]
)

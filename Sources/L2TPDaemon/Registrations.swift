// SPDX-License-Identifier: GPL-2.0-only
// Every encapsulation and pseudowire this l2tpd supports, in one list: the kind, its live factory and
// its dry-run twin, each from the kind's own module. The daemon, the dry run of a configuration and
// the control-plane tests build their registration tables from it, so a new kind is added here once.

import L2TPCore
import L2TPEncap
import L2TPEthernet
import L2TPWire

/// The kinds this l2tpd can create and how to make each one's factory.
public enum Registrations {
    /// What live factories share.
    struct Live {
        /// Sockets adopted by managed tunnels, across encapsulations.
        let managedSockets: ManagedSockets
        /// UDP GSO/GRO on tunnel sockets.
        let offloads: Bool
        /// The Ethernet pseudowire's factory, which the daemon also tells about MTU changes.
        let ethernet: EthernetPseudowireFactory
    }

    /// What dry-run factories know.
    struct DryRun {
        /// Interface names of the sessions the dry run replays.
        let replayedNames: Set<String>
    }

    private struct Kind<Type: Equatable & Sendable, Factory>: Sendable {
        let type: Type
        let live: @Sendable (Live) -> Factory
        let dryRun: @Sendable (DryRun) -> Factory
    }

    /// The one list.
    private static let encapsulations: [Kind<EncapType, any EncapFactory>] = [
        Kind(type: .udp, live: { UDPEncapFactory(managed: $0.managedSockets, offloads: $0.offloads) },
             dryRun: { _ in DryRunEncapFactory(encap: .udp) }),
        Kind(type: .ip, live: { IPEncapFactory(managed: $0.managedSockets) }, dryRun: { _ in DryRunEncapFactory(encap: .ip) }),
    ]
    private static let pseudowires: [Kind<PseudowireType, any PseudowireFactory>] = [
        Kind(type: .eth, live: { $0.ethernet }, dryRun: { DryRunEthernetFactory(replayedNames: $0.replayedNames) }),
    ]

    /// A table with the factory `encapsulation` or `pseudowire` gives for each supported kind; nil
    /// leaves a kind unregistered (tests register fakes this way).
    public static func table(
        encapsulation: (EncapType) -> (any EncapFactory)?, pseudowire: (PseudowireType) -> (any PseudowireFactory)?
    ) -> RegistrationTable {
        var table = RegistrationTable()
        for kind in encapsulations { table.encapsulations[kind.type] = encapsulation(kind.type) }
        for kind in pseudowires { table.pseudowires[kind.type] = pseudowire(kind.type) }
        return table
    }

    /// The daemon's table.
    static func live(_ context: Live) -> RegistrationTable {
        table(
            encapsulation: { type in encapsulations.first { $0.type == type }?.live(context) },
            pseudowire: { type in pseudowires.first { $0.type == type }?.live(context) })
    }

    /// A dry run's table: the same kinds, opening no socket and creating no device.
    static func dryRun(_ context: DryRun) -> RegistrationTable {
        table(
            encapsulation: { type in encapsulations.first { $0.type == type }?.dryRun(context) },
            pseudowire: { type in pseudowires.first { $0.type == type }?.dryRun(context) })
    }
}

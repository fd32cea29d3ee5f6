// SPDX-License-Identifier: GPL-2.0-only
// The l2tp CLI's text and JSON output against a live daemon, compared with golden output written
// from iproute2's print_tunnel/print_session for the same objects.

import Foundation
import Testing

@Suite("CLI output against a live daemon", .serialized, .timeLimit(.minutes(2)))
struct CLIGoldenTests {
    /// Three tunnels (UDP/IPv4 with checksums, UDP/IPv6 with zero tx checksums, IP/IPv4) and four
    /// sessions covering names, cookies, sequencing and the sublayer.
    private func configure(_ h: Host, peer: Host) throws {
        try h.l2tpOK("add tunnel tunnel_id 42 peer_tunnel_id 45 encap udp local \(h.ipv4) remote \(peer.ipv4) udp_sport 5000 udp_dport 5001 udp_csum on")
        try h.l2tpOK("add tunnel tunnel_id 7 peer_tunnel_id 8 encap udp local \(h.ipv6) remote \(peer.ipv6) udp_sport 1701 udp_dport 1702 udp6_csum_tx off")
        try h.l2tpOK("add tunnel tid 100 ptid 200 encap ip local \(h.ipv4) remote \(peer.ipv4)")
        try h.l2tpOK("add session tunnel_id 42 session_id 128 peer_session_id 5196755")
        try h.l2tpOK("add session name pw1 tunnel_id 42 session_id 3 peer_session_id 4 cookie 0a0b0c0d peer_cookie 0102030405060708 seq both")
        try h.l2tpOK("add session tunnel_id 7 session_id 70 peer_session_id 80 seq send l2spec_type none")
        try h.l2tpOK("add session name ipsess tunnel_id 100 session_id 1000 peer_session_id 2000 seq recv")
    }

    @Test("show tunnel: text and JSON")
    func tunnels() throws {
        try withTopology { t in
            try configure(t.a, peer: t.b)
            let text = try t.a.l2tpOK("show tunnel").stdout
            #expect(text == """
                Tunnel 7, encap UDP
                  From \(t.a.ipv6) to \(t.b.ipv6)
                  Peer tunnel 8
                  UDP source / dest ports: 1701/1702
                  UDP checksum: rx
                Tunnel 42, encap UDP
                  From \(t.a.ipv4) to \(t.b.ipv4)
                  Peer tunnel 45
                  UDP source / dest ports: 5000/5001
                  UDP checksum: enabled
                Tunnel 100, encap IP
                  From \(t.a.ipv4) to \(t.b.ipv4)
                  Peer tunnel 200

                """)
            let json = try t.a.l2tpOK("-j show tunnel").stdout
            #expect(json == """
                [{"tunnel_id":7,"encap":"UDP","local":"\(t.a.ipv6)","peer":"\(t.b.ipv6)","peer_tunnel":8,\
                "local_port":1701,"peer_port":1702,"checksum_tx":false,"checksum_rx":true},\
                {"tunnel_id":42,"encap":"UDP","local":"\(t.a.ipv4)","peer":"\(t.b.ipv4)","peer_tunnel":45,\
                "local_port":5000,"peer_port":5001,"checksum":true},\
                {"tunnel_id":100,"encap":"IP","local":"\(t.a.ipv4)","peer":"\(t.b.ipv4)","peer_tunnel":200}]

                """)
        }
    }

    @Test("show session: text and JSON, dumped tunnel by tunnel in id order")
    func sessions() throws {
        try withTopology { t in
            try configure(t.a, peer: t.b)
            let text = try t.a.l2tpOK("show session").stdout
            #expect(text == """
                Session 70 in tunnel 7
                  Peer session 80, tunnel 8
                  interface name: l2tpeth1
                  offset 0, peer offset 0

                  sequence numbering: send
                Session 3 in tunnel 42
                  Peer session 4, tunnel 45
                  interface name: pw1
                  offset 0, peer offset 0
                  cookie 0a0b0c0d  peer cookie 0102030405060708
                  sequence numbering: send recv
                Session 128 in tunnel 42
                  Peer session 5196755, tunnel 45
                  interface name: l2tpeth0
                  offset 0, peer offset 0

                Session 1000 in tunnel 100
                  Peer session 2000, tunnel 200
                  interface name: ipsess
                  offset 0, peer offset 0

                  sequence numbering: recv

                """)
            let json = try t.a.l2tpOK("-j show session").stdout
            #expect(json == """
                [{"session_id":70,"tunnel_id":7,"peer_session_id":80,"peer_tunnel_id":8,"interface":"l2tpeth1",\
                "send_seq":null},\
                {"session_id":3,"tunnel_id":42,"peer_session_id":4,"peer_tunnel_id":45,"interface":"pw1",\
                "cookie":"0a0b0c0d","peer_cookie":"0102030405060708","send_seq":null,"recv_seq":null},\
                {"session_id":128,"tunnel_id":42,"peer_session_id":5196755,"peer_tunnel_id":45,"interface":"l2tpeth0"},\
                {"session_id":1000,"tunnel_id":100,"peer_session_id":2000,"peer_tunnel_id":200,"interface":"ipsess",\
                "recv_seq":null}]

                """)
        }
    }

    @Test("show with ids still prints everything, as iproute2 does (the kernel ignores dump attributes)")
    func filtersIgnored() throws {
        try withTopology { t in
            try configure(t.a, peer: t.b)
            let all = try t.a.l2tpOK("show tunnel").stdout
            #expect(try t.a.l2tpOK("show tunnel tunnel_id 42").stdout == all)
            let sessions = try t.a.l2tpOK("show session").stdout
            #expect(try t.a.l2tpOK("show session tunnel_id 42 session_id 3").stdout == sessions)
        }
    }
}

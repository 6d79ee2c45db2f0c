#!/usr/bin/env python3
"""Writes the captures the example programs run on.

One classic pcap (microsecond, little-endian, LINKTYPE_ETHERNET) per example,
each crafted so that every path of its program runs at least once, malformed
frames included. Output is byte-for-byte reproducible: fixed timestamps, fixed
payloads, no randomness. Only the standard library is used.

    python3 examples/make_pcaps.py            # writes next to the programs
    python3 examples/make_pcaps.py --list     # prints one line per frame

The frame lists below are the reference for examples/README.md: frame numbers
there are 1-based positions in these lists.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_TS = 1_700_000_000  # fixed capture time; frame i is at BASE_TS + i seconds

ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 = 0x0800, 0x0806, 0x86DD
ETH_P_8021Q, ETH_P_8021AD, ETH_P_LLDP = 0x8100, 0x88A8, 0x88CC
TCP, UDP, ICMP, ICMPV6, HOPOPTS = 6, 17, 1, 58, 0
SYN, ACK, FIN, RST, PSH, ECE, CWR = 0x02, 0x10, 0x01, 0x04, 0x08, 0x40, 0x80

CLIENT_MAC = "52:54:00:12:34:56"
HOST_MAC = "02:00:00:00:00:01"  # the machine the program runs on
BCAST = "ff:ff:ff:ff:ff:ff"


# ---- field helpers -------------------------------------------------------

def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip6(s):
    # Minimal parser for the '::' forms used below.
    head, _, tail = s.partition("::")
    h = [int(x, 16) for x in head.split(":") if x]
    t = [int(x, 16) for x in tail.split(":") if x]
    words = h + [0] * (8 - len(h) - len(t)) + t
    return struct.pack("!8H", *words)


def csum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def payload(n, seed):
    """n deterministic bytes (a counter pattern, distinct per seed)."""
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(n))


# ---- layers ---------------------------------------------------------------

def eth(ethertype, body, dst=HOST_MAC, src=CLIENT_MAC):
    return mac(dst) + mac(src) + struct.pack("!H", ethertype) + body


def vlan(tpid, vid, inner_type, body, dst=HOST_MAC, src=CLIENT_MAC):
    """One tag; nest by passing the result of vlan_tag() as body."""
    return mac(dst) + mac(src) + struct.pack("!HHH", tpid, vid, inner_type) + body


def vlan_tag(vid, inner_type, body):
    return struct.pack("!HH", vid, inner_type) + body


def ipv4(src, dst, proto, body, ttl=64, ident=1, flags_frag=0, tos=0,
         options=b"", tot_len=None, version=4, ihl=None):
    if ihl is None:
        ihl = 5 + len(options) // 4
    if tot_len is None:
        tot_len = 20 + len(options) + len(body)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, tos, tot_len, ident,
                      flags_frag, ttl, proto, 0, ip4(src), ip4(dst)) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + body


def ipv6(src, dst, nexthdr, body, tclass=0, flow=0, hlim=64):
    first = (6 << 28) | (tclass << 20) | flow
    return struct.pack("!IHBB16s16s", first, len(body), nexthdr, hlim,
                       ip6(src), ip6(dst)) + body


def _pseudo4(src, dst, proto, length):
    return ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, length)


def _pseudo6(src, dst, proto, length):
    return ip6(src) + ip6(dst) + struct.pack("!IxxxB", length, proto)


def tcp(sport, dport, flags, data=b"", seq=1000, ack=0, window=64240, v6=None,
        src=None, dst=None):
    """TCP segment with a correct checksum over the given addresses."""
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      window, 0, 0)
    seg = hdr + data
    ph = (_pseudo6 if v6 else _pseudo4)(src, dst, TCP, len(seg))
    c = csum(ph + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(sport, dport, data=b"", v6=None, src=None, dst=None, zero_csum=False):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    if zero_csum:
        return seg
    ph = (_pseudo6 if v6 else _pseudo4)(src, dst, UDP, len(seg))
    c = csum(ph + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp_echo(ident=1, seq=1, data=b"ping"):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def icmp6_echo(src, dst, ident=1, seq=1, data=b"ping6"):
    msg = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + data
    c = csum(_pseudo6(src, dst, ICMPV6, len(msg)) + msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def arp_request(sha, spa, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 1, mac(sha),
                       ip4(spa), b"\0" * 6, ip4(tpa))


# Convenience: whole frames -------------------------------------------------

def v4_tcp(src, dst, sport, dport, flags=SYN, data=b"", **ip):
    return eth(ETH_P_IP, ipv4(src, dst, TCP,
                              tcp(sport, dport, flags, data, src=src, dst=dst), **ip))


def v4_udp(src, dst, sport, dport, data=b"", zero_csum=False, **ip):
    return eth(ETH_P_IP, ipv4(src, dst, UDP,
                              udp(sport, dport, data, src=src, dst=dst,
                                  zero_csum=zero_csum), **ip))


def v6_tcp(src, dst, sport, dport, flags=SYN, data=b"", **ip):
    return eth(ETH_P_IPV6, ipv6(src, dst, TCP,
                                tcp(sport, dport, flags, data, v6=True, src=src, dst=dst), **ip))


def v6_udp(src, dst, sport, dport, data=b""):
    return eth(ETH_P_IPV6, ipv6(src, dst, UDP,
                                udp(sport, dport, data, v6=True, src=src, dst=dst)))


def pad60(frame):
    """Ethernet minimum size (60 bytes without FCS): the NIC pads with zeros."""
    return frame + b"\0" * max(0, 60 - len(frame))


ARP = eth(ETH_P_ARP, arp_request(CLIENT_MAC, "10.0.0.2", "10.0.0.1"), dst=BCAST)
RUNT = mac(HOST_MAC) + mac(CLIENT_MAC)[:4]          # 10 bytes, not even a header
ETH_ONLY_IPV4 = eth(ETH_P_IP, b"")                   # 14 bytes: type, no IP header


# ---- the captures ----------------------------------------------------------
# Each entry: (frame bytes, what it is for). Keep comments in sync with README.

def firewall_frames():
    D = "10.0.0.1"
    return [
        (v4_tcp("192.0.2.10", D, 40000, 80), "TCP SYN to :80 from 192.0.2.10"),
        (v4_udp("198.51.100.7", D, 5353, 53, payload(24, 1)), "UDP to :53"),
        (v4_tcp("192.0.2.10", D, 40001, 23), "TCP to :23 (cfg_drop_port)"),
        (v4_udp("192.0.2.10", D, 40002, 23, b"x"), "UDP to :23 (cfg_drop_port)"),
        (eth(ETH_P_IP, ipv4("203.0.113.5", D, ICMP, icmp_echo())), "ICMP echo from 203.0.113.5"),
        (v4_tcp("203.0.113.77", D, 50000, 443), "TCP SYN to :443 from 203.0.113.77"),
        (v4_tcp("10.1.2.3", D, 50001, 443), "TCP from 10.1.2.3"),
        (v4_tcp("10.2.0.1", D, 50002, 443), "TCP from 10.2.0.1"),
        (v4_tcp("11.0.0.1", D, 50003, 443), "TCP from 11.0.0.1"),
        (v4_tcp("192.0.2.99", D, 50004, 80), "TCP from 192.0.2.99"),
        (v4_tcp("192.0.2.10", D, 40003, 80, ttl=0), "TTL 0"),
        (v4_udp("192.0.2.10", D, 40004, 53, payload(16, 2), flags_frag=0x2000),
         "first fragment (MF, offset 0) UDP to :53"),
        (eth(ETH_P_IP, ipv4("192.0.2.10", D, UDP, payload(32, 3), flags_frag=185)),
         "non-first fragment (offset 185*8)"),
        (v4_tcp("192.0.2.10", D, 40005, 22, options=b"\x01\x01\x01\x00"),
         "IHL 6 (4 bytes of options) TCP to :22"),
        (v4_tcp("192.0.2.10", D, 40006, 80, ihl=4), "IHL 4 (invalid)"),
        (v4_tcp("192.0.2.10", D, 40007, 80, version=6), "version 6 inside ethertype IPv4"),
        (v4_tcp("192.0.2.10", D, 40008, 80)[:14 + 12], "IPv4 header truncated to 12 bytes"),
        (v4_tcp("192.0.2.10", D, 40009, 80, tot_len=1500), "tot_len 1500 > frame"),
        (eth(ETH_P_IP, ipv4("192.0.2.10", D, TCP, tcp(40010, 80, SYN, src="192.0.2.10", dst=D)[:8])),
         "TCP header truncated to 8 bytes"),
        (pad60(v4_tcp("192.0.2.10", D, 40011, 80, ACK)), "TCP ACK padded to 60 bytes"),
        (v4_tcp("192.0.2.10", D, 40012, 0), "TCP to port 0"),
        (eth(ETH_P_IP, ipv4("192.0.2.10", D, 47, payload(8, 4))), "GRE (no ports)"),
        (v6_tcp("2001:db8::10", "2001:db8::1", 40013, 23), "IPv6 TCP to :23 (not IPv4: passes)"),
        (ARP, "ARP request"),
        (ETH_ONLY_IPV4, "14-byte frame, ethertype IPv4, no IP header"),
        (RUNT, "10-byte runt"),
    ]


def loadbalancer_frames():
    VIP = "10.0.0.100"
    f = []
    for i, (src, sport) in enumerate([("192.0.2.1", 33000), ("192.0.2.2", 33001),
                                      ("192.0.2.3", 33002), ("198.51.100.9", 40000),
                                      ("198.51.100.9", 40001), ("203.0.113.200", 51515)]):
        f.append((v4_tcp(src, VIP, sport, 80, SYN), f"TCP SYN {src}:{sport} -> VIP:80"))
    f += [
        (v4_tcp("192.0.2.1", VIP, 33000, 80, ACK | PSH, b"GET / HTTP/1.0\r\n\r\n"),
         "same flow as frame 1, with data"),
        (v4_udp("192.0.2.50", VIP, 5000, 53, payload(30, 5)), "UDP -> VIP:53 with checksum"),
        (v4_udp("192.0.2.51", VIP, 5001, 53, payload(30, 6), zero_csum=True),
         "UDP -> VIP:53, checksum 0 (none)"),
        (pad60(v4_udp("192.0.2.52", VIP, 5002, 123, b"ntp")), "UDP -> VIP:123 padded to 60"),
        (eth(ETH_P_IP, ipv4("192.0.2.1", VIP, ICMP, icmp_echo())), "ICMP echo to VIP"),
        (v4_tcp("192.0.2.1", "10.0.0.1", 33000, 80), "TCP to a non-VIP address"),
        (v4_tcp("192.0.2.1", VIP, 33003, 80, options=b"\x01\x01\x01\x00"), "VIP with IP options"),
        (v4_udp("192.0.2.1", VIP, 5003, 53, payload(16, 7), flags_frag=0x2000), "VIP first fragment"),
        (eth(ETH_P_IP, ipv4("192.0.2.1", VIP, TCP, tcp(33004, 80, SYN, src="192.0.2.1", dst=VIP)[:12])),
         "VIP, TCP header truncated to 12 bytes"),
        (eth(ETH_P_IP, ipv4("192.0.2.1", VIP, UDP, b"\x13\x88\x00\x35")), "VIP, UDP header truncated to 4 bytes"),
        (v4_tcp("192.0.2.1", VIP, 33005, 80)[:14 + 19], "IPv4 header truncated to 19 bytes"),
        (v6_tcp("2001:db8::1", "2001:db8::64", 33000, 80), "IPv6 TCP"),
        (ARP, "ARP request"),
        (ETH_ONLY_IPV4, "14-byte frame, ethertype IPv4"),
    ]
    return f


def counters_frames():
    S6, D6 = "2001:db8::10", "2001:db8::1"
    ip_udp = ipv4("192.0.2.10", "10.0.0.1", UDP, udp(1000, 2000, b"v", src="192.0.2.10", dst="10.0.0.1"))
    ip_tcp = ipv4("192.0.2.10", "10.0.0.1", TCP, tcp(1000, 80, SYN, src="192.0.2.10", dst="10.0.0.1"))
    hop_by_hop = struct.pack("!BB6s", UDP, 0, b"\x01\x04\0\0\0\0") + \
        udp(1000, 2000, b"h", v6=True, src=S6, dst=D6)
    llc_stp = mac("01:80:c2:00:00:00") + mac(CLIENT_MAC) + struct.pack("!H", 38) + \
        b"\x42\x42\x03" + payload(35, 8)
    return [
        (v4_tcp("192.0.2.10", "10.0.0.1", 1000, 80), "IPv4 TCP"),
        (v4_tcp("192.0.2.10", "10.0.0.1", 1001, 80, ACK, payload(100, 9)), "IPv4 TCP, 100 bytes data"),
        (v4_udp("192.0.2.10", "10.0.0.1", 1000, 53, payload(20, 10)), "IPv4 UDP"),
        (eth(ETH_P_IP, ipv4("192.0.2.10", "10.0.0.1", ICMP, icmp_echo())), "IPv4 ICMP"),
        (v6_tcp(S6, D6, 1000, 443), "IPv6 TCP"),
        (v6_udp(S6, D6, 1000, 53, payload(20, 11)), "IPv6 UDP"),
        (eth(ETH_P_IPV6, ipv6(S6, D6, ICMPV6, icmp6_echo(S6, D6))), "IPv6 ICMPv6"),
        (eth(ETH_P_IPV6, ipv6(S6, D6, HOPOPTS, hop_by_hop)), "IPv6 hop-by-hop, then UDP"),
        (ARP, "ARP request"),
        (ARP, "ARP request again"),
        (vlan(ETH_P_8021Q, 100, ETH_P_IP, ip_udp), "802.1Q vid 100, IPv4 UDP"),
        (vlan(ETH_P_8021Q, 100, ETH_P_ARP, arp_request(CLIENT_MAC, "10.0.0.2", "10.0.0.1"), dst=BCAST),
         "802.1Q vid 100, ARP"),
        (vlan(ETH_P_8021Q, 200, ETH_P_IPV6, ipv6(S6, D6, TCP, tcp(1, 2, SYN, v6=True, src=S6, dst=D6))),
         "802.1Q vid 200, IPv6 TCP"),
        (vlan(ETH_P_8021AD, 10, ETH_P_8021Q, vlan_tag(100, ETH_P_IP, ip_tcp)),
         "QinQ 802.1ad 10 / 802.1Q 100, IPv4 TCP"),
        (vlan(ETH_P_8021Q, 1, ETH_P_8021Q, vlan_tag(2, ETH_P_8021Q, vlan_tag(3, ETH_P_IP, ip_udp))),
         "three 802.1Q tags (one more than parsed)"),
        (eth(ETH_P_8021Q, b"\x00\x64"), "802.1Q tag truncated (2 of 4 bytes)"),
        (eth(ETH_P_LLDP, payload(30, 12), dst="01:80:c2:00:00:0e"), "LLDP (other ethertype)"),
        (llc_stp, "802.3 length field + LLC (STP BPDU)"),
        (v4_tcp("192.0.2.10", "10.0.0.1", 1000, 80)[:14 + 10], "IPv4 header truncated"),
        (v6_tcp(S6, D6, 1000, 80)[:14 + 39], "IPv6 header truncated (39 of 40)"),
        (vlan(ETH_P_8021Q, 100, ETH_P_IP, ip_udp[:12]), "802.1Q, IPv4 header truncated"),
        (ETH_ONLY_IPV4, "14-byte frame, ethertype IPv4"),
        (RUNT, "10-byte runt"),
    ]


def events_frames():
    C4, S4 = "192.0.2.10", "10.0.0.1"
    C6, S6 = "2001:db8::10", "2001:db8::1"
    return [
        (v4_tcp(C4, S4, 40000, 80, SYN), "IPv4 SYN -> :80"),
        (v4_tcp(S4, C4, 80, 40000, SYN | ACK), "IPv4 SYN-ACK"),
        (v4_tcp(C4, S4, 40000, 80, ACK), "IPv4 ACK"),
        (v4_tcp(C4, S4, 40001, 9, SYN), "IPv4 SYN -> :9 (quiet port)"),
        (v4_tcp(C4, S4, 40002, 443, SYN | ECE | CWR), "IPv4 SYN+ECE+CWR -> :443"),
        (v4_tcp(C4, S4, 40003, 22, SYN, options=b"\x01\x01\x01\x00"), "IPv4 IHL 6 SYN -> :22"),
        (v6_tcp(C6, S6, 40004, 443, SYN), "IPv6 SYN -> :443"),
        (v6_tcp(C6, S6, 40005, 9, SYN), "IPv6 SYN -> :9 (quiet port)"),
        (v6_tcp(S6, C6, 443, 40004, SYN | ACK), "IPv6 SYN-ACK"),
        (v4_tcp(C4, S4, 40000, 80, FIN | ACK), "IPv4 FIN"),
        (v4_tcp(C4, S4, 40000, 80, RST), "IPv4 RST"),
        (v4_udp(C4, S4, 40006, 53, payload(20, 13)), "IPv4 UDP"),
        (eth(ETH_P_IP, ipv4(C4, S4, TCP, payload(20, 14), flags_frag=100)), "IPv4 TCP non-first fragment"),
        (eth(ETH_P_IP, ipv4(C4, S4, ICMP, icmp_echo())), "IPv4 ICMP"),
        (ARP, "ARP request"),
        (v4_tcp(C4, S4, 40007, 80, SYN)[:14 + 15], "IPv4 header truncated (15 bytes)"),
        (eth(ETH_P_IP, ipv4(C4, S4, TCP, b"\x9c\x47\x00\x50\x00\x00")), "IPv4 TCP header truncated (6 bytes)"),
        (v6_tcp(C6, S6, 40008, 80)[:14 + 20], "IPv6 header truncated (20 bytes)"),
        (eth(ETH_P_IPV6, ipv6(C6, S6, TCP, b"\x9c\x48\x00\x50")), "IPv6 TCP header truncated (4 bytes)"),
        (v4_tcp(C4, S4, 40009, 80, SYN, ihl=3), "IPv4 IHL 3"),
        (ETH_ONLY_IPV4, "14-byte frame, ethertype IPv4"),
        (v4_tcp("198.51.100.20", S4, 55555, 8080, SYN), "IPv4 SYN -> :8080"),
    ]


def classifier_frames():
    C4, S4 = "192.0.2.10", "10.0.0.1"
    C6, S6 = "2001:db8::10", "2001:db8::1"
    return [
        (v4_tcp(C4, S4, 40000, 22, ACK | PSH, b"ssh"), "IPv4 TCP -> :22 (interactive)"),
        (v4_tcp(S4, C4, 22, 40000, ACK), "IPv4 TCP from :22 (interactive)"),
        (v4_udp(C4, S4, 40001, 53, payload(20, 15)), "IPv4 UDP -> :53 (interactive)"),
        (v4_tcp(C4, S4, 40002, 22, ACK, tos=0x03), "IPv4 -> :22, ECN CE set (kept)"),
        (v4_tcp(C4, S4, 40003, 22, ACK, tos=0xb8 | 0x01, options=b"\x01\x01\x01\x00"),
         "IPv4 IHL 6, already EF, ECT(1)"),
        (v4_tcp(C4, S4, 40004, 873, ACK, payload(64, 16)), "IPv4 TCP -> :873 (bulk)"),
        (v4_udp(C4, S4, 40005, 873, b"u"), "IPv4 UDP -> :873 (default: bulk is TCP only)"),
        (v4_tcp(C4, S4, 40006, 25, SYN), "IPv4 TCP -> :25 (blocked)"),
        (v4_tcp(S4, C4, 25, 40006, SYN | ACK), "IPv4 TCP from :25 (not blocked: dst only)"),
        (v4_tcp(C4, S4, 40007, 80, SYN, tos=0x28), "IPv4 TCP -> :80 (default, DSCP AF11 kept)"),
        (v6_tcp(C6, S6, 40008, 22, ACK, tclass=0x02, flow=0x12345), "IPv6 -> :22, ECT(0), flow label"),
        (v6_tcp(C6, S6, 40009, 25, SYN), "IPv6 -> :25 (blocked)"),
        (v6_udp(C6, S6, 40010, 5000, b"x"), "IPv6 UDP -> :5000 (default)"),
        (eth(ETH_P_IP, ipv4(C4, S4, ICMP, icmp_echo())), "IPv4 ICMP (no ports)"),
        (eth(ETH_P_IP, ipv4(C4, S4, UDP, payload(16, 17), flags_frag=0x20)), "IPv4 non-first fragment"),
        (eth(ETH_P_IP, ipv4(C4, S4, TCP, b"\x9c\x4a\x00\x16")), "IPv4 TCP header truncated"),
        (v4_tcp(C4, S4, 40012, 22, ACK, ihl=3), "IPv4 IHL 3 (invalid) -> :22"),
        (v4_tcp(C4, S4, 40011, 22)[:14 + 16], "IPv4 header truncated"),
        (ARP, "ARP request"),
        (ETH_ONLY_IPV4, "14-byte frame, ethertype IPv4"),
    ]


CAPTURES = {
    "xdp/firewall.pcap": firewall_frames,
    "xdp/loadbalancer.pcap": loadbalancer_frames,
    "xdp/counters.pcap": counters_frames,
    "xdp/events.pcap": events_frames,
    "tc/classifier.pcap": classifier_frames,
}


def write_pcap(path, frames):
    with open(path, "wb") as f:
        # magic, v2.4, thiszone, sigfigs, snaplen, LINKTYPE_ETHERNET
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (frame, _) in enumerate(frames):
            f.write(struct.pack("<IIII", BASE_TS + i, 0, len(frame), len(frame)))
            f.write(frame)


def main(argv):
    for rel, build in CAPTURES.items():
        frames = build()
        if "--list" in argv:
            print(rel)
            for i, (frame, what) in enumerate(frames, 1):
                print(f"  {i:2d} {len(frame):4d}B  {what}")
            continue
        write_pcap(os.path.join(HERE, rel), frames)
        print(f"wrote {rel}: {len(frames)} frames")


if __name__ == "__main__":
    main(sys.argv[1:])

package org.bpf4j.bench.sbs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Frames for the parser program and the parser's Java reference (sbs_parse of kernels.h). */
public final class Frames {
    private Frames() {}

    public static final int LENGTH = 128;
    private static final byte[] MACS = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

    /** The benchmark frame: Ethernet, 802.1Q tag 42, IPv6, TCP 51234 -> 443 SYN|ACK. */
    public static byte[] vlanIpv6Tcp() {
        ByteBuffer b = frame();
        b.putShort((short) 0x8100).putShort((short) 42).putShort((short) 0x86dd);
        ipv6(b, 6);
        tcp(b);
        return b.array();
    }

    /** Ethernet, IPv4 with 8 bytes of options, UDP 5353 -> 53. */
    public static byte[] ipv4OptionsUdp() {
        ByteBuffer b = frame();
        b.putShort((short) 0x0800);
        b.put((byte) 0x47).put((byte) 0).putShort((short) 100).putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0);
        b.putInt(0x0a000001).putInt(0x0a000002).putLong(0x0101_0101_0000_0000L);
        b.putShort((short) 5353).putShort((short) 53).putShort((short) 72).putShort((short) 0);
        return b.array();
    }

    /** Ethernet, 802.1ad 100, 802.1Q 200, IPv4, TCP. */
    public static byte[] qinqIpv4Tcp() {
        ByteBuffer b = frame();
        b.putShort((short) 0x88a8).putShort((short) 100).putShort((short) 0x8100).putShort((short) 200).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 100).putInt(0).put((byte) 64).put((byte) 6).putShort((short) 0);
        b.putInt(0xc0a80001).putInt(0xc0a80102);
        tcp(b);
        return b.array();
    }

    /** Ethernet, ARP: not IP (parser result 4). */
    public static byte[] arp() {
        ByteBuffer b = frame();
        b.putShort((short) 0x0806);
        return b.array();
    }

    /** Ethernet, IPv6, ICMPv6: neither TCP nor UDP (parser result 6). */
    public static byte[] ipv6Icmp() {
        ByteBuffer b = frame();
        b.putShort((short) 0x86dd);
        ipv6(b, 58);
        return b.array();
    }

    /** Ethernet, IPv4 with IHL 4 (parser result 3). */
    public static byte[] badIhl() {
        ByteBuffer b = frame();
        b.putShort((short) 0x0800).put((byte) 0x44);
        return b.array();
    }

    private static ByteBuffer frame() {
        return ByteBuffer.allocate(LENGTH).order(ByteOrder.BIG_ENDIAN).put(MACS);
    }

    private static void ipv6(ByteBuffer b, int next) {
        b.putInt(0x6000_0000).putShort((short) 40).put((byte) next).put((byte) 64);
        b.putLong(0x2001_0db8_0000_0000L).putLong(0x0000_0000_0000_0001L);
        b.putLong(0x2001_0db8_0000_0000L).putLong(0x0000_0000_0000_0002L);
    }

    private static void tcp(ByteBuffer b) {
        b.putShort((short) 51234).putShort((short) 443).putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x12).putShort((short) 1024)
                .putInt(0);
    }

    /** sbs_parse over the first {@code length} bytes of {@code frame}. */
    public static long parse(byte[] frame, int length) {
        ByteBuffer le = ByteBuffer.wrap(frame, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        int p = 0;
        if (p + 14 > length) return 1;
        int proto = be16(frame, p + 12);
        long h = mix(SbsProgram.FNV_OFFSET, u32(le, p) ^ u32(le, p + 6));
        p += 14;
        for (int tags = 0; tags < 2; tags++) {
            if (proto != 0x8100 && proto != 0x88a8) break;
            if (p + 4 > length) return 1;
            h = mix(h, be16(frame, p) & 0x0fff);
            proto = be16(frame, p + 2);
            p += 4;
        }
        h = mix(h, proto);
        int l4;
        if (proto == 0x0800) {
            if (p + 20 > length) return 2;
            int ihl = (frame[p] & 15) * 4;
            if (ihl < 20) return 3;
            l4 = frame[p + 9] & 0xff;
            h = mix(h, u32(le, p + 12));
            h = mix(h, u32(le, p + 16));
            p += ihl;
        } else if (proto == 0x86dd) {
            if (p + 40 > length) return 2;
            l4 = frame[p + 6] & 0xff;
            for (int i = 8; i < 40; i += 8) h = mix(h, le.getLong(p + i));
            p += 40;
        } else {
            return 4;
        }
        h = mix(h, l4);
        if (l4 == 6) {
            if (p + 20 > length) return 5;
            h = mix(h, u32(le, p));
            h = mix(h, frame[p + 13] & 0xff);
        } else if (l4 == 17) {
            if (p + 8 > length) return 5;
            h = mix(h, u32(le, p));
            h = mix(h, be16(frame, p + 4));
        } else {
            return 6;
        }
        return h;
    }

    private static long mix(long h, long v) {
        return (h ^ v) * SbsProgram.FNV_PRIME;
    }

    private static int be16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | f[at + 1] & 0xff;
    }

    private static long u32(ByteBuffer le, int at) {
        return Integer.toUnsignedLong(le.getInt(at));
    }
}

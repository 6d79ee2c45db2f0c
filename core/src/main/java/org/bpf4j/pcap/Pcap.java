package org.bpf4j.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes packet captures: classic pcap (either byte order, microsecond or nanosecond
 * timestamps) and pcapng (section, interface, enhanced/simple/obsolete packet blocks). Only Ethernet
 * captures are accepted, since the frames feed XDP, tc and socket programs.
 */
public final class Pcap {
    private Pcap() {}

    public static final int LINKTYPE_ETHERNET = 1;
    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int PCAPNG_SHB = 0x0A0D0D0A;
    private static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    /** Upper bound on one frame: far above any jumbo frame, low enough to refuse garbage lengths. */
    private static final int MAX_FRAME = 256 * 1024;

    /** Largest capture read: a bound also for what never ends ({@code /dev/zero}, a pipe). */
    static final int MAX_FILE = 1 << 30;

    public static List<Frame> read(Path file) {
        byte[] bytes;
        try (var in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE + 1);
        } catch (IOException e) {
            throw new PcapFormatException(file + ": cannot read: " + e.getMessage());
        }
        if (bytes.length > MAX_FILE) throw new PcapFormatException(file + ": larger than " + MAX_FILE + " bytes");
        return parse(file.toString(), bytes);
    }

    public static List<Frame> parse(String name, byte[] bytes) {
        if (bytes.length < 4) throw new PcapFormatException(name + ": not a capture file: only " + bytes.length + " bytes");
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = buf.getInt(0);
        if (magic == PCAPNG_SHB) return parsePcapng(name, buf);
        if (magic == MAGIC_MICROS || magic == MAGIC_NANOS) return parseClassic(name, buf, magic == MAGIC_NANOS);
        int swapped = Integer.reverseBytes(magic);
        if (swapped == MAGIC_MICROS || swapped == MAGIC_NANOS) {
            return parseClassic(name, buf.order(ByteOrder.BIG_ENDIAN), swapped == MAGIC_NANOS);
        }
        throw new PcapFormatException(String.format("%s: not a pcap or pcapng file (magic 0x%08x)", name, magic));
    }

    private static List<Frame> parseClassic(String name, ByteBuffer buf, boolean nanos) {
        if (buf.limit() < 24) throw new PcapFormatException(name + ": truncated pcap header (" + buf.limit() + " of 24 bytes)");
        int linkType = buf.getInt(20) & 0x0fffffff; // the top bits may carry FCS information
        if (linkType != LINKTYPE_ETHERNET) {
            throw new PcapFormatException(name + ": link type " + linkType + " is not Ethernet (1)");
        }
        List<Frame> frames = new ArrayList<>();
        int pos = 24;
        while (pos < buf.limit()) {
            int record = frames.size() + 1;
            if (buf.limit() - pos < 16) {
                throw new PcapFormatException(name + ": record " + record + " at offset " + pos + ": truncated record header");
            }
            long seconds = buf.getInt(pos) & 0xffffffffL;
            long fraction = buf.getInt(pos + 4) & 0xffffffffL;
            long captured = buf.getInt(pos + 8) & 0xffffffffL;
            long original = buf.getInt(pos + 12) & 0xffffffffL;
            if (captured > MAX_FRAME) {
                throw new PcapFormatException(name + ": record " + record + " at offset " + pos
                        + ": captured length " + captured + " is larger than " + MAX_FRAME);
            }
            if (captured > buf.limit() - pos - 16) {
                throw new PcapFormatException(name + ": record " + record + " at offset " + pos + ": captured length "
                        + captured + " runs past the end of the file");
            }
            byte[] data = new byte[(int) captured];
            buf.get(pos + 16, data);
            long ts = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000);
            frames.add(new Frame(data, ts, (int) Math.min(original, Integer.MAX_VALUE)));
            pos += 16 + (int) captured;
        }
        return frames;
    }

    private record Interface(int linkType, long unitsPerSecond) {}

    private static List<Frame> parsePcapng(String name, ByteBuffer buf) {
        List<Frame> frames = new ArrayList<>();
        List<Interface> interfaces = new ArrayList<>();
        int pos = 0;
        while (pos < buf.limit()) {
            if (buf.limit() - pos < 12) throw new PcapFormatException(name + ": block at offset " + pos + ": truncated block header");
            int type = buf.getInt(pos); // the section header's type reads the same in both byte orders
            if (type == PCAPNG_SHB) {
                int bom = buf.getInt(pos + 8);
                if (bom == PCAPNG_BYTE_ORDER_MAGIC) buf.order(ByteOrder.LITTLE_ENDIAN);
                else if (Integer.reverseBytes(bom) == PCAPNG_BYTE_ORDER_MAGIC) buf.order(ByteOrder.BIG_ENDIAN);
                else throw new PcapFormatException(String.format("%s: section header at offset %d: bad byte-order magic 0x%08x", name, pos, bom));
                interfaces.clear();
            }
            long length = buf.getInt(pos + 4) & 0xffffffffL;
            if (length < 12 || length % 4 != 0) {
                throw new PcapFormatException(name + ": block at offset " + pos + ": bad block length " + length);
            }
            if (length > buf.limit() - pos) {
                throw new PcapFormatException(name + ": block at offset " + pos + ": the file ends early (the block's length is "
                        + length + ", " + (buf.limit() - pos) + " bytes are left)");
            }
            int body = pos + 8;
            int bodyLen = (int) length - 12;
            switch (type) {
                case 1 -> interfaces.add(parseInterface(name, buf, body, bodyLen, pos));
                case 6 -> frames.add(enhancedPacket(name, buf, body, bodyLen, pos, interfaces, frames.size() + 1));
                case 3 -> frames.add(simplePacket(name, buf, body, bodyLen, pos, interfaces, frames.size() + 1));
                case 2 -> frames.add(obsoletePacket(name, buf, body, bodyLen, pos, interfaces, frames.size() + 1));
                default -> { } // statistics, name resolution, custom blocks: not frames
            }
            pos += (int) length;
        }
        return frames;
    }

    private static Interface parseInterface(String name, ByteBuffer buf, int body, int bodyLen, int pos) {
        if (bodyLen < 8) throw new PcapFormatException(name + ": interface block at offset " + pos + ": truncated");
        int linkType = buf.getShort(body) & 0xffff;
        long units = 1_000_000L;
        int opt = body + 8;
        int end = body + bodyLen;
        while (opt + 4 <= end) {
            int code = buf.getShort(opt) & 0xffff;
            int len = buf.getShort(opt + 2) & 0xffff;
            if (code == 0) break;
            if (opt + 4 + len > end) throw new PcapFormatException(name + ": interface block at offset " + pos + ": option runs past the block");
            if (code == 9 && len >= 1) {
                int v = buf.get(opt + 4) & 0xff;
                int exp = v & 0x7f;
                if ((v & 0x80) == 0) {
                    if (exp > 18) throw new PcapFormatException(name + ": interface block at offset " + pos + ": timestamp resolution 10^-" + exp + " is not supported");
                    units = 1;
                    for (int i = 0; i < exp; i++) units *= 10;
                } else {
                    if (exp > 62) throw new PcapFormatException(name + ": interface block at offset " + pos + ": timestamp resolution 2^-" + exp + " is not supported");
                    units = 1L << exp;
                }
            }
            opt += 4 + ((len + 3) & ~3);
        }
        return new Interface(linkType, units);
    }

    private static Interface iface(String name, List<Interface> interfaces, long id, int pos, int record) {
        if (id < 0 || id >= interfaces.size()) {
            throw new PcapFormatException(name + ": record " + record + " at offset " + pos + ": unknown interface " + id);
        }
        Interface i = interfaces.get((int) id);
        if (i.linkType() != LINKTYPE_ETHERNET) {
            throw new PcapFormatException(name + ": record " + record + " at offset " + pos + ": link type " + i.linkType() + " is not Ethernet (1)");
        }
        return i;
    }

    private static byte[] data(String name, ByteBuffer buf, int at, long captured, int available, int pos, int record) {
        if (captured > MAX_FRAME || captured > available) {
            throw new PcapFormatException(name + ": record " + record + " at offset " + pos + ": captured length " + captured
                    + " runs past the end of its block");
        }
        byte[] data = new byte[(int) captured];
        buf.get(at, data);
        return data;
    }

    private static long nanos(long units, long ticks) {
        if (units == 1_000_000_000L) return ticks;
        long seconds = Long.divideUnsigned(ticks, units);
        long rest = Long.remainderUnsigned(ticks, units);
        return seconds * 1_000_000_000L + rest * 1_000_000_000L / units;
    }

    private static Frame enhancedPacket(String name, ByteBuffer buf, int body, int bodyLen, int pos, List<Interface> interfaces, int record) {
        if (bodyLen < 20) throw new PcapFormatException(name + ": record " + record + " at offset " + pos + ": truncated packet block");
        Interface i = iface(name, interfaces, buf.getInt(body) & 0xffffffffL, pos, record);
        long ticks = (buf.getInt(body + 4) & 0xffffffffL) << 32 | (buf.getInt(body + 8) & 0xffffffffL);
        long captured = buf.getInt(body + 12) & 0xffffffffL;
        long original = buf.getInt(body + 16) & 0xffffffffL;
        byte[] data = data(name, buf, body + 20, captured, bodyLen - 20, pos, record);
        return new Frame(data, nanos(i.unitsPerSecond(), ticks), (int) Math.min(original, Integer.MAX_VALUE));
    }

    private static Frame simplePacket(String name, ByteBuffer buf, int body, int bodyLen, int pos, List<Interface> interfaces, int record) {
        if (bodyLen < 4) throw new PcapFormatException(name + ": record " + record + " at offset " + pos + ": truncated packet block");
        iface(name, interfaces, 0, pos, record);
        long original = buf.getInt(body) & 0xffffffffL;
        byte[] data = data(name, buf, body + 4, Math.min(original, bodyLen - 4), bodyLen - 4, pos, record);
        return new Frame(data, 0, (int) Math.min(original, Integer.MAX_VALUE));
    }

    private static Frame obsoletePacket(String name, ByteBuffer buf, int body, int bodyLen, int pos, List<Interface> interfaces, int record) {
        if (bodyLen < 20) throw new PcapFormatException(name + ": record " + record + " at offset " + pos + ": truncated packet block");
        Interface i = iface(name, interfaces, buf.getShort(body) & 0xffff, pos, record);
        long ticks = (buf.getInt(body + 4) & 0xffffffffL) << 32 | (buf.getInt(body + 8) & 0xffffffffL);
        long captured = buf.getInt(body + 12) & 0xffffffffL;
        long original = buf.getInt(body + 16) & 0xffffffffL;
        byte[] data = data(name, buf, body + 20, captured, bodyLen - 20, pos, record);
        return new Frame(data, nanos(i.unitsPerSecond(), ticks), (int) Math.min(original, Integer.MAX_VALUE));
    }

    /** Writes a classic little-endian pcap with nanosecond timestamps. */
    public static byte[] toClassic(List<Frame> frames) {
        int size = 24;
        for (Frame f : frames) size += 16 + f.length();
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(MAX_FRAME).putInt(LINKTYPE_ETHERNET);
        for (Frame f : frames) {
            buf.putInt((int) Math.floorDiv(f.timestampNanos(), 1_000_000_000L));
            buf.putInt((int) Math.floorMod(f.timestampNanos(), 1_000_000_000L));
            buf.putInt(f.length()).putInt(Math.max(f.originalLength(), f.length()));
            buf.put(f.data());
        }
        return buf.array();
    }

    public static void write(Path file, List<Frame> frames) throws IOException {
        Files.write(file, toClassic(frames));
    }
}

package org.bpf4j.btf;

import static org.bpf4j.btf.BtfParser.i32;
import static org.bpf4j.btf.BtfParser.need;
import static org.bpf4j.btf.BtfParser.u16;
import static org.bpf4j.btf.BtfParser.u32;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The {@code .BTF.ext} section: per ELF code section, function info (which BTF function starts at
 * which instruction), line info (which source line an instruction comes from) and CO-RE relocation
 * records. Instruction offsets here are instruction indexes relative to the start of the ELF section
 * (the wire format counts bytes; a byte offset that is not a whole instruction is refused).
 *
 * @param funcInfos function info records by section name, in file order
 * @param lineInfos line info records by section name, in file order
 * @param coreRelocations CO-RE relocation records by section name, in file order
 */
public record BtfExt(Map<String, List<FuncInfo>> funcInfos,
                     Map<String, List<LineInfo>> lineInfos,
                     Map<String, List<CoreRelocation>> coreRelocations) {

    public BtfExt {
        funcInfos = copy(funcInfos);
        lineInfos = copy(lineInfos);
        coreRelocations = copy(coreRelocations);
    }

    /** No records at all, for objects without {@code .BTF.ext}. */
    public static BtfExt empty() {
        return new BtfExt(Map.of(), Map.of(), Map.of());
    }

    private static <T> Map<String, List<T>> copy(Map<String, List<T>> m) {
        Map<String, List<T>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(out);
    }

    /** A BTF function ({@link BtfType.Func} id) starting at instruction {@code insn}. */
    public record FuncInfo(int insn, int typeId) {
        public FuncInfo withInsn(int newInsn) { return new FuncInfo(newInsn, typeId); }
    }

    /** Instruction {@code insn} comes from this source file, line text, line number and column. */
    public record LineInfo(int insn, String fileName, String line, int lineNumber, int column) {
        public LineInfo withInsn(int newInsn) { return new LineInfo(newInsn, fileName, line, lineNumber, column); }
    }

    /**
     * A CO-RE relocation, kept as data: the instruction to patch, the local BTF type id the access
     * starts from, the access string ("0:1:2") and what to compute.
     */
    public record CoreRelocation(int insn, int typeId, String accessString, CoreRelocationKind kind) {
        public CoreRelocation withInsn(int newInsn) { return new CoreRelocation(newInsn, typeId, accessString, kind); }
    }

    /** {@code enum bpf_core_relo_kind}, with the kernel's numeric values as ordinals. */
    public enum CoreRelocationKind {
        FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_EXISTS, FIELD_SIGNED, FIELD_LSHIFT_U64, FIELD_RSHIFT_U64,
        TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE, ENUMVAL_EXISTS, ENUMVAL_VALUE, TYPE_MATCHES;

        public int id() { return ordinal(); }
    }

    /**
     * Parses a {@code .BTF.ext} section; strings (section names, file names, lines, access strings)
     * come from the string section of the object's {@code btf}.
     *
     * @throws BtfFormatException for malformed data
     */
    public static BtfExt parse(byte[] data, Btf btf) {
        if (data.length < 24) throw new BtfFormatException("BTF.ext is " + data.length + " bytes, shorter than its header");
        if (u16(data, 0) != BtfParser.MAGIC) throw new BtfFormatException(String.format("bad BTF.ext magic 0x%04x", u16(data, 0)));
        if ((data[2] & 0xff) != 1) throw new BtfFormatException("unsupported BTF.ext version " + (data[2] & 0xff));
        long hdrLen = u32(data, 4);
        if (hdrLen < 24 || hdrLen > data.length) throw new BtfFormatException("bad BTF.ext header length " + hdrLen);
        Map<String, List<FuncInfo>> funcs = section(data, hdrLen, u32(data, 8), u32(data, 12), 8, "func_info", btf,
                (b, p) -> new FuncInfo(insn(u32(b, p), "func_info"), typeRef(btf, i32(b, p + 4))));
        Map<String, List<LineInfo>> lines = section(data, hdrLen, u32(data, 16), u32(data, 20), 16, "line_info", btf,
                (b, p) -> {
                    long lineCol = u32(b, p + 12);
                    return new LineInfo(insn(u32(b, p), "line_info"), btf.string(u32(b, p + 4)), btf.string(u32(b, p + 8)),
                            (int) (lineCol >>> 10), (int) (lineCol & 0x3ff));
                });
        Map<String, List<CoreRelocation>> core = Map.of();
        if (hdrLen >= 32) {
            core = section(data, hdrLen, u32(data, 24), u32(data, 28), 16, "core_relo", btf, (b, p) -> {
                long kind = u32(b, p + 12);
                if (kind >= CoreRelocationKind.values().length) throw new BtfFormatException("CO-RE relocation has unknown kind " + kind);
                return new CoreRelocation(insn(u32(b, p), "core_relo"), typeRef(btf, i32(b, p + 4)), btf.string(u32(b, p + 8)),
                        CoreRelocationKind.values()[(int) kind]);
            });
        }
        return new BtfExt(funcs, lines, core);
    }

    private static int insn(long byteOffset, String what) {
        if (byteOffset % 8 != 0) throw new BtfFormatException(what + " record names byte offset " + byteOffset + ", not an instruction boundary");
        return (int) (byteOffset / 8);
    }

    private static int typeRef(Btf btf, int id) {
        if (id < 0 || id >= btf.size()) throw new BtfFormatException("BTF.ext record refers to type " + (id & 0xffffffffL) + ", which does not exist");
        return id;
    }

    /** One info sub-section: a record size, then per ELF section its name, a count and the records. */
    private static <T> Map<String, List<T>> section(byte[] data, long hdrLen, long off, long len, int minRecord, String what,
                                                    Btf btf, BiFunction<byte[], Integer, T> decode) {
        Map<String, List<T>> out = new LinkedHashMap<>();
        if (len == 0) return out;
        long start = hdrLen + off;
        need(start, len, data.length, "BTF.ext " + what);
        long end = start + len;
        need(start, 4, end, "BTF.ext " + what + " record size");
        long recSize = u32(data, (int) start);
        if (recSize < minRecord || recSize > 256) throw new BtfFormatException("BTF.ext " + what + " record size " + recSize + " is invalid");
        long pos = start + 4;
        while (pos < end) {
            need(pos, 8, end, "BTF.ext " + what + " section header");
            String sec = btf.string(u32(data, (int) pos));
            long n = u32(data, (int) pos + 4);
            pos += 8;
            if (n == 0) throw new BtfFormatException("BTF.ext " + what + " for section '" + sec + "' has no records");
            need(pos, n * recSize, end, "BTF.ext " + what + " records for section '" + sec + "'");
            List<T> list = out.computeIfAbsent(sec, k -> new ArrayList<>());
            for (long i = 0; i < n; i++, pos += recSize) list.add(decode.apply(data, (int) pos));
        }
        return out;
    }
}

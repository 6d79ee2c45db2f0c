package org.bpf4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfType;
import org.bpf4j.btf.BtfValues;
import org.bpf4j.progtype.ProgramType;

/**
 * A program type's context struct ({@code __sk_buff}, {@code xdp_md}, ...) as the kernel's BTF describes
 * it, to print a test run's context out by field, as {@code bpftool prog run} users read {@code ctx_out}
 * with the uapi header beside them.
 */
record ContextStruct(Btf btf, int typeId) {

    /** The type's context struct in {@code --btf} or the running kernel's BTF; empty where neither has it. */
    static Optional<ContextStruct> of(ProgramType type, Path btfFile) {
        if (type.ctxName().isEmpty()) return Optional.empty();
        return Objects.targetBtf(btfFile).flatMap(btf -> btf.typeByName(type.ctxName(), BtfType.Struct.class)
                .map(s -> new ContextStruct(btf, s.id())));
    }

    /**
     * The context by field. A struct that ends in a flexible array ({@code bpf_raw_tracepoint_args}'s
     * {@code __u64 args[0]}) gets the bytes past its size as that array's elements.
     */
    Object decode(byte[] bytes) {
        Object decoded = BtfValues.decode(btf, typeId, bytes);
        if (!(decoded instanceof Map<?, ?> fields) || !(btf.type(typeId) instanceof BtfType.Struct s) || s.members().isEmpty()) return decoded;
        BtfType.Member last = s.members().getLast();
        if (!(btf.resolve(last.type()) instanceof BtfType.Array a) || a.nelems() != 0) return decoded;
        long elementSize = btf.sizeof(a.type());
        if (elementSize <= 0) return decoded;
        java.util.List<Object> elements = new ArrayList<>();
        for (long off = last.bitOffset() / 8; off + elementSize <= bytes.length; off += elementSize) {
            elements.add(BtfValues.decode(btf, a.type(), java.util.Arrays.copyOfRange(bytes, (int) off, (int) (off + elementSize))));
        }
        java.util.Map<Object, Object> out = new java.util.LinkedHashMap<>(fields);
        out.put(last.name(), elements);
        return out;
    }

    /** "field before -> after" for each top-level field whose value differs between {@code in} and {@code out}. */
    List<String> changes(byte[] in, byte[] out) {
        List<String> changed = new ArrayList<>();
        if (decode(in) instanceof Map<?, ?> before && decode(out) instanceof Map<?, ?> after) {
            for (Map.Entry<?, ?> e : after.entrySet()) {
                Object old = before.get(e.getKey());
                if (!java.util.Objects.equals(old, e.getValue())) changed.add(e.getKey() + " " + Json.write(old) + " -> " + Json.write(e.getValue()));
            }
        }
        return changed;
    }
}

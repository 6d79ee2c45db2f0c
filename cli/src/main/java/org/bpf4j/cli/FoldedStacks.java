package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfType;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.Symbolizer;
import org.bpf4j.maps.MapType;

/**
 * {@code bpf4j run --folded}: a profiler's counts as folded stacks, one line each ({@code comm;user
 * frames;kernel frames_[k] count}, outermost frame first), what flamegraph.pl reads and BCC's {@code
 * profile -f} prints. The object needs a stack trace map and a hash map whose key struct has fields named
 * {@code pid} (or {@code tgid}), {@code comm}, {@code user_stack_id} and {@code kern_stack_id} (or {@code
 * kernel_stack_id}), and a count as value: examples/trace/profile.bpf.c.
 */
record FoldedStacks(String counts, String stacks, Field pid, Field comm, Field userStack, Field kernelStack) {
    /** A key field's byte offset and size. */
    record Field(long offset, int size) {}

    static FoldedStacks of(BpfObject obj) {
        String need = "--folded needs a stack trace map and a hash map keyed by a struct with fields pid, comm, user_stack_id and "
                + "kern_stack_id (as examples/trace/profile.bpf.c)";
        List<MapDefinition> stackMaps = obj.maps().stream().filter(d -> d.type() == MapType.STACK_TRACE).toList();
        if (stackMaps.size() != 1 || obj.btf().isEmpty()) {
            throw new UserInputException(obj.name() + ": " + need + "; it has " + stackMaps.size() + " stack trace maps"
                    + (obj.btf().isEmpty() ? " and no BTF" : ""));
        }
        Btf btf = obj.btf().get();
        for (MapDefinition d : obj.maps()) {
            if (d.type() != MapType.HASH && d.type() != MapType.LRU_HASH || d.btfKeyTypeId() == 0) continue;
            if (!(btf.resolve(d.btfKeyTypeId()) instanceof BtfType.Struct key)) continue;
            Optional<Field> pid = field(btf, key, "pid").or(() -> field(btf, key, "tgid"));
            Optional<Field> comm = field(btf, key, "comm");
            Optional<Field> user = field(btf, key, "user_stack_id");
            Optional<Field> kernel = field(btf, key, "kern_stack_id").or(() -> field(btf, key, "kernel_stack_id"));
            if (pid.isPresent() && comm.isPresent() && user.isPresent() && kernel.isPresent()) {
                return new FoldedStacks(d.name(), stackMaps.getFirst().name(), pid.get(), comm.get(), user.get(), kernel.get());
            }
        }
        throw new UserInputException(obj.name() + ": " + need + "; no hash map's key has those fields");
    }

    private static Optional<Field> field(Btf btf, BtfType.Struct s, String name) {
        return s.members().stream().filter(m -> m.name().equals(name) && m.bitfieldSize() == 0)
                .map(m -> new Field(m.bitOffset() / 8, (int) btf.sizeof(m.type()))).findFirst();
    }

    /** Reads the maps, symbolizes each stack, merges equal lines and prints them sorted. */
    void print(KernelObject loaded, PrintWriter out, boolean json) {
        KernelMap countMap = loaded.map(counts).orElseThrow(), stackMap = loaded.map(stacks).orElseThrow();
        Symbolizer symbols = new Symbolizer();
        Map<String, Long> folded = new TreeMap<>();
        for (byte[] key : countMap.keys()) {
            Optional<byte[]> value = countMap.lookup(key);
            if (value.isEmpty()) continue;
            ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
            int pid = k.getInt((int) pid().offset());
            StringBuilder line = new StringBuilder(comm(key).replace(';', '_').replace(' ', '_'));
            // every frame but the innermost is a return address, which may lie past the end of a function whose
            // last instruction is the call (a call that never returns): its caller is the function at address - 1
            List<Long> user = frames(stackMap, k.getInt((int) userStack().offset()));
            for (int i = user.size() - 1; i >= 0; i--) line.append(';').append(symbols.user(pid, user.get(i) - (i > 0 ? 1 : 0)));
            List<Long> kernel = frames(stackMap, k.getInt((int) kernelStack().offset()));
            for (int i = kernel.size() - 1; i >= 0; i--) {
                line.append(';').append(symbols.kernel(kernel.get(i) - (i > 0 ? 1 : 0))).append("_[k]");
            }
            folded.merge(line.toString(), count(value.get()), Long::sum);
        }
        synchronized (out) {
            for (Map.Entry<String, Long> e : folded.entrySet()) {
                if (json) out.println(Json.write(new java.util.LinkedHashMap<>(Map.of("stack", e.getKey(), "count", e.getValue()))));
                else out.println(e.getKey() + " " + e.getValue());
            }
            out.flush();
        }
    }

    private String comm(byte[] key) {
        int from = (int) comm().offset(), end = from;
        while (end < from + comm().size() && key[end] != 0) end++;
        return new String(key, from, end - from, StandardCharsets.UTF_8);
    }

    /** A stack's instruction addresses, innermost first (the stack map's u64s up to the first zero); none for a negative id. */
    private static List<Long> frames(KernelMap stackMap, int id) {
        List<Long> ips = new ArrayList<>();
        if (id < 0) return ips;
        stackMap.lookup(new byte[] {(byte) id, (byte) (id >>> 8), (byte) (id >>> 16), (byte) (id >>> 24)}).ifPresent(v -> {
            ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
            for (int at = 0; at + 8 <= v.length; at += 8) {
                long ip = b.getLong(at);
                if (ip == 0) break;
                ips.add(ip);
            }
        });
        return ips;
    }

    /** The count: a u64 or u32 value. */
    private static long count(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        return v.length >= 8 ? b.getLong(0) : Integer.toUnsignedLong(b.getInt(0));
    }
}

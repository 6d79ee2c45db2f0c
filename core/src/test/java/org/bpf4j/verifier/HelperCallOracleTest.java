package org.bpf4j.verifier;

import org.bpf4j.helpers.HelperSpecs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.MapFlags;

/**
 * Every helper a program type may call, called with arguments set up from bpf4j's prototype (the context, a
 * map of a type the helper takes, initialized stack memory and a size of 8, zero for scalars), against the
 * running kernel: a prototype that differs from the kernel's shows as a disagreement. Memory arguments are
 * tried a second time pointing into a frozen read-only map, which tells helpers that write from helpers that
 * read, and fixed-size ones a third time misaligned on the stack. Helpers whose prototype bpf4j does not model
 * are counted, not compared; helpers the running kernel's configuration left out are not called (they are
 * HelperAvailabilityOracleTest's), and the output names them.
 */
class HelperCallOracleTest {
    static List<LoadConfig> configs() { return LoadConfig.all(); }

    private static final int STACK = 64;
    /** A frozen read-only array: read-only memory for memory arguments, an empty string for string arguments. */
    private static final MapInfo READ_ONLY = new MapInfo(MapType.ARRAY, 4, STACK, 1, MapFlags.BPF_F_RDONLY_PROG, "ro", true,
            new byte[STACK]);

    /** A map of a type the helper accepts (check_map_func_compatibility). */
    static MapInfo mapFor(int id) {
        return switch (id) {
            case 12 -> MapInfo.of(MapType.PROG_ARRAY, 4, 4, 4);
            case 22, 25, 55 -> MapInfo.of(MapType.PERF_EVENT_ARRAY, 4, 4, 4);
            case 130, 131, 134 -> MapInfo.of(MapType.RINGBUF, 0, 0, 4096);
            case 27 -> MapInfo.of(MapType.STACK_TRACE, 4, 128, 16);
            case 33, 37 -> MapInfo.of(MapType.CGROUP_ARRAY, 4, 4, 4);
            case 51 -> MapInfo.of(MapType.DEVMAP, 4, 4, 4);
            case 52, 53, 60 -> MapInfo.of(MapType.SOCKMAP, 4, 4, 4);
            case 70, 71, 72 -> MapInfo.of(MapType.SOCKHASH, 4, 4, 4);
            case 82 -> MapInfo.of(MapType.REUSEPORT_SOCKARRAY, 4, 4, 4);
            case 87, 88, 89 -> MapInfo.of(MapType.QUEUE, 0, 8, 4);
            case 195 -> MapInfo.of(MapType.PERCPU_ARRAY, 4, 8, 4);
            case 81 -> MapInfo.of(MapType.CGROUP_STORAGE, 8, 8, 0);
            default -> MapInfo.of(MapType.HASH, 4, 8, 16);
        };
    }

    /** Where memory arguments point. */
    enum Memory { STACK, READ_ONLY_MAP, MISALIGNED_STACK }

    /** The call of {@code fn} with its arguments set up; null when an argument cannot be set up plausibly. */
    static Program call(HelperProto fn, Memory memory) {
        B b = B.b().movr(6, 1);
        for (int off = -STACK; off < 0; off += 8) b.st(SIZE_DW, 10, off, 0);
        int[] args = fn.args();
        for (int i = 0; i < args.length; i++) {
            int reg = i + 1, base = args[i] & HelperProto.ARG_BASE_MASK;
            switch (base) {
                case HelperProto.ARG_PTR_TO_CTX -> b.movr(reg, 6);
                case HelperProto.ARG_CONST_MAP_PTR -> b.ldMap(reg, 0);
                case HelperProto.ARG_PTR_TO_MAP_KEY -> b.movr(reg, 10).alu(ALU_ADD, reg, -16);
                case HelperProto.ARG_PTR_TO_MAP_VALUE -> b.movr(reg, 10).alu(ALU_ADD, reg, -STACK);
                case HelperProto.ARG_PTR_TO_MEM -> {
                    switch (memory) {
                        case STACK -> b.movr(reg, 10).alu(ALU_ADD, reg, -STACK);
                        case READ_ONLY_MAP -> b.add(Insn.lddw(reg, PSEUDO_MAP_VALUE, 1));
                        case MISALIGNED_STACK -> b.movr(reg, 10).alu(ALU_ADD, reg, -STACK + 4);
                    }
                }
                case HelperProto.ARG_PTR_TO_CONST_STR -> b.add(Insn.lddw(reg, PSEUDO_MAP_VALUE, 1));
                case HelperProto.ARG_CONST_SIZE, HelperProto.ARG_CONST_SIZE_OR_ZERO,
                     HelperProto.ARG_CONST_ALLOC_SIZE_OR_ZERO -> b.mov(reg, 8);
                case HelperProto.ARG_ANYTHING, HelperProto.ARG_PTR_TO_STACK -> b.mov(reg, 0);
                default -> { return null; } // a reference to release, a callback: nothing plausible to pass alone
            }
        }
        return b.call(fn.id()).ret(LoadConfig.VALID_RETURN).p();
    }

    /** Whether {@code fn} has a memory argument this placement tells anything about. */
    static boolean tells(HelperProto fn, Memory memory) {
        for (int a : fn.args()) {
            if ((a & HelperProto.ARG_BASE_MASK) != HelperProto.ARG_PTR_TO_MEM) continue;
            if (memory != Memory.MISALIGNED_STACK || (a & HelperProto.A_FIXED_SIZE) != 0) return true;
        }
        return memory == Memory.STACK;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void everyAvailableHelperCallAsTheKernel(LoadConfig c) {
        c.assumeKernelComparable();
        List<String> diffs = new ArrayList<>();
        int compared = 0, unmodelled = 0;
        for (int id = 1; id <= HelperAvailabilityOracleTest.MAX_HELPER_ID; id++) {
            if (HelperAvailability.verdict(HelperSpecs.linux618(), id, c.type(), c.attachType(), KernelOracle.running())
                    != HelperAvailability.Verdict.AVAILABLE) continue;
            HelperProto fn = HelperProto.of(HelperSpecs.linux618(), id, c.type());
            if (fn.unmodelled() != null) {
                unmodelled++;
                continue;
            }
            for (Memory memory : Memory.values()) {
                if (!tells(fn, memory)) continue;
                Program p = call(fn, memory);
                if (p == null) {
                    unmodelled++;
                    break;
                }
                List<MapInfo> maps = List.of(mapFor(id), READ_ONLY);
                VerifierResult ours = Verifier.verify(p, c.type(), maps, c.options(true));
                if (ours instanceof VerifierResult.Unsupported u) {
                    diffs.add("helper #" + id + ": bpf4j unsupported: " + u.reason());
                    continue;
                }
                compared++;
                KernelOracle.Verdict k = KernelOracle.load(p, c.type(), maps, 1, "GPL", c.attachType());
                String what = "helper #" + id + " (" + memory + "): ";
                if (k.accepted() != ours instanceof VerifierResult.Accepted) {
                    diffs.add(what + "kernel " + (k.accepted() ? "accepts" : "refuses: " + k.lastMessage())
                            + ", bpf4j " + (ours instanceof VerifierResult.Rejected r ? "refuses: " + r.message() : "accepts"));
                } else if (ours instanceof VerifierResult.Rejected r && !r.details().getLast().equals(k.lastMessage())) {
                    diffs.add(what + "kernel says '" + k.lastMessage() + "', bpf4j '" + r.details().getLast() + "'");
                }
            }
        }
        System.out.printf("helper calls %s: %d compared, %d not modelled%s%n", c, compared, unmodelled, c.helpersNotBuiltIn());
        assertThat(diffs).as(c + " helper calls where bpf4j and the kernel disagree").isEmpty();
    }

    @Test
    void localStorageFlagsMustBeZero() {
        MapInfo storage = MapInfo.of(MapType.CGROUP_STORAGE, 8, 8, 0);
        Program p = B.b().ldMap(1, 0).mov(2, 1).call(81).ret(1).p();
        VerifierResult ours = Verifier.verify(p, ProgramType.CGROUP_SKB, List.of(storage), VerifierOptions.defaults());
        assertThat(ours).isInstanceOfSatisfying(VerifierResult.Rejected.class,
                r -> assertThat(r.message()).isEqualTo("get_local_storage() doesn't support non-zero flags"));
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available");
        KernelOracle.Verdict k = KernelOracle.load(p, ProgramType.CGROUP_SKB, List.of(storage), 1);
        assertThat(k.lastMessage()).isEqualTo(((VerifierResult.Rejected) ours).message());
    }
}

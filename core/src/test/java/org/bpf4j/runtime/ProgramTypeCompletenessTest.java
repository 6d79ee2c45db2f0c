package org.bpf4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.progtype.ProgramType.*;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bpf4j.elf.OpenOptions;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.progtype.ReturnCodes;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Adding a program type is one {@link ProgramType} constant plus one row here, and what the row names: the
 * verifier's rules for it (verifier/VerifierOps: a trivial program is verified, or refused as not modelled
 * with the reason), the runtime's context ({@link TestContext}: a layout built from a frame, or the caller's
 * raw context), its {@code --type} / section-name spelling ({@link OpenOptions#withType}) and the uapi name of
 * one of its return values ({@link ReturnCodes}) where uapi names them. A constant without a row fails here,
 * and so does a row the code does not agree with.
 */
class ProgramTypeCompletenessTest {

    /** What the verifier answers for {@code r0 = 1; exit}: accepted, or unsupported with this reason. */
    private static final String VERIFIED = "";
    /** The raw context: no layout bpf4j builds from a frame, the program runs on the bytes the caller gives. */
    private static final String RAW = "context";

    /**
     * @param spelling what {@code --type} / a section name says for it, or empty: no spelling
     * @param unsupported {@link #VERIFIED}, or what the verifier's reason for not modelling it says
     * @param context the layout {@link TestContext} gives it, {@link #RAW} for the caller's raw context
     * @param returnCode a return value and its uapi name, or empty where uapi names none
     */
    record Row(ProgramType type, String spelling, String unsupported, String context, Optional<Map.Entry<Integer, String>> returnCode) {
        @Override public String toString() { return type.name(); }
    }

    private static Row row(ProgramType t, String spelling, String unsupported, String context) {
        return new Row(t, spelling, unsupported, context, Optional.empty());
    }

    private static Row row(ProgramType t, String spelling, String unsupported, String context, int retval, String name) {
        return new Row(t, spelling, unsupported, context, Optional.of(Map.entry(retval, name)));
    }

    private static final List<Row> ROWS = List.of(
            row(UNSPEC, "", "not a Linux 6.18 program type", RAW),
            row(SOCKET_FILTER, "socket", VERIFIED, "__sk_buff"),
            row(KPROBE, "kprobe", VERIFIED, "pt_regs"),
            row(SCHED_CLS, "classifier", VERIFIED, "__sk_buff", 2, "TC_ACT_SHOT"),
            row(SCHED_ACT, "action", VERIFIED, "__sk_buff", 0, "TC_ACT_OK"),
            row(TRACEPOINT, "tracepoint", VERIFIED, RAW),
            row(XDP, "xdp", VERIFIED, "xdp_md", 2, "XDP_PASS"),
            row(PERF_EVENT, "perf_event", VERIFIED, "bpf_perf_event_data"),
            row(CGROUP_SKB, "cgroup/skb", VERIFIED, "__sk_buff"),
            row(CGROUP_SOCK, "cgroup/sock", VERIFIED, RAW),
            row(LWT_IN, "lwt_in", VERIFIED, "__sk_buff", 0, "BPF_OK"),
            row(LWT_OUT, "lwt_out", VERIFIED, "__sk_buff", 2, "BPF_DROP"),
            row(LWT_XMIT, "lwt_xmit", VERIFIED, "__sk_buff", 128, "BPF_LWT_REROUTE"),
            row(SOCK_OPS, "sockops", VERIFIED, RAW),
            row(SK_SKB, "sk_skb", VERIFIED, RAW, 1, "SK_PASS"),
            row(CGROUP_DEVICE, "cgroup/dev", VERIFIED, RAW),
            row(SK_MSG, "sk_msg", VERIFIED, RAW, 0, "SK_DROP"),
            row(RAW_TRACEPOINT, "raw_tracepoint", VERIFIED, RAW),
            row(CGROUP_SOCK_ADDR, "cgroup/connect4", VERIFIED, RAW),
            row(LWT_SEG6LOCAL, "lwt_seg6local", VERIFIED, "__sk_buff", 7, "BPF_REDIRECT"),
            row(LIRC_MODE2, "lirc_mode2", VERIFIED, RAW),
            row(SK_REUSEPORT, "sk_reuseport", VERIFIED, RAW, 1, "SK_PASS"),
            row(FLOW_DISSECTOR, "flow_dissector", VERIFIED, RAW, 129, "BPF_FLOW_DISSECTOR_CONTINUE"),
            row(CGROUP_SYSCTL, "cgroup/sysctl", VERIFIED, RAW),
            row(RAW_TRACEPOINT_WRITABLE, "raw_tracepoint.w", VERIFIED, RAW),
            row(CGROUP_SOCKOPT, "cgroup/getsockopt", VERIFIED, RAW),
            row(TRACING, "fentry", "tracing programs", RAW),
            row(STRUCT_OPS, "struct_ops", "struct_ops programs", RAW),
            row(EXT, "freplace", "freplace (ext) programs", RAW),
            row(LSM, "lsm", "LSM programs", RAW),
            row(SK_LOOKUP, "sk_lookup", VERIFIED, RAW, 1, "SK_PASS"),
            row(SYSCALL, "syscall", VERIFIED, RAW),
            row(NETFILTER, "netfilter", VERIFIED, RAW, 1, "NF_ACCEPT"));

    private static final Map<ProgramType, Row> BY_TYPE = ROWS.stream()
            .collect(Collectors.toMap(Row::type, Function.identity()));

    @Test
    void everyProgramTypeHasExactlyOneRow() {
        assertThat(ROWS.stream().map(Row::type)).doesNotHaveDuplicates();
        assertThat(BY_TYPE.keySet()).as("program types without a row here").containsExactlyInAnyOrder(ProgramType.values());
    }

    @ParameterizedTest
    @EnumSource(ProgramType.class)
    void theVerifierHasRulesForIt(ProgramType t) {
        Row row = BY_TYPE.get(t);
        assertThat(row).as("row for " + t).isNotNull();
        VerifierResult r = Verifier.verify(Program.of(Insn.mov64Imm(0, 1), Insn.exit()), t, List.of());
        if (row.unsupported().equals(VERIFIED)) {
            assertThat(r).as(t + ": " + r).isInstanceOf(VerifierResult.Accepted.class);
            // the kernel's facts the verifier's context rules are written against
            assertThat(t.ctxSize()).as(t + " context size").isPositive();
            assertThat(t.ctxName().isEmpty()).as(t + " context struct").isEqualTo(t == SYSCALL);
        } else {
            assertThat(r).isInstanceOfSatisfying(VerifierResult.Unsupported.class,
                    u -> assertThat(u.reason()).contains(row.unsupported()));
        }
    }

    @ParameterizedTest
    @EnumSource(ProgramType.class)
    void theRuntimeHasAContextForIt(ProgramType t) {
        Row row = BY_TYPE.get(t);
        assertThat(row).as("row for " + t).isNotNull();
        var layout = TestContext.of(t).layout();
        assertThat(layout.name()).isEqualTo(row.context());
        if (row.context().equals(RAW)) {
            assertThat(layout.uapiSize()).isZero();
        } else {
            // a layout built from a frame is the struct the verifier checks accesses against
            assertThat(layout.name()).isEqualTo(t.ctxName());
            assertThat(layout.uapiSize()).isEqualTo(t.ctxSize());
        }
    }

    @ParameterizedTest
    @EnumSource(ProgramType.class)
    void itIsSpelledAsBpftoolSpellsIt(ProgramType t) {
        Row row = BY_TYPE.get(t);
        assertThat(row).as("row for " + t).isNotNull();
        if (row.spelling().isEmpty()) {
            assertThat(t).isEqualTo(UNSPEC); // the one type nothing loads
            assertThat(OpenOptions.typeNames()).doesNotContain(t.name().toLowerCase(java.util.Locale.ROOT));
            return;
        }
        assertThat(OpenOptions.defaults().withType(row.spelling()).programType()).contains(t);
        // the kernel's own name is a spelling too
        assertThat(OpenOptions.defaults().withType(t.name().toLowerCase(java.util.Locale.ROOT)).programType()).contains(t);
    }

    @ParameterizedTest
    @EnumSource(ProgramType.class)
    void itsReturnCodesHaveTheirUapiNames(ProgramType t) {
        Row row = BY_TYPE.get(t);
        assertThat(row).as("row for " + t).isNotNull();
        if (row.returnCode().isPresent()) {
            var rc = row.returnCode().get();
            assertThat(ReturnCodes.name(t, rc.getKey())).contains(rc.getValue());
        } else {
            // uapi names none of its values: the common ones read as numbers
            assertThat(Arrays.stream(new int[] {-1, 0, 1, 2, 3}).mapToObj(v -> ReturnCodes.name(t, v)))
                    .allMatch(Optional::isEmpty);
        }
    }
}

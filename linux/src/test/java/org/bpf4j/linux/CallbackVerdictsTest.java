package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Callbacks, spin locks, timers and maps of maps (src/test/resources/bpf/callbacks.bpf.c): each program's
 * verdict and message as the running Linux 6.18 kernel gives them, recorded here. bpf4j's verifier must give
 * the same; the kernel, when it can be reached, is checked against the record too, so that the record stays
 * the kernel's.
 */
class CallbackVerdictsTest {
    private static final Path OBJECT = Path.of(System.getProperty("bpf4j.linux.resources", "src/test/resources"))
            .resolve("bpf/callbacks.bpf.o");

    /** Program -> the kernel's message, empty when it accepts the program. */
    private static final Map<String, String> KERNEL = new LinkedHashMap<>();

    static {
        KERNEL.put("loop_ok", "");
        KERNEL.put("loop_bad_ret", "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]");
        KERNEL.put("loop_index", "");
        KERNEL.put("loop_stack_index", "");
        KERNEL.put("loop_stack_oob", "invalid variable-offset write to stack R2 var_off=(0x0; 0x38) off=-32 size=8");
        KERNEL.put("each_ok", "");
        KERNEL.put("each_key_write", "write to change key R2 not allowed");
        KERNEL.put("each_val_oob", "R3 min value is outside of the allowed memory range");
        KERNEL.put("each_ringbuf", "callback function not allowed for map");
        KERNEL.put("inner_ok", "");
        KERNEL.put("inner_hash_ok", "");
        KERNEL.put("inner_no_null_check", "R1 type=map_ptr_or_null expected=map_ptr"); // 6.18: the inner map, or NULL
        KERNEL.put("inner_oob", "R0 min value is outside of the allowed memory range");
        KERNEL.put("outer_write", "only read from bpf_array is supported");
        KERNEL.put("loop_ptr_ret", "cannot return stack pointer to the caller");
        KERNEL.put("loop_unknown_ret", "R0 not a scalar value");
        KERNEL.put("each_outer", "callback function not allowed for map");
        KERNEL.put("loop_global_cb", "callback function not static");
        KERNEL.put("loop_ctx_oob", "invalid read from stack R2 off=0 size=8");
        KERNEL.put("spin_ok", "");
        KERNEL.put("spin_twice", "function calls are not allowed while holding a lock");
        KERNEL.put("spin_unlock_only", "bpf_spin_unlock without taking a lock");
        KERNEL.put("spin_call", "function calls are not allowed while holding a lock");
        KERNEL.put("spin_exit", "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region");
        KERNEL.put("spin_direct", "bpf_spin_lock cannot be accessed directly by load/store");
        KERNEL.put("spin_two_values", "bpf_spin_unlock of different lock");
        KERNEL.put("spin_no_lock", "map 'timers' has no valid bpf_spin_lock");
        KERNEL.put("spin_wrong_off", "off 8 doesn't point to 'struct bpf_spin_lock' that is at 0");
        KERNEL.put("spin_subprog", "");
        KERNEL.put("spin_stack", "R1 type=fp expected=map_value, ptr_");
        KERNEL.put("spin_global_call", "use static function instead");
        KERNEL.put("spin_kprobe", "tracing progs cannot use bpf_spin_lock yet");
        KERNEL.put("spin_socket", "socket filter progs cannot use bpf_spin_lock yet");
        KERNEL.put("timer_ok", "");
        KERNEL.put("timer_bad_ret", "At async callback return the register R0 has smin=1 smax=1 should have been in [0, 0]");
        KERNEL.put("timer_wrong_map", "timer pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0");
        KERNEL.put("timer_no_timer", "map 'locks' has no valid bpf_timer");
        KERNEL.put("timer_direct", "bpf_timer cannot be accessed directly by load/store");
        KERNEL.put("timer_stack", "R1 type=fp expected=map_value");
        KERNEL.put("timer_kprobe", "tracing progs cannot use bpf_timer yet");
        KERNEL.put("drain_ok", "");
        KERNEL.put("drain_peek", "R1 invalid mem access 'dynptr_ptr'");
        KERNEL.put("drain_wrong_map", "cannot pass map_type 2 into func bpf_user_ringbuf_drain#209");
        // precision at callback returns: an index into the context and a counter that decides the return value
        // keep their values, so the callback is iterated with each
        KERNEL.put("loop_indexed", "");
        KERNEL.put("loop_indexed_past_end", "invalid write to stack R5 off=0 size=8");
        KERNEL.put("loop_count_returned", "");
        KERNEL.put("loop_count_unbounded", "BPF program is too large. Processed 1000001 insn");
    }

    static Stream<String> programs() { return KERNEL.keySet().stream(); }

    @Test
    void everyProgramHasARecordedVerdict() throws IOException {
        assertThat(BpfObject.open(OBJECT).programs()).extracting(ProgramSpec::name)
                .containsExactlyInAnyOrderElementsOf(KERNEL.keySet());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void bpf4jGivesTheKernelsVerdict(String program) throws IOException {
        BpfObject object = BpfObject.open(OBJECT);
        ProgramSpec spec = object.programs().stream().filter(p -> p.name().equals(program)).findFirst().orElseThrow();
        VerifierResult r = ObjectVerification.verify(object, spec, VerifierOptions.defaults());
        String expected = KERNEL.get(program);
        if (expected.isEmpty()) {
            assertThat(r).isInstanceOf(VerifierResult.Accepted.class);
        } else {
            // the kernel's last line is bpf4j's last line of the message (some messages take two lines)
            assertThat(r).isInstanceOfSatisfying(VerifierResult.Rejected.class,
                    j -> assertThat(j.details().getLast()).isEqualTo(expected));
        }
    }

    /** The programs the runtime's tests run (CallsDifferentialTest) are verified, not run unverified. */
    @Test
    void theRuntimesCallbackProgramsAreAccepted() throws IOException {
        BpfObject calls = BpfObject.open(OBJECT.resolveSibling("calls.bpf.o"));
        for (ProgramSpec spec : calls.programs()) {
            assertThat(ObjectVerification.verify(calls, spec, VerifierOptions.defaults())).as(spec.name())
                    .isInstanceOf(VerifierResult.Accepted.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void theKernelGivesTheRecordedVerdict(String program) throws IOException {
        KernelAvailability kernel = KernelAvailability.check();
        assumeThat(kernel.available()).as("kernel oracle unavailable: %s", kernel.reason()).isTrue();
        BpfObject object = BpfObject.open(OBJECT);
        String message = "";
        try (KernelObject k = KernelObject.load(object, Optional.of(program))) {
            assertThat(k.program(program)).isPresent();
        } catch (KernelLoadException e) {
            message = e.getMessage();
        }
        assertThat(message).isEqualTo(KERNEL.get(program));
    }
}

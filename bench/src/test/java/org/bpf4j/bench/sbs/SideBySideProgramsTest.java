package org.bpf4j.bench.sbs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.bpf4j.bench.BenchPrograms;
import org.bpf4j.linux.KernelAvailability;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keeps the side-by-side harness honest: every program, on its benchmark frame, stores the same result
 * on both bpf4j engines, checked and unchecked, and that result is its Java reference's (which for
 * log2 and copy is BenchPrograms' own); with repeat, the result does not change. The kernel column is
 * checked too when the kernel is reachable.
 */
class SideBySideProgramsTest {

    static final Path OBJECTS = SideBySide.defaultObjects();
    static final List<Engines> BPF4J = List.of(Engines.JIT, Engines.JIT_CHECKED, Engines.INTERP, Engines.INTERP_CHECKED);

    static Stream<Arguments> programsAndEngines() {
        List<Arguments> args = new ArrayList<>();
        for (SbsProgram p : SbsProgram.values()) for (Engines e : BPF4J) args.add(Arguments.of(p, e));
        return args.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("programsAndEngines")
    void storesTheReferenceResult(SbsProgram program, Engines engine) {
        byte[] frame = program.frame();
        try (Engines.Runner runner = engine.load(OBJECTS, program)) {
            Engines.Outcome once = runner.run(frame, 1);
            Engines.Outcome thrice = runner.run(frame, 3);
            assertThat(once.retval()).isEqualTo(SbsProgram.XDP_PASS);
            assertThat(thrice).extracting(Engines.Outcome::result, Engines.Outcome::retval)
                    .containsExactly(once.result(), once.retval());
            OptionalLong reference = program.reference(frame);
            if (reference.isPresent()) {
                assertThat(Long.toUnsignedString(once.result())).isEqualTo(Long.toUnsignedString(reference.getAsLong()));
            } else {
                // The generated program has no Java reference: the interpreter is the reference.
                try (Engines.Runner interp = Engines.INTERP.load(OBJECTS, program)) {
                    assertThat(once.result()).isEqualTo(interp.run(frame, 1).result());
                }
            }
        }
    }

    @Test
    void referencesAgreeWithTheRawIsaBenchmarks() {
        // The log2 and copy frames are BenchPrograms' inputs: bench/native/bench.c prints these too.
        assertThat(SbsProgram.PRIMES.reference(SbsProgram.PRIMES.frame()).getAsLong()).isEqualTo(95);
        assertThat(SbsProgram.LOG2.reference(SbsProgram.LOG2.frame()).getAsLong()).isEqualTo(3807);
        assertThat(Long.toUnsignedString(SbsProgram.COPY.reference(SbsProgram.COPY.frame()).getAsLong()))
                .isEqualTo("9514044328358756094");
        assertThat(BenchPrograms.PRIMES_N).isEqualTo(500);
    }

    static Stream<Arguments> parserFrames() {
        return Stream.of(
                Arguments.of("vlan ipv6 tcp", Frames.vlanIpv6Tcp()),
                Arguments.of("ipv4 options udp", Frames.ipv4OptionsUdp()),
                Arguments.of("qinq ipv4 tcp", Frames.qinqIpv4Tcp()),
                Arguments.of("arp", Frames.arp()),
                Arguments.of("ipv6 icmp", Frames.ipv6Icmp()),
                Arguments.of("bad ihl", Frames.badIhl()));
    }

    @ParameterizedTest(name = "parser on {0}")
    @MethodSource("parserFrames")
    void parserTakesEveryPathAlike(String name, byte[] frame) {
        long expected = Frames.parse(frame, frame.length);
        for (Engines e : BPF4J) {
            try (Engines.Runner runner = e.load(OBJECTS, SbsProgram.PARSER)) {
                assertThat(runner.run(frame, 1).result()).as(e.label()).isEqualTo(expected);
            }
        }
        if (name.equals("arp")) assertThat(expected).isEqualTo(4);
        if (name.equals("ipv6 icmp")) assertThat(expected).isEqualTo(6);
        if (name.equals("bad ihl")) assertThat(expected).isEqualTo(3);
    }

    @ParameterizedTest(name = "{0} in the kernel")
    @EnumSource(SbsProgram.class)
    void kernelStoresTheSameResult(SbsProgram program) {
        KernelAvailability k = KernelAvailability.check();
        Assumptions.assumeTrue(k.available(), () -> "kernel not reachable: " + k.reason());
        byte[] frame = program.frame();
        try (Engines.Runner kernel = Engines.KERNEL.load(OBJECTS, program);
             Engines.Runner interp = Engines.INTERP.load(OBJECTS, program)) {
            Engines.Outcome expected = interp.run(frame, 1);
            Engines.Outcome got = kernel.run(frame, 2);
            assertThat(got.result()).isEqualTo(expected.result());
            assertThat(got.retval()).isEqualTo(expected.retval());
        }
    }
}

package org.bpf4j.btf.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.core.TargetBtf.M;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.testing.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential: every CO-RE relocation patched as libbpf patches it (same immediates, offsets, load
 * sizes, poisoned instructions, refusals), against this machine's kernel BTF and against target BTF
 * built by the tests. Skipped, with the reason, where libbpf cannot be run (see {@link LibbpfOracle}).
 */
class CoreRelocatorLibbpfTest {

    @TempDir
    static Path dir;

    private static Object oracle;

    @BeforeAll
    static void buildOracle() {
        oracle = LibbpfOracle.build(dir);
    }

    private static LibbpfOracle oracle() {
        assumeTrue(oracle instanceof LibbpfOracle, () -> "libbpf differential skipped: " + oracle);
        return (LibbpfOracle) oracle;
    }

    private static Path resource(String name) throws Exception {
        return Path.of(CoreRelocatorLibbpfTest.class.getResource("/bpf/" + name).toURI());
    }

    private static Btf kernelBtf() {
        assumeTrue(Files.isReadable(CoreRelocator.KERNEL_BTF), "no kernel BTF at " + CoreRelocator.KERNEL_BTF);
        return CoreRelocator.targetBtf(Optional.empty()).orElseThrow();
    }

    private static LibbpfOracle.Comparison compare(Path object, Btf target, Optional<Path> targetFile) throws Exception {
        LibbpfOracle.Log log = oracle().run(object, targetFile);
        BpfObject obj = BpfObject.open(object);
        return LibbpfOracle.compare(obj, target, log);
    }

    @Test
    void kernelTypesAsLibbpfRelocatesThem() throws Exception {
        LibbpfOracle o = oracle();
        Btf vmlinux = kernelBtf();
        LibbpfOracle.Comparison c = compare(resource("core_kernel.bpf.o"), vmlinux, Optional.empty());
        assertThat(c.problems()).isEmpty();
        assertThat(c.compared()).isEqualTo(CoreObjects.load("core_kernel.bpf.o").programs().stream()
                .mapToInt(p -> p.coreRelocations().size()).sum());
    }

    @Test
    void handBuiltTargetsAsLibbpfRelocatesThem() throws Exception {
        oracle();
        Path object = resource("core_local.bpf.o");
        Path file = dir.resolve("target.btf");
        Files.write(file, CoreRelocatorTest.targetBytes());
        LibbpfOracle.Comparison c = compare(object, CoreRelocatorTest.TARGET, Optional.of(file));
        assertThat(c.problems()).isEmpty();
        assertThat(c.compared()).isGreaterThan(40);

        // a target where struct inner's members have other types and sample is missing
        TargetBtf b = new TargetBtf();
        int i16 = b.integer("short", 2, true);
        int u16 = b.integer("short unsigned int", 2, false);
        b.struct("inner", 4, M.of("a", i16, 0), M.of("b", u16, 2));
        b.enumeration("color___x", false, "BLUE", 0x80000000L, "GREEN___x", 2);
        Path other = dir.resolve("other.btf");
        Files.write(other, b.bytes());
        c = compare(object, b.build(), Optional.of(other));
        assertThat(c.problems()).isEmpty();
        assertThat(c.compared()).isGreaterThan(40);
    }

    @Test
    void ambiguityIsRefusedByBoth() throws Exception {
        oracle();
        TargetBtf b = new TargetBtf();
        int i32 = b.integer("int", 4, true);
        b.struct("sample", 8, M.of("pad", i32, 0), M.of("x", i32, 4));
        b.struct("sample___other", 8, M.of("x", i32, 0));
        Path file = dir.resolve("ambiguous.btf");
        Files.write(file, b.bytes());
        LibbpfOracle.Log log = oracle().run(resource("core_local.bpf.o"), Optional.of(file));
        assertThat(log.failures()).isNotEmpty();
        LibbpfOracle.Comparison c = LibbpfOracle.compare(CoreObjects.load("core_local.bpf.o"), b.build(), log);
        assertThat(c.problems()).isEmpty();
    }

    @Test
    void corpusObjectsAsLibbpfRelocatesThem() throws Exception {
        oracle();
        Btf vmlinux = kernelBtf();
        Path corpus = SharedData.corpus();
        List<String> problems = new ArrayList<>();
        int objects = 0, compared = 0;
        for (Path object : CoreRelocatorKernelTest.corpusObjectsWithCoreRelocations(corpus)) {
            LibbpfOracle.Log log = oracle().run(object, Optional.empty());
            if (log.coreLines() == 0) {
                // libbpf stopped before CO-RE (externs it cannot resolve...): nothing to compare
                continue;
            }
            LibbpfOracle.Comparison c = LibbpfOracle.compare(BpfObject.open(object), vmlinux, log);
            problems.addAll(c.problems());
            compared += c.compared();
            objects++;
        }
        assertThat(problems).isEmpty();
        assertThat(objects).as("corpus objects compared").isGreaterThan(0);
        assertThat(compared).isGreaterThan(0);
    }
}

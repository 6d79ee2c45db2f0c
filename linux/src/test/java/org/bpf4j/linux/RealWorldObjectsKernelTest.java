package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.OpenOptions;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;
import org.junit.jupiter.api.Test;

/**
 * The kernel agrees with how the loader reads objects built for other loaders (core's test objects
 * iproute2_maps and netdev_sections): iproute2's map-of-maps template, and --type for unnamed sections.
 */
class RealWorldObjectsKernelTest {
    private static final Path BPF = Path.of(System.getProperty("bpf4j.root", "../")).resolve("core/src/test/resources/bpf");

    private static void assumeKernel() {
        KernelAvailability kernel = KernelAvailability.check();
        assumeThat(kernel.available()).as("kernel oracle unavailable: %s", kernel.reason()).isTrue();
    }

    @Test
    void theKernelAcceptsTheInnerMapAccessWithIproute2sTemplate() throws IOException {
        assumeKernel();
        Kernel.assumeBpffs();
        BpfObject o = BpfObject.open(BPF.resolve("iproute2_maps.bpf.o"));
        // its maps are iproute2 PIN_GLOBAL_NS: pinned under tc/globals of a pin root of this test's own
        Path root = Kernel.uniquePin(), misreadRoot = Kernel.uniquePin();
        try {
            try (KernelObject k = KernelObject.load(o, Optional.of("cls_entry"), 0, Optional.of(root))) {
                assertThat(k.program("cls_entry")).isPresent();
                assertThat(root.resolve("tc/globals/map_outer")).exists();
            }
            refusedWithTheWrongTemplate(o, misreadRoot);
        } finally {
            removeTree(root);
            removeTree(misreadRoot);
        }
    }

    private static void removeTree(Path root) throws IOException {
        if (!java.nio.file.Files.exists(root)) return;
        try (var all = java.nio.file.Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(p);
        }
    }

    private static void refusedWithTheWrongTemplate(BpfObject o, Path root) {
        // bound to the map at index 1 (what reading id as an index gives), the kernel refuses the read at bytes 8..15 of an
        // 8-byte value, and so does bpf4j
        MapDefinition outer = o.map("map_outer").orElseThrow();
        MapDefinition wrong = new MapDefinition(outer.name(), outer.type(), outer.keySize(), outer.valueSize(), outer.maxEntries(),
                outer.flags(), outer.numaNode(), outer.pinning(), outer.mapExtra(), 0, 0, o.map("counters"), List.of(),
                outer.definition(), new byte[0], false);
        BpfObject misread = new BpfObject(o.name(), o.license(), o.kernelVersion(), o.programs(),
                o.maps().stream().map(m -> m.name().equals("map_outer") ? wrong : m).toList(), o.btf());
        KernelLoadException refused = org.junit.jupiter.api.Assertions.assertThrows(KernelLoadException.class,
                () -> KernelObject.load(misread, Optional.of("cls_entry"), 0, Optional.of(root)).close());
        VerifierResult r = ObjectVerification.verify(misread, misread.program("cls_entry").orElseThrow(), VerifierOptions.defaults());
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        // the kernel's log has bpf4j's message, then its own last line "R0 min value is outside of the allowed memory range"
        assertThat(refused.log()).contains(((VerifierResult.Rejected) r).message());
    }

    @Test
    void theTypeOptionDecidesTheKernelsVerdictAsBpf4js() throws IOException {
        assumeKernel();
        Path path = BPF.resolve("netdev_sections.bpf.o");
        BpfObject plain = BpfObject.open(path);
        assertThatThrownBy(() -> KernelObject.load(plain, Optional.of("from_netdev")).close()).isInstanceOf(KernelLoadException.class);
        BpfObject tc = BpfObject.open(path, OpenOptions.defaults().withType("tc"));
        try (KernelObject k = KernelObject.load(tc, Optional.of("from_netdev"))) {
            assertThat(k.program("from_netdev").orElseThrow().type()).isEqualTo(org.bpf4j.progtype.ProgramType.SCHED_CLS);
        }
    }
}

package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.runtime.TestRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Map pinning at load (libbpf's LIBBPF_PIN_BY_NAME and pin_root_path): pinning.bpf.c pins
 * {@code pinned_hits}; each test uses its own pin root under /sys/fs/bpf and removes it.
 */
class MapPinningTest {
    private static final Path BPF = Path.of(System.getProperty("bpf4j.root", "../")).resolve("core/src/test/resources/bpf");
    private Path root;

    @BeforeEach
    void pinRoot() {
        Kernel.assumeBpffs();
        root = Kernel.uniquePin();
    }

    @AfterEach
    void removePins() throws IOException {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static long hits(KernelObject loaded, String map) {
        return Kernel.int64(loaded.map(map).orElseThrow().lookup(Kernel.le32(0)).orElseThrow());
    }

    @Test
    void aPinnedMapIsCreatedPinnedThenReusedByTheNextLoad() throws IOException {
        BpfObject object = BpfObject.open(BPF.resolve("pinning.bpf.o"));
        Path pin = root.resolve("pinned_hits");
        try (KernelObject first = KernelObject.load(object, Optional.empty(), 0, Optional.of(root))) {
            assertThat(pin).exists();
            assertThat(root.resolve("private_hits")).doesNotExist();
            first.program("count_hits").orElseThrow().testRun(TestRun.of(new byte[64]).withRepeat(3));
            assertThat(hits(first, "pinned_hits")).isEqualTo(3);
        }
        // the pin outlives the object; the second load finds it and keeps counting, its private map starts afresh
        try (KernelObject second = KernelObject.load(object, Optional.empty(), 0, Optional.of(root));
             KernelMap pinned = KernelMap.openPinned(pin)) {
            assertThat(second.map("pinned_hits").orElseThrow().id()).isEqualTo(pinned.id());
            second.program("count_hits").orElseThrow().testRun(TestRun.of(new byte[64]).withRepeat(2));
            assertThat(hits(second, "pinned_hits")).isEqualTo(5);
            assertThat(hits(second, "private_hits")).isEqualTo(2);
        }
    }

    @Test
    void anIncompatiblePinIsAnErrorSayingWhatDiffersAndLeavesThePinAlone() throws IOException {
        try (KernelObject first = KernelObject.load(BpfObject.open(BPF.resolve("pinning.bpf.o")), Optional.empty(), 0, Optional.of(root))) {
            BpfObject mismatch = BpfObject.open(BPF.resolve("pinning_mismatch.bpf.o"));
            assertThatThrownBy(() -> KernelObject.load(mismatch, Optional.empty(), 0, Optional.of(root)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("map 'pinned_hits': the map pinned at " + root.resolve("pinned_hits") + " differs from the object's:"
                            + " max_entries 4 pinned, 8 in the object (remove the pin or use another --pin-root)");
            assertThat(root.resolve("pinned_hits")).exists();
            assertThat(first.map("pinned_hits").orElseThrow().spec().maxEntries()).isEqualTo(4);
        }
    }

    @Test
    void aProgramPinnedWhereTheMapGoesIsRefused() throws IOException {
        BpfObject object = BpfObject.open(BPF.resolve("pinning.bpf.o"));
        try (KernelObject other = KernelObject.load(object, Optional.empty(), 0, Optional.of(root.resolve("other")))) {
            other.program("count_hits").orElseThrow().pin(root.resolve("pinned_hits"));
        }
        assertThatThrownBy(() -> KernelObject.load(object, Optional.empty(), 0, Optional.of(root)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("map 'pinned_hits': cannot reuse " + root.resolve("pinned_hits") + ": " + root.resolve("pinned_hits")
                        + " is not a pinned map");
    }

    @Test
    void withoutAPinRootNothingIsPinned() throws IOException {
        try (KernelObject k = KernelObject.load(BpfObject.open(BPF.resolve("pinning.bpf.o")), Optional.empty())) {
            assertThat(k.map("pinned_hits")).isPresent();
            assertThat(KernelObject.DEFAULT_PIN_ROOT.resolve("pinned_hits")).doesNotExist();
        }
    }

    @Test
    void iproute2GlobalNamespaceMapsPinUnderTcGlobals() {
        MapDefinition def = new MapDefinition("jmp", org.bpf4j.maps.MapType.ARRAY, 4, 4, 1, 0, 0, MapDefinition.Pinning.GLOBAL_NS, 0, 0, 0,
                Optional.empty(), java.util.List.of(), MapDefinition.Definition.LEGACY, new byte[0], false);
        assertThat(MapPins.path(def, root)).contains(root.resolve("tc/globals/jmp"));
    }
}

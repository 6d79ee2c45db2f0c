package org.bpf4j.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressSpaceTest {

    @Test
    void regionsLieInsideTheSpaceAndAreZeroed() {
        try (AddressSpace space = AddressSpace.reserve(1 << 20)) {
            Region a = space.allocate(100, "a", true);
            assertThat(a.address()).isGreaterThanOrEqualTo(space.base());
            assertThat(a.end()).isLessThanOrEqualTo(space.base() + space.size());
            space.slice(a).fill((byte) 0x5a);
            space.free(a);
            Region b = space.allocate(100, "b", true);
            assertThat(b.address()).isEqualTo(a.address()); // reused
            assertThat(space.slice(b).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
        }
    }

    @Test
    void lookupFindsOnlyAccessesWhollyInsideOneRegion() {
        try (AddressSpace space = AddressSpace.reserve(1 << 20)) {
            Region a = space.allocate(64, "a", true);
            Region b = space.allocate(64, "b", false);
            assertThat(space.find(a.address(), 64)).contains(a);
            assertThat(space.find(a.address() + 60, 4)).contains(a);
            assertThat(space.find(a.address() + 61, 4)).isEmpty();
            assertThat(space.find(b.address() + 8, 8)).contains(b);
            assertThat(space.find(a.address() - 1, 1)).isEmpty();
            assertThat(space.find(0, 8)).isEmpty();
            assertThat(space.find(-8, 8)).isEmpty();
            space.free(a);
            assertThat(space.find(a.address(), 1)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {7, 8, 9})
    void randomAllocationsNeverOverlap(long seed) {
        Random random = new Random(seed);
        try (AddressSpace space = AddressSpace.reserve(8 << 20)) {
            List<Region> live = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                if (!live.isEmpty() && random.nextInt(3) == 0) {
                    space.free(live.remove(random.nextInt(live.size())));
                } else {
                    long align = 1L << random.nextInt(13);
                    Region r = space.allocate(1 + random.nextInt(5000), align, "r" + i, true);
                    assertThat(r.address() % Math.max(align, 16)).isZero();
                    live.add(r);
                }
            }
            live.sort((x, y) -> Long.compare(x.address(), y.address()));
            for (Region r : live) {
                assertThat(r.address()).isGreaterThanOrEqualTo(space.base() + AddressSpace.MARGIN);
                assertThat(r.end()).isLessThanOrEqualTo(space.base() + space.size() - AddressSpace.MARGIN);
            }
            for (int i = 1; i < live.size(); i++) {
                assertThat(live.get(i).address()).isGreaterThanOrEqualTo(live.get(i - 1).end());
            }
            assertThat(space.regions()).hasSize(live.size());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 1 << 16, 3 << 20, 1 << 30, (1L << 32) + 1})
    void sizesArePowersOfTwoAndTheSandboxSurroundsTheSpace(long requested) {
        try (AddressSpace space = AddressSpace.reserve(requested)) {
            checkSizeAndSandbox(space, requested);
        }
        if (requested <= 4 << 20) { // committed and zeroed up front: only small ones
            try (AddressSpace space = AddressSpace.allocateCommitted(requested)) {
                checkSizeAndSandbox(space, requested);
            }
        }
    }

    private static void checkSizeAndSandbox(AddressSpace space, long requested) {
        assertThat(Long.bitCount(space.size())).isOne();
        assertThat(space.size()).isGreaterThanOrEqualTo(Math.max(requested, AddressSpace.MIN_SIZE)).isLessThan(2 * Math.max(requested, AddressSpace.MIN_SIZE));
        assertThat(space.offsetMask()).isEqualTo(space.size() - 1);
        assertThat(space.sandbox().address()).isEqualTo(space.base() - AddressSpace.MARGIN);
        assertThat(space.sandbox().byteSize()).isEqualTo(space.size() + 2 * AddressSpace.MARGIN);
        // Both margins are ordinary memory: a wild access that lands there reads and writes without a fault.
        space.sandbox().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1);
        space.sandbox().set(ValueLayout.JAVA_LONG_UNALIGNED, space.sandbox().byteSize() - 8, 2);
        assertThat(space.sandbox().get(ValueLayout.JAVA_LONG_UNALIGNED, space.sandbox().byteSize() - 8)).isEqualTo(2);
    }

    @Test
    void onLinuxTheSpaceIsAlignedToItsSize() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "the aligned reservation uses mmap: not Linux");
        for (long size : new long[] {1 << 20, 1L << 31, 1L << 34}) {
            try (AddressSpace space = AddressSpace.reserve(size)) {
                assertThat(space.aligned()).as("size %d at 0x%x", size, space.base()).isTrue();
                assertThat(space.base() % size).isZero();
            }
        }
    }

    @Test
    void exhaustionIsAnErrorNamingTheRegion() {
        try (AddressSpace space = AddressSpace.reserve(1 << 16)) {
            assertThatThrownBy(() -> space.allocate(1 << 20, "big map", true))
                    .isInstanceOf(OutOfBpfMemoryException.class)
                    .hasMessageContaining("big map");
        }
    }

    @Test
    void useAfterCloseIsAnExceptionNotACrash() {
        AddressSpace space = AddressSpace.reserve(1 << 16);
        var segment = space.segment();
        space.close();
        assertThatThrownBy(() -> segment.get(ValueLayout.JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void checkedMemoryRefusesWritesToReadOnlyRegions() {
        try (AddressSpace space = AddressSpace.reserve(1 << 16)) {
            Region ro = space.allocate(16, ".rodata", false);
            CheckedMemory memory = new CheckedMemory(space);
            assertThat(memory.loadU64(ro.address())).isZero();
            assertThatThrownBy(() -> memory.storeU8(ro.address(), 1))
                    .isInstanceOf(MemoryFault.class)
                    .hasMessageContaining(".rodata is read-only");
            assertThatThrownBy(() -> memory.read(ro.address() + 8, 9))
                    .isInstanceOf(MemoryFault.class)
                    .hasMessageContaining("not inside any live region");
        }
    }
}

package org.bpf4j.linux;

import org.bpf4j.maps.MapType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.bpf4j.linux.Kernel.int32;
import static org.bpf4j.linux.Kernel.int64;
import static org.bpf4j.linux.Kernel.le32;
import static org.bpf4j.linux.Kernel.le64;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.Errno;

/** Map semantics as the kernel implements them, through the FFM bpf(2) path. */
class KernelMapTest {

    @BeforeAll
    static void kernel() { Kernel.assumeAvailable(); }

    private static BpfException bpfError(Runnable r) {
        return catchThrowableOfType(BpfException.class, r::run);
    }

    @Test
    void arrayElementsExistFromTheStartAndCannotBeDeleted() {
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 8, 4).withName("arr"))) {
            assertThat(m.lookup(le32(3))).hasValueSatisfying(v -> assertThat(v).containsOnly(0));
            m.put(le32(2), le64(0x1122334455667788L));
            assertThat(m.lookup(le32(2)).map(Kernel::int64)).contains(0x1122334455667788L);

            // Out of range: lookup finds nothing, update is E2BIG.
            assertThat(m.lookup(le32(4))).isEmpty();
            assertThat(bpfError(() -> m.put(le32(4), le64(1))).errnoName()).isEqualTo("E2BIG");
            // Every index exists already: NOEXIST is EEXIST, EXIST succeeds.
            BpfException e = bpfError(() -> m.update(le32(0), le64(1), MapFlags.BPF_NOEXIST));
            assertThat(e.errnoName()).isEqualTo("EEXIST");
            assertThat(e.command()).isEqualTo(BpfCommand.BPF_MAP_UPDATE_ELEM);
            assertThat(e.getMessage()).contains("BPF_MAP_UPDATE_ELEM", "EEXIST", "ARRAY map 'arr'");
            m.update(le32(0), le64(5), MapFlags.BPF_EXIST);
            // Array elements cannot be deleted.
            assertThat(bpfError(() -> m.delete(le32(0))).errnoName()).isEqualTo("EINVAL");
            // Unknown update flags.
            assertThat(bpfError(() -> m.update(le32(0), le64(1), 0x10)).errnoName()).isEqualTo("EINVAL");
            // LOCK on a value without a bpf_spin_lock.
            assertThat(bpfError(() -> m.update(le32(0), le64(1), MapFlags.BPF_F_LOCK)).errnoName()).isEqualTo("EINVAL");
        }
    }

    @Test
    void arrayGetNextKeyWalksIndexesAndRestartsOutOfRange() {
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 4, 3))) {
            assertThat(m.nextKey(null).map(Kernel::int32)).contains(0);
            assertThat(m.nextKey(le32(0)).map(Kernel::int32)).contains(1);
            assertThat(m.nextKey(le32(2))).isEmpty();
            // An index past the end restarts at 0 (kernel: array_map_get_next_key).
            assertThat(m.nextKey(le32(100)).map(Kernel::int32)).contains(0);
            assertThat(m.keys().stream().map(Kernel::int32)).containsExactly(0, 1, 2);
        }
    }

    @Test
    void hashInsertReplaceDeleteAndErrors() {
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 4, 2))) {
            assertThat(m.lookup(le32(1))).isEmpty();
            m.update(le32(1), le32(10), MapFlags.BPF_NOEXIST);
            assertThat(bpfError(() -> m.update(le32(1), le32(11), MapFlags.BPF_NOEXIST)).errnoName()).isEqualTo("EEXIST");
            assertThat(bpfError(() -> m.update(le32(2), le32(20), MapFlags.BPF_EXIST)).errnoName()).isEqualTo("ENOENT");
            m.update(le32(1), le32(11), MapFlags.BPF_EXIST);
            assertThat(m.lookup(le32(1)).map(Kernel::int32)).contains(11);
            m.put(le32(2), le32(20));
            // Full: a new key is E2BIG, replacing an existing one still works.
            assertThat(bpfError(() -> m.put(le32(3), le32(30))).errnoName()).isEqualTo("E2BIG");
            m.put(le32(2), le32(21));
            m.delete(le32(1));
            assertThat(m.lookup(le32(1))).isEmpty();
            BpfException e = bpfError(() -> m.delete(le32(1)));
            assertThat(e.is(Errno.ENOENT)).isTrue();
            assertThat(e.command()).isEqualTo(BpfCommand.BPF_MAP_DELETE_ELEM);
            assertThat(bpfError(() -> m.update(le32(9), le32(1), 0x10)).errnoName()).isEqualTo("EINVAL");
        }
    }

    @Test
    void hashGetNextKeyVisitsEveryKeyOnceAndRestartsFromAMissingKey() {
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 4, 16))) {
            assertThat(m.nextKey(null)).isEmpty();
            for (int k = 0; k < 10; k++) m.put(le32(k), le32(k * k));
            List<Integer> keys = m.keys().stream().map(Kernel::int32).toList();
            assertThat(keys).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            // A key that is not in the map: the kernel returns the first key (htab_map_get_next_key).
            assertThat(m.nextKey(le32(12345)).map(Kernel::int32)).contains(keys.getFirst());
            assertThat(m.nextKey(le32(keys.getLast()))).isEmpty();
        }
    }

    @Test
    void hashLookupAndDelete() {
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 4, 4))) {
            m.put(le32(7), le32(70));
            assertThat(m.lookupAndDelete(le32(7)).map(Kernel::int32)).contains(70);
            assertThat(m.lookup(le32(7))).isEmpty();
            assertThat(m.lookupAndDelete(le32(7))).isEmpty();
        }
    }

    @Test
    void lruHashEvictsInsteadOfFailingWhenFull() {
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.LRU_HASH, 4, 4, 16))) {
            for (int k = 0; k < 200; k++) m.put(le32(k), le32(k));
            int count = m.keys().size();
            assertThat(count).isPositive().isLessThanOrEqualTo(16);
            assertThat(m.lookup(le32(199)).map(Kernel::int32)).contains(199);
        }
    }

    @Test
    void perCpuArrayHasOneValuePerPossibleCpu() {
        int ncpu = KernelMap.possibleCpus();
        assertThat(ncpu).isPositive();
        // value_size 4: the kernel still strides values 8 bytes apart.
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.PERCPU_ARRAY, 4, 4, 2))) {
            Optional<List<byte[]>> zero = m.lookupPerCpu(le32(0));
            assertThat(zero).hasValueSatisfying(vs -> {
                assertThat(vs).hasSize(ncpu);
                vs.forEach(v -> assertThat(int32(v)).isZero());
            });
            List<byte[]> values = new ArrayList<>();
            for (int cpu = 0; cpu < ncpu; cpu++) values.add(le32(100 + cpu));
            m.updatePerCpu(le32(1), values, MapFlags.BPF_ANY);
            List<Integer> back = m.lookupPerCpu(le32(1)).orElseThrow().stream().map(Kernel::int32).toList();
            List<Integer> expected = new ArrayList<>();
            for (int cpu = 0; cpu < ncpu; cpu++) expected.add(100 + cpu);
            assertThat(back).isEqualTo(expected);

            // lookup gives the syscall layout, as bpf4j's maps do: each CPU's value rounded up to 8 bytes, in CPU order
            byte[] all = m.lookup(le32(1)).orElseThrow();
            assertThat(all).hasSize(8 * ncpu).hasSize(m.hostValueSize());
            for (int cpu = 0; cpu < ncpu; cpu++) assertThat(int32(java.util.Arrays.copyOfRange(all, 8 * cpu, 8 * cpu + 4))).isEqualTo(100 + cpu);
            assertThatThrownBy(() -> m.updatePerCpu(le32(0), List.of(le32(1)).subList(0, ncpu == 1 ? 0 : 1), 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void perCpuHashRoundTripsPerCpuValues() {
        int ncpu = KernelMap.possibleCpus();
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.PERCPU_HASH, 4, 12, 4))) {
            assertThat(m.lookupPerCpu(le32(1))).isEmpty();
            List<byte[]> values = new ArrayList<>();
            for (int cpu = 0; cpu < ncpu; cpu++) {
                byte[] v = new byte[12];
                v[0] = (byte) cpu;
                v[11] = (byte) (0x80 | cpu);
                values.add(v);
            }
            m.updatePerCpu(le32(1), values, MapFlags.BPF_NOEXIST);
            List<byte[]> back = m.lookupPerCpu(le32(1)).orElseThrow();
            assertThat(back).hasSize(ncpu);
            for (int cpu = 0; cpu < ncpu; cpu++) assertThat(back.get(cpu)).isEqualTo(values.get(cpu));
        }
    }

    @Test
    void queueIsFifoWithE2bigWhenFullUnlessExistOverwrites() {
        try (KernelMap q = KernelMap.create(KernelMapSpec.of(MapType.QUEUE, 0, 4, 2))) {
            assertThat(q.peek()).isEmpty();
            assertThat(q.pop()).isEmpty();
            q.push(le32(1), MapFlags.BPF_ANY);
            q.push(le32(2), MapFlags.BPF_ANY);
            assertThat(bpfError(() -> q.push(le32(3), MapFlags.BPF_ANY)).errnoName()).isEqualTo("E2BIG");
            // BPF_EXIST on a full queue drops the oldest element.
            q.push(le32(3), MapFlags.BPF_EXIST);
            assertThat(q.peek().map(Kernel::int32)).contains(2);
            assertThat(q.pop().map(Kernel::int32)).contains(2);
            assertThat(q.pop().map(Kernel::int32)).contains(3);
            assertThat(q.pop()).isEmpty();
            // No keys, so no iteration: GET_NEXT_KEY is EINVAL on a queue.
            assertThat(bpfError(() -> q.nextKey(null)).errnoName()).isEqualTo("EINVAL");
        }
    }

    @Test
    void stackIsLifo() {
        try (KernelMap s = KernelMap.create(KernelMapSpec.of(MapType.STACK, 0, 4, 4))) {
            s.push(le32(1), MapFlags.BPF_ANY);
            s.push(le32(2), MapFlags.BPF_ANY);
            assertThat(s.pop().map(Kernel::int32)).contains(2);
            assertThat(s.pop().map(Kernel::int32)).contains(1);
        }
    }

    @Test
    void ringbufNeedsPowerOfTwoPagesAndHasNoSyscallElementAccess() {
        int page = 4096;
        try (KernelMap rb = KernelMap.create(KernelMapSpec.of(MapType.RINGBUF, 0, 0, 4 * page))) {
            assertThat(rb.fd()).isPositive();
            BpfException e = bpfError(() -> rb.lookup(null));
            // The kernel-internal ENOTSUPP (524) leaks out here (ringbuf_map_lookup_elem).
            assertThat(e.errnoName()).isEqualTo("ENOTSUPP");
        }
        BpfException e = bpfError(() -> KernelMap.create(KernelMapSpec.of(MapType.RINGBUF, 0, 0, 3 * page)));
        assertThat(e.errnoName()).isEqualTo("EINVAL");
        assertThat(e.command()).isEqualTo(BpfCommand.BPF_MAP_CREATE);
    }

    @Test
    void createRejectsBadSpecs() {
        assertThat(bpfError(() -> KernelMap.create(KernelMapSpec.of(MapType.HASH, 0, 4, 1))).errnoName()).isEqualTo("EINVAL");
        assertThat(bpfError(() -> KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 8, 4, 1))).errnoName()).isEqualTo("EINVAL");
        assertThat(bpfError(() -> KernelMap.create(KernelMapSpec.of(MapType.QUEUE, 4, 4, 1))).errnoName()).isEqualTo("EINVAL");
        assertThat(bpfError(() -> KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 4, 0))).errnoName()).isEqualTo("EINVAL");
    }

    @Test
    void sizesAreCheckedBeforeTheSyscall() {
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 8, 1))) {
            assertThatThrownBy(() -> m.put(le32(1), le32(1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("value is 4 bytes");
            assertThatThrownBy(() -> m.lookup(le64(1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("key is 8 bytes");
        }
    }

    @Test
    void frozenMapRejectsSyscallWrites() {
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 4, 1))) {
            m.put(le32(0), le32(42));
            m.freeze();
            assertThat(bpfError(() -> m.put(le32(0), le32(43))).errnoName()).isEqualTo("EPERM");
            assertThat(m.lookup(le32(0)).map(Kernel::int32)).contains(42);
            // Freezing twice is EPERM, not the EBUSY of map_freeze's frozen check: a frozen map's fd has
            // already lost write permission, which map_freeze checks first.
            assertThat(bpfError(m::freeze).errnoName()).isEqualTo("EPERM");
        }
    }

    @Test
    void closedMapRefusesUse() {
        KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 4, 1));
        m.close();
        m.close(); // idempotent
        assertThatThrownBy(m::fd).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> m.lookup(le32(0))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pinnedMapIsTheSameMapAndKeepsItsSpec() throws Exception {
        Kernel.assumeBpffs();
        Path pin = Kernel.uniquePin();
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 8, 8).withName("pinned_one"))) {
            m.pin(pin);
            try {
                assertThat(Files.exists(pin)).isTrue();
                assertThat(bpfError(() -> m.pin(pin)).errnoName()).isEqualTo("EEXIST");
                try (KernelMap again = KernelMap.openPinned(pin)) {
                    assertThat(again.fd()).isNotEqualTo(m.fd());
                    assertThat(again.id()).isEqualTo(m.id());
                    assertThat(again.spec()).isEqualTo(KernelMapSpec.of(MapType.HASH, 4, 8, 8).withName("pinned_one"));
                    again.put(le32(5), le64(55));
                    assertThat(m.lookup(le32(5)).map(Kernel::int64)).contains(55L);
                }
            } finally {
                Files.deleteIfExists(pin);
            }
        }
        assertThat(Files.exists(pin)).isFalse();
        assertThat(bpfError(() -> KernelMap.openPinned(pin)).errnoName()).isEqualTo("ENOENT");
    }

    /**
     * The kernel hands a hash map out in whole buckets (htab_map_lookup_batch): a first bucket holding more
     * entries than {@code count} is ENOSPC, with nothing returned. BPF_F_ZERO_SEED makes the buckets
     * deterministic: of keys 1..64, one shares key 0's bucket in a map of two buckets.
     */
    @Test
    void hashBatchesAreWholeBucketsAndABucketLargerThanTheCountIsEnospc() {
        boolean shared = false;
        for (int k = 1; k <= 64 && !shared; k++) {
            try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 4, 2).withFlags(MapFlags.BPF_F_ZERO_SEED))) {
                m.updateBatch(List.of(le32(0), le32(k)), List.of(le32(10), le32(20)), 0);
                BpfException e = catchThrowableOfType(BpfException.class, () -> m.lookupBatch(Optional.empty(), 1, 0));
                if (e == null) continue;
                shared = true;
                assertThat(e.errnoName()).isEqualTo("ENOSPC");
                org.bpf4j.api.Batch both = m.lookupBatch(Optional.empty(), 2, 0);
                assertThat(both.keys()).hasSize(2);
                assertThat(both.done()).as("ENOENT: the last bucket was read").isTrue();
                // lookupAll grows a batch that meets a bucket larger than its count, instead of failing on the seed's luck
                assertThat(m.lookupAll(1)).hasSize(2);
                assertThat(m.lookupAndDeleteBatch(Optional.empty(), 2, 0).keys()).hasSize(2);
                assertThat(m.keys()).isEmpty();
            }
        }
        assertThat(shared).as("two of 65 keys in one of two buckets").isTrue();
    }
}

package org.bpf4j.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.maps.MapFlags.*;
import static org.bpf4j.maps.MapType.*;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Create-time checks: the kernel's errno for each bad spec (Linux 6.18 map_alloc_check / map_alloc). */
class MapCreateTest {
    private final MapFixture f = new MapFixture(2);

    @AfterEach
    void close() {
        f.close();
    }

    static Stream<Arguments> badSpecs() {
        MapSpec arr = MapSpec.of("arr", ARRAY, 4, 8, 16);
        MapSpec hash = MapSpec.of("h", HASH, 8, 8, 16);
        MapSpec rb = MapSpec.of("rb", RINGBUF, 0, 0, 4096);
        MapSpec lpm = MapSpec.of("lpm", LPM_TRIE, 8, 8, 16).withFlags(BPF_F_NO_PREALLOC);
        return Stream.of(
                Arguments.of(arr.withMaxEntries(0), Errno.EINVAL),
                Arguments.of(MapSpec.of("arr", ARRAY, 8, 8, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("arr", ARRAY, 4, 0, 16), Errno.EINVAL),
                Arguments.of(arr.withFlags(BPF_F_NO_PREALLOC), Errno.EINVAL),
                Arguments.of(arr.withFlags(BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG), Errno.EINVAL),
                Arguments.of(arr.withFlags(BPF_F_PRESERVE_ELEMS), Errno.EINVAL),
                Arguments.of(arr.withFlags(BPF_F_RDONLY | BPF_F_WRONLY), Errno.EINVAL),
                Arguments.of(arr.withMapExtra(3), Errno.EINVAL),
                Arguments.of(MapSpec.of("arr", ARRAY, 4, -1, 16), Errno.E2BIG),
                Arguments.of(MapSpec.of("pa", PERCPU_ARRAY, 4, 32 * 1024 + 1, 16), Errno.E2BIG),
                Arguments.of(MapSpec.of("pa", PERCPU_ARRAY, 4, 8, 16).withFlags(BPF_F_MMAPABLE), Errno.EINVAL),
                Arguments.of(MapSpec.of("pa", PERCPU_ARRAY, 4, 8, 16).withFlags(BPF_F_NUMA_NODE), Errno.EINVAL),
                Arguments.of(MapSpec.of("h", HASH, 0, 8, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("h", HASH, 8, 0, 16), Errno.EINVAL),
                Arguments.of(hash.withMaxEntries(0), Errno.EINVAL),
                Arguments.of(MapSpec.of("h", HASH, 1 << 21, (1 << 21) - 48, 16), Errno.E2BIG),
                Arguments.of(MapSpec.of("h", HASH, 1 << 21, (1 << 21) - 49, 16), null),
                Arguments.of(MapSpec.of("ph", PERCPU_HASH, 8, 32 * 1024 + 1, 16), Errno.E2BIG),
                Arguments.of(hash.withFlags(BPF_F_NO_COMMON_LRU), Errno.EINVAL),
                Arguments.of(hash.withFlags(BPF_F_MMAPABLE), Errno.EINVAL),
                Arguments.of(MapSpec.of("lru", LRU_HASH, 8, 8, 16).withFlags(BPF_F_NO_PREALLOC), Errno.ENOTSUPP),
                Arguments.of(MapSpec.of("lru", LRU_HASH, 8, 8, 16).withFlags(BPF_F_NO_COMMON_LRU), null),
                Arguments.of(MapSpec.of("lru", LRU_PERCPU_HASH, 8, 8, 16).withFlags(BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE), Errno.EINVAL),
                Arguments.of(hash.withMaxEntries(-1), Errno.E2BIG),
                Arguments.of(MapSpec.of("hom", HASH_OF_MAPS, 4, 8, 4).withInnerMap(hash), Errno.EINVAL),
                Arguments.of(rb.withMaxEntries(4097), Errno.EINVAL),
                Arguments.of(rb.withMaxEntries(3 * 4096), Errno.EINVAL),
                Arguments.of(rb.withMaxEntries(2048), Errno.EINVAL),
                Arguments.of(MapSpec.of("rb", RINGBUF, 4, 0, 4096), Errno.EINVAL),
                Arguments.of(MapSpec.of("rb", RINGBUF, 0, 4, 4096), Errno.EINVAL),
                Arguments.of(rb.withFlags(BPF_F_NO_PREALLOC), Errno.EINVAL),
                Arguments.of(MapSpec.of("lpm", LPM_TRIE, 8, 8, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("lpm", LPM_TRIE, 4, 8, 16).withFlags(BPF_F_NO_PREALLOC), Errno.EINVAL),
                Arguments.of(MapSpec.of("lpm", LPM_TRIE, 261, 8, 16).withFlags(BPF_F_NO_PREALLOC), Errno.EINVAL),
                Arguments.of(MapSpec.of("lpm", LPM_TRIE, 260, 8, 16).withFlags(BPF_F_NO_PREALLOC), null),
                Arguments.of(MapSpec.of("lpm", LPM_TRIE, 8, 0, 16).withFlags(BPF_F_NO_PREALLOC), Errno.EINVAL),
                Arguments.of(lpm.withMaxEntries(0), Errno.EINVAL),
                Arguments.of(MapSpec.of("q", QUEUE, 4, 8, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("q", QUEUE, 0, 0, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("s", STACK, 0, 8, 0), Errno.EINVAL),
                Arguments.of(MapSpec.of("s", STACK, 0, (1 << 22) + 1, 1), Errno.E2BIG),
                Arguments.of(MapSpec.of("bf", BLOOM_FILTER, 0, 8, 16).withMapExtra(16), Errno.EINVAL),
                Arguments.of(MapSpec.of("bf", BLOOM_FILTER, 4, 8, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("bf", BLOOM_FILTER, 0, 8, 16).withMapExtra(15), null),
                Arguments.of(MapSpec.of("pa", PROG_ARRAY, 4, 8, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("pa", PROG_ARRAY, 4, 4, 16).withFlags(BPF_F_RDONLY_PROG), Errno.EINVAL),
                Arguments.of(MapSpec.of("pe", PERF_EVENT_ARRAY, 4, 4, 16).withFlags(BPF_F_PRESERVE_ELEMS), null),
                Arguments.of(MapSpec.of("aom", ARRAY_OF_MAPS, 4, 4, 16), Errno.EBADF),
                Arguments.of(MapSpec.of("aom", ARRAY_OF_MAPS, 4, 4, 16).withInnerMap(MapSpec.of("p", PROG_ARRAY, 4, 4, 4)), Errno.ENOTSUPP),
                Arguments.of(MapSpec.of("aom", ARRAY_OF_MAPS, 4, 4, 16).withInnerMap(
                        MapSpec.of("a", ARRAY_OF_MAPS, 4, 4, 4).withInnerMap(arr)), Errno.EINVAL),
                Arguments.of(MapSpec.of("dm", DEVMAP, 4, 6, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("dm", DEVMAP, 4, 8, 16), null),
                Arguments.of(MapSpec.of("dmh", DEVMAP_HASH, 8, 4, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("cm", CPUMAP, 4, 4, 8193), Errno.E2BIG),
                Arguments.of(MapSpec.of("cm", CPUMAP, 4, 4, 16).withFlags(BPF_F_RDONLY), Errno.EINVAL),
                Arguments.of(MapSpec.of("xm", XSKMAP, 4, 8, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("st", STACK_TRACE, 4, 12, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("st", STACK_TRACE, 4, 128 * 8, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("st", STACK_TRACE, 4, 127 * 8, 16), null),
                Arguments.of(MapSpec.of("st", STACK_TRACE, 4, 40, 16).withFlags(BPF_F_STACK_BUILD_ID), Errno.EINVAL),
                Arguments.of(MapSpec.of("sm", SOCKMAP, 4, 4, 16), Errno.EOPNOTSUPP),
                Arguments.of(MapSpec.of("u", UNSPEC, 4, 4, 16), Errno.EINVAL),
                Arguments.of(MapSpec.of("lruspin", LRU_HASH, 4, 8, 16).withSpinLockOffset(0), Errno.EOPNOTSUPP),
                Arguments.of(MapSpec.of("spin", HASH, 4, 8, 16).withSpinLockOffset(6), Errno.EINVAL),
                Arguments.of(MapSpec.of("spin", HASH, 4, 8, 16).withSpinLockOffset(4), null),
                Arguments.of(MapSpec.of("pctimer", PERCPU_ARRAY, 4, 16, 16).withTimerOffset(0), Errno.EOPNOTSUPP),
                Arguments.of(MapSpec.of("timer", ARRAY, 4, 24, 16).withTimerOffset(4), Errno.EINVAL),
                Arguments.of(MapSpec.of("timer", ARRAY, 4, 16, 16).withTimerOffset(8), Errno.EINVAL),
                Arguments.of(MapSpec.of("lrutimer", LRU_HASH, 4, 24, 16).withTimerOffset(8), null));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("badSpecs")
    void createChecksMatchTheKernel(MapSpec spec, Errno expected) {
        if (expected == null) {
            BpfMap m = f.create(spec);
            assertThat(m.spec()).isEqualTo(spec);
            m.close();
            return;
        }
        assertThatThrownBy(() -> f.create(spec))
                .isInstanceOfSatisfying(BpfMapException.class, e -> {
                    assertThat(e.errno()).isEqualTo(expected);
                    assertThat(e.getMessage()).contains("'" + spec.name() + "'").contains(expected.name()).doesNotContain("\n");
                });
    }

    @Test
    void mapTypeIdsAreTheKernels() {
        assertThat(MapType.values()).hasSize(34);
        for (MapType t : MapType.values()) assertThat(MapType.byId(t.id())).contains(t);
        assertThat(HASH.id()).isEqualTo(1);
        assertThat(LPM_TRIE.id()).isEqualTo(11);
        assertThat(QUEUE.id()).isEqualTo(22);
        assertThat(RINGBUF.id()).isEqualTo(27);
        assertThat(BLOOM_FILTER.id()).isEqualTo(30);
        assertThat(ARENA.id()).isEqualTo(33);
        assertThat(MapType.byName("BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED")).contains(CGROUP_STORAGE);
        assertThat(MapType.byName("lru_percpu_hash")).contains(LRU_PERCPU_HASH);
        assertThatThrownBy(() -> BpfMaps.type(34)).isInstanceOfSatisfying(BpfMapException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void everySupportedTypeCreatesAndRegisters() {
        MapSpec arr = MapSpec.of("inner", ARRAY, 4, 8, 4);
        MapSpec[] specs = {
            MapSpec.of("a", ARRAY, 4, 8, 4), MapSpec.of("b", PERCPU_ARRAY, 4, 8, 4), MapSpec.of("c", HASH, 4, 8, 4),
            MapSpec.of("d", PERCPU_HASH, 4, 8, 4), MapSpec.of("e", LRU_HASH, 4, 8, 4), MapSpec.of("f", LRU_PERCPU_HASH, 4, 8, 4),
            MapSpec.of("g", LPM_TRIE, 8, 8, 4).withFlags(BPF_F_NO_PREALLOC), MapSpec.of("h", RINGBUF, 0, 0, 4096),
            MapSpec.of("i", PERF_EVENT_ARRAY, 4, 4, 2), MapSpec.of("j", PROG_ARRAY, 4, 4, 4), MapSpec.of("k", QUEUE, 0, 8, 4),
            MapSpec.of("l", STACK, 0, 8, 4), MapSpec.of("m", BLOOM_FILTER, 0, 8, 4), MapSpec.of("n", ARRAY_OF_MAPS, 4, 4, 4).withInnerMap(arr),
            MapSpec.of("o", HASH_OF_MAPS, 4, 4, 4).withInnerMap(arr), MapSpec.of("p", DEVMAP, 4, 4, 4), MapSpec.of("q", DEVMAP_HASH, 4, 8, 4),
            MapSpec.of("r", CPUMAP, 4, 4, 2), MapSpec.of("s", XSKMAP, 4, 4, 4), MapSpec.of("t", STACK_TRACE, 4, 64, 4),
            MapSpec.of("u", CGROUP_ARRAY, 4, 4, 4)};
        long supported = java.util.Arrays.stream(MapType.values()).filter(MapType::supported).count();
        assertThat(specs).hasSize((int) supported);
        for (MapSpec s : specs) {
            BpfMap m = f.create(s);
            assertThat(m.type()).isEqualTo(s.type());
            assertThat(f.ctx.mapById(m.id())).containsSame(m);
            assertThat(f.ctx.mapByHandle(m.ops().handle())).isSameAs(m);
            m.close();
            assertThat(f.ctx.mapById(m.id())).isEmpty();
        }
    }
}

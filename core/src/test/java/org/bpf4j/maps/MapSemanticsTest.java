package org.bpf4j.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.maps.MapFixture.asInt;
import static org.bpf4j.maps.MapFixture.asLong;
import static org.bpf4j.maps.MapFixture.u32;
import static org.bpf4j.maps.MapFixture.u64;
import static org.bpf4j.maps.MapFlags.*;
import static org.bpf4j.maps.MapType.*;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-type semantics and the kernel's return codes, through both the program-side and the host API. */
class MapSemanticsTest {
    private static final int EINVAL = -22, ENOENT = -2, EEXIST = -17, E2BIG = -7, EOPNOTSUPP = -95;
    private final MapFixture f = new MapFixture(4);

    @AfterEach
    void close() {
        f.close();
    }

    private static void assertErrno(Runnable r, Errno e) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(BpfMapException.class, x -> assertThat(x.errno()).isEqualTo(e));
    }

    // ---- ARRAY ----

    @Test
    void arrayValuesAreZeroedEightByteAlignedAndWritableThroughTheirPointer() {
        ArrayMap m = (ArrayMap) f.create(MapSpec.of("arr", ARRAY, 4, 12, 8));
        long v0 = m.lookup(f.put(u32(0)), 0);
        long v1 = m.lookup(f.put(u32(1)), 0);
        assertThat(v0 & 7).isZero();
        assertThat(v1 - v0).isEqualTo(16); // round_up(12, 8)
        assertThat(m.lookup(f.put(u32(8)), 0)).isZero();
        assertThat(m.lookup(f.put(u32(-1)), 0)).isZero();
        assertThat(f.read(v1, 12)).containsOnly(0);
        f.writeLong(v1, 0x1122334455667788L); // a program storing through the pointer
        assertThat(asLong(java.util.Arrays.copyOf(m.lookup(u32(1)).orElseThrow(), 8))).isEqualTo(0x1122334455667788L);
        assertThat(m.valueAddress(1)).isEqualTo(v1);
    }

    @Test
    void arrayUpdateFlagsAndDeleteAsTheKernel() {
        BpfMap m = f.create(MapSpec.of("arr", ARRAY, 4, 8, 4));
        long val = f.put(u64(7));
        assertThat(m.ops().update(f.put(u32(2)), val, BPF_ANY, 0)).isZero();
        assertThat(m.ops().update(f.put(u32(2)), val, BPF_EXIST, 0)).isZero();
        assertThat(m.ops().update(f.put(u32(2)), val, BPF_NOEXIST, 0)).isEqualTo(EEXIST);
        assertThat(m.ops().update(f.put(u32(4)), val, BPF_ANY, 0)).isEqualTo(E2BIG);
        assertThat(m.ops().update(f.put(u32(2)), val, 8, 0)).isEqualTo(EINVAL);
        assertThat(m.ops().update(f.put(u32(2)), val, BPF_F_LOCK, 0)).isEqualTo(EINVAL); // no bpf_spin_lock in the value
        assertThat(m.ops().delete(f.put(u32(2)))).isEqualTo(EINVAL);
        assertThat(asLong(m.lookup(u32(2)).orElseThrow())).isEqualTo(7);
        assertThat(m.lookup(u32(9))).isEmpty();
        assertErrno(() -> m.delete(u32(1)), Errno.EINVAL);
        assertErrno(() -> m.update(u32(1), u64(1), BPF_NOEXIST), Errno.EEXIST);
        assertErrno(() -> m.update(u32(7), u64(1), BPF_ANY), Errno.E2BIG);
        assertErrno(() -> m.update(u32(1), new byte[4], BPF_ANY), Errno.EINVAL);
        assertThat(m.keys()).extracting(MapFixture::asInt).containsExactly(0, 1, 2, 3);
        assertThat(m.nextKey(u32(3))).isEmpty();
        assertThat(m.nextKey(u32(100)).map(MapFixture::asInt)).contains(0);
    }

    @Test
    void spinLockedValuesAreCopiedAroundTheLockWord() {
        BpfMap m = f.create(MapSpec.of("locked", ARRAY, 4, 16, 2).withSpinLockOffset(0));
        long v = m.ops().lookup(f.put(u32(0)), 0);
        byte[] value = new byte[16];
        value[0] = 1; // the lock word: never copied in
        value[8] = 42;
        m.update(u32(0), value, BPF_F_LOCK);
        assertThat(f.read(v, 4)).containsOnly(0);
        assertThat(f.read(v + 8, 1)[0]).isEqualTo((byte) 42);
        m.update(u32(0), value, BPF_ANY);
        assertThat(f.read(v, 4)).containsOnly(0);
    }

    @Test
    void timerFieldsAreNeverCopiedAndReadAsZero() {
        BpfMap m = f.create(MapSpec.of("timed", ARRAY, 4, 32, 1).withSpinLockOffset(0).withTimerOffset(8));
        long v = m.ops().lookup(f.put(u32(0)), 0);
        byte[] value = new byte[32];
        java.util.Arrays.fill(value, (byte) 0x5a);
        m.update(u32(0), value, BPF_ANY);
        assertThat(f.read(v + 8, 16)).as("the timer in the map").containsOnly(0);
        assertThat(f.read(v + 4, 4)).containsOnly(0x5a);
        f.write(v + 8, new byte[] {7}); // as if the timer were set: a host lookup still reports zero
        byte[] out = m.lookup(u32(0), BPF_F_LOCK).orElseThrow();
        assertThat(java.util.Arrays.copyOfRange(out, 0, 4)).containsOnly(0);
        assertThat(java.util.Arrays.copyOfRange(out, 8, 24)).containsOnly(0);
        assertThat(java.util.Arrays.copyOfRange(out, 24, 32)).containsOnly(0x5a);
        assertErrno(() -> m.lookup(u32(0), 2), Errno.EINVAL);
        BpfMap plain = f.create(MapSpec.of("plain", ARRAY, 4, 8, 1));
        assertErrno(() -> plain.lookup(u32(0), BPF_F_LOCK), Errno.EINVAL);
    }

    @Test
    void readOnlyAndFrozenMapsRefuseHostWrites() {
        ArrayMap ro = (ArrayMap) f.create(MapSpec.of("ro", ARRAY, 4, 8, 1).withFlags(BPF_F_RDONLY));
        assertErrno(() -> ro.update(u32(0), u64(1)), Errno.EPERM);
        ArrayMap rodata = (ArrayMap) f.create(MapSpec.of(".rodata", ARRAY, 4, 8, 1).withFlags(BPF_F_RDONLY_PROG));
        rodata.update(u32(0), u64(5));
        rodata.freeze();
        assertErrno(() -> rodata.update(u32(0), u64(1)), Errno.EPERM);
        assertThat(f.space.find(rodata.valueAddress(0), 8).orElseThrow().writable()).isFalse();
        BpfMap wo = f.create(MapSpec.of("wo", ARRAY, 4, 8, 1).withFlags(BPF_F_WRONLY));
        assertErrno(() -> wo.lookup(u32(0)), Errno.EPERM);
    }

    // ---- PERCPU_ARRAY ----

    @Test
    void perCpuArrayGivesEachCpuItsOwnValueAndTheHostAllOfThemRoundedToEight() {
        PerCpuArrayMap m = (PerCpuArrayMap) f.create(MapSpec.of("pc", PERCPU_ARRAY, 4, 4, 2));
        long k = f.put(u32(1));
        for (int cpu = 0; cpu < 4; cpu++) {
            long v = m.lookup(k, cpu);
            assertThat(m.update(k, f.put(u32(100 + cpu)), BPF_ANY, cpu)).isZero();
            assertThat(asInt(f.read(v, 4))).isEqualTo(100 + cpu);
        }
        assertThat(m.lookup(k, 4)).isZero(); // bpf_map_lookup_percpu_elem with a CPU out of range
        byte[] all = m.lookup(u32(1)).orElseThrow();
        assertThat(all).hasSize(4 * 8);
        assertThat(m.lookupPerCpu(u32(1)).orElseThrow()).extracting(MapFixture::asInt).containsExactly(100, 101, 102, 103);
        m.updatePerCpu(u32(0), List.of(u32(1), u32(2), u32(3), u32(4)), BPF_ANY);
        assertThat(asInt(f.read(m.lookup(f.put(u32(0)), 3), 4))).isEqualTo(4);
        assertThat(m.update(k, f.put(u32(0)), BPF_NOEXIST, 0)).isEqualTo(EEXIST);
        assertThat(m.hostValueSize()).isEqualTo(32);
        assertErrno(() -> m.update(u32(0), u32(1)), Errno.EINVAL);
    }

    // ---- HASH ----

    @Test
    void hashFlagsFullMapAndDelete() {
        BpfMap m = f.create(MapSpec.of("h", HASH, 8, 8, 2));
        long v = f.put(u64(1));
        assertThat(m.ops().update(f.put(u64(10)), v, BPF_EXIST, 0)).isEqualTo(ENOENT);
        assertThat(m.ops().update(f.put(u64(10)), v, BPF_NOEXIST, 0)).isZero();
        assertThat(m.ops().update(f.put(u64(10)), v, BPF_NOEXIST, 0)).isEqualTo(EEXIST);
        assertThat(m.ops().update(f.put(u64(11)), v, BPF_ANY, 0)).isZero();
        assertThat(m.ops().update(f.put(u64(12)), v, BPF_ANY, 0)).isEqualTo(E2BIG);
        assertThat(m.ops().update(f.put(u64(11)), f.put(u64(2)), BPF_ANY, 0)).isZero(); // replacing works when full
        assertThat(m.ops().update(f.put(u64(11)), v, 3, 0)).isEqualTo(EINVAL);
        assertThat(m.ops().update(f.put(u64(11)), v, BPF_F_LOCK, 0)).isEqualTo(EINVAL);
        assertThat(asLong(m.lookup(u64(11)).orElseThrow())).isEqualTo(2);
        assertThat(m.ops().delete(f.put(u64(12)))).isEqualTo(ENOENT);
        assertThat(m.ops().delete(f.put(u64(10)))).isZero();
        assertThat(m.ops().lookup(f.put(u64(10)), 0)).isZero();
        assertErrno(() -> m.delete(u64(10)), Errno.ENOENT);
        assertThat(m.lookupAndDelete(u64(11)).map(MapFixture::asLong)).contains(2L);
        assertThat(m.keys()).isEmpty();
    }

    @Test
    void hashNextKeyVisitsEveryKeyOnceAndRestartsOnAMissingKey() {
        BpfMap m = f.create(MapSpec.of("h", HASH, 4, 4, 64));
        Set<Integer> want = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            m.update(u32(i * 7), u32(i));
            want.add(i * 7);
        }
        List<byte[]> keys = m.keys();
        assertThat(keys).extracting(MapFixture::asInt).containsExactlyInAnyOrderElementsOf(want);
        assertThat(m.nextKey(u32(-5)).map(MapFixture::asInt)).contains(asInt(keys.get(0)));
        assertThat(m.nextKey(keys.get(10)).map(MapFixture::asInt)).contains(asInt(keys.get(11)));
    }

    @Test
    void hashUpdateOfAnExistingKeyPublishesANewElementAndKeepsTheOldReadable() {
        BpfMap m = f.create(MapSpec.of("h", HASH, 4, 8, 4));
        long k = f.put(u32(1));
        m.ops().update(k, f.put(u64(1)), BPF_ANY, 0);
        f.ctx.epochs().enter(0);
        long old = m.ops().lookup(k, 0);
        m.ops().update(k, f.put(u64(2)), BPF_ANY, 1);
        long now = m.ops().lookup(k, 0);
        assertThat(now).isNotEqualTo(old);
        assertThat(f.readLong(old)).isEqualTo(1); // a run holding the old pointer still reads the old value
        assertThat(f.readLong(now)).isEqualTo(2);
        f.ctx.epochs().exit(0);
    }

    @Test
    void spinLockUpdateOfAHashElementIsInPlace() {
        BpfMap m = f.create(MapSpec.of("h", HASH, 4, 16, 4).withSpinLockOffset(8));
        long k = f.put(u32(1));
        m.ops().update(k, f.put(new byte[16]), BPF_ANY, 0);
        long before = m.ops().lookup(k, 0);
        byte[] v = new byte[16];
        v[0] = 9;
        assertThat(m.ops().update(k, f.put(v), BPF_F_LOCK, 0)).isZero();
        assertThat(m.ops().lookup(k, 0)).isEqualTo(before);
        assertThat(f.read(before, 1)[0]).isEqualTo((byte) 9);
        assertThat(m.ops().update(f.put(u32(2)), f.put(v), BPF_F_LOCK | BPF_EXIST, 0)).isEqualTo(ENOENT);
        assertThat(m.ops().update(f.put(u32(2)), f.put(v), BPF_F_LOCK, 0)).isZero();
    }

    @Test
    void zeroSeedHashesAreReproducible() {
        MapSpec s = MapSpec.of("h", HASH, 4, 4, 64).withFlags(BPF_F_ZERO_SEED);
        BpfMap a = f.create(s);
        BpfMap b = f.create(s);
        for (int i = 0; i < 40; i++) {
            a.update(u32(i), u32(i));
            b.update(u32(i), u32(i));
        }
        assertThat(a.keys()).extracting(MapFixture::asInt).containsExactlyElementsOf(b.keys().stream().map(MapFixture::asInt).toList());
    }

    // ---- PERCPU_HASH ----

    @Test
    void perCpuHashProgramInsertZeroesOtherCpusAndUpdatesInPlace() {
        BpfMap m = f.create(MapSpec.of("ph", PERCPU_HASH, 4, 4, 8));
        long k = f.put(u32(5));
        assertThat(m.ops().update(k, f.put(u32(7)), BPF_ANY, 2)).isZero();
        assertThat(m.lookupPerCpu(u32(5)).orElseThrow()).extracting(MapFixture::asInt).containsExactly(0, 0, 7, 0);
        long v2 = m.ops().lookup(k, 2);
        assertThat(m.ops().update(k, f.put(u32(8)), BPF_EXIST, 1)).isZero();
        assertThat(m.ops().lookup(k, 2)).isEqualTo(v2);
        assertThat(m.lookupPerCpu(u32(5)).orElseThrow()).extracting(MapFixture::asInt).containsExactly(0, 8, 7, 0);
        m.updatePerCpu(u32(6), List.of(u32(1), u32(2), u32(3), u32(4)), BPF_NOEXIST);
        assertThat(asInt(f.read(m.ops().lookup(f.put(u32(6)), 3), 4))).isEqualTo(4);
        assertThat(m.lookup(u32(6)).orElseThrow()).hasSize(32);
    }

    // ---- LRU ----

    @Test
    void lruEvictsTheLeastRecentlyUsedAndKeepsLookedUpKeys() {
        BpfMap m = f.create(MapSpec.of("lru", LRU_HASH, 4, 4, 8));
        for (int i = 0; i < 8; i++) assertThat(m.ops().update(f.put(u32(i)), f.put(u32(i)), BPF_ANY, 0)).isZero();
        for (int i = 0; i < 4; i++) assertThat(m.ops().lookup(f.put(u32(i)), 0)).isNotZero(); // recently used
        for (int i = 8; i < 12; i++) assertThat(m.ops().update(f.put(u32(i)), f.put(u32(i)), BPF_NOEXIST, 0)).isZero();
        assertThat(m.keys()).extracting(MapFixture::asInt).containsExactlyInAnyOrder(0, 1, 2, 3, 8, 9, 10, 11);
    }

    @Test
    void lruPerCpuUpdatesInPlaceAndEvicts() {
        BpfMap m = f.create(MapSpec.of("lrupc", LRU_PERCPU_HASH, 4, 8, 2));
        for (int i = 0; i < 5; i++) assertThat(m.ops().update(f.put(u32(i)), f.put(u64(i)), BPF_ANY, i % 4)).isZero();
        assertThat(m.keys()).hasSize(2);
        assertThat(m.lookupPerCpu(u32(4)).orElseThrow()).extracting(MapFixture::asLong).containsExactly(4L, 0L, 0L, 0L);
    }

    // ---- fd arrays, maps of maps ----

    @Test
    void progArrayHoldsProgramReferences() {
        ProgArrayMap m = (ProgArrayMap) f.create(MapSpec.of("jmp", PROG_ARRAY, 4, 4, 4));
        Object prog = new Object();
        m.set(2, prog);
        assertThat(m.program(2)).isSameAs(prog);
        assertThat(m.program(3)).isNull();
        assertThat(m.program(-1)).isNull();
        assertThat(m.program(1L << 33)).isNull();
        m.clear(2);
        assertThat(m.program(2)).isNull();
        assertErrno(() -> m.clear(2), Errno.ENOENT);
        assertErrno(() -> m.set(4, prog), Errno.E2BIG);
        assertErrno(() -> m.delete(u32(9)), Errno.E2BIG);
        assertThat(m.lookup(f.put(u32(0)), 0)).isZero();
    }

    @Test
    void mapsOfMapsHoldCompatibleInnerMapsAndProgramsGetTheirHandles() {
        MapSpec template = MapSpec.of("inner", ARRAY, 4, 8, 4);
        ArrayOfMapsMap outer = (ArrayOfMapsMap) f.create(MapSpec.of("outer", ARRAY_OF_MAPS, 4, 4, 2).withInnerMap(template));
        BpfMap inner = f.create(template.withName("inner1"));
        BpfMap wrongSize = f.create(MapSpec.of("inner2", ARRAY, 4, 8, 5));
        outer.update(u32(0), u32(inner.id()));
        long h = outer.lookup(f.put(u32(0)), 0);
        assertThat(h).isEqualTo(inner.ops().handle());
        assertThat(f.ctx.mapByHandle(h)).isSameAs(inner);
        assertThat(outer.lookup(f.put(u32(1)), 0)).isZero();
        assertThat(outer.lookup(u32(0)).map(MapFixture::asInt)).contains(inner.id());
        assertErrno(() -> outer.update(u32(1), u32(wrongSize.id())), Errno.EINVAL);
        assertErrno(() -> outer.update(u32(1), u32(9999)), Errno.EBADF);
        assertErrno(() -> outer.update(u32(1), u32(inner.id()), BPF_NOEXIST), Errno.EINVAL);
        outer.delete(u32(0));
        assertThat(outer.lookup(f.put(u32(0)), 0)).isZero();

        MapSpec dyn = MapSpec.of("dyn", ARRAY, 4, 8, 4).withFlags(BPF_F_INNER_MAP);
        ArrayOfMapsMap outer2 = (ArrayOfMapsMap) f.create(MapSpec.of("outer2", ARRAY_OF_MAPS, 4, 4, 2).withInnerMap(dyn));
        outer2.set(1, f.create(dyn.withMaxEntries(100))); // BPF_F_INNER_MAP: max_entries may differ

        HashOfMapsMap hom = (HashOfMapsMap) f.create(MapSpec.of("hom", HASH_OF_MAPS, 8, 4, 4).withInnerMap(template));
        hom.set(u64(77), inner, BPF_ANY);
        assertThat(hom.ops().lookup(f.put(u64(77)), 0)).isEqualTo(inner.ops().handle());
        assertThat(hom.get(u64(77))).containsSame(inner);
        assertThat(hom.lookup(u64(77)).map(MapFixture::asInt)).contains(inner.id());
        assertThat(hom.update(f.put(u64(1)), f.put(u32(inner.id())), BPF_ANY, 0)).isEqualTo(EOPNOTSUPP);
    }

    // ---- queue, stack ----

    @Test
    void queueAndStackPushPopPeekWithOverwrite() {
        QueueMap q = (QueueMap) f.create(MapSpec.of("q", QUEUE, 0, 4, 2));
        StackMap s = (StackMap) f.create(MapSpec.of("s", STACK, 0, 4, 2));
        for (QueueStackBase m : List.of(q, s)) {
            long out = f.put(u32(0x5a5a5a5a));
            assertThat(m.pop(out)).isEqualTo(ENOENT);
            assertThat(asInt(f.read(out, 4))).as("an empty map zeroes the value").isZero();
            f.write(out, u32(0x5a5a5a5a));
            assertThat(m.peek(out)).isEqualTo(ENOENT);
            assertThat(asInt(f.read(out, 4))).as("an empty map zeroes the value").isZero();
            assertThat(m.push(f.put(u32(1)), BPF_ANY)).isZero();
            assertThat(m.push(f.put(u32(2)), BPF_ANY)).isZero();
            assertThat(m.push(f.put(u32(3)), BPF_ANY)).isEqualTo(E2BIG);
            assertThat(m.push(f.put(u32(3)), BPF_NOEXIST)).isEqualTo(EINVAL);
            assertThat(m.push(f.put(u32(3)), 4)).isEqualTo(EINVAL);
            assertThat(m.push(f.put(u32(3)), BPF_EXIST)).isZero(); // overwrites the oldest (1)
            assertThat(m.peek(out)).isZero();
            int first = asInt(f.read(out, 4));
            assertThat(m.pop(out)).isZero();
            assertThat(asInt(f.read(out, 4))).isEqualTo(first);
            assertThat(m.pop().map(MapFixture::asInt)).isPresent();
            assertThat(m.pop()).isEmpty();
            assertThat(first).isEqualTo(m == q ? 2 : 3);
            assertErrno(() -> m.delete(new byte[0]), Errno.EINVAL);
            assertThat(m.delete(f.put(u32(0)))).isEqualTo(EINVAL);
        }
    }

    // ---- bloom filter ----

    @Test
    void bloomFilterHasNoFalseNegatives() {
        BloomFilterMap m = (BloomFilterMap) f.create(MapSpec.of("bf", BLOOM_FILTER, 0, 8, 1000).withMapExtra(3));
        assertThat(m.hashFunctions()).isEqualTo(3);
        assertThat(m.bitCount()).isEqualTo(8192); // 1000 * 3 / 5 * 7 = 4200, rounded up to a power of two
        for (long i = 0; i < 1000; i++) assertThat(m.push(f.put(u64(i * 31)), BPF_ANY)).isZero();
        for (long i = 0; i < 1000; i++) assertThat(m.peek(f.put(u64(i * 31)))).isZero();
        int falsePositives = 0;
        for (long i = 0; i < 1000; i++) if (m.mightContain(u64(i * 31 + 1))) falsePositives++;
        assertThat(falsePositives).isLessThan(500);
        assertThat(m.push(f.put(u64(1)), BPF_EXIST)).isEqualTo(EINVAL);
        assertThat(m.pop(f.buffer(8))).isEqualTo(EOPNOTSUPP);
        assertThat(f.create(MapSpec.of("bf5", BLOOM_FILTER, 0, 4, 10)) instanceof BloomFilterMap b && b.hashFunctions() == 5).isTrue();
    }

    // ---- redirect targets ----

    @Test
    void devmapCpumapXskmapFollowTheirKernelFlags() {
        DevMap dev = (DevMap) f.create(MapSpec.of("dev", DEVMAP, 4, 8, 4));
        dev.update(u32(1), u64(7));
        assertThat(dev.target(1)).isEqualTo(7);
        long entry = dev.lookup(f.put(u32(1)), 0);
        assertThat(f.space.find(entry, 8).orElseThrow().writable()).isFalse();
        assertErrno(() -> dev.update(u32(1), u64(8), BPF_NOEXIST), Errno.EEXIST);
        assertErrno(() -> dev.update(u32(4), u64(8)), Errno.E2BIG);
        assertErrno(() -> dev.update(u32(1), u64(5L << 32)), Errno.EINVAL); // ifindex 0 with a program fd
        dev.update(u32(1), u64(0));
        assertThat(dev.target(1)).isEqualTo(-1);
        dev.delete(u32(1));
        assertErrno(() -> dev.delete(u32(4)), Errno.EINVAL);

        DevMapHash dh = (DevMapHash) f.create(MapSpec.of("dh", DEVMAP_HASH, 4, 4, 2));
        dh.update(u32(10), u32(3), BPF_EXIST); // the kernel does not check BPF_EXIST here
        assertThat(dh.target(f.put(u32(10)))).isEqualTo(3);
        assertErrno(() -> dh.update(u32(10), u32(3), BPF_NOEXIST), Errno.EEXIST);
        assertErrno(() -> dh.update(u32(11), u32(0)), Errno.EINVAL);
        dh.update(u32(11), u32(4));
        assertErrno(() -> dh.update(u32(12), u32(4)), Errno.E2BIG);

        CpuMap cpu = (CpuMap) f.create(MapSpec.of("cpu", CPUMAP, 4, 4, 8));
        cpu.update(u32(1), u32(192));
        assertThat(cpu.target(1)).isEqualTo(192);
        assertErrno(() -> cpu.update(u32(2), u32(16385)), Errno.EOVERFLOW);
        assertErrno(() -> cpu.update(u32(5), u32(100)), Errno.ENODEV); // the context has 4 CPUs
        cpu.update(u32(1), u32(0));
        assertThat(cpu.has(1)).isFalse();

        XskMap xsk = (XskMap) f.create(MapSpec.of("xsk", XSKMAP, 4, 4, 4));
        assertErrno(() -> xsk.update(u32(0), u32(3), BPF_EXIST), Errno.ENOENT);
        xsk.update(u32(0), u32(3), BPF_NOEXIST);
        assertErrno(() -> xsk.update(u32(0), u32(3), BPF_NOEXIST), Errno.EEXIST);
        assertErrno(() -> xsk.lookup(u32(0)), Errno.EOPNOTSUPP);
        assertThat(xsk.lookup(f.put(u32(0)), 0)).isNotZero();
    }

    // ---- perf event array, stack trace ----

    @Test
    void perfEventOutputGoesToTheCurrentCpusBuffer() throws Exception {
        PerfEventArrayMap m = (PerfEventArrayMap) f.create(MapSpec.of("events", PERF_EVENT_ARRAY, 4, 4, 4));
        long data = f.put(new byte[] {1, 2, 3});
        assertThat(m.output(BPF_F_CURRENT_CPU, data, 3, 1)).isEqualTo(ENOENT);
        m.openAll(64);
        assertThat(m.output(BPF_F_CURRENT_CPU, data, 3, 1)).isZero();
        assertThat(m.output(1, data, 2, 1)).isZero();
        assertThat(m.output(2, data, 2, 1)).isEqualTo(EOPNOTSUPP);
        assertThat(m.output(4, data, 2, 1)).isEqualTo(E2BIG);
        assertThat(m.output(1L << 32, data, 2, 1)).isEqualTo(EINVAL);
        PerfEventArrayMap.Buffer b = m.buffer(1).orElseThrow();
        assertThat(b.poll()).hasValueSatisfying(r -> assertThat(r).containsExactly(1, 2, 3));
        assertThat(b.take(java.time.Duration.ofMillis(10))).hasValueSatisfying(r -> assertThat(r).containsExactly(1, 2));
        assertThat(b.poll()).isEmpty();
        // the packet programs' variants append context bytes to the record (bpf_xdp_event_output)
        long packet = f.put(new byte[] {9, 8, 7, 6});
        assertThat(m.output(1, data, 2, 1, packet, 3)).isZero();
        assertThat(b.poll()).hasValueSatisfying(r -> assertThat(r).containsExactly(1, 2, 9, 8, 7));
        for (int i = 0; i < 20; i++) m.output(BPF_F_CURRENT_CPU, data, 3, 1);
        assertThat(b.lost()).isPositive();
    }

    @Test
    void thePerfReaderHandsRecordsInPlaceWithTheirCpuAcrossTheBuffersEnd() throws Exception {
        PerfEventArrayMap m = (PerfEventArrayMap) f.create(MapSpec.of("events", PERF_EVENT_ARRAY, 4, 4, 4));
        assertThatThrownBy(m::reader).hasMessageContaining("no buffer open");
        m.openAll(40);
        PerfReader reader = m.reader();
        List<String> got = new java.util.ArrayList<>();
        RecordHandler h = (cpu, s, off, len) -> got.add(cpu + ":" + java.util.Arrays.toString(s.asSlice(off, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
        // 9 bytes padded as the kernel pads a raw sample (12, 16 with the size) in a 40-byte buffer: the third record wraps
        for (int round = 0; round < 2; round++) {
            long data = f.put(new byte[] {(byte) round, 1, 2, 3, 4, 5, 6, 7, 8});
            for (int i = 0; i < 2; i++) {
                assertThat(m.output(BPF_F_CURRENT_CPU, data, 9, 2)).isZero();
                assertThat(m.output(BPF_F_CURRENT_CPU, data, 9, 3)).isZero();
            }
            assertThat(reader.poll(java.time.Duration.ofMillis(10), h)).isEqualTo(4);
        }
        String r0 = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0]", r1 = "[1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0]";
        assertThat(got).containsExactly("2:" + r0, "2:" + r0, "3:" + r0, "3:" + r0, "2:" + r1, "2:" + r1, "3:" + r1, "3:" + r1);
        assertThat(reader.poll(java.time.Duration.ofMillis(5), h)).isZero();
        assertThat(reader.lost()).isZero();
    }

    @Test
    void theRingBufferReaderConsumesInPlaceAcrossTheDataAreasEnd() {
        RingBufMap m = (RingBufMap) f.create(MapSpec.of("rb", RINGBUF, 0, 0, 4096));
        RingBufferReader reader = new RingBufferReader(m);
        List<byte[]> got = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) { // 1008 bytes a record in 4096: records wrap the end
            byte[] rec = new byte[1000];
            for (int j = 0; j < rec.length; j++) rec[j] = (byte) (i + j);
            assertThat(m.output(f.put(rec), 1000, 0)).isZero();
            assertThat(reader.consume((cpu, s, off, len) -> {
                assertThat(cpu).isEqualTo(-1);
                got.add(s.asSlice(off, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            })).isEqualTo(1);
            assertThat(got.getLast()).isEqualTo(rec);
        }
        assertThat(reader.available()).isZero();
    }

    @Test
    void stackTraceStoresStacksById() {
        StackTraceMap m = (StackTraceMap) f.create(MapSpec.of("stacks", STACK_TRACE, 4, 32, 16));
        long[] ips = {0x10, 0x20, 0x30, 0x40, 0x50};
        int id = m.getStackId(ips, 5, 0);
        assertThat(id).isBetween(0, 15);
        assertThat(m.getStackId(ips, 5, 0)).isEqualTo(id);
        byte[] v = m.lookup(u32(id)).orElseThrow();
        assertThat(asLong(java.util.Arrays.copyOf(v, 8))).isEqualTo(0x10);
        assertThat(m.getStackId(ips, 5, 1)).isNotNegative(); // skip one frame
        assertThat(m.keys()).isNotEmpty();
        m.delete(u32(id));
        assertErrno(() -> m.delete(u32(id)), Errno.ENOENT);
        assertErrno(() -> m.update(u32(0), new byte[32]), Errno.EINVAL);
        assertThat(m.getStackId(ips, 5, 1L << 20)).isEqualTo(EINVAL);
    }

    @Test
    void closedMapsRefuseHostCallsAndFreeTheirMemoryOnceNoRunCanReachIt() {
        BpfMap m = f.create(MapSpec.of("gone", ARRAY, 4, 8, 4));
        long v = m.ops().lookup(f.put(u32(0)), 0);
        f.ctx.epochs().enter(2);
        m.close();
        assertThat(f.space.find(v, 8)).isPresent(); // a run on CPU 2 may still hold the pointer
        f.ctx.epochs().exit(2);
        assertThat(f.space.find(v, 8)).isEmpty();
        assertErrno(() -> m.lookup(u32(0)), Errno.EBADF);
    }
}

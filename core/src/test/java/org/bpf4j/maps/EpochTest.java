package org.bpf4j.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.maps.MapFixture.u32;
import static org.bpf4j.maps.MapFixture.u64;
import static org.bpf4j.maps.MapFlags.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Stable value addresses and epoch-based reclamation. */
class EpochTest {

    @Test
    void epochsNestAndReportTheOldestActiveRun() {
        Epochs e = new Epochs(3);
        assertThat(e.minActive()).isEqualTo(Long.MAX_VALUE);
        long s0 = e.retireStamp();
        e.enter(1);
        e.enter(1); // nested
        long s1 = e.retireStamp();
        assertThat(e.safe(s0)).isTrue();
        assertThat(e.safe(s1)).isFalse();
        e.exit(1);
        assertThat(e.active(1)).isTrue();
        e.exit(1);
        assertThat(e.active(1)).isFalse();
        assertThat(e.safe(s1)).isTrue();
        assertThatThrownBy(() -> e.exit(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> e.enter(3)).isInstanceOf(IllegalArgumentException.class);
        int[] ran = {0};
        e.enter(0);
        e.defer(() -> ran[0]++);
        assertThat(ran[0]).isZero();
        e.exit(0);
        assertThat(ran[0]).isEqualTo(1);
    }

    @Test
    void aValueKeepsItsAddressAcrossUnrelatedUpdatesAndDeletes() {
        for (MapType type : new MapType[] {MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH}) {
            try (MapFixture f = new MapFixture(2)) {
                BpfMap m = f.create(MapSpec.of("h", type, 4, 8, 64));
                long k = f.put(u32(7));
                assertThat(m.ops().update(k, f.put(u64(0xabcdef)), BPF_ANY, 0)).isZero();
                long addr = m.ops().lookup(k, 0);
                assertThat(addr & 7).isZero();
                Random r = new Random(1);
                for (int i = 0; i < 20_000; i++) {
                    int other = 100 + r.nextInt(60); // never 7; at most 60 others, so the LRU never evicts 7
                    long ok = f.put(u32(other));
                    if (r.nextBoolean()) m.ops().update(ok, f.put(u64(i)), BPF_ANY, i & 1);
                    else m.ops().delete(ok);
                    if (i % 100 == 0) assertThat(m.ops().lookup(k, 0)).as("%s after %d ops", type, i).isEqualTo(addr);
                }
                assertThat(m.ops().lookup(k, 0)).isEqualTo(addr);
                assertThat(f.readLong(addr)).isEqualTo(0xabcdef);
            }
        }
    }

    @Test
    void lpmValueKeepsItsAddressWhileOtherPrefixesComeAndGo() {
        try (MapFixture f = new MapFixture(2)) {
            BpfMap m = f.create(MapSpec.of("lpm", MapType.LPM_TRIE, 8, 8, 128).withFlags(BPF_F_NO_PREALLOC));
            long k = f.put(key(16, 0x0a010000));
            m.ops().update(k, f.put(u64(99)), BPF_ANY, 0);
            long addr = m.ops().lookup(f.put(key(32, 0x0a010203)), 0);
            Random r = new Random(2);
            for (int i = 0; i < 10_000; i++) {
                int len = r.nextInt(33);
                int data = 0x0a000000 | r.nextInt(1 << 24);
                if (len == 16 && (data >>> 16) == 0x0a01) continue;
                long ok = f.put(key(len, data));
                if (r.nextBoolean()) m.ops().update(ok, f.put(u64(i)), BPF_ANY, 0);
                else m.ops().delete(ok);
            }
            assertThat(m.ops().lookup(k, 0)).isEqualTo(addr);
            assertThat(f.readLong(addr)).isEqualTo(99);
        }
    }

    @Test
    void deletedElementsAreNotReusedWhileARunThatMaySeeThemIsActive() {
        try (MapFixture f = new MapFixture(2)) {
            HashTableMap m = (HashTableMap) f.create(MapSpec.of("h", MapType.HASH, 4, 8, 8));
            long k = f.put(u32(1));
            m.update(k, f.put(u64(1)), BPF_ANY, 0);
            f.ctx.epochs().enter(0);
            long held = m.lookup(k, 0);
            assertThat(m.delete(k)).isZero(); // deleted by the host (or another CPU) while CPU 0 holds it
            Set<Long> seen = new HashSet<>();
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < 8; i++) assertThat(m.update(f.put(u32(100 + i)), f.put(u64(i)), BPF_ANY, 1)).isZero();
                for (int i = 0; i < 8; i++) {
                    seen.add(m.lookup(f.put(u32(100 + i)), 1));
                    assertThat(m.delete(f.put(u32(100 + i)))).isZero();
                }
            }
            assertThat(seen).doesNotContain(held);
            assertThat(f.readLong(held)).isEqualTo(1); // still the value the run looked up
            int grownTo = m.poolStats()[0];
            f.ctx.epochs().exit(0);
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 8; i++) m.update(f.put(u32(100 + i)), f.put(u64(i)), BPF_ANY, 1);
                for (int i = 0; i < 8; i++) m.delete(f.put(u32(100 + i)));
            }
            assertThat(m.poolStats()[0]).as("no growth once no run is active").isEqualTo(grownTo);
        }
    }

    private static byte[] key(int len, int data) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(len).order(ByteOrder.BIG_ENDIAN).putInt(data).array();
    }
}

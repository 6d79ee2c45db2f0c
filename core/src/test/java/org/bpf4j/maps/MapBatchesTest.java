package org.bpf4j.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bpf4j.api.Batch;
import org.bpf4j.api.BatchCursor;
import org.bpf4j.api.ErrnoException;
import org.bpf4j.api.MapEntry;
import org.bpf4j.api.RingReader;
import org.junit.jupiter.api.Test;

/**
 * The batch commands on bpf4j's maps, with the kernel's semantics (ApiDifferentialTest in the linux module
 * compares them with the kernel's): cursors, ENOENT at the end, the map types that have each command.
 */
class MapBatchesTest {
    private static byte[] le32(int v) { return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)}; }

    private static Errno errno(Runnable r) { return Errno.of(catchThrowableOfType(ErrnoException.class, r::run).errnoNumber()).orElseThrow(); }

    @Test
    void arrayLookupBatchesGoByIndexAndEndWithTheLastPartialBatch() {
        try (MapFixture f = new MapFixture(2); BpfMap m = f.create(MapSpec.of("a", MapType.ARRAY, 4, 4, 5))) {
            assertThat(m.updateBatch(List.of(le32(4), le32(0)), List.of(le32(40), le32(10)), 0)).isEqualTo(2);
            Batch first = m.lookupBatch(Optional.empty(), 3, 0);
            assertThat(first.keys()).containsExactly(le32(0), le32(1), le32(2));
            assertThat(first.values()).containsExactly(le32(10), le32(0), le32(0));
            assertThat(first.done()).isFalse();
            Batch second = m.lookupBatch(first.next(), 3, 0);
            assertThat(second.keys()).containsExactly(le32(3), le32(4));
            assertThat(second.values()).containsExactly(le32(0), le32(40));
            assertThat(second.done()).isTrue();
            assertThat(errno(() -> m.deleteBatch(List.of(le32(0)), 0))).isEqualTo(Errno.ENOTSUPP);
            assertThat(errno(() -> m.lookupAndDeleteBatch(Optional.empty(), 1, 0))).isEqualTo(Errno.ENOTSUPP);
            assertThat(errno(() -> m.lookupBatch(Optional.empty(), 1, MapFlags.BPF_F_LOCK))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> m.updateBatch(List.of(le32(0)), List.of(le32(1)), MapFlags.BPF_NOEXIST))).isEqualTo(Errno.EINVAL);
            // the first failing element stops the batch: the ones before it are written
            BpfMapException e = catchThrowableOfType(BpfMapException.class,
                    () -> m.updateBatch(List.of(le32(1), le32(5), le32(2)), List.of(le32(11), le32(55), le32(22)), 0));
            assertThat(e.errno()).isEqualTo(Errno.E2BIG);
            assertThat(e.getMessage()).endsWith("(update_batch: element 1; 1 of 3 written)");
            assertThat(m.lookup(le32(1))).hasValue(le32(11));
            assertThat(m.lookup(le32(2))).hasValue(le32(0));
        }
    }

    @Test
    void hashLookupAndDeleteBatchesEmptyTheMap() {
        try (MapFixture f = new MapFixture(2); BpfMap m = f.create(MapSpec.of("h", MapType.HASH, 4, 8, 64))) {
            List<byte[]> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                keys.add(le32(i * 7));
                values.add(new byte[] {(byte) i, 0, 0, 0, 0, 0, 0, 1});
            }
            m.updateBatch(keys, values, 0);
            assertThat(m.lookupAll(4)).extracting(e -> HexFormat.of().formatHex(e.key()))
                    .containsExactlyInAnyOrderElementsOf(keys.stream().map(HexFormat.of()::formatHex).toList());
            List<MapEntry> taken = new ArrayList<>();
            Optional<BatchCursor> cursor = Optional.empty();
            do {
                Batch b = m.lookupAndDeleteBatch(cursor, 3, 0);
                assertThat(b.keys().size()).isLessThanOrEqualTo(3);
                for (int i = 0; i < b.keys().size(); i++) taken.add(new MapEntry(b.keys().get(i), b.values().get(i)));
                cursor = b.next();
            } while (cursor.isPresent());
            assertThat(taken).hasSize(10);
            assertThat(m.keys()).isEmpty();
            assertThat(m.lookupBatch(Optional.empty(), 2, 0).done()).isTrue();
            assertThat(errno(() -> m.deleteBatch(List.of(le32(1)), 0))).isEqualTo(Errno.ENOENT);
        }
    }

    @Test
    void perCpuBatchValuesAreEveryCpusValueRoundedUpToEightBytes() {
        try (MapFixture f = new MapFixture(3); BpfMap m = f.create(MapSpec.of("p", MapType.PERCPU_HASH, 4, 4, 8))) {
            byte[] all = new byte[24];
            all[0] = 1;
            all[8] = 2;
            all[16] = 3;
            m.updateBatch(List.of(le32(9)), List.of(all), 0);
            Batch b = m.lookupBatch(Optional.empty(), 4, 0);
            assertThat(b.values()).containsExactly(all);
            assertThat(m.lookupPerCpu(le32(9)).orElseThrow()).containsExactly(new byte[] {1, 0, 0, 0}, new byte[] {2, 0, 0, 0},
                    new byte[] {3, 0, 0, 0});
        }
    }

    @Test
    void aRingBufferIsReadByCallbackAndStreamAndOtherMapsAreNotRings() {
        try (MapFixture f = new MapFixture(1); BpfMap m = f.create(MapSpec.of("h", MapType.HASH, 4, 4, 4))) {
            assertThat(catchThrowableOfType(IllegalArgumentException.class, m::openRingBuffer)).hasMessage("map h is a HASH map, not a ring buffer");
        }
        try (MapFixture f = new MapFixture(1); BpfMap m = f.create(MapSpec.of("r", MapType.RINGBUF, 0, 0, 4096));
             RingReader reader = m.openRingBuffer()) {
            assertThat(reader.consume(r -> { })).isZero();
            assertThat(reader.stream(java.time.Duration.ofMillis(1)).count()).isZero();
        }
    }
}

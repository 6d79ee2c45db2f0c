package org.bpf4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.maps.Errno;
import org.junit.jupiter.api.Test;

/** A long repeat tells how far it got after every 2^20 runs, and an interrupt stops it there with EINTR, as a signal stops the kernel's. */
class RepeatProgressTest {
    private static final Path OBJECT = Path.of("src/test/resources/bpf/rejected_sibling.bpf.o");
    private static final int CHUNK = 1 << 20;

    @Test
    void progressIsReportedBetweenChunksAndAnInterruptStopsTheRuns() throws IOException {
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1))) {
            LoadedProgram good = runtime.load(BpfObject.open(OBJECT), RejectedPrograms.SKIP).program("good").orElseThrow();
            List<long[]> reports = new ArrayList<>();
            TestRunResult r = good.testRun(TestRun.of(new byte[64]).withRepeat(3 * CHUNK + 5), (done, total, ns) -> reports.add(new long[] {done, total}));
            assertThat(r.retval()).isEqualTo(3);
            assertThat(reports).extracting(a -> a[0]).containsExactly((long) CHUNK, 2L * CHUNK, 3L * CHUNK);
            assertThat(reports).extracting(a -> a[1]).containsOnly(3L * CHUNK + 5);

            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> good.testRun(TestRun.of(new byte[64]).withRepeat(2 * CHUNK), RepeatProgress.NONE))
                    .isInstanceOfSatisfying(TestRunException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINTR))
                    .hasMessageContaining("interrupted after " + CHUNK + " of " + 2 * CHUNK + " runs");
            assertThat(Thread.interrupted()).as("the interrupt was taken").isFalse();
            assertThat(good.testRun(TestRun.of(new byte[64]).withRepeat(CHUNK)).retval()).as("a repeat of one chunk checks nothing").isEqualTo(3);
        }
    }
}

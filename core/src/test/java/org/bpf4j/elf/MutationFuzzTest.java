package org.bpf4j.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.bpf4j.testing.SharedData;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutations of real objects: whatever the bytes, the loader either loads them or throws
 * {@link ObjectFormatException}, and does so quickly. The seeds are fixed, so a failure reproduces.
 */
class MutationFuzzTest {

    /** The project's own objects, always there: BTF-defined maps, externs, CO-RE, many program types. */
    private static final String[] OWN_SEEDS = {
        "features.bpf.o", "externs.bpf.o", "core_kernel.bpf.o", "progtypes.bpf.o",
    };
    private static final String[] EXAMPLE_SEEDS = {"xdp/firewall.bpf.o", "xdp/events.bpf.o", "tc/classifier.bpf.o"};
    /** Objects built by others (legacy maps, maps of maps, old section names), when the corpus is given. */
    private static final String[] CORPUS_SEEDS = {
        "build/bpf2bpf.o", "build/prog_array.o", "build/map_in_map_legacy.o", "build/global_variable.o",
        "linux/sockex1_kern.o", "cilium-examples/kprobe_bpf_bpfel.o", "linux/tcbpf1_kern.o",
    };
    /** Raise with -Dbpf4j.fuzz.cases=N for a longer campaign. */
    private static final int CASES_PER_SEED = Integer.getInteger("bpf4j.fuzz.cases", 1500);

    @Test
    void mutatedObjectsLoadOrFailWithObjectFormatExceptionOnly() throws IOException {
        List<byte[]> originals = new ArrayList<>();
        for (String own : OWN_SEEDS) originals.add(TestObjects.bytes(own));
        Path examples = Path.of(System.getProperty("bpf4j.root", "..")).resolve("examples");
        for (String example : EXAMPLE_SEEDS) originals.add(Files.readAllBytes(examples.resolve(example)));
        Optional<Path> corpus = SharedData.find("corpus", "the corpus objects among the mutation fuzz test's seeds");
        if (corpus.isPresent()) for (String s : CORPUS_SEEDS) originals.add(Files.readAllBytes(corpus.get().resolve(s)));
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(Math.max(120, CASES_PER_SEED / 50)), () -> {
            for (int seed = 0; seed < originals.size(); seed++) {
                byte[] original = originals.get(seed);
                for (int c = 0; c < CASES_PER_SEED; c++) {
                    long caseSeed = seed * 1_000_003L + c;
                    byte[] mutated = mutate(original, new Random(caseSeed));
                    try {
                        BpfObject.parse("fuzz-" + caseSeed, mutated);
                        outcome[0]++;
                    } catch (ObjectFormatException e) {
                        assertThat(e.getMessage()).startsWith("fuzz-" + caseSeed + ": ").doesNotContain("\n");
                        outcome[1]++;
                    } catch (Throwable t) {
                        throw new AssertionError("case " + caseSeed + " (seed object " + seed + ") escaped with " + t, t);
                    }
                }
            }
        });
        // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
        assertThat(outcome[0]).isGreaterThan(100);
        assertThat(outcome[1]).isGreaterThan(100);
    }

    /** One of several mutations; header fields get extra attention because every offset lives there. */
    static byte[] mutate(byte[] original, Random r) {
        byte[] b = original.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = bb.getLong(0x28);
        int shnum = bb.getShort(0x3c) & 0xffff;
        switch (r.nextInt(8)) {
            case 0 -> { // flip a few random bits anywhere
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> { // truncate
                return java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 2 -> { // an extreme value into a section header field
                if (shnum == 0 || shoff <= 0 || shoff + 64L * shnum > b.length) break;
                int at = (int) shoff + 64 * r.nextInt(shnum) + 4 * r.nextInt(16);
                putInt(b, at, extreme(r));
            }
            case 3 -> { // an extreme value into the ELF header
                putInt(b, r.nextInt(16) * 4, extreme(r));
            }
            case 4 -> { // random bytes into a random run
                int at = r.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + r.nextInt(32));
                for (int i = 0; i < len; i++) b[at + i] = (byte) r.nextInt(256);
            }
            case 6, 7 -> { // inside one section's contents: symbols, relocations, BTF, map definitions
                if (shnum == 0 || shoff <= 0 || shoff + 64L * shnum > b.length) break;
                int h = (int) shoff + 64 * r.nextInt(shnum);
                long off = bb.getLong(h + 0x18), size = bb.getLong(h + 0x20);
                if (off < 0 || size <= 0 || off + size > b.length) break;
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    int at = (int) (off + r.nextLong(size));
                    if (r.nextBoolean()) b[at] ^= (byte) (1 << r.nextInt(8));
                    else putInt(b, at & ~3, extreme(r));
                }
            }
            default -> { // extreme 32-bit values at aligned positions (symbols, relocations, BTF fields)
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) putInt(b, (r.nextInt(b.length / 4)) * 4, extreme(r));
            }
        }
        return b;
    }

    private static int extreme(Random r) {
        int[] values = {0, 1, -1, 0x7fffffff, 0x80000000, 0xffff, 0x10000, 8, 24, 64, 0x1000000};
        return r.nextInt(4) == 0 ? r.nextInt() : values[r.nextInt(values.length)];
    }

    private static void putInt(byte[] b, int at, int v) {
        if (at < 0 || at + 4 > b.length) return;
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
        b[at + 2] = (byte) (v >> 16);
        b[at + 3] = (byte) (v >> 24);
    }
}

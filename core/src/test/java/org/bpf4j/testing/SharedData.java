package org.bpf4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.opentest4j.TestAbortedException;

/**
 * The suites that come from elsewhere: the eBPF ISA conformance suite and the corpus of real-world objects
 * with the kernel's verdicts. They are not part of a clone; they run when their folder is given
 * ({@code -Dbpf4j.shared=DIR}, or {@code BPF4J_SHARED=DIR} for {@code ./test.sh}; the build also looks for
 * {@code ../shared} beside the checkout) and are skipped, with one line that says what and how to run it,
 * when it is not. The project's own tests never need them.
 */
public final class SharedData {
    private SharedData() {}

    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    /** The eBPF ISA conformance suite's {@code .data} files. */
    public static Path conformanceTests() {
        return require("conformance/tests", "the eBPF ISA conformance suite");
    }

    /** The corpus of real-world objects ({@code corpus/README.md} says what is there). */
    public static Path corpus() {
        return require("corpus", "the corpus of real-world objects");
    }

    /** The folder {@code sub} of the shared data, or the calling test is skipped with a line saying why. */
    public static Path require(String sub, String what) {
        return find(sub, what).orElseThrow(() -> new TestAbortedException(missing(sub, what)));
    }

    /** The folder {@code sub} of the shared data when it is there; when not, says once what is left out. */
    public static Optional<Path> find(String sub, String what) {
        String given = System.getProperty("bpf4j.shared", "");
        Path dir = given.isEmpty() ? null : Path.of(given, sub);
        if (dir != null && Files.isDirectory(dir)) return Optional.of(dir);
        String why = missing(sub, what);
        if (REPORTED.add(why)) System.out.println(why);
        return Optional.empty();
    }

    private static String missing(String sub, String what) {
        String given = System.getProperty("bpf4j.shared", "");
        return "skipped: " + what + ": no " + sub + "/ in the shared test data "
                + (given.isEmpty() ? "(bpf4j.shared is not set)" : "at " + Path.of(given).toAbsolutePath().normalize())
                + "; run with -Dbpf4j.shared=DIR or BPF4J_SHARED=DIR ./test.sh";
    }
}

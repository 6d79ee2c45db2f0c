package org.bpf4j.elf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bpf4j.testing.SharedData;

/** The shared corpus of real objects and the kernel's verdicts on them (see corpus/README.md). */
final class Corpus {

    private Corpus() {}

    static Path root() {
        return SharedData.corpus();
    }

    /** Every file of the corpus (objects and the malformed ones), relative paths, sorted. */
    static List<String> files(String... folders) {
        Path root = root();
        List<String> out = new ArrayList<>();
        for (String folder : folders) {
            try (Stream<Path> s = Files.list(root.resolve(folder))) {
                s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".json"))
                        .forEach(p -> out.add(folder + "/" + p.getFileName()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.sort(null);
        return out;
    }

    /** One line of kernel-verdicts.jsonl. */
    record Verdict(String object, String section, String program, String progType, int insns, String verdict, String message) {}

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":\\s*(null|-?\\d+|\"((?:[^\"\\\\]|\\\\.)*)\")");

    static List<Verdict> verdicts() {
        List<Verdict> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(root().resolve("kernel-verdicts.jsonl"))) {
                if (line.isBlank()) continue;
                Map<String, String> f = new HashMap<>();
                Matcher m = FIELD.matcher(line);
                while (m.find()) f.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(2).equals("null") ? null : m.group(2));
                String insns = f.get("insns");
                out.add(new Verdict(f.get("object"), f.get("section"), f.get("program"), f.get("prog_type"),
                        insns == null ? -1 : Integer.parseInt(insns), f.get("verdict"), f.get("message")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}

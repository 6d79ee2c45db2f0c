package org.bpf4j.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The corpus of real objects against what the kernel saw in them. */
class CorpusTest {

    private final Map<String, Object> cache = new HashMap<>();

    /** The parsed object, or the ObjectFormatException it fails with. */
    private Object load(String object) {
        return cache.computeIfAbsent(object, o -> {
            try {
                return BpfObject.open(Corpus.root().resolve(o));
            } catch (ObjectFormatException e) {
                return e;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void everyProgramTheKernelLoadedIsFoundWithTheSameSectionNameSizeAndType() {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Corpus.Verdict v : Corpus.verdicts()) {
            if (v.verdict().equals("unloadable")) continue;
            checked++;
            Object o = load(v.object());
            if (o instanceof ObjectFormatException e) {
                problems.add(v.object() + ": " + e.getMessage());
                continue;
            }
            BpfObject obj = (BpfObject) o;
            Optional<ProgramSpec> p = obj.programs().stream()
                    .filter(x -> x.name().equals(v.program()) && x.sectionName().equals(v.section())).findFirst();
            if (p.isEmpty()) {
                problems.add(v.object() + ": no program " + v.section() + "/" + v.program() + " among "
                        + obj.programs().stream().map(x -> x.sectionName() + "/" + x.name()).toList());
                continue;
            }
            if (p.get().program().size() != v.insns()) {
                problems.add(v.object() + " " + v.program() + ": " + p.get().program().size() + " insns, kernel saw " + v.insns());
            }
            String type = p.get().type().name().toLowerCase(Locale.ROOT);
            if (!type.equals(v.progType())) problems.add(v.object() + " " + v.section() + " " + v.program() + ": type " + type + ", kernel loaded as " + v.progType());
        }
        assertThat(checked).isGreaterThan(200);
        assertThat(problems).isEmpty();
    }
}

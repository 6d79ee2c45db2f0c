package org.bpf4j.btf.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.isa.Insn;

/** Test objects from src/test/resources/bpf (see build.sh there) and ways to look at resolutions. */
final class CoreObjects {
    private CoreObjects() {}

    static byte[] bytes(String name) {
        try (InputStream in = CoreObjects.class.getResourceAsStream("/bpf/" + name)) {
            if (in == null) throw new IllegalStateException("no test object /bpf/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BpfObject load(String name) {
        return BpfObject.parse(name, bytes(name));
    }

    static ProgramSpec program(BpfObject obj, String name) {
        return obj.program(name).orElseThrow(() -> new AssertionError("no program " + name));
    }

    /** What each relocation came to, by description without the access string: "poison" or the value; several when they disagree. */
    static Map<String, String> outcomes(List<CoreRelocator.Resolution> resolutions) {
        Map<String, TreeSet<String>> m = new LinkedHashMap<>();
        for (CoreRelocator.Resolution r : resolutions) {
            String d = r.description();
            String key = d.substring(0, d.lastIndexOf(" ("));
            m.computeIfAbsent(key, k -> new TreeSet<>()).add(r.poisoned() ? "poison" : Long.toString(r.targetValue()));
        }
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, String.join("|", v)));
        return out;
    }

    static boolean isPoison(Insn insn) {
        return insn.equals(Insn.call(CoreRelocator.POISON_HELPER));
    }
}

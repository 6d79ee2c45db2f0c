package org.bpf4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The API is the exported packages of module-info.java: a deliberate list, with the engines' implementations out of it. */
class ModuleSurfaceTest {

    @Test
    void theExportedPackagesAreTheApiAndTheEnginesStayInside() {
        Module core = Engine.class.getModule();
        Assumptions.assumeTrue(core.isNamed(), "tests run on the class path: no module descriptor to check");
        TreeMap<String, Set<String>> exports = core.getDescriptor().exports().stream()
                .collect(Collectors.toMap(ModuleDescriptor.Exports::source, ModuleDescriptor.Exports::targets, (a, b) -> a, TreeMap::new));
        assertThat(exports.keySet()).containsExactly("org.bpf4j.api", "org.bpf4j.asm", "org.bpf4j.btf", "org.bpf4j.btf.core",
                "org.bpf4j.conformance", "org.bpf4j.elf", "org.bpf4j.engine", "org.bpf4j.helpers", "org.bpf4j.isa",
                "org.bpf4j.link", "org.bpf4j.maps", "org.bpf4j.mem", "org.bpf4j.pcap", "org.bpf4j.progtype",
                "org.bpf4j.runtime", "org.bpf4j.verifier");
        assertThat(exports.get("org.bpf4j.conformance")).containsExactly("org.bpf4j.cli");
        assertThat(core.isExported("org.bpf4j.interp")).isFalse();
        assertThat(core.isExported("org.bpf4j.jit")).isFalse();
    }
}

/**
 * bpf4j's core: eBPF objects loaded, verified and run inside the JVM. The exported packages are the API;
 * the two engines' implementations ({@code interp}, {@code jit}) are reached through
 * {@link org.bpf4j.engine.Engine}.
 */
module org.bpf4j.core {
    exports org.bpf4j.api;
    exports org.bpf4j.asm;
    exports org.bpf4j.btf;
    exports org.bpf4j.btf.core;
    exports org.bpf4j.conformance to org.bpf4j.cli;
    exports org.bpf4j.elf;
    exports org.bpf4j.engine;
    exports org.bpf4j.helpers;
    exports org.bpf4j.isa;
    exports org.bpf4j.link;
    exports org.bpf4j.maps;
    exports org.bpf4j.mem;
    exports org.bpf4j.pcap;
    exports org.bpf4j.progtype;
    exports org.bpf4j.runtime;
    exports org.bpf4j.verifier;
}

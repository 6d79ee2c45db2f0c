/** bpf4j's kernel backend: the same objects loaded into Linux through {@code bpf(2)}, called with the FFM API. */
module org.bpf4j.linux {
    requires transitive org.bpf4j.core;

    exports org.bpf4j.linux;
}

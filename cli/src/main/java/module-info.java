/** The {@code bpf4j} command. picocli reads and sets the commands' annotated fields reflectively. */
module org.bpf4j.cli {
    requires org.bpf4j.core;
    requires org.bpf4j.linux;
    requires info.picocli;
    requires jdk.jfr; // prog run --repeat: warm-up watches the JIT's compilations

    opens org.bpf4j.cli to info.picocli;
}

package org.bpf4j.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An object loaded into either backend, its programs and maps by name ({@code org.bpf4j.runtime.LoadedObject}
 * in the JVM, {@code org.bpf4j.linux.KernelObject} in the kernel): cilium/ebpf's {@code ebpf.Collection}.
 * Code written against it moves between the backends by changing the line that loads the object.
 */
public interface ObjectHandle extends AutoCloseable {

    /** The programs by ELF symbol name, in the object's order. */
    Map<String, ? extends ProgramHandle> programs();

    Optional<? extends ProgramHandle> program(String name);

    /** The maps by ELF name (global data by section name), in the object's order. */
    Map<String, ? extends MapHandle> maps();

    Optional<? extends MapHandle> map(String name);

    /** The program named {@code name}, or an {@link IllegalArgumentException} that lists the object's programs. */
    default ProgramHandle requireProgram(String name) {
        return program(name).orElseThrow(() -> new IllegalArgumentException("no program " + name + " in the object; it has "
                + String.join(", ", programs().keySet())));
    }

    /** The map named {@code name}, or an {@link IllegalArgumentException} that lists the object's maps. */
    default MapHandle requireMap(String name) {
        return map(name).orElseThrow(() -> new IllegalArgumentException("no map " + name + " in the object; it has "
                + String.join(", ", maps().keySet())));
    }

    /**
     * Attaches every program whose section names its hook, as libbpf's skeleton attach does; on a failure the
     * links made so far are closed.
     *
     * @throws UnsupportedOperationException in a backend without live hooks (the JVM's)
     */
    default List<? extends LinkHandle> attachAll(Optional<String> interfaceName) {
        throw new UnsupportedOperationException("the in-JVM runtime has no live hooks to attach "
                + programs().keySet().stream().collect(Collectors.joining(", ")) + " to: load the object with"
                + " org.bpf4j.linux.KernelObject.load to attach it in the kernel");
    }

    /** Releases the programs and maps (links made from them stay until closed). */
    @Override
    void close();
}

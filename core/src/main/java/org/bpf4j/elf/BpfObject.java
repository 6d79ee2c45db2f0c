package org.bpf4j.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.btf.Btf;

/**
 * A clang-compiled eBPF object, read with libbpf's conventions: its programs (linked with their
 * subprograms), its maps (BTF-defined, legacy and global data), its license and kernel version, its
 * BTF. Immutable: a runtime creates maps and loads programs from it, and can do so many times.
 *
 * @param name the object's name (file name for {@link #open})
 * @param license the {@code license} section's string, empty when the object has none
 * @param kernelVersion the {@code version} section's value, 0 when absent (as libbpf defaults it)
 * @param programs the programs, in section then symbol order
 * @param maps the maps: BTF-defined and legacy ones first, then global data
 * @param btf the object's {@code .BTF}, when it has one
 * @param warnings what the loader accepted but changed or guessed, one line each (an unknown map
 *        pinning loaded unpinned, an {@code EM_NONE} header): tools print them, as libbpf and
 *        iproute2 print theirs on stderr
 */
public record BpfObject(String name, String license, int kernelVersion, List<ProgramSpec> programs, List<MapDefinition> maps,
                        Optional<Btf> btf, List<String> warnings) {

    public BpfObject {
        Objects.requireNonNull(name);
        Objects.requireNonNull(license);
        Objects.requireNonNull(btf);
        programs = List.copyOf(programs);
        maps = List.copyOf(maps);
        warnings = List.copyOf(warnings);
    }

    /** An object without warnings (built in code rather than read from a file). */
    public BpfObject(String name, String license, int kernelVersion, List<ProgramSpec> programs, List<MapDefinition> maps,
                     Optional<Btf> btf) {
        this(name, license, kernelVersion, programs, maps, btf, List.of());
    }

    /**
     * Reads and parses an object file.
     *
     * @throws ObjectFormatException when the file is malformed or uses what this loader refuses
     * @throws IOException when the file cannot be read
     */
    public static BpfObject open(Path path) throws IOException {
        return open(path, OpenOptions.defaults());
    }

    /**
     * As {@link #open(Path)}, with {@code options} deciding what the file cannot say (the program type
     * of sections libbpf does not name, as {@code bpftool prog load ... type TYPE}).
     *
     * @throws ObjectFormatException when the file is malformed or uses what this loader refuses
     * @throws IOException when the file cannot be read
     */
    public static BpfObject open(Path path, OpenOptions options) throws IOException {
        Objects.requireNonNull(options);
        Path file = path.getFileName();
        String name = file == null ? path.toString() : file.toString();
        byte[] data;
        try (var in = Files.newInputStream(path)) {
            data = in.readNBytes(MAX_OBJECT + 1); // bounded: a device or pipe that never ends is refused, not read forever
        }
        if (data.length > MAX_OBJECT) throw new ObjectFormatException(name + ": larger than " + MAX_OBJECT + " bytes, not an eBPF object");
        return parse(name, data, options);
    }

    /** Far above any real object (Cilium's largest are a few MiB). */
    static final int MAX_OBJECT = 256 << 20;

    /**
     * Parses an object from its bytes; {@code name} names it in error messages and hints the program
     * type of sections nobody names (an object called {@code tc_*} holds tc programs).
     *
     * @throws ObjectFormatException when the bytes are malformed or use what this loader refuses
     */
    public static BpfObject parse(String name, byte[] data) {
        return parse(name, data, OpenOptions.defaults());
    }

    /**
     * As {@link #parse(String, byte[])}, with {@code options} deciding program types.
     *
     * @throws ObjectFormatException when the bytes are malformed or use what this loader refuses
     */
    public static BpfObject parse(String name, byte[] data, OpenOptions options) {
        Objects.requireNonNull(options);
        return new ObjectLoader(name, data.clone(), options).load();
    }

    /** The program with this (symbol) name. */
    public Optional<ProgramSpec> program(String programName) {
        return programs.stream().filter(p -> p.name().equals(programName)).findFirst();
    }

    /** The map with this name (symbol name, or section name for global data). */
    public Optional<MapDefinition> map(String mapName) {
        return maps.stream().filter(m -> m.name().equals(mapName)).findFirst();
    }
}

package org.bpf4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ObjectFormatException;
import org.bpf4j.elf.OpenOptions;
import org.bpf4j.elf.ProgramSpec;

/** Opening objects and choosing programs, with one-line errors for what the user must fix. */
final class Objects {
    private Objects() {}

    /** {@code --flags}: the kernel's BPF_F_* names joined by {@code |}, or a number. */
    static int progFlags(String text) {
        try {
            return org.bpf4j.progtype.ProgFlag.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--flags: " + e.getMessage());
        }
    }

    static BpfObject open(Path path, OpenOptions options) {
        if (Files.isDirectory(path)) throw new UserInputException(path + ": is a directory, not an eBPF object");
        try {
            return BpfObject.open(path, options);
        } catch (NoSuchFileException e) {
            throw new UserInputException(path + ": no such file");
        } catch (IOException e) {
            throw new UserInputException(path + ": cannot read: " + e.getMessage());
        } catch (ObjectFormatException e) {
            throw new UserInputException(e.getMessage());
        }
    }

    /** The named program, or the object's first when {@code name} is null. */
    static ProgramSpec program(BpfObject object, String name) {
        if (name == null) {
            if (object.programs().isEmpty()) throw new UserInputException(object.name() + ": the object has no programs");
            return object.programs().getFirst();
        }
        return object.program(name).orElseThrow(() -> new UserInputException(object.name() + ": no program named '" + name
                + "' (programs: " + String.join(", ", object.programs().stream().map(ProgramSpec::name).toList()) + ")"));
    }

    /** {@code --btf FILE} read (or, when null, the running kernel's BTF if there is one). */
    static java.util.Optional<org.bpf4j.btf.Btf> targetBtf(Path btf) {
        try {
            return org.bpf4j.btf.core.CoreRelocator.targetBtf(java.util.Optional.ofNullable(btf));
        } catch (java.io.UncheckedIOException | org.bpf4j.btf.BtfFormatException e) {
            throw new UserInputException("--btf: " + e.getMessage());
        }
    }
}

package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.linux.BpfException;
import org.bpf4j.linux.KernelLoadException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelObjects;
import org.bpf4j.linux.KernelProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bpf4j prog load OBJ PINDIR [--pinmaps DIR]}: every program of the object loaded into the kernel and
 * pinned as {@code PINDIR/NAME}, as {@code bpftool prog loadall} does; the pins keep them loaded after bpf4j exits.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Load every program of OBJ into the kernel and pin each as PINDIR/NAME (bpftool prog loadall); "
                + "--pinmaps pins the maps too. Remove the pins to unload.")
final class ProgLoadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ObjectOptions objectOptions = new ObjectOptions();

    @Parameters(index = "0", paramLabel = "OBJ", description = "An eBPF ELF object.")
    Path object;

    @Parameters(index = "1", paramLabel = "PINDIR", description = "A directory in a bpffs (created if absent), e.g. /sys/fs/bpf/myprog.")
    Path pinDir;

    @Option(names = "--pinmaps", paramLabel = "DIR", description = "Pin the object's maps as DIR/NAME too.")
    Path mapDir;

    @Option(names = {"-j", "--json"}, description = "Print JSON: the programs and maps with their ids and pins.")
    boolean json;

    @Override
    public Integer call() {
        BpfObject obj = objectOptions.open(object, spec.commandLine().getErr());
        if (obj.programs().isEmpty()) throw new UserInputException(object + ": the object has no programs");
        KernelRefs.kernel(() -> true); // the kernel's availability, before anything is created
        KernelRefs.requireBpffs(pinDir);
        if (mapDir != null) KernelRefs.requireBpffs(mapDir);
        directory(pinDir);
        if (mapDir != null) directory(mapDir);
        List<Path> pins = new ArrayList<>();
        List<Map<String, Object>> programs = new ArrayList<>(), maps = new ArrayList<>();
        try (KernelObject loaded = load(obj)) {
            for (Map.Entry<String, KernelProgram> p : loaded.programs().entrySet()) {
                Path pin = pin(pinDir, p.getKey(), pins, p.getValue()::pin);
                programs.add(entry(p.getKey(), KernelRefs.kernel(() -> KernelObjects.pinnedProgram(pin).id()), pin));
            }
            if (mapDir != null) {
                for (Map.Entry<String, KernelMap> m : loaded.maps().entrySet()) {
                    Path pin = pin(mapDir, m.getKey(), pins, m.getValue()::pin);
                    maps.add(entry(m.getKey(), m.getValue().id(), pin));
                }
            }
        } catch (RuntimeException e) {
            // all or nothing: what was pinned goes, and closing the object unloads the rest
            for (Path p : pins) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // the pin's directory went away with it
                }
            }
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("programs", programs);
            root.put("maps", maps);
            out.println(Json.write(root));
        } else {
            for (Map<String, Object> p : programs) out.printf("program %s  id %s  pinned %s%n", p.get("name"), p.get("id"), p.get("pinned"));
            for (Map<String, Object> m : maps) out.printf("map %s  id %s  pinned %s%n", m.get("name"), m.get("id"), m.get("pinned"));
        }
        out.flush();
        return 0;
    }

    private KernelObject load(BpfObject obj) {
        try {
            return KernelObject.load(obj, Optional.empty());
        } catch (KernelLoadException e) {
            throw new UserInputException(object + ": the kernel refuses it: " + e.getMessage());
        } catch (BpfException | IllegalArgumentException e) {
            throw new UserInputException(object + ": " + e.getMessage());
        }
    }

    private interface Pinner {
        void pin(Path path);
    }

    private static Path pin(Path dir, String name, List<Path> pins, Pinner pinner) {
        Path pin = dir.resolve(name);
        if (Files.exists(pin)) throw new UserInputException(pin + " exists already: remove it or choose another directory");
        KernelRefs.kernelRun(() -> pinner.pin(pin));
        pins.add(pin);
        return pin;
    }

    private static Map<String, Object> entry(String name, int id, Path pin) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("id", id);
        m.put("pinned", pin.toString());
        return m;
    }

    /** The pin directory, made when absent. */
    private static void directory(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UserInputException(dir + ": not a directory");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot create the pin directory: " + e.getMessage());
        }
    }
}

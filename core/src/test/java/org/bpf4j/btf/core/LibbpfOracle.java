package org.bpf4j.btf.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfExt.CoreRelocation;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.isa.Insn;

/**
 * libbpf itself, as the reference: src/test/resources/core/libbpf_core_oracle.c compiled against the
 * host's libbpf opens an object (optionally with a custom target BTF) and loads it with no map created;
 * its debug log says how libbpf patched each CO-RE relocation, which {@link #compare} checks ours against.
 * Needs a C compiler, libbpf's headers and library, and root (libbpf probes the bpf syscall first).
 */
final class LibbpfOracle {

    private final Path executable;

    private LibbpfOracle(Path executable) {
        this.executable = executable;
    }

    /** The compiled oracle, or why it is not available here. */
    static Object build(Path dir) {
        if (!Files.exists(Path.of("/usr/include/bpf/libbpf.h"))) return "libbpf's headers are not installed (apt-get install libbpf-dev)";
        if (!isRoot()) return "not running as root: libbpf cannot probe the bpf syscall";
        try (InputStream in = LibbpfOracle.class.getResourceAsStream("/core/libbpf_core_oracle.c")) {
            Path src = dir.resolve("libbpf_core_oracle.c");
            Files.write(src, in.readAllBytes());
            Path exe = dir.resolve("oracle");
            Process p = new ProcessBuilder("cc", "-O1", "-o", exe.toString(), src.toString(), "-lbpf").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) return "cannot compile the libbpf oracle: " + out.strip();
            return new LibbpfOracle(exe);
        } catch (IOException e) {
            return "cannot compile the libbpf oracle: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[1].equals("0");
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** What libbpf did at one instruction of one of its programs (a main program or a subprogram). */
    static final class Patch {
        Long imm, off, memSize, imm64;
        boolean poisoned;
    }

    /** libbpf's log of one object: patches by program name and instruction, and relocation failures. */
    record Log(Map<String, Map<Integer, Patch>> patches, List<String> failures, int coreLines, String text) {}

    private static final Pattern PATCHED = Pattern.compile(
            "prog '([^']+)': relo #\\d+: patched insn #(\\d+) \\([A-Z0-9/]+\\) (imm|off|mem_sz|imm64) (\\d+) -> (\\d+)");
    private static final Pattern POISONED = Pattern.compile("prog '([^']+)': relo #\\d+: substituting insn #(\\d+) w/ invalid insn");
    private static final Pattern FAILED = Pattern.compile("prog '([^']+)': relo #\\d+: failed to .*");

    Log run(Path object, Optional<Path> btf) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), object.toString()));
        btf.ifPresent(b -> cmd.add(b.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) throw new IOException("libbpf oracle hangs on " + object);
        Map<String, Map<Integer, Patch>> patches = new HashMap<>();
        List<String> failures = new ArrayList<>();
        int lines = 0;
        for (String line : out.split("\n")) {
            Matcher m;
            if ((m = PATCHED.matcher(line)).find()) {
                Patch patch = patches.computeIfAbsent(m.group(1), k -> new HashMap<>()).computeIfAbsent(Integer.parseInt(m.group(2)), k -> new Patch());
                long v = Long.parseUnsignedLong(m.group(5));
                switch (m.group(3)) {
                    case "imm" -> patch.imm = v;
                    case "off" -> patch.off = v;
                    case "mem_sz" -> patch.memSize = v;
                    default -> patch.imm64 = v;
                }
                lines++;
            } else if ((m = POISONED.matcher(line)).find()) {
                patches.computeIfAbsent(m.group(1), k -> new HashMap<>()).computeIfAbsent(Integer.parseInt(m.group(2)), k -> new Patch()).poisoned = true;
                lines++;
            } else if ((m = FAILED.matcher(line)).find()) {
                failures.add(line.strip());
                lines++;
            }
        }
        return new Log(patches, failures, lines, out);
    }

    /** The outcome of comparing one object: relocations compared, and disagreements. */
    record Comparison(int compared, List<String> problems) {}

    /**
     * Applies our relocator to every program of {@code obj} and checks each relocated instruction
     * against what libbpf did at the same place (subprograms by their own name, as libbpf relocates them).
     */
    static Comparison compare(BpfObject obj, Btf target, Log log) {
        List<String> problems = new ArrayList<>();
        int compared = 0;
        Btf local = obj.btf().orElseThrow();
        CoreRelocator relocator = new CoreRelocator(local, target);
        Map<String, java.util.Set<Integer>> ours = new HashMap<>();
        boolean weFailed = false;
        for (ProgramSpec spec : obj.programs()) {
            if (spec.coreRelocations().isEmpty()) continue;
            ProgramSpec out;
            try {
                out = relocator.apply(spec);
            } catch (CoreRelocationException e) {
                weFailed = true;
                if (log.failures().isEmpty()) problems.add(obj.name() + ": we refuse, libbpf does not: " + e.getMessage());
                continue;
            }
            for (CoreRelocation r : spec.coreRelocations()) {
                ProgramSpec.Subprogram sub = spec.subprograms().stream()
                        .filter(s -> s.start() <= r.insn() && r.insn() < s.start() + s.length()).findFirst().orElseThrow();
                int at = r.insn() - sub.start();
                ours.computeIfAbsent(sub.name(), k -> new java.util.HashSet<>()).add(at);
                Patch p = log.patches().getOrDefault(sub.name(), Map.of()).get(at);
                String where = obj.name() + " " + spec.name() + " insn " + r.insn() + " (" + sub.name() + " #" + at + ", " + r.kind()
                        + " " + r.accessString() + ")";
                if (p == null) {
                    problems.add(where + ": libbpf did not patch it");
                    continue;
                }
                compared++;
                Insn insn = out.program().get(r.insn());
                if (p.poisoned) {
                    if (!CoreObjects.isPoison(insn)) problems.add(where + ": libbpf poisoned it, we made " + insn);
                    continue;
                }
                if (CoreObjects.isPoison(insn)) {
                    problems.add(where + ": we poisoned it, libbpf did not");
                    continue;
                }
                if (p.imm != null && insn.imm() != (int) (long) p.imm) problems.add(where + ": imm " + insn.imm() + ", libbpf " + p.imm);
                if (p.off != null && insn.off() != (short) (long) p.off) problems.add(where + ": off " + insn.off() + ", libbpf " + p.off);
                if (p.imm64 != null && out.program().imm64(r.insn()) != p.imm64) {
                    problems.add(where + ": imm64 " + out.program().imm64(r.insn()) + ", libbpf " + p.imm64);
                }
                int size = switch (insn.opcode() & 0x18) { case 0x18 -> 8; case 0 -> 4; case 8 -> 2; default -> 1; };
                if (p.memSize != null && size != p.memSize) problems.add(where + ": size " + size + ", libbpf " + p.memSize);
                if (p.memSize == null && p.off != null && insn.opcode() != spec.program().get(r.insn()).opcode()) {
                    problems.add(where + ": we changed the opcode, libbpf did not");
                }
            }
        }
        if (!log.failures().isEmpty() && !weFailed) problems.add(obj.name() + ": libbpf refuses, we do not: " + log.failures());
        if (!weFailed) {
            log.patches().forEach((prog, byInsn) -> byInsn.forEach((insn, p) -> {
                boolean known = ours.getOrDefault(prog, java.util.Set.of()).contains(insn)
                        || ours.getOrDefault(prog, java.util.Set.of()).contains(insn - 1); // second slot of a poisoned lddw
                boolean ourProgram = obj.programs().stream().flatMap(s -> s.subprograms().stream()).anyMatch(s -> s.name().equals(prog));
                if (ourProgram && !known) problems.add(obj.name() + " " + prog + " #" + insn + ": libbpf patched it, we have no relocation there");
            }));
        }
        return new Comparison(compared, problems);
    }
}

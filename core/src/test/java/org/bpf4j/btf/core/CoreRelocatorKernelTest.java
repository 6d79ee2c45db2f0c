package org.bpf4j.btf.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfType;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ObjectFormatException;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.testing.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * core_kernel.bpf.o and the corpus against this machine's /sys/kernel/btf/vmlinux, with expectations
 * read from the kernel's BTF by walking its structs here (skipped where the kernel has no BTF).
 */
class CoreRelocatorKernelTest {

    private static Btf vmlinux;

    @BeforeAll
    static void kernelBtf() {
        assumeTrue(Files.isReadable(CoreRelocator.KERNEL_BTF), "skipped: no kernel BTF at " + CoreRelocator.KERNEL_BTF);
        vmlinux = CoreRelocator.targetBtf(Optional.empty()).orElseThrow();
    }

    static final BpfObject OBJ = CoreObjects.load("core_kernel.bpf.o");

    /** The member named {@code name} of struct {@code s}, anonymous members searched, with its bit offset from the struct. */
    private record Found(BtfType.Member member, long bitOffset) {}

    private static Found find(int structId, String name) {
        for (BtfType.Member m : CoreTypes.members(vmlinux.resolve(structId))) {
            if (m.name().equals(name)) return new Found(m, m.bitOffset());
            if (m.name().isEmpty()) {
                Found f = find(m.type(), name);
                if (f != null) return new Found(f.member(), m.bitOffset() + f.bitOffset());
            }
        }
        return null;
    }

    /** Byte offset of a member path such as {@code se.vruntime} from the start of {@code struct}. */
    private static long offsetOf(String struct, String path) {
        int id = vmlinux.typeByName(struct, BtfType.Struct.class).orElseThrow().id();
        long bits = 0;
        for (String name : path.split("\\.")) {
            Found f = find(id, name);
            if (f == null) throw new AssertionError("kernel struct has no " + path);
            bits += f.bitOffset();
            id = f.member().type();
        }
        return bits / 8;
    }

    private static long enumerator(String enumName, String name) {
        for (BtfType t : vmlinux.typesByName(enumName)) {
            for (BtfType.EnumValue v : CoreTypes.enumValues(t)) if (v.name().equals(name)) return v.value();
        }
        throw new AssertionError("no " + enumName + "::" + name);
    }

    @Test
    void directLoadsUseTheKernelsOffsetsAndSizes() {
        ProgramSpec spec = CoreObjects.program(OBJ, "direct");
        Map<String, String> o = CoreObjects.outcomes(new CoreRelocator(OBJ.btf().orElseThrow(), vmlinux).resolve(spec));
        assertThat(o).containsEntry("FIELD_BYTE_OFFSET of struct task_struct.pid", "" + offsetOf("task_struct", "pid"))
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct.se.vruntime", "" + offsetOf("task_struct", "se.vruntime"))
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct.se.vlag", "" + offsetOf("task_struct", "se.vlag"))
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct.comm[3]", "" + (offsetOf("task_struct", "comm") + 3))
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct.real_parent", "" + offsetOf("task_struct", "real_parent"))
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct.tgid", "" + offsetOf("task_struct", "tgid"))
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct___small.utime", "" + offsetOf("task_struct", "utime"))
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct___bad.prio", "" + offsetOf("task_struct", "prio"))
                .containsEntry("FIELD_EXISTS of struct task_struct___old.no_such_field", "0")
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct___old.no_such_field", "poison")
                .containsEntry("FIELD_EXISTS of struct task_struct___new.__state", "1")
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct___new.__state", "" + offsetOf("task_struct", "__state"))
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct___old.state", "poison");

        ProgramSpec out = CoreRelocator.apply(spec, OBJ.btf().orElseThrow(), vmlinux);
        for (CoreRelocator.Resolution r : new CoreRelocator(OBJ.btf().orElseThrow(), vmlinux).resolve(spec)) {
            var insn = out.program().get(r.relocation().insn());
            if (r.description().contains("utime")) {
                // u32 locally, u64 in the kernel: the load is widened
                assertThat(insn.opcode()).isEqualTo(Opcodes.CLASS_LDX | Opcodes.MODE_MEM | Opcodes.SIZE_DW);
                assertThat(insn.off()).isEqualTo((int) offsetOf("task_struct", "utime"));
            }
            if (r.description().contains("prio")) assertThat(CoreObjects.isPoison(insn)).as("signed load of another size").isTrue();
        }
    }

    @Test
    void probedReadsBitfieldsTypesAndEnumsUseTheKernelsValues() {
        ProgramSpec spec = CoreObjects.program(OBJ, "probed");
        Map<String, String> o = CoreObjects.outcomes(new CoreRelocator(OBJ.btf().orElseThrow(), vmlinux).resolve(spec));
        int task = vmlinux.typeByName("task_struct", BtfType.Struct.class).orElseThrow().id();
        Found execve = find(task, "in_execve");
        long bit = execve.bitOffset();
        int bits = execve.member().bitfieldSize();
        long byteSize = vmlinux.sizeof(execve.member().type());
        long byteOff = bit / 8 / byteSize * byteSize;
        assertThat(bit + bits - byteOff * 8).isLessThanOrEqualTo(byteSize * 8); // fits its own storage unit here
        assertThat(o).containsEntry("FIELD_BYTE_OFFSET of struct task_struct.pid", "" + offsetOf("task_struct", "pid"))
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct.in_execve", "" + byteOff)
                .containsEntry("FIELD_BYTE_SIZE of struct task_struct.in_execve", "" + byteSize)
                .containsEntry("FIELD_LSHIFT_U64 of struct task_struct.in_execve", "" + (64 - (bit + bits - byteOff * 8)))
                .containsEntry("FIELD_RSHIFT_U64 of struct task_struct.in_execve", "" + (64 - bits))
                .containsEntry("FIELD_SIGNED of struct task_struct.in_execve", "0")
                .containsEntry("FIELD_BYTE_SIZE of struct task_struct.comm", "16")
                .containsEntry("FIELD_BYTE_OFFSET of struct task_struct.se.vlag", "" + offsetOf("task_struct", "se.vlag"))
                .containsEntry("FIELD_SIGNED of struct task_struct.pid", "1")
                .containsEntry("FIELD_SIGNED of struct task_struct.flags", "0")
                .containsEntry("TYPE_EXISTS of struct task_struct", "1")
                .containsEntry("TYPE_EXISTS of struct bpf4j_no_such_type", "0")
                .containsEntry("TYPE_SIZE of struct task_struct", "" + vmlinux.sizeof(task))
                .containsEntry("TYPE_SIZE of struct bpf4j_no_such_type", "0")
                .containsEntry("TYPE_ID_TARGET of struct task_struct", "" + task)
                .containsEntry("TYPE_MATCHES of struct list_head", "1")
                .containsEntry("ENUMVAL_EXISTS of enum bpf_func_id::BPF_FUNC_ktime_get_ns", "1")
                .containsEntry("ENUMVAL_VALUE of enum bpf_func_id::BPF_FUNC_ktime_get_ns", "" + enumerator("bpf_func_id", "BPF_FUNC_ktime_get_ns"))
                .containsEntry("ENUMVAL_VALUE of enum pid_type___local::PIDTYPE_TGID___local", "" + enumerator("pid_type", "PIDTYPE_TGID"))
                .containsEntry("ENUMVAL_EXISTS of enum pid_type___local::PIDTYPE_NOPE___local", "0")
                .containsEntry("ENUMVAL_VALUE of enum pid_type___local::PIDTYPE_NOPE___local", "poison");
    }

    /** Every object of the corpus (but the malformed ones) that the ELF loader reads and that has CO-RE relocations. */
    static List<Path> corpusObjectsWithCoreRelocations(Path corpus) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(corpus)) {
            for (Path p : files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".o")).sorted().toList()) {
                if (p.startsWith(corpus.resolve("invalid"))) continue;
                try {
                    BpfObject obj = BpfObject.open(p);
                    if (obj.programs().stream().anyMatch(s -> !s.coreRelocations().isEmpty())) out.add(p);
                } catch (ObjectFormatException e) {
                    // not ours to judge here: CorpusTest covers what the loader refuses
                }
            }
        }
        return out;
    }

    @Test
    void everyCorpusRelocationResolvesAgainstThisKernel() throws IOException {
        Path corpus = SharedData.corpus();
        List<Path> objects = corpusObjectsWithCoreRelocations(corpus);
        assertThat(objects).isNotEmpty();
        int relocations = 0, poisoned = 0;
        for (Path p : objects) {
            BpfObject obj = BpfObject.open(p);
            CoreRelocator relocator = new CoreRelocator(obj.btf().orElseThrow(), vmlinux);
            for (ProgramSpec spec : obj.programs()) {
                for (CoreRelocator.Resolution r : relocator.resolve(spec)) {
                    relocations++;
                    if (r.poisoned() || r.failsSizeChange()) poisoned++;
                }
                ProgramSpec out = relocator.apply(spec);
                assertThat(out.coreRelocations()).isEmpty();
            }
        }
        assertThat(relocations).isGreaterThan(0);
        // the corpus programs are written for kernels like this one: nothing needs poisoning
        assertThat(poisoned).isZero();
    }
}

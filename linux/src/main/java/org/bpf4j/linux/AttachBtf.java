package org.bpf4j.linux;

import java.util.List;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfType;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.progtype.AttachType;

/**
 * The {@code attach_btf_id} a tracing, LSM or iterator program is loaded with: the vmlinux BTF type its
 * section's target names, found as libbpf's {@code find_attach_btf_id} finds it — {@code tp_btf/X} the
 * typedef {@code btf_trace_X}, {@code lsm/X} the function {@code bpf_lsm_X}, {@code iter/X} the function
 * {@code bpf_iter_X}, {@code fentry/X}, {@code fexit/X}, {@code fmod_ret/X} the function {@code X}. Kernel
 * modules' BTF (libbpf's {@code attach_btf_obj_fd}) is not searched.
 */
final class AttachBtf {
    private AttachBtf() {}

    private static volatile Btf vmlinux;

    /** Whether a program of this expected attach type is loaded with an {@code attach_btf_id}. */
    static boolean needsId(AttachType type) {
        return switch (type) {
            case TRACE_RAW_TP, TRACE_FENTRY, TRACE_FEXIT, MODIFY_RETURN, LSM_MAC, LSM_CGROUP, TRACE_ITER -> true;
            default -> false;
        };
    }

    /** The BTF name and kind the target is looked up as. */
    record Wanted(String name, Class<? extends BtfType> kind, String prefix) {}

    static Wanted wanted(AttachType type, String target) {
        return switch (type) {
            case TRACE_RAW_TP -> new Wanted("btf_trace_" + target, BtfType.Typedef.class, "btf_trace_");
            case LSM_MAC, LSM_CGROUP -> new Wanted("bpf_lsm_" + target, BtfType.Func.class, "bpf_lsm_");
            case TRACE_ITER -> new Wanted("bpf_iter_" + target, BtfType.Func.class, "bpf_iter_");
            default -> new Wanted(target, BtfType.Func.class, "");
        };
    }

    /**
     * The id of {@code target} in {@code btf} for {@code type}.
     *
     * @throws IllegalArgumentException when the kernel's BTF has no such type, naming the closest targets
     */
    static int id(Btf btf, AttachType type, String section, String target) {
        Wanted w = wanted(type, target);
        if (target.isEmpty()) throw new IllegalArgumentException("section " + section + " names no attach target");
        Optional<? extends BtfType> t = btf.typeByName(w.name(), w.kind());
        if (t.isPresent()) return t.get().id();
        List<String> candidates = btf.types().stream().filter(w.kind()::isInstance).map(BtfType::name)
                .filter(n -> n.startsWith(w.prefix())).map(n -> n.substring(w.prefix().length())).toList();
        String what = switch (type) {
            case TRACE_RAW_TP -> "no BTF tracepoint " + target + " (no typedef btf_trace_" + target + ")";
            case LSM_MAC, LSM_CGROUP -> "no LSM hook " + target + " (no function bpf_lsm_" + target + ")";
            case TRACE_ITER -> "no BPF iterator " + target + " (no function bpf_iter_" + target + ")";
            default -> "no kernel function " + target;
        };
        throw new IllegalArgumentException(what + " in the kernel's BTF for " + section + Names.suggest(target, candidates));
    }

    /** {@link #id(Btf, AttachType, String, String)} in the running kernel's BTF ({@code /sys/kernel/btf/vmlinux}). */
    static int id(AttachType type, String section, String target) {
        return id(vmlinux(), type, section, target);
    }

    private static Btf vmlinux() {
        Btf b = vmlinux;
        if (b == null) {
            vmlinux = b = CoreRelocator.targetBtf(Optional.empty()).orElseThrow(() -> new IllegalStateException(
                    "this kernel has no BTF (" + CoreRelocator.KERNEL_BTF + "): tracing, LSM and iterator programs need it"));
        }
        return b;
    }
}

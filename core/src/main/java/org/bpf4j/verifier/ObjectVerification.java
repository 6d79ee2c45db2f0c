package org.bpf4j.verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfExt;
import org.bpf4j.btf.BtfType;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.link.LinkedObject;
import org.bpf4j.link.LinkedProgram;
import org.bpf4j.maps.MapSpec;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * Verifies a program of an object as the kernel would see it after libbpf's loading ({@link LinkedObject}):
 * map references are indexes into the object's maps (the verifier's {@link MapInfo} list), global data
 * refers to its map with the offset in the second slot, {@code .rodata} is frozen with its contents known.
 */
public final class ObjectVerification {
    private ObjectVerification() {}

    /** CPUs assumed for per-CPU and perf event array sizing: only their sizes matter to the verifier. */
    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    /** Verifies a linked program of {@code object}; one that could not be linked is {@code Unsupported}, with why. */
    public static VerifierResult verify(BpfObject object, LinkedProgram linked, VerifierOptions options) {
        if (linked.unresolved().isPresent()) return new VerifierResult.Unsupported(linked.unresolved().get(), 0, 0, "");
        ProgramSpec spec = linked.spec();
        ProgramType type = spec.type();
        if (VerifierOps.unsupportedReason(type).isPresent()) {
            return new VerifierResult.Unsupported(VerifierOps.unsupportedReason(type).get(), 0, 0, "");
        }
        // libbpf adds the flags the section implies (fentry.s/, xdp.frags) to the program's
        int flags = options.progFlags() | spec.loadFlags();
        // libbpf loads with the attach type the section name implies; the kernel sees 0 without one
        AttachType attachType = spec.expectedAttachType().orElse(AttachType.CGROUP_INET_INGRESS);
        boolean gpl = object.license().isEmpty() || isGplCompatible(object.license());
        return Verifier.verify(linked.program(), type, maps(object),
                options.withGpl(gpl).withExpectedAttachType(attachType).withProgFlags(flags),
                btfFuncs(object, spec, type), linked.rawFdInsns(), spec.lineInfos());
    }

    /** Links {@code spec} of {@code object} ({@link LinkedObject#link(BpfObject, ProgramSpec, Optional)}) and verifies it. */
    public static VerifierResult verify(BpfObject object, ProgramSpec spec, VerifierOptions options, Optional<Btf> targetBtf) {
        return verify(object, LinkedObject.link(object, spec, targetBtf), options);
    }

    /** As {@link #verify(BpfObject, ProgramSpec, VerifierOptions, Optional)} for a program without CO-RE relocations. */
    public static VerifierResult verify(BpfObject object, ProgramSpec spec, VerifierOptions options) {
        return verify(object, spec, options, Optional.empty());
    }

    /** The object's maps as the verifier sees them, in the order of {@link BpfObject#maps()} (their indexes). */
    public static List<MapInfo> maps(BpfObject object) {
        List<MapInfo> maps = new ArrayList<>();
        for (MapDefinition def : object.maps()) {
            MapSpec s = def.spec(CPUS);
            byte[] data = def.frozen() ? def.initialData() : null;
            MapInfo m = MapInfo.of(s, def.frozen(), data).withFields(valueFields(object, def));
            if (def.innerMap().isPresent()) {
                MapDefinition in = def.innerMap().get();
                MapSpec is = in.spec(CPUS);
                m = m.withInner(MapInfo.of(is, false, null).withFields(valueFields(object, in)));
            }
            maps.add(m);
        }
        return maps;
    }

    /** What the kernel finds in the map value's BTF (libbpf creates maps with their BTF when the object has it). */
    private static MapValueFields valueFields(BpfObject object, MapDefinition def) {
        if (def.btfValueTypeId() == 0 || object.btf().isEmpty()) return MapValueFields.NONE;
        return MapValueFields.of(object.btf().get(), def.btfValueTypeId());
    }

    /** The functions of the program's func_info, with global functions' prototypes converted as the kernel does. */
    static List<BtfFunc> btfFuncs(BpfObject object, ProgramSpec spec, ProgramType type) {
        if (object.btf().isEmpty() || spec.funcInfos().isEmpty()) return List.of();
        Btf btf = object.btf().get();
        List<BtfFunc> out = new ArrayList<>();
        for (BtfExt.FuncInfo fi : spec.funcInfos()) {
            BtfType t;
            try {
                t = btf.type(fi.typeId());
            } catch (RuntimeException e) {
                out.add(new BtfFunc(fi.insn(), "?", true, List.of(), "func_info type " + fi.typeId() + " is not valid"));
                continue;
            }
            if (!(t instanceof BtfType.Func f)) {
                out.add(new BtfFunc(fi.insn(), "?", true, List.of(), "func_info type " + fi.typeId() + " is not a function"));
                continue;
            }
            boolean global = f.linkage() == BtfType.Linkage.GLOBAL;
            boolean scalar = returnsScalar(btf, f);
            if (!global || fi.insn() == 0) {
                out.add(new BtfFunc(fi.insn(), f.name(), global, List.of(), null, scalar));
                continue;
            }
            BtfFunc g = globalFunc(btf, f, fi.insn(), type);
            out.add(new BtfFunc(g.insn(), g.name(), g.global(), g.args(), g.problem(), scalar));
        }
        return out;
    }

    /** check_btf_func: whether a function returns an int of at most 8 bytes or an enum. */
    private static boolean returnsScalar(Btf btf, BtfType.Func f) {
        try {
            if (!(btf.type(f.type()) instanceof BtfType.FuncProto proto) || proto.returnType() == 0) return false;
            BtfType ret = btf.resolve(proto.returnType());
            return ret instanceof BtfType.Int i && i.size() <= 8 || ret instanceof BtfType.Enum || ret instanceof BtfType.Enum64;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static BtfFunc globalFunc(Btf btf, BtfType.Func f, int insn, ProgramType type) {
        try {
            for (BtfType t : btf.types()) {
                if (t instanceof BtfType.DeclTag d && d.type() == f.id() && d.componentIndex() >= 0) {
                    return new BtfFunc(insn, f.name(), true, List.of(), "argument tags (" + d.name() + ") are not modelled");
                }
            }
            if (!(btf.type(f.type()) instanceof BtfType.FuncProto proto)) {
                return new BtfFunc(insn, f.name(), true, List.of(), "Invalid type of function " + f.name() + "()");
            }
            if (proto.params().size() > 5) {
                return new BtfFunc(insn, f.name(), true, List.of(), "more than 5 arguments");
            }
            BtfType ret = proto.returnType() == 0 ? null : btf.resolve(proto.returnType());
            if (!(ret instanceof BtfType.Int || ret instanceof BtfType.Enum || ret instanceof BtfType.Enum64)) {
                return new BtfFunc(insn, f.name(), true, List.of(), "Global function " + f.name() + "() doesn't return scalar");
            }
            List<BtfFunc.Arg> args = new ArrayList<>();
            for (BtfType.Param p : proto.params()) {
                if (p.type() == 0) return new BtfFunc(insn, f.name(), true, List.of(), "variadic function");
                BtfType t = btf.resolve(p.type());
                if (t instanceof BtfType.Int || t instanceof BtfType.Enum || t instanceof BtfType.Enum64) {
                    args.add(new BtfFunc.Arg(BtfFunc.ARG_SCALAR, 0, false));
                } else if (t instanceof BtfType.Ptr ptr) {
                    if (isCtxPointer(btf, ptr, type)) {
                        args.add(new BtfFunc.Arg(BtfFunc.ARG_CTX, 0, false));
                        continue;
                    }
                    BtfType target = btf.resolve(ptr.type());
                    if (target instanceof BtfType.Struct s && CTX_NAMES.contains(s.name())) {
                        return new BtfFunc(insn, f.name(), true, List.of(), "a pointer to another program type's context");
                    }
                    if (!(target instanceof BtfType.Int || target instanceof BtfType.Struct || target instanceof BtfType.Union
                            || target instanceof BtfType.Enum || target instanceof BtfType.Enum64 || target instanceof BtfType.Array
                            || target instanceof BtfType.Ptr)) {
                        return new BtfFunc(insn, f.name(), true, List.of(), "argument pointing to a type of unknown size");
                    }
                    long size = btf.sizeof(ptr.type());
                    if (size < 0 || size >= (1L << 29)) {
                        return new BtfFunc(insn, f.name(), true, List.of(), "argument pointing to a type of unknown size");
                    }
                    args.add(new BtfFunc.Arg(BtfFunc.ARG_MEM, size, true));
                } else {
                    return new BtfFunc(insn, f.name(), true, List.of(), "argument of a type the kernel does not support");
                }
            }
            return new BtfFunc(insn, f.name(), true, args, null);
        } catch (RuntimeException e) {
            return new BtfFunc(insn, f.name(), true, List.of(), "malformed BTF: " + e.getMessage());
        }
    }

    private static final java.util.Set<String> CTX_NAMES = java.util.Set.of("__sk_buff", "sk_buff", "xdp_md", "xdp_buff",
            "pt_regs", "bpf_perf_event_data", "bpf_raw_tracepoint_args", "bpf_sock", "bpf_sock_ops", "bpf_sock_addr",
            "sk_msg_md", "bpf_cgroup_dev_ctx", "bpf_sysctl", "bpf_sockopt", "sk_reuseport_md", "bpf_sk_lookup",
            "bpf_user_pt_regs_t", "user_pt_regs");

    /** btf_is_prog_ctx_type: a pointer to the program type's context struct (by name, or its kernel projection). */
    private static boolean isCtxPointer(Btf btf, BtfType.Ptr ptr, ProgramType type) {
        if (type == ProgramType.KPROBE) {
            BtfType t = btf.type(ptr.type());
            for (int i = 0; i < 32 && t instanceof BtfType.Modifier m && !(t instanceof BtfType.Typedef); i++) t = btf.type(m.type());
            if (t instanceof BtfType.Typedef td && td.name().equals("bpf_user_pt_regs_t")) return true;
        }
        if (!(btf.resolve(ptr.type()) instanceof BtfType.Struct s)) return false;
        String ctx = type.ctxName();
        String name = s.name();
        if (type == ProgramType.TRACEPOINT) return false; // no named context: only arg:ctx
        return name.equals(ctx) || (ctx.equals("__sk_buff") && name.equals("sk_buff"))
                || (ctx.equals("xdp_md") && name.equals("xdp_buff"));
    }

    /** license_is_gpl_compatible(): the kernel's list. Objects without a license section are loaded as GPL. */
    static boolean isGplCompatible(String license) {
        return switch (license) {
            case "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" -> true;
            default -> false;
        };
    }
}

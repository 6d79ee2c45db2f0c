package org.bpf4j.btf.core;

import static org.bpf4j.btf.core.CoreSpec.enumBased;
import static org.bpf4j.btf.core.CoreSpec.fieldBased;
import static org.bpf4j.btf.core.CoreTypes.essentialName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfExt.CoreRelocation;
import org.bpf4j.btf.BtfExt.CoreRelocationKind;
import org.bpf4j.btf.BtfFormatException;
import org.bpf4j.btf.BtfType;
import org.bpf4j.btf.core.CoreTypes.Failure;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ObjectFormatException;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;

/**
 * Applies CO-RE relocations the way libbpf does ({@code bpf_core_apply_relo_insn}): each relocation
 * of a {@link ProgramSpec} is resolved against a target BTF (the running kernel's, usually) and the
 * instruction it names is patched: the immediate of an ALU instruction, the offset (and, for a field
 * whose size changed, the access size) of a load or store, or the 64-bit immediate of an {@code lddw}.
 *
 * <p>Candidates are the target types of a compatible kind whose name is the local type's name with
 * any {@code ___flavor} suffix removed ({@code task_struct___old} looks for {@code task_struct} and
 * {@code task_struct___v2}). A field relocation follows the access string through nested structs,
 * unions (anonymous ones included) and arrays, matching members by name; all matching candidates must
 * agree, as in libbpf.
 *
 * <p>What cannot be resolved is handled as libbpf handles it:
 * <ul>
 * <li>the existence relocations ({@code FIELD_EXISTS}, {@code TYPE_EXISTS}, {@code TYPE_MATCHES},
 *     {@code ENUMVAL_EXISTS}) become 0, and so do {@code TYPE_SIZE} and {@code TYPE_ID_TARGET};</li>
 * <li>the other field relocations, {@code ENUMVAL_VALUE}, and loads or stores of a field whose size
 *     changed in a way that would change the value read (signed integers, non-integers) <em>poison</em>
 *     the instruction: it becomes a call to helper {@value #POISON_HELPER} ({@code 0xbad2310}, both
 *     slots of an {@code lddw}), so that the program is refused only if that code is reachable, which
 *     is how programs guard optional fields with {@code bpf_core_field_exists};</li>
 * <li>a malformed record, an anonymous local type, ambiguous candidates or an instruction that does not
 *     hold the value the compiler should have put there refuse the program with a
 *     {@link CoreRelocationException}, where libbpf fails the object load.</li>
 * </ul>
 *
 * <p>A relocator remembers, per local type, the candidates that matched, and later relocations of
 * the same local type consider only those (libbpf's candidate cache, per object): use one relocator
 * per object and target. A relocator is not thread-safe. Only one target BTF is searched (no kernel
 * module BTF, where libbpf also looks when vmlinux has no candidate).
 */
public final class CoreRelocator {

    /** The helper id a poisoned instruction calls: the kernel knows no such helper. */
    public static final int POISON_HELPER = 0xbad2310;

    /** Where the running kernel publishes its BTF. */
    public static final Path KERNEL_BTF = Path.of("/sys/kernel/btf/vmlinux");

    private static volatile CandidateIndex lastIndex;

    private final Btf local;
    private final Btf target;
    private final CandidateIndex index;
    private final Map<Integer, List<Integer>> candidates = new HashMap<>();

    /** A relocator for the programs of one object ({@code local} is its {@code .BTF}) against {@code target}. */
    public CoreRelocator(Btf local, Btf target) {
        this.local = Objects.requireNonNull(local);
        this.target = Objects.requireNonNull(target);
        CandidateIndex idx = lastIndex;
        if (idx == null || idx.btf != target) lastIndex = idx = new CandidateIndex(target);
        this.index = idx;
    }

    /**
     * The program of {@code spec} with every CO-RE relocation applied against {@code target}, and no
     * CO-RE relocation left; {@code spec} itself when it has none.
     *
     * @throws CoreRelocationException for a relocation libbpf would refuse
     */
    public static ProgramSpec apply(ProgramSpec spec, Btf local, Btf target) {
        if (spec.coreRelocations().isEmpty()) return spec;
        return new CoreRelocator(local, target).apply(spec);
    }

    /**
     * The target BTF to use: {@code file} when given (raw BTF, or an eBPF object whose {@code .BTF} section is
     * taken, as libbpf's {@code btf__parse} takes either), else the running kernel's ({@link #KERNEL_BTF}) when
     * it exists, else empty.
     *
     * @throws UncheckedIOException when a file cannot be read
     * @throws BtfFormatException when it is not BTF, or an object without BTF
     */
    public static Optional<Btf> targetBtf(Optional<Path> file) {
        Path path = file.orElse(KERNEL_BTF);
        if (file.isEmpty() && !Files.isReadable(path)) return Optional.empty();
        try {
            if (isElf(path)) {
                try {
                    return Optional.of(BpfObject.open(path).btf().orElseThrow(
                            () -> new BtfFormatException(path + ": the object has no .BTF section")));
                } catch (ObjectFormatException e) {
                    throw new BtfFormatException(e.getMessage());
                }
            }
            return Optional.of(Btf.load(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read BTF from " + path + ": " + e.getMessage(), e);
        }
    }

    private static boolean isElf(Path path) throws IOException {
        try (var in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        }
    }

    /** This relocator's {@link #resolve} and patching of {@code spec}'s program; see {@link #apply(ProgramSpec, Btf, Btf)}. */
    public ProgramSpec apply(ProgramSpec spec) {
        if (spec.coreRelocations().isEmpty()) return spec;
        List<Insn> insns = new ArrayList<>(spec.program().insns());
        for (Resolution r : resolve(spec)) patch(spec, insns, r);
        return new ProgramSpec(spec.name(), spec.sectionName(), spec.type(), spec.expectedAttachType(), spec.attachTo(),
                spec.loadFlags(), new Program(insns), spec.subprograms(), spec.relocations(), spec.funcInfos(),
                spec.lineInfos(), List.of());
    }

    /**
     * What a relocation resolved to.
     *
     * @param relocation the record
     * @param poisoned whether the instruction is poisoned (then the values do not apply)
     * @param validate whether the instruction must hold {@code localValue} (false for bitfields, type ids)
     * @param localValue the value against the local BTF, which the compiler put into the instruction
     * @param targetValue the value against the target BTF
     * @param localSize the field's size locally, for loads and stores whose size may change (0 otherwise)
     * @param targetSize the field's size in the target (0 when not a sized field access)
     * @param failsSizeChange whether a load or store of the field must be poisoned for the size change
     * @param description the relocation for messages: {@code FIELD_BYTE_OFFSET of struct task_struct.pid (0:75)}
     */
    public record Resolution(CoreRelocation relocation, boolean poisoned, boolean validate, long localValue, long targetValue,
                             long localSize, long targetSize, boolean failsSizeChange, String description) {}

    /**
     * Resolves every CO-RE relocation of {@code spec} without patching anything.
     *
     * @throws CoreRelocationException for a relocation libbpf would refuse
     */
    public List<Resolution> resolve(ProgramSpec spec) {
        List<Resolution> out = new ArrayList<>(spec.coreRelocations().size());
        for (CoreRelocation r : spec.coreRelocations()) {
            String what = describe(r);
            try {
                out.add(resolve(r, what));
            } catch (Failure f) {
                throw error(spec, r, what, f.getMessage());
            }
        }
        return out;
    }

    private static CoreRelocationException error(ProgramSpec spec, CoreRelocation r, String what, String reason) {
        return new CoreRelocationException("program " + spec.name() + ": insn " + r.insn() + ": CO-RE relocation " + what
                + " cannot be resolved against the target BTF: " + reason);
    }

    private String describe(CoreRelocation r) {
        StringBuilder sb = new StringBuilder(r.kind().name()).append(" of ");
        if (r.typeId() < 0 || r.typeId() >= local.size()) return sb.append("type ").append(r.typeId()).toString();
        sb.append(CoreSpec.describe(local, r.typeId()));
        try {
            CoreSpec s = CoreSpec.parse(local, r.typeId(), r.accessString(), r.kind());
            if (fieldBased(r.kind())) {
                for (int i = 0; i < s.accessors.size(); i++) {
                    CoreSpec.Accessor a = s.accessors.get(i);
                    if (a.name() != null) sb.append('.').append(a.name());
                    else if (i > 0) sb.append('[').append(a.idx()).append(']');
                    else if (a.idx() != 0) sb.append("[").append(a.idx()).append("]");
                }
            } else if (enumBased(r.kind())) {
                sb.append("::").append(s.accessors.getFirst().name());
            }
        } catch (RuntimeException e) {
            // the resolution reports why the record is malformed
        }
        return sb.append(" (").append(r.accessString()).append(')').toString();
    }

    /** libbpf's {@code bpf_core_calc_relo_insn}. */
    private Resolution resolve(CoreRelocation r, String what) {
        if (r.typeId() <= 0 || r.typeId() >= local.size()) throw new Failure("local type " + r.typeId() + " does not exist");
        BtfType localType = local.type(r.typeId());
        CoreSpec localSpec;
        try {
            localSpec = CoreSpec.parse(local, r.typeId(), r.accessString(), r.kind());
        } catch (Failure f) {
            throw new Failure("the local record is malformed: " + f.getMessage());
        }
        if (r.kind() == CoreRelocationKind.TYPE_ID_LOCAL) {
            return new Resolution(r, false, false, r.typeId(), r.typeId(), 0, 0, false, what);
        }
        if (localType.name().isEmpty()) throw new Failure("relocations against anonymous types are not supported");
        List<Integer> cands = candidates.computeIfAbsent(r.typeId(), id -> index.candidates(localType));
        Result best = null;
        CoreSpec bestSpec = null;
        List<Integer> matched = new ArrayList<>();
        for (int cand : cands) {
            CoreSpec candSpec = CoreSpec.match(localSpec, target, cand);
            if (candSpec == null) continue;
            Result res = calculate(r.kind(), localSpec, candSpec);
            if (best == null) {
                best = res;
                bestSpec = candSpec;
            } else if (candSpec.bitOffset != bestSpec.bitOffset) {
                throw new Failure("field offset ambiguity: " + describeTarget(bestSpec) + " is at bit " + bestSpec.bitOffset
                        + " and " + describeTarget(candSpec) + " at bit " + candSpec.bitOffset);
            } else if (res.poison != best.poison || res.newVal != best.newVal) {
                throw new Failure("relocation decision ambiguity: " + describeTarget(bestSpec) + " gives "
                        + (best.poison ? "failure" : best.newVal) + ", " + describeTarget(candSpec) + " gives "
                        + (res.poison ? "failure" : res.newVal));
            }
            matched.add(cand);
        }
        if (!matched.isEmpty()) {
            candidates.put(r.typeId(), List.copyOf(matched));
        } else {
            best = calculate(r.kind(), localSpec, null);
        }
        return new Resolution(r, best.poison, best.validate, best.origVal, best.newVal, best.origSz, best.newSz,
                best.failMemszAdjust, what);
    }

    private String describeTarget(CoreSpec s) {
        return "[" + s.rootTypeId + "] " + CoreSpec.describe(target, s.rootTypeId);
    }

    /** libbpf's {@code bpf_core_relo_res}. */
    private static final class Result {
        long origVal, newVal, origSz, newSz;
        int origTypeId, newTypeId;
        boolean poison, validate = true, failMemszAdjust;
    }

    /** A field value: the value, the field size and type for loads and stores (0 otherwise), whether to validate. */
    private record FieldValue(long val, long size, int typeId, boolean validate) {}

    /** libbpf's {@code bpf_core_calc_relo}; {@code targ} null when no candidate matched. */
    private static Result calculate(CoreRelocationKind kind, CoreSpec localSpec, CoreSpec targ) {
        Result res = new Result();
        if (fieldBased(kind)) {
            FieldValue l = field(kind, localSpec);
            FieldValue t = field(kind, targ);
            if (t == null) {
                res.poison = true;
                return res;
            }
            res.origVal = l.val;
            res.origSz = l.size;
            res.origTypeId = l.typeId;
            res.validate = l.validate;
            res.newVal = t.val;
            res.newSz = t.size;
            res.newTypeId = t.typeId;
            if (res.origSz != res.newSz) {
                BtfType o = localSpec.btf.type(res.origTypeId), n = targ.btf.type(res.newTypeId);
                boolean safe = (o instanceof BtfType.Ptr && n instanceof BtfType.Ptr)
                        || (o instanceof BtfType.Int oi && n instanceof BtfType.Int ni
                            && oi.encoding() != BtfType.Int.SIGNED && ni.encoding() != BtfType.Int.SIGNED);
                res.failMemszAdjust = !safe;
            }
        } else if (CoreSpec.typeBased(kind)) {
            res.origVal = type(kind, localSpec);
            res.validate = kind != CoreRelocationKind.TYPE_ID_TARGET;
            res.newVal = targ == null ? 0 : type(kind, targ);
        } else {
            res.origVal = enumValue(kind, localSpec);
            if (targ == null && kind == CoreRelocationKind.ENUMVAL_VALUE) {
                res.poison = true;
                return res;
            }
            res.newVal = targ == null ? 0 : enumValue(kind, targ);
        }
        return res;
    }

    /** libbpf's {@code bpf_core_calc_field_relo}; null asks for poisoning. */
    private static FieldValue field(CoreRelocationKind kind, CoreSpec spec) {
        if (kind == CoreRelocationKind.FIELD_EXISTS) return new FieldValue(spec != null ? 1 : 0, 0, 0, true);
        if (spec == null) return null;
        CoreSpec.Accessor acc = spec.last();
        Btf btf = spec.btf;
        if (acc.name() == null) {
            long sz = CoreTypes.size(btf, acc.typeId());
            return switch (kind) {
                case FIELD_BYTE_OFFSET -> new FieldValue(spec.bitOffset / 8, sz, acc.typeId(), true);
                case FIELD_BYTE_SIZE -> new FieldValue(sz, 0, 0, true);
                default -> throw new Failure(kind + " cannot be applied to an array element");
            };
        }
        BtfType.Member m = CoreTypes.members(btf.type(acc.typeId())).get(acc.idx());
        BtfType mt = CoreTypes.skip(btf, m.type());
        long bitOff = spec.bitOffset;
        long bitSz = m.bitfieldSize();
        boolean bitfield = bitSz > 0;
        long byteSz, byteOff;
        if (bitfield) {
            byteSz = switch (mt) {
                case BtfType.Int i -> i.size();
                case BtfType.Enum e -> e.size();
                case BtfType.Enum64 e -> e.size();
                default -> throw new Failure("bitfield " + m.name() + " is not an integer");
            };
            if (byteSz <= 0) throw new Failure("bitfield " + m.name() + " has size 0");
            byteOff = bitOff / 8 / byteSz * byteSz;
            while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
                if (byteSz >= 8) throw new Failure("bitfield " + m.name() + " cannot be read with one 64-bit load");
                byteSz *= 2;
                byteOff = bitOff / 8 / byteSz * byteSz;
            }
        } else {
            byteSz = CoreTypes.size(btf, mt.id());
            byteOff = bitOff / 8;
            bitSz = byteSz * 8;
        }
        return switch (kind) {
            case FIELD_BYTE_OFFSET -> new FieldValue(byteOff, bitfield ? 0 : byteSz, bitfield ? 0 : mt.id(), !bitfield);
            case FIELD_BYTE_SIZE -> new FieldValue(byteSz, 0, 0, !bitfield);
            case FIELD_SIGNED -> new FieldValue((CoreTypes.isEnum(mt) && CoreTypes.enumSigned(mt))
                    || (mt instanceof BtfType.Int i && i.signed()) ? 1 : 0, 0, 0, true);
            case FIELD_LSHIFT_U64 -> new FieldValue(64 - (bitOff + bitSz - byteOff * 8), 0, 0, !bitfield);
            case FIELD_RSHIFT_U64 -> new FieldValue(64 - bitSz, 0, 0, true);
            default -> throw new Failure("unsupported relocation kind " + kind);
        };
    }

    /** libbpf's {@code bpf_core_calc_type_relo} for a matched spec. */
    private static long type(CoreRelocationKind kind, CoreSpec spec) {
        return switch (kind) {
            case TYPE_ID_TARGET -> spec.rootTypeId;
            case TYPE_EXISTS, TYPE_MATCHES -> 1;
            case TYPE_SIZE -> CoreTypes.size(spec.btf, spec.rootTypeId);
            default -> throw new Failure("unsupported relocation kind " + kind);
        };
    }

    /** libbpf's {@code bpf_core_calc_enumval_relo} for a matched spec; 32-bit enumerators are sign-extended as libbpf does. */
    private static long enumValue(CoreRelocationKind kind, CoreSpec spec) {
        if (kind == CoreRelocationKind.ENUMVAL_EXISTS) return 1;
        CoreSpec.Accessor acc = spec.accessors.getFirst();
        BtfType t = spec.btf.type(acc.typeId());
        long v = CoreTypes.enumValues(t).get(acc.idx()).value();
        return t instanceof BtfType.Enum ? (int) v : v;
    }

    /** libbpf's {@code bpf_core_patch_insn}. */
    private static void patch(ProgramSpec spec, List<Insn> insns, Resolution r) {
        int pc = r.relocation().insn();
        if (pc < 0 || pc >= insns.size()) {
            throw error(spec, r.relocation(), r.description(), "the program has no instruction " + pc);
        }
        Insn insn = insns.get(pc);
        if (r.poisoned()) {
            poison(insns, pc);
            return;
        }
        long orig = r.localValue(), val = r.targetValue();
        String problem;
        switch (insn.insnClass()) {
            case Opcodes.CLASS_ALU, Opcodes.CLASS_ALU64 -> {
                if ((insn.opcode() & Opcodes.SRC_X) != 0) {
                    problem = "the instruction is an ALU operation on a register, not an immediate";
                } else if (r.validate() && insn.imm() != orig) {
                    problem = "the instruction's immediate is " + insn.imm() + ", not the expected " + orig;
                } else {
                    insns.set(pc, new Insn(insn.opcode(), insn.dst(), insn.src(), insn.off(), (int) val));
                    return;
                }
            }
            case Opcodes.CLASS_LDX, Opcodes.CLASS_ST, Opcodes.CLASS_STX -> {
                if (r.validate() && insn.off() != orig) {
                    problem = "the instruction's offset is " + insn.off() + ", not the expected " + orig;
                } else if (Long.compareUnsigned(val, Short.MAX_VALUE) > 0) {
                    problem = "offset " + Long.toUnsignedString(val) + " does not fit a load or store";
                } else if (r.failsSizeChange()) {
                    // the field changed size in a way that would change the value: libbpf poisons
                    poison(insns, pc);
                    return;
                } else {
                    int opcode = insn.opcode();
                    problem = null;
                    if (r.targetSize() != r.localSize()) {
                        int bytes = sizeBytes(opcode);
                        int code = sizeCode(r.targetSize());
                        if (bytes != r.localSize()) {
                            problem = "the instruction accesses " + bytes + " bytes, not the field's " + r.localSize();
                        } else if (code < 0) {
                            problem = "the field's new size " + r.targetSize() + " is not a load or store size";
                        } else {
                            opcode = (opcode & 0xe7) | code;
                        }
                    }
                    if (problem == null) {
                        insns.set(pc, new Insn(opcode, insn.dst(), insn.src(), (int) val, insn.imm()));
                        return;
                    }
                }
            }
            case Opcodes.CLASS_LD -> {
                Insn hi = pc + 1 < insns.size() ? insns.get(pc + 1) : null;
                if (insn.opcode() != Opcodes.LDDW || insn.src() != 0 || insn.off() != 0 || hi == null
                        || hi.opcode() != 0 || hi.dst() != 0 || hi.src() != 0 || hi.off() != 0) {
                    problem = "the instruction is not a plain lddw";
                } else {
                    long imm = (insn.imm() & 0xffffffffL) | ((long) hi.imm() << 32);
                    if (r.validate() && imm != orig) {
                        problem = "the instruction's immediate is " + imm + ", not the expected " + orig;
                    } else {
                        insns.set(pc, new Insn(insn.opcode(), insn.dst(), insn.src(), insn.off(), (int) val));
                        insns.set(pc + 1, new Insn(0, 0, 0, 0, (int) (val >>> 32)));
                        return;
                    }
                }
            }
            default -> problem = String.format("instruction opcode 0x%02x cannot be relocated", insn.opcode());
        }
        throw error(spec, r.relocation(), r.description(), problem);
    }

    private static int sizeBytes(int opcode) {
        return switch (opcode & 0x18) {
            case Opcodes.SIZE_DW -> 8;
            case Opcodes.SIZE_W -> 4;
            case Opcodes.SIZE_H -> 2;
            default -> 1;
        };
    }

    private static int sizeCode(long bytes) {
        return switch ((int) bytes) {
            case 8 -> Opcodes.SIZE_DW;
            case 4 -> Opcodes.SIZE_W;
            case 2 -> Opcodes.SIZE_H;
            case 1 -> Opcodes.SIZE_B;
            default -> -1;
        };
    }

    /** Replaces the instruction (both slots of an {@code lddw}) by a call to the nonexistent helper {@link #POISON_HELPER}. */
    private static void poison(List<Insn> insns, int pc) {
        if (insns.get(pc).isWide() && pc + 1 < insns.size()) insns.set(pc + 1, Insn.call(POISON_HELPER));
        insns.set(pc, Insn.call(POISON_HELPER));
    }

    /** Target types by essential name, built once per target BTF. */
    private static final class CandidateIndex {
        final Btf btf;
        final Map<String, int[]> byEssentialName = new HashMap<>();

        CandidateIndex(Btf btf) {
            this.btf = btf;
            Map<String, List<Integer>> m = new HashMap<>();
            for (BtfType t : btf.types()) {
                if (t.id() == 0 || t.name().isEmpty()) continue;
                m.computeIfAbsent(essentialName(t.name()), k -> new ArrayList<>(1)).add(t.id());
            }
            m.forEach((k, v) -> byEssentialName.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        }

        /** libbpf's {@code bpf_core_add_cands}: same essential name, compatible kind, in id order. */
        List<Integer> candidates(BtfType local) {
            int[] ids = byEssentialName.get(essentialName(local.name()));
            if (ids == null) return List.of();
            List<Integer> out = new ArrayList<>();
            for (int id : ids) {
                if (CoreTypes.kindsCompatible(btf.type(id), local)) out.add(id);
            }
            return out;
        }
    }
}

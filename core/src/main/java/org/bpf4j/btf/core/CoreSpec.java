package org.bpf4j.btf.core;

import static org.bpf4j.btf.core.CoreTypes.essentialName;
import static org.bpf4j.btf.core.CoreTypes.isComposite;
import static org.bpf4j.btf.core.CoreTypes.isEnum;
import static org.bpf4j.btf.core.CoreTypes.members;
import static org.bpf4j.btf.core.CoreTypes.size;
import static org.bpf4j.btf.core.CoreTypes.skip;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfExt.CoreRelocationKind;
import org.bpf4j.btf.BtfType;
import org.bpf4j.btf.core.CoreTypes.Failure;

/**
 * What a CO-RE relocation designates in one BTF (libbpf's {@code bpf_core_spec}): the low-level path
 * (every member index of the access string, anonymous members included), the high-level accessors
 * (named members, array indexes, or the enumerator) and the bit offset the path adds up to. Built
 * for the local BTF by {@link #parse} and for each target candidate by {@link #match}.
 */
final class CoreSpec {

    /** libbpf's {@code BPF_CORE_SPEC_MAX_LEN}. */
    static final int MAX_LEN = 64;

    /**
     * One high-level step: member {@code idx} of composite {@code typeId} when {@code name} is set
     * (or enumerator {@code idx} of enum {@code typeId}), else element {@code idx} of an array whose
     * element type is {@code typeId} (for the first step, the root type itself).
     */
    record Accessor(int typeId, int idx, String name) {}

    final Btf btf;
    final int rootTypeId;
    final CoreRelocationKind kind;
    final List<Accessor> accessors = new ArrayList<>();
    final List<Integer> raw = new ArrayList<>();
    long bitOffset;

    private CoreSpec(Btf btf, int rootTypeId, CoreRelocationKind kind) {
        this.btf = btf;
        this.rootTypeId = rootTypeId;
        this.kind = kind;
    }

    static boolean fieldBased(CoreRelocationKind k) {
        return switch (k) {
            case FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_EXISTS, FIELD_SIGNED, FIELD_LSHIFT_U64, FIELD_RSHIFT_U64 -> true;
            default -> false;
        };
    }

    static boolean typeBased(CoreRelocationKind k) {
        return switch (k) {
            case TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_MATCHES, TYPE_SIZE -> true;
            default -> false;
        };
    }

    static boolean enumBased(CoreRelocationKind k) {
        return k == CoreRelocationKind.ENUMVAL_EXISTS || k == CoreRelocationKind.ENUMVAL_VALUE;
    }

    Accessor last() {
        return accessors.getLast();
    }

    /** libbpf's {@code bpf_core_parse_spec}: the local side of a relocation. */
    static CoreSpec parse(Btf btf, int typeId, String access, CoreRelocationKind kind) {
        if (access.isEmpty() || access.startsWith(":")) throw new Failure("access string '" + access + "' is malformed");
        CoreSpec spec = new CoreSpec(btf, typeId, kind);
        if (typeBased(kind)) {
            if (!access.equals("0")) throw new Failure("a type relocation's access string must be '0', not '" + access + "'");
            return spec;
        }
        for (String part : access.split(":", -1)) {
            int idx;
            try {
                idx = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new Failure("access string '" + access + "' is malformed");
            }
            if (idx < 0) throw new Failure("access string '" + access + "' has a negative index");
            if (spec.raw.size() == MAX_LEN) throw new Failure("access string '" + access + "' is longer than " + MAX_LEN);
            spec.raw.add(idx);
        }
        BtfType t = skip(btf, typeId);
        int id = t.id();
        int first = spec.raw.getFirst();
        if (enumBased(kind)) {
            if (!isEnum(t) || spec.raw.size() > 1 || first >= CoreTypes.enumValues(t).size()) {
                throw new Failure("access string '" + access + "' does not name an enumerator of " + describe(btf, typeId));
            }
            spec.accessors.add(new Accessor(id, first, CoreTypes.enumValues(t).get(first).name()));
            return spec;
        }
        if (!fieldBased(kind)) throw new Failure("unknown relocation kind");
        spec.accessors.add(new Accessor(id, first, null));
        spec.bitOffset = first * size(btf, id) * 8;
        for (int i = 1; i < spec.raw.size(); i++) {
            t = skip(btf, id);
            id = t.id();
            int idx = spec.raw.get(i);
            if (isComposite(t)) {
                List<BtfType.Member> ms = members(t);
                if (idx >= ms.size()) throw new Failure(describe(btf, id) + " has no member #" + idx);
                BtfType.Member m = ms.get(idx);
                spec.bitOffset += m.bitOffset();
                if (!m.name().isEmpty()) spec.accessors.add(new Accessor(id, idx, m.name()));
                id = m.type();
            } else if (t instanceof BtfType.Array a) {
                BtfType elem = skip(btf, a.type());
                boolean flex = isFlexible(btf, spec.last(), a);
                if (!flex && idx >= a.nelems()) throw new Failure("index " + idx + " is out of the bounds of " + describe(btf, id));
                id = elem.id();
                spec.accessors.add(new Accessor(id, idx, null));
                spec.bitOffset += idx * size(btf, id) * 8;
            } else {
                throw new Failure("access string '" + access + "' goes through " + describe(btf, id)
                        + ", which is neither a struct, a union nor an array");
            }
        }
        return spec;
    }

    /** A flexible array: zero length and the last member of the struct the previous accessor names. */
    private static boolean isFlexible(Btf btf, Accessor previous, BtfType.Array a) {
        if (previous.name() == null || a.nelems() > 0) return false;
        return previous.idx() == members(btf.type(previous.typeId())).size() - 1;
    }

    /**
     * libbpf's {@code bpf_core_spec_match}: the target spec of candidate {@code targetId}, or null when
     * the candidate does not have what the local spec designates.
     */
    static CoreSpec match(CoreSpec local, Btf target, int targetId) {
        CoreSpec spec = new CoreSpec(target, targetId, local.kind);
        if (typeBased(local.kind)) {
            boolean ok = local.kind == CoreRelocationKind.TYPE_MATCHES
                    ? CoreTypes.typesMatch(local.btf, local.rootTypeId, target, targetId, false, CoreTypes.MAX_DEPTH)
                    : CoreTypes.typesCompatible(local.btf, local.rootTypeId, target, targetId, CoreTypes.MAX_DEPTH);
            return ok ? spec : null;
        }
        if (enumBased(local.kind)) {
            BtfType t = skip(target, targetId);
            if (!isEnum(t)) return null;
            String wanted = essentialName(local.accessors.getFirst().name());
            List<BtfType.EnumValue> values = CoreTypes.enumValues(t);
            for (int i = 0; i < values.size(); i++) {
                if (essentialName(values.get(i).name()).equals(wanted)) {
                    spec.accessors.add(new Accessor(t.id(), i, values.get(i).name()));
                    spec.raw.add(i);
                    return spec;
                }
            }
            return null;
        }
        int id = targetId;
        for (int i = 0; i < local.accessors.size(); i++) {
            Accessor la = local.accessors.get(i);
            BtfType t = skip(target, id);
            id = t.id();
            if (la.name() != null) {
                int next = matchMember(local.btf, la, target, id, spec);
                if (next < 0) return null;
                id = next;
            } else {
                if (i > 0) {
                    if (!(t instanceof BtfType.Array a)) return null;
                    boolean flex = isFlexible(target, spec.last(), a);
                    if (!flex && la.idx() >= a.nelems()) return null;
                    id = skip(target, a.type()).id();
                }
                if (spec.raw.size() == MAX_LEN) throw new Failure("target type nests deeper than " + MAX_LEN);
                spec.accessors.add(new Accessor(id, la.idx(), null));
                spec.raw.add(la.idx());
                spec.bitOffset += la.idx() * size(target, id) * 8;
            }
        }
        return spec;
    }

    /**
     * Finds the member the local accessor names in target composite {@code targetId}, descending
     * into anonymous members; extends {@code spec} and returns the member's type id, or -1.
     */
    private static int matchMember(Btf local, Accessor la, Btf target, int targetId, CoreSpec spec) {
        BtfType t = skip(target, targetId);
        if (!isComposite(t)) return -1;
        BtfType.Member lm = members(local.type(la.typeId())).get(la.idx());
        List<BtfType.Member> ms = members(t);
        for (int i = 0; i < ms.size(); i++) {
            BtfType.Member m = ms.get(i);
            if (spec.raw.size() == MAX_LEN) throw new Failure("target type nests deeper than " + MAX_LEN);
            spec.bitOffset += m.bitOffset();
            spec.raw.add(i);
            if (m.name().isEmpty()) {
                int found = matchMember(local, la, target, m.type(), spec);
                if (found >= 0) return found;
            } else if (m.name().equals(lm.name())) {
                if (!CoreTypes.fieldsCompatible(local, lm.type(), target, m.type())) {
                    // libbpf pops only the accessor here and leaves the path as it is: the search stops anyway
                    return -1;
                }
                spec.accessors.add(new Accessor(t.id(), i, m.name()));
                return m.type();
            }
            spec.bitOffset -= m.bitOffset();
            spec.raw.removeLast();
        }
        return -1;
    }

    /** {@code struct task_struct}, {@code typedef u32}, {@code enum (anon)}: a type for messages. */
    static String describe(Btf btf, int id) {
        BtfType t = btf.type(id);
        String kind = switch (t) {
            case BtfType.Struct s -> "struct";
            case BtfType.Union u -> "union";
            case BtfType.Enum e -> "enum";
            case BtfType.Enum64 e -> "enum";
            case BtfType.Typedef d -> "typedef";
            case BtfType.Fwd f -> f.union() ? "union" : "struct";
            case BtfType.Int i -> "int";
            case BtfType.Ptr p -> "pointer";
            case BtfType.Array a -> "array";
            default -> "type";
        };
        String name = CoreTypes.name(t);
        return kind + " " + (name.isEmpty() ? "(anon)" : name);
    }
}

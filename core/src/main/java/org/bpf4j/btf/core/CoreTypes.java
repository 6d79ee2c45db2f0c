package org.bpf4j.btf.core;

import java.util.List;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfFormatException;
import org.bpf4j.btf.BtfType;

/**
 * Type comparisons of CO-RE, with libbpf's rules: essential names (flavor suffixes ignored), kinds
 * that count as the same ({@code enum} and {@code enum64}), field compatibility, type compatibility
 * and the stricter {@code TYPE_MATCHES} relation.
 */
final class CoreTypes {

    private CoreTypes() {}

    /** How deep type chains are followed before a relocation is given up as malformed (libbpf's limit). */
    static final int MAX_DEPTH = 32;

    /** An error that makes libbpf fail the load (its negative error codes). */
    static final class Failure extends RuntimeException {
        Failure(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * The name without its flavor: {@code task_struct___old} -> {@code task_struct}. The flavor starts
     * at the last {@code ___} that has a non-underscore character on both sides.
     */
    static String essentialName(String name) {
        for (int i = name.length() - 5; i >= 0; i--) {
            if (name.charAt(i) != '_' && name.charAt(i + 1) == '_' && name.charAt(i + 2) == '_'
                    && name.charAt(i + 3) == '_' && name.charAt(i + 4) != '_') {
                return name.substring(0, i + 1);
            }
        }
        return name;
    }

    /** libbpf's {@code bpf_core_names_match}: an anonymous target matches only an anonymous local. */
    static boolean namesMatch(String local, String target) {
        if (target.isEmpty()) return local.isEmpty();
        return essentialName(local).equals(essentialName(target));
    }

    /** The BTF name: empty for anonymous types and for {@code void} (which has no name in BTF). */
    static String name(BtfType t) {
        return t instanceof BtfType.Void ? "" : t.name();
    }

    static boolean isEnum(BtfType t) {
        return t instanceof BtfType.Enum || t instanceof BtfType.Enum64;
    }

    static boolean isComposite(BtfType t) {
        return t instanceof BtfType.Struct || t instanceof BtfType.Union;
    }

    /** Same kind for CO-RE: equal kinds, or any two enums. */
    static boolean kindsCompatible(BtfType a, BtfType b) {
        return a.kind() == b.kind() || (isEnum(a) && isEnum(b));
    }

    static List<BtfType.Member> members(BtfType t) {
        return switch (t) {
            case BtfType.Struct s -> s.members();
            case BtfType.Union u -> u.members();
            default -> List.of();
        };
    }

    static List<BtfType.EnumValue> enumValues(BtfType t) {
        return switch (t) {
            case BtfType.Enum e -> e.values();
            case BtfType.Enum64 e -> e.values();
            default -> List.of();
        };
    }

    static boolean enumSigned(BtfType t) {
        return switch (t) {
            case BtfType.Enum e -> e.signed();
            case BtfType.Enum64 e -> e.signed();
            default -> false;
        };
    }

    /** The type behind modifiers and typedefs; a chain too long is a malformed relocation. */
    static BtfType skip(Btf btf, int id) {
        try {
            return btf.resolve(id);
        } catch (BtfFormatException e) {
            throw new Failure(e.getMessage());
        }
    }

    /** {@code sizeof}, or a failure for types without one. */
    static long size(Btf btf, int id) {
        try {
            return btf.sizeof(id);
        } catch (BtfFormatException e) {
            throw new Failure(e.getMessage());
        }
    }

    private static int intOffset(BtfType t) {
        return t instanceof BtfType.Int i ? i.bitOffset() : 0;
    }

    /**
     * Whether a local field's type and a target field's type are compatible (libbpf's
     * {@code bpf_core_fields_are_compat}): any two structs or unions, any two pointers or floats,
     * integers of any size and signedness (but not the deprecated bit-offset integers), enums and
     * forward declarations of the same essential name (or one anonymous), arrays of compatible
     * elements whatever their length.
     */
    static boolean fieldsCompatible(Btf local, int localId, Btf target, int targetId) {
        for (int depth = 0; ; depth++) {
            if (depth >= MAX_DEPTH) throw new Failure("field types nest too deep");
            BtfType l = skip(local, localId), t = skip(target, targetId);
            if (isComposite(l) && isComposite(t)) return true;
            if (!kindsCompatible(l, t)) return false;
            switch (l) {
                case BtfType.Ptr p -> { return true; }
                case BtfType.Float f -> { return true; }
                case BtfType.Fwd f -> { return compatibleNames(l.name(), t.name()); }
                case BtfType.Enum e -> { return compatibleNames(l.name(), t.name()); }
                case BtfType.Enum64 e -> { return compatibleNames(l.name(), t.name()); }
                case BtfType.Int i -> { return intOffset(l) == 0 && intOffset(t) == 0; }
                case BtfType.Array a -> {
                    localId = a.type();
                    targetId = ((BtfType.Array) t).type();
                }
                default -> { return false; }
            }
        }
    }

    private static boolean compatibleNames(String local, String target) {
        String l = essentialName(local), t = essentialName(target);
        return l.isEmpty() || t.isEmpty() || l.equals(t);
    }

    /**
     * Whether two types are compatible for the type-based relocations (libbpf's
     * {@code bpf_core_types_are_compat}): same kinds through pointers, arrays and function prototypes;
     * structs, unions, enums and forward declarations by kind only (names were matched by the
     * candidate search).
     */
    static boolean typesCompatible(Btf local, int localId, Btf target, int targetId, int level) {
        if (!kindsCompatible(local.type(localId), target.type(targetId))) return false;
        for (int depth = 0; ; depth++) {
            if (depth >= MAX_DEPTH) throw new Failure("types nest too deep");
            BtfType l = skip(local, localId), t = skip(target, targetId);
            if (!kindsCompatible(l, t)) return false;
            switch (l) {
                case BtfType.Void v -> { return true; }
                case BtfType.Struct s -> { return true; }
                case BtfType.Union u -> { return true; }
                case BtfType.Enum e -> { return true; }
                case BtfType.Enum64 e -> { return true; }
                case BtfType.Fwd f -> { return true; }
                case BtfType.Int i -> { return intOffset(l) == 0 && intOffset(t) == 0; }
                case BtfType.Ptr p -> {
                    localId = p.type();
                    targetId = ((BtfType.Ptr) t).type();
                }
                case BtfType.Array a -> {
                    localId = a.type();
                    targetId = ((BtfType.Array) t).type();
                }
                case BtfType.FuncProto lp -> {
                    BtfType.FuncProto tp = (BtfType.FuncProto) t;
                    if (lp.params().size() != tp.params().size()) return false;
                    for (int i = 0; i < lp.params().size(); i++) {
                        if (level <= 0) throw new Failure("function prototypes nest too deep");
                        int lid = skip(local, lp.params().get(i).type()).id();
                        int tid = skip(target, tp.params().get(i).type()).id();
                        if (!typesCompatible(local, lid, target, tid, level - 1)) return false;
                    }
                    localId = skip(local, lp.returnType()).id();
                    targetId = skip(target, tp.returnType()).id();
                }
                default -> { return false; }
            }
        }
    }

    /**
     * libbpf's {@code bpf_core_types_match} ({@code TYPE_MATCHES}): names match at every level,
     * integers have the same size and signedness, arrays the same length, enums the same size and
     * every local enumerator exists in the target, every local member of a struct or union has a
     * matching member in the target; behind a pointer a struct or union also matches a forward
     * declaration of the same kind.
     */
    static boolean typesMatch(Btf local, int localId, Btf target, int targetId, boolean behindPtr, int level) {
        if (level <= 0) throw new Failure("types nest too deep");
        for (int depth = 0; ; depth++) {
            if (depth >= MAX_DEPTH) throw new Failure("types nest too deep");
            BtfType l = skip(local, localId), t = skip(target, targetId);
            if (!namesMatch(name(l), name(t))) return false;
            switch (l) {
                case BtfType.Void v -> { return t instanceof BtfType.Void; }
                case BtfType.Fwd f -> {
                    if (behindPtr) {
                        if (t instanceof BtfType.Fwd tf) return f.union() == tf.union();
                        return (t instanceof BtfType.Struct && !f.union()) || (t instanceof BtfType.Union && f.union());
                    }
                    return t instanceof BtfType.Fwd tf && f.union() == tf.union();
                }
                case BtfType.Enum e -> { return isEnum(t) && enumsMatch(l, t); }
                case BtfType.Enum64 e -> { return isEnum(t) && enumsMatch(l, t); }
                case BtfType.Struct s -> {
                    return behindPtr ? t instanceof BtfType.Struct || (t instanceof BtfType.Fwd tf && !tf.union())
                            : t instanceof BtfType.Struct && compositesMatch(local, l, target, t, behindPtr, level);
                }
                case BtfType.Union u -> {
                    return behindPtr ? t instanceof BtfType.Union || (t instanceof BtfType.Fwd tf && tf.union())
                            : t instanceof BtfType.Union && compositesMatch(local, l, target, t, behindPtr, level);
                }
                case BtfType.Int i -> {
                    return t instanceof BtfType.Int ti && i.size() == ti.size() && i.signed() == ti.signed();
                }
                case BtfType.Ptr p -> {
                    if (!(t instanceof BtfType.Ptr tp)) return false;
                    behindPtr = true;
                    localId = p.type();
                    targetId = tp.type();
                }
                case BtfType.Array a -> {
                    if (!(t instanceof BtfType.Array ta) || a.nelems() != ta.nelems()) return false;
                    localId = a.type();
                    targetId = ta.type();
                }
                case BtfType.FuncProto lp -> {
                    if (!(t instanceof BtfType.FuncProto tp) || lp.params().size() != tp.params().size()) return false;
                    for (int i = 0; i < lp.params().size(); i++) {
                        if (!typesMatch(local, lp.params().get(i).type(), target, tp.params().get(i).type(), behindPtr, level - 1)) {
                            return false;
                        }
                    }
                    localId = lp.returnType();
                    targetId = tp.returnType();
                }
                default -> { return false; }
            }
        }
    }

    private static long enumSize(BtfType t) {
        return t instanceof BtfType.Enum e ? e.size() : ((BtfType.Enum64) t).size();
    }

    private static boolean enumsMatch(BtfType local, BtfType target) {
        if (enumSize(local) != enumSize(target)) return false;
        List<BtfType.EnumValue> lv = enumValues(local), tv = enumValues(target);
        if (lv.size() > tv.size()) return false;
        for (BtfType.EnumValue l : lv) {
            if (tv.stream().noneMatch(t -> namesMatch(l.name(), t.name()))) return false;
        }
        return true;
    }

    private static boolean compositesMatch(Btf local, BtfType l, Btf target, BtfType t, boolean behindPtr, int level) {
        List<BtfType.Member> lm = members(l), tm = members(t);
        if (lm.size() > tm.size()) return false;
        for (BtfType.Member m : lm) {
            boolean matched = false;
            for (BtfType.Member c : tm) {
                if (namesMatch(m.name(), c.name()) && typesMatch(local, m.type(), target, c.type(), behindPtr, level - 1)) {
                    matched = true;
                    break;
                }
            }
            if (!matched) return false;
        }
        return true;
    }
}

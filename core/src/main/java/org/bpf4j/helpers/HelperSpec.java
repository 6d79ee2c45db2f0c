package org.bpf4j.helpers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.verifier.HelperProto;

/**
 * Everything bpf4j knows of one helper: its id and name, its prototype ({@code struct bpf_func_proto}, with
 * the variants some program types get), the verifier's flags, the callers that may call it, and bpf4j's
 * implementation where one exists. {@link HelperSpecs} is the table of them.
 *
 * @param proto the prototype most program types get (and the one the verifier's type-independent passes use)
 * @param variants prototypes given to some program types instead, first match wins
 * @param gplOnly the prototype is gpl_only
 * @param callers who may call it ({@code get_func_proto} of the caller returns a prototype)
 * @param notGplOnlyFor callers whose prototype is a variant that is not gpl_only
 * @param notAllowedFor callers whose prototype's {@code allowed} callback refuses the call
 */
public record HelperSpec(int id, String name, HelperProto proto, List<Variant> variants, boolean gplOnly,
                         Set<Caller> callers, Set<Caller> notGplOnlyFor, Set<Caller> notAllowedFor,
                         Set<HelperFlag> flags, Optional<Implementation> implementation) {

    /** A prototype some program types get instead of {@link #proto}. */
    public record Variant(Set<ProgramType> types, HelperProto proto) {}

    /** bpf4j's implementation, bound when a program is loaded; empty where it has none for the env's program type. */
    @FunctionalInterface
    public interface Implementation {
        Optional<Helper> bind(int id, HelperEnv env);
    }

    public HelperSpec {
        variants = List.copyOf(variants);
        callers = Collections.unmodifiableSet(copy(callers));
        notGplOnlyFor = Collections.unmodifiableSet(copy(notGplOnlyFor));
        notAllowedFor = Collections.unmodifiableSet(copy(notAllowedFor));
        flags = Collections.unmodifiableSet(flags.isEmpty() ? EnumSet.noneOf(HelperFlag.class) : EnumSet.copyOf(flags));
        if (!callers.containsAll(notGplOnlyFor) || !callers.containsAll(notAllowedFor)) {
            throw new IllegalArgumentException(name + ": an exception names a caller the helper is not offered to");
        }
    }

    private static EnumSet<Caller> copy(Set<Caller> s) {
        return s.isEmpty() ? EnumSet.noneOf(Caller.class) : EnumSet.copyOf(s);
    }

    /** The prototype a program of {@code type} gets. */
    public HelperProto proto(ProgramType type) {
        for (Variant v : variants) if (v.types().contains(type)) return v.proto();
        return proto;
    }

    /** Whether the prototype {@code caller} gets is gpl_only. */
    public boolean gplOnlyFor(Caller caller) {
        return gplOnly && callers.contains(caller) && !notGplOnlyFor.contains(caller);
    }

    public boolean has(HelperFlag flag) {
        return flags.contains(flag);
    }

    /** A spec for helper {@code id} named {@code name}, to be completed with the builder's methods. */
    public static Builder builder(int id, String name) {
        return new Builder(id, name);
    }

    /** Builds a spec; {@link HelperSpecs} writes its table with it. */
    public static final class Builder {
        private final int id;
        private final String name;
        private HelperProto proto;
        private final List<Variant> variants = new ArrayList<>();
        private boolean gplOnly;
        private final EnumSet<Caller> callers = EnumSet.noneOf(Caller.class);
        private final EnumSet<Caller> notGplOnlyFor = EnumSet.noneOf(Caller.class);
        private final EnumSet<Caller> notAllowedFor = EnumSet.noneOf(Caller.class);
        private final EnumSet<HelperFlag> flags = EnumSet.noneOf(HelperFlag.class);
        private Implementation implementation;

        private Builder(int id, String name) {
            this.id = id;
            this.name = name;
            this.proto = HelperProto.unmodelled(id, "no prototype");
        }

        /** The prototype: return type, whether it takes packet pointers (pkt_access), argument types. */
        public Builder def(int ret, boolean pktAccess, int... args) {
            proto = HelperProto.def(id, ret, pktAccess, args);
            return this;
        }

        /** A prototype bpf4j cannot check: a call is unsupported, for {@code reason}. */
        public Builder unmodelled(String reason) {
            proto = HelperProto.unmodelled(id, reason);
            return this;
        }

        /** The returned memory's size is argument {@code arg}'s (1-based), as bpf_ringbuf_reserve's. */
        public Builder allocRetSize(int arg) {
            proto = proto.withAllocRetSize(arg);
            return this;
        }

        public Builder gplOnly() {
            gplOnly = true;
            return this;
        }

        public Builder callers(Caller... cs) {
            callers.addAll(List.of(cs));
            return this;
        }

        /** Every caller of {@code group}. */
        public Builder group(Set<Caller> group) {
            callers.addAll(group);
            return this;
        }

        /** Every caller of {@code group} but {@code except}. */
        public Builder groupExcept(Set<Caller> group, Caller... except) {
            EnumSet<Caller> s = EnumSet.copyOf(group);
            List.of(except).forEach(s::remove);
            callers.addAll(s);
            return this;
        }

        public Builder notGplOnlyFor(Caller... cs) {
            notGplOnlyFor.addAll(List.of(cs));
            return this;
        }

        public Builder notAllowedFor(Caller... cs) {
            notAllowedFor.addAll(List.of(cs));
            return this;
        }

        public Builder flags(HelperFlag... fs) {
            flags.addAll(List.of(fs));
            return this;
        }

        /** Programs of {@code types} get the prototype {@code variant} builds instead. */
        public Builder variantFor(Function<Builder, Builder> variant, ProgramType... types) {
            return variant(variant, EnumSet.copyOf(List.of(types)));
        }

        /** Programs of every type but {@code types} get the prototype {@code variant} builds instead. */
        public Builder variantForAllBut(Function<Builder, Builder> variant, ProgramType... types) {
            return variant(variant, EnumSet.complementOf(EnumSet.copyOf(List.of(types))));
        }

        /** Programs of {@code types} get the prototype with allow_fastcall. */
        public Builder fastcallFor(ProgramType... types) {
            variants.add(new Variant(EnumSet.copyOf(List.of(types)), proto.withAllowFastcall()));
            return this;
        }

        private Builder variant(Function<Builder, Builder> variant, Set<ProgramType> types) {
            variants.add(new Variant(types, variant.apply(new Builder(id, name)).proto));
            return this;
        }

        public Builder implementation(Implementation impl) {
            implementation = impl;
            return this;
        }

        public HelperSpec build() {
            return new HelperSpec(id, name, proto, variants, gplOnly, callers, notGplOnlyFor, notAllowedFor, flags,
                    Optional.ofNullable(implementation));
        }
    }
}

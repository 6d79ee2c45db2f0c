package org.bpf4j.cli;

import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfType;
import org.bpf4j.btf.BtfValues;
import org.bpf4j.elf.BpfObject;

/** Bytes read as one BTF type of an object: a map's key or value, a ring buffer's record struct. */
record BtfDecoder(Btf btf, int typeId) {

    Object decode(byte[] bytes) {
        return BtfValues.decode(btf, typeId, bytes);
    }

    long size() { return btf.sizeof(typeId); }

    /**
     * What a record of {@code length} bytes is, where the object says nothing (libbpf-based tools decode records as
     * the struct they know they output): the object's one named struct of that size ({@code padded}: a perf raw
     * sample, its bytes and u32 size rounded up to 8). Empty when none or several match: hex then.
     */
    static Optional<BtfDecoder> ofStructOfSize(BpfObject obj, int length, boolean padded) {
        if (obj.btf().isEmpty()) return Optional.empty();
        Btf btf = obj.btf().get();
        java.util.List<BtfType.Struct> fits = btf.types().stream()
                .filter(t -> t instanceof BtfType.Struct s && !s.name().isEmpty() && s.size() > 0
                        && (padded ? ((s.size() + 4 + 7) & ~7L) - 4 == length : s.size() == length))
                .map(t -> (BtfType.Struct) t).toList();
        return fits.size() == 1 ? Optional.of(new BtfDecoder(btf, fits.getFirst().id())) : Optional.empty();
    }

    /** Map {@code name}'s key or value type, when the object's BTF describes it (for a ring buffer, a {@code __type(value, ...)} annotation). */
    static Optional<BtfDecoder> ofMap(BpfObject obj, String name, boolean key) {
        if (obj.btf().isEmpty()) return Optional.empty();
        return obj.maps().stream().filter(d -> d.name().equals(name)).findFirst()
                .map(d -> key ? d.btfKeyTypeId() : d.btfValueTypeId()).filter(id -> id != 0)
                .map(id -> new BtfDecoder(obj.btf().get(), id));
    }

    /** The struct, union or typedef named {@code name} in the object's BTF; a name it lacks is the user's to fix. */
    static BtfDecoder ofType(BpfObject obj, String name, String option) {
        if (obj.btf().isEmpty()) throw new UserInputException(option + " " + name + ": " + obj.name() + " has no BTF to read types from");
        String bare = name.replaceFirst("^(struct|union|typedef) +", "");
        return obj.btf().get().typesByName(bare).stream()
                .filter(t -> t instanceof BtfType.Struct || t instanceof BtfType.Union || t instanceof BtfType.Typedef)
                .findFirst().map(t -> new BtfDecoder(obj.btf().get(), t.id()))
                .orElseThrow(() -> new UserInputException(option + " " + name + ": " + obj.name() + "'s BTF has no struct, union or typedef named '"
                        + bare + "'"));
    }
}

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

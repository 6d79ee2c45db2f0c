package org.bpf4j.btf;

import java.util.List;

/**
 * One BTF type, one record per kind of Linux 6.18 ({@code BTF_KIND_*}). Types refer to each other by
 * id (an index into the {@link Btf} they come from), not by reference: BTF graphs are cyclic (a
 * struct pointing to itself), and ids are what the kernel, {@code .BTF.ext} and CO-RE records use.
 * Anonymous types have the empty string as name.
 */
public sealed interface BtfType {

    /** The type id: 0 is {@code void}, real types start at 1. */
    int id();

    /** The name, empty for anonymous types. */
    String name();

    /** The kernel's kind number ({@code BTF_KIND_INT} = 1 ... {@code BTF_KIND_ENUM64} = 19). */
    int kind();

    int KIND_VOID = 0, KIND_INT = 1, KIND_PTR = 2, KIND_ARRAY = 3, KIND_STRUCT = 4, KIND_UNION = 5,
            KIND_ENUM = 6, KIND_FWD = 7, KIND_TYPEDEF = 8, KIND_VOLATILE = 9, KIND_CONST = 10,
            KIND_RESTRICT = 11, KIND_FUNC = 12, KIND_FUNC_PROTO = 13, KIND_VAR = 14, KIND_DATASEC = 15,
            KIND_FLOAT = 16, KIND_DECL_TAG = 17, KIND_TYPE_TAG = 18, KIND_ENUM64 = 19;

    /** Types that only qualify or rename another one: resolved through by {@link Btf#resolve}. */
    sealed interface Modifier extends BtfType permits Typedef, Volatile, Const, Restrict, TypeTag {
        int type();
    }

    /** Type id 0. */
    record Void() implements BtfType {
        public int id() { return 0; }
        public String name() { return "void"; }
        public int kind() { return KIND_VOID; }
    }

    /**
     * An integer type.
     *
     * @param size size in bytes
     * @param encoding {@code BTF_INT_SIGNED} (1), {@code BTF_INT_CHAR} (2), {@code BTF_INT_BOOL} (4) bits
     * @param bitOffset the bit offset inside the storage (kept for old bitfield encodings)
     * @param bits the number of value bits
     */
    record Int(int id, String name, int size, int encoding, int bitOffset, int bits) implements BtfType {
        public static final int SIGNED = 1, CHAR = 2, BOOL = 4;
        public int kind() { return KIND_INT; }
        public boolean signed() { return (encoding & SIGNED) != 0; }
    }

    record Ptr(int id, String name, int type) implements BtfType {
        public int kind() { return KIND_PTR; }
    }

    /** An array: element type, index type and element count ({@code nelems}, unsigned 32-bit). */
    record Array(int id, String name, int type, int indexType, long nelems) implements BtfType {
        public int kind() { return KIND_ARRAY; }
    }

    /**
     * A struct or union member.
     *
     * @param bitOffset offset of the member from the start of the struct, in bits
     * @param bitfieldSize the bitfield width, 0 when the member is not a bitfield
     */
    record Member(String name, int type, long bitOffset, int bitfieldSize) {}

    record Struct(int id, String name, long size, List<Member> members) implements BtfType {
        public Struct { members = List.copyOf(members); }
        public int kind() { return KIND_STRUCT; }
    }

    record Union(int id, String name, long size, List<Member> members) implements BtfType {
        public Union { members = List.copyOf(members); }
        public int kind() { return KIND_UNION; }
    }

    /** One enumerator: the value is sign- or zero-extended per the enum's signedness. */
    record EnumValue(String name, long value) {}

    record Enum(int id, String name, int size, boolean signed, List<EnumValue> values) implements BtfType {
        public Enum { values = List.copyOf(values); }
        public int kind() { return KIND_ENUM; }
    }

    record Enum64(int id, String name, int size, boolean signed, List<EnumValue> values) implements BtfType {
        public Enum64 { values = List.copyOf(values); }
        public int kind() { return KIND_ENUM64; }
    }

    /** A forward declaration of a struct or (when {@code union}) a union. */
    record Fwd(int id, String name, boolean union) implements BtfType {
        public int kind() { return KIND_FWD; }
    }

    record Typedef(int id, String name, int type) implements Modifier {
        public int kind() { return KIND_TYPEDEF; }
    }

    record Volatile(int id, String name, int type) implements Modifier {
        public int kind() { return KIND_VOLATILE; }
    }

    record Const(int id, String name, int type) implements Modifier {
        public int kind() { return KIND_CONST; }
    }

    record Restrict(int id, String name, int type) implements Modifier {
        public int kind() { return KIND_RESTRICT; }
    }

    /** A type tag ({@code __attribute__((btf_type_tag))}); {@code attribute} is the kind_flag form. */
    record TypeTag(int id, String name, int type, boolean attribute) implements Modifier {
        public int kind() { return KIND_TYPE_TAG; }
    }

    /** Function linkage as BTF encodes it in {@code vlen}. */
    enum Linkage { STATIC, GLOBAL, EXTERN }

    /** A function: {@code type} is its {@link FuncProto}. */
    record Func(int id, String name, int type, Linkage linkage) implements BtfType {
        public int kind() { return KIND_FUNC; }
    }

    /** A parameter; a trailing one with type 0 and no name marks a variadic function. */
    record Param(String name, int type) {}

    record FuncProto(int id, String name, int returnType, List<Param> params) implements BtfType {
        public FuncProto { params = List.copyOf(params); }
        public int kind() { return KIND_FUNC_PROTO; }
    }

    /** Variable linkage: static, global (allocated) or extern. */
    enum VarLinkage { STATIC, GLOBAL, EXTERN }

    record Var(int id, String name, int type, VarLinkage linkage) implements BtfType {
        public int kind() { return KIND_VAR; }
    }

    /** A variable placed in a data section: its {@link Var} id, offset and size in the section. */
    record VarSecinfo(int type, long offset, long size) {}

    record Datasec(int id, String name, long size, List<VarSecinfo> vars) implements BtfType {
        public Datasec { vars = List.copyOf(vars); }
        public int kind() { return KIND_DATASEC; }
    }

    record Float(int id, String name, int size) implements BtfType {
        public int kind() { return KIND_FLOAT; }
    }

    /**
     * A declaration tag on {@code type}; {@code componentIndex} is -1 for the type itself, else the
     * member or parameter index; {@code attribute} is the kind_flag form.
     */
    record DeclTag(int id, String name, int type, int componentIndex, boolean attribute) implements BtfType {
        public int kind() { return KIND_DECL_TAG; }
    }
}

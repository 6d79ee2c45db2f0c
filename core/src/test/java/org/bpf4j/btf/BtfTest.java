package org.bpf4j.btf;

import org.bpf4j.maps.MapType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.bpf4j.btf.BtfType.*;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

class BtfTest {

    /** One type of every kind of Linux 6.18, in id order 1..20. */
    static byte[] everyKind() {
        BtfBuilder b = new BtfBuilder();
        int intT = b.type("int", 1, 0, false, 4);                     // 1
        b.u32((1L << 24) | 32);                                       //   signed, 32 bits
        int ptr = b.type("", 2, 0, false, intT);                      // 2
        int arr = b.type("", 3, 0, false, 0);                         // 3
        b.u32(intT).u32(intT).u32(10);
        int st = b.type("pair", 4, 2, true, 8);                       // 4: struct with a bitfield
        b.u32(b.str("a")).u32(intT).u32(0);
        b.u32(b.str("b")).u32(intT).u32((3L << 24) | 32);
        int un = b.type("either", 5, 1, false, 4);                    // 5
        b.u32(b.str("x")).u32(intT).u32(0);
        int en = b.type("color", 6, 2, true, 4);                      // 6: signed enum
        b.u32(b.str("RED")).u32(0);
        b.u32(b.str("NEG")).u32(-5);
        int fwd = b.type("later", 7, 0, true, 0);                     // 7: union fwd
        int td = b.type("myint", 8, 0, false, intT);                  // 8
        int vol = b.type("", 9, 0, false, td);                        // 9
        int cnst = b.type("", 10, 0, false, vol);                     // 10
        int restr = b.type("", 11, 0, false, ptr);                    // 11
        int proto = b.type("", 13, 2, false, intT);                   // 12
        b.u32(b.str("p")).u32(ptr);
        b.u32(0).u32(0);                                              //   variadic
        int func = b.type("f", 12, 1, false, proto);                  // 13: global
        int var = b.type("v", 14, 0, false, st);                      // 14
        b.u32(1);
        int sec = b.type(".data", 15, 1, false, 8);                   // 15
        b.u32(var).u32(0).u32(8);
        int fl = b.type("double", 16, 0, false, 8);                   // 16
        int tag = b.type("tag", 17, 0, false, st);                    // 17
        b.u32(1);
        int ttag = b.type("user", 18, 0, false, intT);                // 18
        int e64 = b.type("big", 19, 1, false, 8);                     // 19
        b.u32(b.str("HUGE")).u32(0x89abcdefL).u32(0x01234567);
        int cnstArr = b.type("", 10, 0, false, arr);                  // 20
        assertThat(new int[] {intT, ptr, arr, st, un, en, fwd, td, vol, cnst, restr, proto, func, var, sec, fl, tag, ttag, e64, cnstArr})
                .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
        return b.build();
    }

    @Test
    void parsesEveryKind() {
        Btf btf = Btf.parse(everyKind());
        assertThat(btf.size()).isEqualTo(21);
        assertThat(btf.type(0)).isInstanceOf(BtfType.Void.class);
        assertThat(btf.type(1)).isEqualTo(new Int(1, "int", 4, Int.SIGNED, 0, 32));
        assertThat(btf.type(2)).isEqualTo(new Ptr(2, "", 1));
        assertThat(btf.type(3)).isEqualTo(new BtfType.Array(3, "", 1, 1, 10));
        assertThat(btf.type(4)).isEqualTo(new Struct(4, "pair", 8, java.util.List.of(
                new Member("a", 1, 0, 0), new Member("b", 1, 32, 3))));
        assertThat(btf.type(5)).isInstanceOf(Union.class);
        assertThat(btf.type(6)).isEqualTo(new BtfType.Enum(6, "color", 4, true, java.util.List.of(
                new EnumValue("RED", 0), new EnumValue("NEG", -5))));
        assertThat(btf.type(7)).isEqualTo(new Fwd(7, "later", true));
        assertThat(btf.type(8)).isEqualTo(new Typedef(8, "myint", 1));
        assertThat(btf.type(9)).isEqualTo(new Volatile(9, "", 8));
        assertThat(btf.type(10)).isEqualTo(new Const(10, "", 9));
        assertThat(btf.type(11)).isEqualTo(new Restrict(11, "", 2));
        assertThat(btf.type(12)).isEqualTo(new FuncProto(12, "", 1, java.util.List.of(new Param("p", 2), new Param("", 0))));
        assertThat(btf.type(13)).isEqualTo(new Func(13, "f", 12, Linkage.GLOBAL));
        assertThat(btf.type(14)).isEqualTo(new Var(14, "v", 4, VarLinkage.GLOBAL));
        assertThat(btf.type(15)).isEqualTo(new Datasec(15, ".data", 8, java.util.List.of(new VarSecinfo(14, 0, 8))));
        assertThat(btf.type(16)).isEqualTo(new BtfType.Float(16, "double", 8));
        assertThat(btf.type(17)).isEqualTo(new DeclTag(17, "tag", 4, 1, false));
        assertThat(btf.type(18)).isEqualTo(new TypeTag(18, "user", 1, false));
        assertThat(btf.type(19)).isEqualTo(new Enum64(19, "big", 8, false, java.util.List.of(new EnumValue("HUGE", 0x0123456789abcdefL))));
        // every kind number appears once
        assertThat(btf.types().stream().skip(1).mapToInt(BtfType::kind).distinct().count()).isEqualTo(19);
    }

    @Test
    void resolvesThroughModifiersAndComputesSizes() {
        Btf btf = Btf.parse(everyKind());
        assertThat(btf.resolve(10)).isEqualTo(btf.type(1));   // const -> volatile -> typedef -> int
        assertThat(btf.resolve(18)).isEqualTo(btf.type(1));   // type tag
        assertThat(btf.resolve(2)).isEqualTo(btf.type(2));    // a pointer is not resolved through
        assertThat(btf.sizeof(10)).isEqualTo(4);
        assertThat(btf.sizeof(20)).isEqualTo(40);             // const int[10]
        assertThat(btf.sizeof(2)).isEqualTo(8);
        assertThat(btf.sizeof(4)).isEqualTo(8);
        assertThat(btf.sizeof(14)).isEqualTo(8);              // a variable has its type's size
        assertThat(btf.sizeof(6)).isEqualTo(4);
        assertThat(btf.sizeof(19)).isEqualTo(8);
        assertThat(btf.sizeof(16)).isEqualTo(8);
        assertThatThrownBy(() -> btf.sizeof(7)).isInstanceOf(BtfFormatException.class).hasMessageContaining("forward");
        assertThatThrownBy(() -> btf.sizeof(13)).isInstanceOf(BtfFormatException.class);
        assertThatThrownBy(() -> btf.sizeof(0)).isInstanceOf(BtfFormatException.class);
        assertThatThrownBy(() -> btf.type(21)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void looksTypesUpByName() {
        Btf btf = Btf.parse(everyKind());
        assertThat(btf.typeByName("pair")).hasValue(btf.type(4));
        assertThat(btf.typeByName("pair", Struct.class)).hasValue((Struct) btf.type(4));
        assertThat(btf.typeByName("pair", Union.class)).isEmpty();
        assertThat(btf.typeByName("nothing")).isEmpty();
        assertThat(btf.typesByName("int")).containsExactly(btf.type(1));
        assertThat(btf.typesByName("")).isEmpty();
        assertThat(btf.string(0)).isEmpty();
    }

    @Test
    void typedefLoopsAreRefusedWhenResolved() {
        BtfBuilder b = new BtfBuilder();
        b.type("a", 8, 0, false, 2);
        b.type("b", 8, 0, false, 1);
        Btf btf = Btf.parse(b.build());
        assertThatThrownBy(() -> btf.resolve(1)).isInstanceOf(BtfFormatException.class).hasMessageContaining("too deep");
        assertThatThrownBy(() -> btf.sizeof(1)).isInstanceOf(BtfFormatException.class).hasMessageContaining("too deep");
    }

    @Test
    void arraySizesThatOverflowAreRefused() {
        BtfBuilder b = new BtfBuilder();
        b.type("long", 1, 0, false, 8);
        b.u32(64);
        b.type("", 3, 0, false, 0);
        b.u32(1).u32(1).u32(0xffffffffL);
        b.type("", 3, 0, false, 0);
        b.u32(2).u32(1).u32(0xffffffffL);
        b.type("", 3, 0, false, 0);
        b.u32(3).u32(1).u32(0xffffffffL);
        Btf btf = Btf.parse(b.build());
        assertThat(btf.sizeof(2)).isEqualTo(8L * 0xffffffffL);
        assertThatThrownBy(() -> btf.sizeof(4)).isInstanceOf(BtfFormatException.class).hasMessageContaining("overflows");
    }

    @Test
    void malformedBtfIsRefused() {
        byte[] good = everyKind();
        Map<String, byte[]> bad = new HashMap<>();
        bad.put("shorter than its header", Arrays.copyOf(good, 10));
        byte[] magic = good.clone();
        magic[0] = 0;
        bad.put("bad BTF magic", magic);
        byte[] bigEndian = good.clone();
        bigEndian[0] = (byte) 0xeB;
        bigEndian[1] = (byte) 0x9F;
        bad.put("big-endian", bigEndian);
        bad.put("out of bounds", Arrays.copyOf(good, good.length - 1)); // string section past the end
        byte[] typeLen = good.clone();
        typeLen[12] += 4; // type section grows into the strings
        bad.put("overlap", typeLen);
        BtfBuilder unknownKind = new BtfBuilder();
        unknownKind.type("x", 20, 0, false, 0);
        bad.put("unknown kind 20", unknownKind.build());
        BtfBuilder dangling = new BtfBuilder();
        dangling.type("p", 2, 0, false, 7);
        bad.put("refers to type 7, which does not exist", dangling.build());
        BtfBuilder vlen = new BtfBuilder();
        vlen.type("s", 4, 100, false, 4);
        bad.put("members of type 1 is out of bounds", vlen.build());
        BtfBuilder badInt = new BtfBuilder();
        badInt.type("i", 1, 0, false, 3);
        badInt.u32(64);
        bad.put("bad size", badInt.build());
        byte[] nameOff = everyKind();
        nameOff[24] = (byte) 0xf0; // first type's name offset far outside the strings
        bad.put("outside the string section", nameOff);
        byte[] unterminated = everyKind();
        unterminated[unterminated.length - 1] = 'x';
        bad.put("start and end with NUL", unterminated);
        bad.forEach((message, data) -> assertThatThrownBy(() -> Btf.parse(data)).as(message)
                .isInstanceOf(BtfFormatException.class).hasMessageContaining(message));
    }

    @Test
    void mutatedBtfParsesOrFailsWithBtfFormatExceptionOnly() {
        byte[] good = everyKind();
        Random r = new Random(42);
        int refused = 0;
        for (int c = 0; c < 20_000; c++) {
            byte[] b = good.clone();
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                int at = r.nextInt(b.length);
                b[at] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) (b[at] ^ (1 << r.nextInt(8)));
            }
            if (r.nextInt(10) == 0) b = Arrays.copyOf(b, r.nextInt(b.length));
            try {
                Btf btf = Btf.parse(b);
                for (int id = 0; id < btf.size(); id++) {
                    try {
                        btf.resolve(id);
                        btf.sizeof(id);
                    } catch (BtfFormatException expected) {
                        // types without a size, loops
                    }
                }
            } catch (BtfFormatException e) {
                refused++;
            }
        }
        assertThat(refused).isGreaterThan(1000);
    }

    @Test
    void vmlinuxParsesFullyAndQuickly() throws IOException {
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        assumeTrue(Files.isReadable(vmlinux), "no /sys/kernel/btf/vmlinux on this machine: kernel BTF test skipped");
        long start = System.nanoTime();
        Btf btf = Btf.load(vmlinux);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("parse time in ms").isLessThan(5_000);
        assertThat(btf.size()).isGreaterThan(50_000);
        EnumSet<Kinds> seen = EnumSet.noneOf(Kinds.class);
        for (BtfType t : btf.types()) seen.add(Kinds.values()[t.kind()]);
        assertThat(seen).contains(Kinds.INT, Kinds.PTR, Kinds.ARRAY, Kinds.STRUCT, Kinds.UNION, Kinds.ENUM, Kinds.FWD,
                Kinds.TYPEDEF, Kinds.VOLATILE, Kinds.CONST, Kinds.FUNC, Kinds.FUNC_PROTO, Kinds.VAR, Kinds.DATASEC);
        Struct task = btf.typeByName("task_struct", Struct.class).orElseThrow();
        assertThat(task.size()).isGreaterThan(1000);
        assertThat(task.members()).extracting(Member::name).contains("pid", "tgid", "comm");
        assertThat(btf.resolve(btf.typeByName("u32").orElseThrow().id())).isInstanceOfSatisfying(Int.class, i -> assertThat(i.size()).isEqualTo(4));
        // Every type that has a size can be sized (no loops, no dangling ids in real kernel BTF).
        for (BtfType t : btf.types()) {
            if (t instanceof Struct || t instanceof Union || t instanceof BtfType.Array) btf.sizeof(t.id());
        }
    }

    @Test
    void programMapAndAttachTypesMatchTheRunningKernel() throws IOException {
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        assumeTrue(Files.isReadable(vmlinux), "no /sys/kernel/btf/vmlinux on this machine: enum cross-check skipped");
        Btf btf = Btf.load(vmlinux);
        for (ProgramType t : ProgramType.values()) assertThat(enumValue(btf, "bpf_prog_type", "BPF_PROG_TYPE_" + t.name())).as(t.name()).isEqualTo(t.id());
        for (MapType t : MapType.values()) assertThat(enumValue(btf, "bpf_map_type", "BPF_MAP_TYPE_" + t.name())).as(t.name()).isEqualTo(t.id());
        for (AttachType t : AttachType.values()) assertThat(enumValue(btf, "bpf_attach_type", "BPF_" + t.name())).as(t.name()).isEqualTo(t.id());
        // and nothing the kernel has is missing here (the kernel's enums end with a __MAX_ value)
        assertThat(enumValue(btf, "bpf_prog_type", "__MAX_BPF_PROG_TYPE")).isEqualTo(ProgramType.values().length);
        assertThat(enumValue(btf, "bpf_map_type", "__MAX_BPF_MAP_TYPE")).isEqualTo(MapType.values().length);
        assertThat(enumValue(btf, "bpf_attach_type", "__MAX_BPF_ATTACH_TYPE")).isEqualTo(AttachType.values().length);
    }

    private static long enumValue(Btf btf, String enumName, String value) {
        BtfType.Enum e = btf.typeByName(enumName, BtfType.Enum.class).orElseThrow();
        return e.values().stream().filter(v -> v.name().equals(value)).findFirst()
                .orElseThrow(() -> new AssertionError(enumName + " has no " + value)).value();
    }

    private enum Kinds { VOID, INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 }
}

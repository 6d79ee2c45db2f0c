package org.bpf4j.btf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.junit.jupiter.api.Test;

/** Map keys and values read through the object's BTF, as bpftool prints them. */
class BtfValuesTest {
    private static final Path ROOT = Path.of(System.getProperty("bpf4j.root", ".."));

    private static Object decode(BpfObject o, String map, boolean key, byte[] bytes) {
        MapDefinition def = o.maps().stream().filter(m -> m.name().equals(map)).findFirst().orElseThrow();
        return BtfValues.decode(o.btf().orElseThrow(), key ? def.btfKeyTypeId() : def.btfValueTypeId(), bytes);
    }

    @Test
    void structsByFieldNameInFieldOrder() throws IOException {
        BpfObject firewall = BpfObject.open(ROOT.resolve("examples/xdp/firewall.bpf.o"));
        // struct src_key { __u32 prefixlen; __be32 addr; }: 10.0.0.0/8
        assertThat(decode(firewall, "blocked_src", true, new byte[] {8, 0, 0, 0, 10, 0, 0, 0}))
                .isEqualTo(Map.of("prefixlen", 8L, "addr", 10L));
        // struct port_key { __be16 port; __u8 proto; __u8 pad; }
        Object port = decode(firewall, "blocked_ports", true, new byte[] {0, 0x35, 17, 0});
        assertThat(port).isInstanceOf(Map.class).hasToString("{port=13568, proto=17, pad=0}");
        // struct counter { __u64 packets; __u64 bytes; }; an unsigned 64-bit value beyond Long.MAX_VALUE stays unsigned
        byte[] counter = new byte[16];
        counter[0] = 3;
        java.util.Arrays.fill(counter, 8, 16, (byte) 0xff);
        assertThat(decode(firewall, "stats", false, counter)).hasToString("{packets=3, bytes=18446744073709551615}");
    }

    @Test
    void globalDataIsItsVariablesByName() throws IOException {
        BpfObject firewall = BpfObject.open(ROOT.resolve("examples/xdp/firewall.bpf.o"));
        Object rodata = decode(firewall, ".rodata", false, new byte[] {0x17, 0});
        assertThat(rodata).isInstanceOf(Map.class);
        assertThat(List.copyOf(((Map<?, ?>) rodata).values())).isEqualTo(List.of(23L));
    }

    @Test
    void bytesShorterThanTheTypeComeOutAsHex() throws IOException {
        BpfObject firewall = BpfObject.open(ROOT.resolve("examples/xdp/firewall.bpf.o"));
        assertThat(decode(firewall, "stats", false, new byte[] {1, 2, 3})).isEqualTo("010203");
    }

    @Test
    void charArraysHoldingACStringAreThatString() {
        // struct event { char comm[8]; int n[2]; }
        BtfBuilder b = new BtfBuilder();
        int chr = b.type("char", 1, 0, false, 1);
        b.u32((long) (BtfType.Int.CHAR | BtfType.Int.SIGNED) << 24 | 8);
        int integer = b.type("int", 1, 0, false, 4);
        b.u32((long) BtfType.Int.SIGNED << 24 | 32);
        int index = b.type("unsigned int", 1, 0, false, 4);
        b.u32(32);
        int comm = b.type("", 3, 0, false, 0);
        b.u32(chr).u32(index).u32(8);
        int n = b.type("", 3, 0, false, 0);
        b.u32(integer).u32(index).u32(2);
        int event = b.type("event", 4, 2, false, 16);
        b.u32(b.str("comm")).u32(comm).u32(0);
        b.u32(b.str("n")).u32(n).u32(64);
        Btf btf = Btf.parse(b.build());
        byte[] value = {'b', 'a', 's', 'h', 0, 0, 0, 0, -1, -1, -1, -1, 7, 0, 0, 0};
        assertThat(BtfValues.decode(btf, event, value)).hasToString("{comm=bash, n=[-1, 7]}");
        byte[] unterminated = {'b', 'a', 's', 'h', 'b', 'a', 's', 'h', 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(BtfValues.decode(btf, event, unterminated)).hasToString("{comm=[98, 97, 115, 104, 98, 97, 115, 104], n=[0, 0]}");
    }
}

package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code prog run -j} reads map keys and values through the object's BTF too, beside their hex. */
class FormattedMapsTest {

    @Test
    void keysAndValuesByFieldNameBesideTheHex() throws Exception {
        CliRunner r = CliRunner.run("prog", "run", ProgCommandTest.ROOT.resolve("examples/xdp/firewall.bpf.o").toString(),
                "--pcap", ProgCommandTest.ROOT.resolve("examples/xdp/firewall.pcap").toString(), "-j");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode maps = new ObjectMapper().readTree(r.out()).get("maps");
        // stats: a per-CPU array of struct counter { __u64 packets; __u64 bytes; } indexed by enum reason
        JsonNode pass = maps.get("stats").get(0);
        assertThat(pass.get("key").asText()).isEqualTo("00000000");
        assertThat(pass.get("formatted_key").asLong()).isZero();
        long packets = 0, bytes = 0;
        for (int cpu = 0; cpu < pass.get("values").size(); cpu++) {
            String hex = pass.get("values").get(cpu).asText();
            JsonNode formatted = pass.get("formatted_values").get(cpu);
            assertThat(formatted.get("packets").asLong()).isEqualTo(Long.reverseBytes(Long.parseUnsignedLong(hex.substring(0, 16), 16)));
            packets += formatted.get("packets").asLong();
            bytes += formatted.get("bytes").asLong();
        }
        assertThat(packets).as("frames passed (examples/README.md)").isPositive();
        assertThat(bytes).isGreaterThan(packets);
        // global data by variable: const volatile __u16 cfg_drop_port = 23
        assertThat(maps.get(".rodata").get(0).get("formatted_value").get("cfg_drop_port").asLong()).isEqualTo(23);
    }
}

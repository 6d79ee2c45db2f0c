package org.bpf4j.linux;

/**
 * Java records for the BTF types of {@code maps.bpf.c}, read and written through {@code MapHandle.typed}. Public
 * in an exported package: bpf4j's codec (module {@code org.bpf4j.core}) reads their components reflectively.
 */
public final class ApiRecords {
    private ApiRecords() {}

    /** {@code enum verdict}, by enumerator name. */
    public enum Verdict { V_PASS, V_DROP, V_LOG }

    /** {@code struct flow_key}: unsigned fields hold their bit patterns. */
    public record FlowKey(int addr, short port, byte proto, byte flags) {}

    /** {@code struct peer}. */
    public record Peer(int weight, short id, short zone) {}

    /** {@code struct flow_stats}: a char array as a String, a nested struct, an array, two bitfields. */
    public record FlowStats(long packets, long bytes, String comm, Verdict verdict, Peer peer, int[] hist, long delta, int low, int high) {}

    /** A record that does not match {@code struct flow_key}: {@code port} is 4 bytes where the member is 2. */
    public record WrongKey(int addr, int port, byte proto, byte flags) {}

    /** {@code struct src_key}, {@code struct rule}, {@code struct counter} of examples/xdp/firewall.bpf.c (docs/java-api.md). */
    public record SrcKey(int prefixlen, int addr) {}

    public record Rule(long hits) {}

    public record Counter(long packets, long bytes) {}
}

package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.bpf4j.asm.Assembler;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.MapType;

/**
 * Sockmaps and sockhashes hold sockets: bpf_map_update_elem stores a socket (resolve_map_arg_type), a lookup
 * acquires one that must be released (is_acquire_function, mark_ptr_or_null_reg), and only the program types
 * where no socket is locked may update or delete (may_update_sockmap). Each verdict is the running kernel's
 * when it can be asked.
 */
class SockmapTest {
    private static final List<MapInfo> MAPS = List.of(MapInfo.of(MapType.SOCKMAP, 4, 4, 1),
            MapInfo.of(MapType.SOCKHASH, 4, 4, 1), MapInfo.of(MapType.XSKMAP, 4, 4, 1));

    private static VerifierResult verify(String asm, ProgramType type) {
        Program p = Assembler.assemble(asm);
        VerifierResult r = Verifier.verify(p, type, MAPS, VerifierOptions.defaults());
        if (KernelOracle.available()) {
            KernelOracle.Verdict k = KernelOracle.load(p, type, MAPS, 1);
            assertThat(r instanceof VerifierResult.Accepted).as("bpf4j %s, kernel log:\n%s", r, k.log()).isEqualTo(k.accepted());
        }
        return r;
    }

    private static final String UPDATE_WITH_SKB_SK = """
            r1 = *(u64 *)(r1 + 168)
            if r1 == 0 goto out
            r3 = r1
            r1 = 0
            *(u32 *)(r10 - 4) = r1
            r2 = r10
            r2 += -4
            r1 = map_fd(%d) ll
            r4 = 0
            call bpf_map_update_elem#2
            out:
            r0 = 0
            exit
            """;

    /** tc stores skb->sk (a sock_common) in a sockmap and a sockhash. */
    @Test
    void tcStoresItsSocketInSockmapAndSockhash() {
        assertThat(verify(UPDATE_WITH_SKB_SK.formatted(0), ProgramType.SCHED_CLS)).isInstanceOf(VerifierResult.Accepted.class);
        assertThat(verify(UPDATE_WITH_SKB_SK.formatted(1), ProgramType.SCHED_ACT)).isInstanceOf(VerifierResult.Accepted.class);
    }

    /** A value that is not a socket (a stack pointer) is refused: the value argument is a socket. */
    @Test
    void stackValueIsNotASocket() {
        VerifierResult r = verify("""
                r1 = 0
                *(u32 *)(r10 - 4) = r1
                r2 = r10
                r2 += -4
                r3 = r10
                r3 += -4
                r1 = map_fd(0) ll
                r4 = 0
                call bpf_map_update_elem#2
                r0 = 0
                exit
                """, ProgramType.SCHED_CLS);
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).startsWith("R3 type=fp expected=");
    }

    private static final String LOOKUP = """
            r1 = 0
            *(u32 *)(r10 - 4) = r1
            r2 = r10
            r2 += -4
            r1 = map_fd(%d) ll
            call bpf_map_lookup_elem#1
            if r0 == 0 goto out
            r1 = r0
            %s
            out:
            r0 = 0
            exit
            """;

    /** A socket looked up in a sockmap is a reference: released, the program is accepted. */
    @Test
    void lookedUpSocketReleasedIsAccepted() {
        assertThat(verify(LOOKUP.formatted(0, "call bpf_sk_release#86"), ProgramType.SCHED_CLS))
                .isInstanceOf(VerifierResult.Accepted.class);
        assertThat(verify(LOOKUP.formatted(1, "r0 = *(u32 *)(r1 + 4)\ncall bpf_sk_release#86"), ProgramType.SCHED_CLS))
                .isInstanceOf(VerifierResult.Accepted.class);
    }

    /** Not released, it leaks. */
    @Test
    void lookedUpSocketNotReleasedLeaks() {
        VerifierResult r = verify(LOOKUP.formatted(0, ""), ProgramType.SCHED_CLS);
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).details()).anyMatch(l -> l.contains("would lead to reference leak"));
    }

    /** An xskmap lookup yields an AF_XDP socket, without a reference: reading its queue id is accepted. */
    @Test
    void xskmapLookupYieldsAnXdpSocket() {
        assertThat(verify(LOOKUP.formatted(2, "r0 = *(u32 *)(r1 + 0)"), ProgramType.XDP))
                .isInstanceOf(VerifierResult.Accepted.class);
    }

    /** An AF_XDP socket is not NULL: a second lookup equal to it is not NULL either (reg_not_null). */
    @Test
    void equalToAnXdpSocketIsNotNull() {
        assertThat(verify("""
                r1 = 0
                *(u32 *)(r10 - 8) = r1
                r1 = map_fd(2) ll
                r2 = r10
                r2 += -8
                call bpf_map_lookup_elem#1
                r6 = r0
                r1 = map_fd(2) ll
                r2 = r10
                r2 += -8
                call bpf_map_lookup_elem#1
                r7 = r0
                if r6 == 0 goto out
                if r6 != r7 goto out
                r0 = *(u32 *)(r7 + 0)
                out:
                r0 = 0
                exit
                """, ProgramType.XDP)).isInstanceOf(VerifierResult.Accepted.class);
    }

    /** A socket filter may delete from a sockmap; a raw tracepoint may not (may_update_sockmap). */
    @Test
    void deleteAllowedByProgramType() {
        String delete = """
                r1 = 0
                *(u32 *)(r10 - 4) = r1
                r2 = r10
                r2 += -4
                r1 = map_fd(1) ll
                call bpf_map_delete_elem#3
                r0 = 0
                exit
                """;
        assertThat(verify(delete, ProgramType.SOCKET_FILTER)).isInstanceOf(VerifierResult.Accepted.class);
        assertThat(verify(delete, ProgramType.RAW_TRACEPOINT)).isInstanceOf(VerifierResult.Rejected.class);
    }
}

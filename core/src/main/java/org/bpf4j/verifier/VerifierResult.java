package org.bpf4j.verifier;

import java.util.List;
import java.util.Map;

/**
 * The verdict: accepted, rejected with the kernel's message, not something bpf4j can model, or a failure of
 * bpf4j's verifier itself.
 */
public sealed interface VerifierResult {

    int processedInsns();

    String log();

    /**
     * One instruction's access to the context, as the runtime needs it to rewrite the program:
     * {@code fieldType} is the register type the load yields (e.g. {@link RegType#PTR_TO_PACKET}) or
     * {@link RegType#SCALAR_VALUE}.
     */
    record CtxAccess(int pc, int offset, int size, boolean write, int fieldType) {}

    /** The program is safe. {@code ctxAccesses} by instruction index; {@code stackDepth} per subprogram. */
    record Accepted(int processedInsns, String log, Map<Integer, CtxAccess> ctxAccesses,
                    List<Integer> stackDepths, int maxStatesPerInsn, int totalStates, int peakStates)
            implements VerifierResult {}

    /**
     * The program is refused. {@code message} is the error as the kernel words it (its first line);
     * {@code details} every line the kernel prints for this error; {@code insn} the instruction index
     * in 8-byte slots (or -1 when the error is not about one instruction).
     */
    record Rejected(String message, List<String> details, int insn, int processedInsns, String log)
            implements VerifierResult {
        /** The last line of the error (what a kernel log's tail shows). */
        public String lastMessage() { return details.isEmpty() ? message : details.getLast(); }
    }

    /** The program uses what bpf4j does not model (kfuncs, BTF-typed pointers, ...). */
    record Unsupported(String reason, int insn, int processedInsns, String log) implements VerifierResult {}

    /**
     * The verifier failed (an exception of its own): no verdict on the program. {@code message} names the
     * exception and the instruction ({@code insn}, -1 before the first) it was at.
     */
    record InternalError(String message, int insn, int processedInsns, String log) implements VerifierResult {}
}

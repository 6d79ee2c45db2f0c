package org.bpf4j.asm;

/**
 * Assembly text (or a conformance {@code .data} file) that cannot be turned into instructions. The
 * message names where and why, e.g. {@code line 7: undefined label 'done'}, so that it can be shown
 * to a person as it is.
 */
public final class AsmException extends RuntimeException {
    private final int line;
    private final String problem;

    AsmException(int line, String problem) {
        this("", line, problem);
    }

    /** @param source the file the text came from, or "" when it came from a string */
    AsmException(String source, int line, String problem) {
        super((source.isEmpty() ? "" : source + ": ") + "line " + line + ": " + problem);
        this.line = line;
        this.problem = problem;
    }

    /** The 1-based line the problem is on. */
    public int line() { return line; }

    /** The message without the location. */
    public String problem() { return problem; }
}

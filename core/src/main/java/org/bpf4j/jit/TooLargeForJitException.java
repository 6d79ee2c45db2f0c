package org.bpf4j.jit;

/**
 * A program the JIT cannot turn into methods HotSpot accepts: a function so large that even the
 * dispatcher over its regions exceeds the class file's limits (docs/jit.md, "Large functions"). The
 * interpreter runs such a program.
 */
public final class TooLargeForJitException extends RuntimeException {
    TooLargeForJitException(String message, Throwable cause) {
        super(message, cause);
    }
}

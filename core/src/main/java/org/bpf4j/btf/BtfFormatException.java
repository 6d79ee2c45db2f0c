package org.bpf4j.btf;

/**
 * BTF or BTF.ext data that is malformed: the message says where and what. It is the only exception
 * the BTF parsers throw for bad input, whatever the input; an ELF loader wraps it into its own.
 */
public final class BtfFormatException extends RuntimeException {
    public BtfFormatException(String message) {
        super(message);
    }
}

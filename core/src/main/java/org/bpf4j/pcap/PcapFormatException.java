package org.bpf4j.pcap;

/** A capture file bpf4j cannot read: the message names the file, the record and what is wrong. */
public final class PcapFormatException extends RuntimeException {
    public PcapFormatException(String message) {
        super(message);
    }
}

package org.bpf4j.linux;

import java.io.InputStream;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;

/**
 * The child process of {@link CapabilitiesLiveTest}: loads program {@code args[0]} of attach.bpf.o and prints
 * {@code loaded}, or the one-line error.
 */
public final class LoadAndReport {
    private LoadAndReport() {}

    public static void main(String[] args) throws Exception {
        BpfObject object;
        try (InputStream in = LoadAndReport.class.getResourceAsStream("/bpf/attach.bpf.o")) {
            object = BpfObject.parse("attach.bpf.o", in.readAllBytes());
        }
        try (KernelObject k = KernelObject.load(object, Optional.of(args[0]))) {
            System.out.println("loaded");
        } catch (BpfException e) {
            System.out.println(e.getMessage());
        }
    }
}

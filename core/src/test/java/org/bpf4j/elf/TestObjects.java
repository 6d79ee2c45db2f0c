package org.bpf4j.elf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The objects compiled from src/test/resources/bpf (see build.sh there), read from the classpath. */
final class TestObjects {
    private TestObjects() {}

    static byte[] bytes(String name) {
        try (InputStream in = TestObjects.class.getResourceAsStream("/bpf/" + name)) {
            if (in == null) throw new IllegalStateException("no test object /bpf/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BpfObject load(String name) {
        return BpfObject.parse(name, bytes(name));
    }
}

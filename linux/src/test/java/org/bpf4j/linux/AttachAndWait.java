package org.bpf4j.linux;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;

/**
 * The child process of {@link SigkillTest}: loads attach.bpf.o, attaches every program whose section names a
 * hook (xdp on the interface given as the argument, tracepoints), prints each program's and link's kernel id
 * ({@code prog ID}, {@code link ID}), then {@code attached}, and waits to be killed.
 */
public final class AttachAndWait {
    private AttachAndWait() {}

    public static void main(String[] args) throws Exception {
        BpfObject object;
        try (InputStream in = AttachAndWait.class.getResourceAsStream("/bpf/attach.bpf.o")) {
            object = BpfObject.parse("attach.bpf.o", in.readAllBytes());
        }
        KernelObject k = KernelObject.load(object, Optional.empty());
        List<Link> links = k.attachAll(Optional.of(args[0]));
        for (KernelProgram p : k.programs().values()) System.out.println("prog " + p.id());
        for (Link l : links) {
            for (int id : l.ids()) System.out.println("link " + id + " " + l);
        }
        System.out.println("attached");
        System.out.flush();
        while (true) Thread.sleep(60_000); // until SIGKILL
    }
}

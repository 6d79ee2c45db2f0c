import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.maps.MapType;
import org.bpf4j.elf.OpenOptions;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.linux.KernelLoadException;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;

/**
 * Per program of an object: the running kernel's verdict (loaded through bpf4j's kernel backend, one
 * program at a time, CO-RE relocated against the kernel's BTF first, as libbpf would) next to bpf4j's.
 * One tab-separated line per program: name, type, kernel verdict, kernel processed insns, kernel
 * verification usec, bpf4j verdict, bpf4j processed insns, bpf4j first-run ms, bpf4j best-of-3 ms, messages.
 *
 * Options stand in for what a project's own loader does before loading: {@code --type T} (bpftool's
 * {@code type}), {@code --max-entries N} for maps the object leaves at 0 entries, {@code --ringbuf-inner
 * BYTES} for maps of maps without an inner map (Falco's libpman sets both at run time: CPUs, a ring buffer).
 *
 * <pre>java -cp CORE_JAR:LINUX_JAR bench/realworld/KernelVerdicts.java OBJ [--type T] [--max-entries N] [--ringbuf-inner BYTES]</pre>
 */
public final class KernelVerdicts {
    private static final Pattern PROCESSED = Pattern.compile("processed (\\d+) insns");
    private static final Pattern TIME = Pattern.compile("verification time (\\d+) usec");

    public static void main(String[] args) throws Exception {
        OpenOptions options = OpenOptions.defaults();
        int maxEntries = 0, ringbufInner = 0;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--type" -> options = options.withType(args[++i]);
                case "--max-entries" -> maxEntries = Integer.parseInt(args[++i]);
                case "--ringbuf-inner" -> ringbufInner = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        BpfObject opened = BpfObject.open(Path.of(args[0]), options);
        for (String w : opened.warnings()) System.err.println("warning: " + w);
        List<MapDefinition> maps = new ArrayList<>();
        for (MapDefinition m : opened.maps()) {
            int max = m.maxEntries() == 0 && maxEntries > 0 && m.type() != MapType.PERF_EVENT_ARRAY ? maxEntries : m.maxEntries();
            Optional<MapDefinition> inner = m.innerMap();
            if (m.type().isMapOfMaps() && inner.isEmpty() && ringbufInner > 0) {
                inner = Optional.of(new MapDefinition(m.name() + ".inner", MapType.RINGBUF, 0, 0, ringbufInner, 0, 0, MapDefinition.Pinning.NONE,
                        0, 0, 0, Optional.empty(), List.of(), MapDefinition.Definition.BTF, new byte[0], false));
            }
            maps.add(new MapDefinition(m.name(), m.type(), m.keySize(), m.valueSize(), max, m.flags(), m.numaNode(), m.pinning(), m.mapExtra(),
                    m.btfKeyTypeId(), m.btfValueTypeId(), inner, m.initialSlots(), m.definition(), m.initialData(), m.frozen()));
        }
        BpfObject object = new BpfObject(opened.name(), opened.license(), opened.kernelVersion(), opened.programs(), maps, opened.btf());
        Optional<Btf> target = CoreRelocator.targetBtf(Optional.empty());
        List<ProgramSpec> relocated = new ArrayList<>();
        for (ProgramSpec p : object.programs()) {
            relocated.add(p.coreRelocations().isEmpty() || object.btf().isEmpty() ? p : CoreRelocator.apply(p, object.btf().get(), target));
        }
        BpfObject forKernel = new BpfObject(object.name(), object.license(), object.kernelVersion(), relocated, maps, object.btf());
        for (ProgramSpec p : object.programs()) {
            String kVerdict, kMessage = "";
            long kProcessed = -1, kUsec = -1;
            try (KernelObject k = KernelObject.load(forKernel, Optional.of(p.name()), LoadOptions.LOG_STATS)) {
                String log = k.program(p.name()).orElseThrow().verifierLog();
                kVerdict = "accept";
                kProcessed = find(PROCESSED, log);
                kUsec = find(TIME, log);
            } catch (KernelLoadException e) {
                kVerdict = "reject";
                String log = e.log() == null ? "" : e.log().strip();
                String[] lines = log.split("\n");
                kMessage = lastMessage(lines, e.getMessage());
                kProcessed = find(PROCESSED, log);
            } catch (RuntimeException e) {
                kVerdict = "error";
                kMessage = e.getMessage();
            }
            long t0 = System.nanoTime();
            VerifierResult r = ObjectVerification.verify(object, p, VerifierOptions.defaults(), target);
            double first = (System.nanoTime() - t0) / 1e6, best = Double.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                long t = System.nanoTime();
                ObjectVerification.verify(object, p, VerifierOptions.defaults(), target);
                best = Math.min(best, (System.nanoTime() - t) / 1e6);
            }
            String bVerdict, bMessage = "";
            long bProcessed = -1;
            switch (r) {
                case VerifierResult.Accepted a -> { bVerdict = "accept"; bProcessed = a.processedInsns(); }
                case VerifierResult.Rejected j -> { bVerdict = "reject"; bProcessed = j.processedInsns(); bMessage = j.message(); }
                case VerifierResult.Unsupported u -> { bVerdict = "unsupported"; bMessage = u.reason(); }
            }
            System.out.printf("%s\t%s\t%s\t%d\t%d\t%s\t%d\t%.1f\t%.1f\t%s\t%s%n", p.name(), p.type().name().toLowerCase(), kVerdict, kProcessed,
                    kUsec, bVerdict, bProcessed, first, best, kMessage.replace('\t', ' '), bMessage.replace('\t', ' '));
        }
    }

    private static long find(Pattern p, String log) {
        Matcher m = p.matcher(log == null ? "" : log);
        long v = -1;
        while (m.find()) v = Long.parseLong(m.group(1));
        return v;
    }

    /** The verifier's message: the last log line that is not the statistics. */
    private static String lastMessage(String[] lines, String fallback) {
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (!l.isEmpty() && !l.startsWith("processed ") && !l.startsWith("verification time") && !l.startsWith("stack depth")) return l;
        }
        return fallback == null ? "" : fallback;
    }
}

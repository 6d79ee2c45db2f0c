package org.bpf4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code bpf_printk} (bpf_trace_printk, bpf_trace_vprintk) lines of BPF programs, read from a tracefs
 * instance of this reader's own ({@code instances/bpf4j-PID-N}) with only the {@code bpf_trace/bpf_trace_printk}
 * event enabled: unlike reading the global {@code trace_pipe} (what {@code bpftool prog tracelog} does), it takes
 * nothing from other readers and sees nothing but printk output, and only from the moment it is opened.
 *
 * <p>What it cannot tell: which program printed a line. The event carries the message, the task that was
 * current, its CPU and a timestamp; every BPF program on the machine printing while this reader is open
 * shows up. Closing disables the event and removes the instance.
 */
public final class TracePrintk implements AutoCloseable {
    private static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** A trace_pipe line: {@code TASK-PID [CPU] FLAGS TIMESTAMP: bpf_trace_printk: MESSAGE}. */
    private static final Pattern LINE = Pattern.compile("^\\s*(.*)-(\\d+)\\s+(?:\\(\\s*[-\\d]+\\)\\s+)?\\[(\\d+)\\]\\s+\\S+\\s+([\\d.]+): bpf_trace_printk: (.*)$");

    /** One printk line: the task current when the program printed, its pid and CPU, the trace timestamp, the message. */
    public record Line(String task, int pid, int cpu, String timestamp, String message) {
        /** Parses a trace_pipe line of the bpf_trace_printk event; empty for anything else. */
        public static Optional<Line> parse(String line) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) return Optional.empty();
            return Optional.of(new Line(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), m.group(4), m.group(5)));
        }
    }

    private final Path instance;
    private final FileChannel pipe;
    /** The trace_marker text that ends {@link #stream}: unique to this instance. */
    private final String endMarker;
    private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean streaming;

    private TracePrintk(Path instance, FileChannel pipe) {
        this.instance = instance;
        this.pipe = pipe;
        this.endMarker = "bpf4j-end-of-stream " + instance.getFileName();
    }

    /**
     * Creates the instance, mounting tracefs on /sys/kernel/tracing first where nothing is mounted there.
     *
     * @throws IllegalStateException with the reason when tracefs cannot be mounted or has no printk event
     */
    public static TracePrintk open() {
        ensureTracefs();
        Path event = TRACEFS.resolve("events/bpf_trace/bpf_trace_printk");
        if (!Files.isDirectory(event)) throw new IllegalStateException("this kernel's tracefs has no bpf_trace/bpf_trace_printk event");
        removeOrphans();
        Path instance = TRACEFS.resolve("instances").resolve("bpf4j-" + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet());
        try {
            Files.createDirectory(instance); // tracefs makes the instance's files
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the tracefs instance " + instance + ": " + e.getMessage(), e);
        }
        try {
            Files.writeString(instance.resolve("events/bpf_trace/bpf_trace_printk/enable"), "1");
            return new TracePrintk(instance, FileChannel.open(instance.resolve("trace_pipe"), StandardOpenOption.READ));
        } catch (IOException | RuntimeException e) {
            removeInstance(instance);
            throw new IllegalStateException("cannot enable bpf_trace_printk in " + instance + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes the instances of bpf4j processes that no longer run: a process killed with SIGKILL cannot
     * remove its own, and an instance, unlike an fd, outlives its maker.
     */
    static void removeOrphans() {
        Pattern ours = Pattern.compile("bpf4j-(\\d+)-\\d+");
        try (var instances = Files.list(TRACEFS.resolve("instances"))) {
            for (Path p : instances.toList()) {
                Matcher m = ours.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) removeInstance(p);
            }
        } catch (IOException | RuntimeException e) {
            // another bpf4j removing the same orphan, or no instances directory: nothing of ours to clean
        }
    }

    /** The tracefs mount point, mounted if absent (tracefs' own fallback under debugfs is not used). */
    static void ensureTracefs() {
        if (Files.isDirectory(TRACEFS.resolve("instances"))) return;
        if (!Files.isDirectory(TRACEFS)) throw new IllegalStateException("no " + TRACEFS + " to mount tracefs on: is this Linux with tracing?");
        int errno = Sys.mount("tracefs", TRACEFS.toString(), "tracefs");
        if (errno != 0) {
            throw new IllegalStateException("tracefs is not mounted and mounting it failed (" + org.bpf4j.maps.Errno.nameOf(errno)
                    + (errno == 1 ? ": needs CAP_SYS_ADMIN" : "") + "): mount -t tracefs tracefs " + TRACEFS);
        }
    }

    /** The instance's directory. */
    public Path instance() { return instance; }

    /**
     * Reads lines until {@link #close()} (from another thread) ends the stream, handing each printk line to
     * {@code sink}; a partial line waits for the rest. Every line the instance recorded before close() began
     * is handed out first.
     */
    public void stream(Consumer<Line> sink) {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        StringBuilder pending = new StringBuilder();
        streaming = true;
        try {
            while (pipe.read(buf) >= 0) {
                buf.flip();
                pending.append(StandardCharsets.UTF_8.decode(buf));
                buf.clear();
                int nl;
                while ((nl = pending.indexOf("\n")) >= 0) {
                    String line = pending.substring(0, nl);
                    pending.delete(0, nl + 1);
                    if (line.endsWith(": " + endMarker)) return; // close() wrote it after everything before it
                    Line.parse(line).ifPresent(sink);
                }
            }
        } catch (ClosedChannelException closed) { // AsynchronousCloseException too
            // close() did not see its marker come back in time: the end of the stream
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + instance.resolve("trace_pipe") + ": " + e.getMessage(), e);
        } finally {
            ended.countDown();
        }
    }

    /**
     * Ends {@link #stream} and removes the instance. A stream still running first reads up to a marker
     * close() writes into the instance's {@code trace_marker}: the trace pipe hands lines out in time order, so
     * every line recorded before it has been handed out when the marker arrives (bounded: after 5 s the read
     * is cut short).
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) return;
        if (streaming) {
            try {
                Files.writeString(instance.resolve("trace_marker"), endMarker);
                ended.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (IOException e) {
                // no marker: the pipe's close below ends the read
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            pipe.close(); // wakes a thread still blocked in stream()
        } catch (IOException ignored) {
            // closing a tracefs file does not fail in a way that leaves anything behind
        }
        removeInstance(instance);
    }

    private static void removeInstance(Path instance) {
        try {
            Files.writeString(instance.resolve("events/bpf_trace/bpf_trace_printk/enable"), "0");
        } catch (IOException | RuntimeException ignored) {
            // the rmdir below removes the instance with its events anyway
        }
        try {
            Files.deleteIfExists(instance);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the tracefs instance " + instance + ": " + e.getMessage(), e);
        }
    }
}

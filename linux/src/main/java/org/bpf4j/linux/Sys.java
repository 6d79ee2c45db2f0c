package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The libc entry points this backend needs, through FFM: {@code syscall} for {@code bpf(2)} and
 * {@code perf_event_open(2)} with errno captured, {@code if_nametoindex}, {@code open}, {@code read}, {@code setsockopt} and {@code close(fd)}. Nothing here allocates beyond what the caller's arena
 * provides.
 */
final class Sys {
    private Sys() {}

    static final String OS = System.getProperty("os.name", "");
    static final String ARCH = System.getProperty("os.arch", "");
    static final boolean LINUX = OS.toLowerCase(Locale.ROOT).startsWith("linux");

    /** {@code __NR_bpf}: 321 on x86-64; 280 in the generic table arm64 and riscv64 use; -1 elsewhere. */
    static final long SYS_BPF = switch (ARCH) {
        case "amd64", "x86_64" -> 321;
        case "aarch64", "riscv64" -> 280;
        default -> -1;
    };

    /** {@code __NR_perf_event_open}: 298 on x86-64; 241 in the generic table; -1 elsewhere. */
    static final long SYS_PERF_EVENT_OPEN = switch (ARCH) {
        case "amd64", "x86_64" -> 298;
        case "aarch64", "riscv64" -> 241;
        default -> -1;
    };

    /**
     * Loaded on first use, so that merely touching the API on another OS does not fail. Native access
     * is this module's purpose: the JVM still needs {@code --enable-native-access} for it.
     */
    @SuppressWarnings("restricted")
    private static final class Handles {
        static final Linker LINKER = Linker.nativeLinker();
        static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO =
                CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        // long syscall(long number, ...): everything after the number is variadic, passed as longs
        // and a pointer, which is how the kernel's syscall ABI reads them.
        static final MethodHandle SYSCALL = LINKER.downcallHandle(
                LINKER.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1),
                Linker.Option.captureCallState("errno"));
        // long syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags)
        static final MethodHandle SYSCALL_PERF = LINKER.downcallHandle(
                LINKER.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle IF_NAMETOINDEX = LINKER.downcallHandle(
                LINKER.defaultLookup().find("if_nametoindex").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle MMAP = LINKER.downcallHandle(
                LINKER.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle MUNMAP = LINKER.downcallHandle(
                LINKER.defaultLookup().find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        static final MethodHandle EPOLL_CREATE1 = LINKER.downcallHandle(
                LINKER.defaultLookup().find("epoll_create1").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle EPOLL_CTL = LINKER.downcallHandle(
                LINKER.defaultLookup().find("epoll_ctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle EPOLL_WAIT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("epoll_wait").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle SYSCONF = LINKER.downcallHandle(
                LINKER.defaultLookup().find("sysconf").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        // int open(const char *path, int flags): variadic in C; without O_CREAT the mode is never read
        static final MethodHandle OPEN = LINKER.downcallHandle(
                LINKER.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle READ = LINKER.downcallHandle(
                LINKER.defaultLookup().find("read").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle SETSOCKOPT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("setsockopt").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle MOUNT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("mount").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle CLOSE = LINKER.downcallHandle(
                LINKER.defaultLookup().find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    /**
     * Issues {@code bpf(cmd, attr, size)}.
     *
     * @return the non-negative result (an fd for the commands that create one), or {@code -errno}
     */
    static long bpf(java.lang.foreign.SegmentAllocator arena, BpfCommand cmd, MemorySegment attr, long size) {
        if (SYS_BPF < 0) throw new UnsupportedOperationException("bpf(2) syscall number unknown for os.arch=" + ARCH);
        if (size > attr.byteSize()) throw new IllegalArgumentException("attr size " + size + " > segment " + attr.byteSize());
        MemorySegment state = arena.allocate(Handles.CAPTURE);
        long r;
        try {
            r = (long) Handles.SYSCALL.invokeExact(state, SYS_BPF, (long) cmd.number(), attr, size);
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to syscall failed", t);
        }
        if (r == -1) return -(int) Handles.ERRNO.get(state, 0L);
        return r;
    }

    /** Like {@link #bpf} but throws {@link BpfException} on failure. */
    static long bpfOrThrow(Arena arena, BpfCommand cmd, MemorySegment attr, long size, String context) {
        long r = bpf(arena, cmd, attr, size);
        if (r < 0) throw BpfException.of(cmd, (int) -r, context);
        return r;
    }

    /** {@code perf_event_open(attr, pid, cpu, group_fd, flags)}: the event's fd, or {@code -errno}. */
    static long perfEventOpen(Arena arena, MemorySegment attr, int pid, int cpu, int groupFd, long flags) {
        if (SYS_PERF_EVENT_OPEN < 0) {
            throw new UnsupportedOperationException("perf_event_open syscall number unknown for os.arch=" + ARCH);
        }
        MemorySegment state = arena.allocate(Handles.CAPTURE);
        long r;
        try {
            r = (long) Handles.SYSCALL_PERF.invokeExact(state, SYS_PERF_EVENT_OPEN, attr, (long) pid, (long) cpu,
                    (long) groupFd, flags);
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to syscall failed", t);
        }
        if (r == -1) return -(int) Handles.ERRNO.get(state, 0L);
        return r;
    }

    /** {@code if_nametoindex(name)}: the interface's index in this process's network namespace, or 0. */
    static int ifNameToIndex(Arena arena, String name) {
        MemorySegment state = arena.allocate(Handles.CAPTURE);
        try {
            return (int) Handles.IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to if_nametoindex failed", t);
        }
    }

    /** {@code mmap(NULL, length, prot, MAP_SHARED, fd, offset)}: the mapping, {@code length} bytes long. */
    static MemorySegment mmapShared(int fd, long length, int prot, long offset, String what) {
        MemorySegment p;
        int errno;
        try (Arena call = Arena.ofConfined()) { // the errno capture lives for the call only; the mapping until munmap
            MemorySegment state = call.allocate(Handles.CAPTURE);
            p = (MemorySegment) Handles.MMAP.invokeExact(state, MemorySegment.NULL, length, prot, MAP_SHARED, fd, offset);
            errno = (int) Handles.ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to mmap failed", t);
        }
        if (p.address() == -1L) throw errnoException("mmap of " + what, errno);
        return p.reinterpret(length);
    }

    static void munmap(MemorySegment mapping) {
        try {
            int ignored = (int) Handles.MUNMAP.invokeExact(MemorySegment.ofAddress(mapping.address()), mapping.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to munmap failed", t);
        }
    }

    /** An epoll instance watching {@code fd} for input ({@code EPOLLIN}): its fd. */
    static int epollFor(int fd, String what) {
        int ep = epollCreate(what);
        try {
            epollAdd(ep, fd, what);
        } catch (RuntimeException e) {
            close(ep);
            throw e;
        }
        return ep;
    }

    /** {@code epoll_create1(EPOLL_CLOEXEC)}: a new epoll instance's fd. */
    static int epollCreate(String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Handles.CAPTURE);
            int ep = (int) Handles.EPOLL_CREATE1.invokeExact(state, EPOLL_CLOEXEC);
            if (ep < 0) throw errnoException("epoll_create1 for " + what, (int) Handles.ERRNO.get(state, 0L));
            return ep;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to epoll failed", t);
        }
    }

    /** Adds {@code fd} to epoll instance {@code ep}, watched for input ({@code EPOLLIN}). */
    static void epollAdd(int ep, int fd, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Handles.CAPTURE);
            MemorySegment event = a.allocate(16); // struct epoll_event: u32 events, u64 data (packed on x86-64)
            event.set(ValueLayout.JAVA_INT_UNALIGNED, 0, EPOLLIN);
            int r = (int) Handles.EPOLL_CTL.invokeExact(state, ep, EPOLL_CTL_ADD, fd, event);
            if (r < 0) throw errnoException("epoll_ctl for " + what, (int) Handles.ERRNO.get(state, 0L));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to epoll failed", t);
        }
    }

    /** {@code epoll_wait(epfd, ..., 1, timeoutMillis)}: whether the fd became ready; false on a timeout or EINTR. */
    static boolean epollWait(int epfd, int timeoutMillis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Handles.CAPTURE);
            int n = (int) Handles.EPOLL_WAIT.invokeExact(state, epfd, a.allocate(16), 1, timeoutMillis);
            return n > 0;
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to epoll_wait failed", t);
        }
    }

    /** {@code open(path, flags | O_CLOEXEC)}: the fd, or {@code -errno}. */
    static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Handles.CAPTURE);
            int fd = (int) Handles.OPEN.invokeExact(state, a.allocateFrom(path), flags | O_CLOEXEC);
            return fd < 0 ? -(int) Handles.ERRNO.get(state, 0L) : fd;
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to open failed", t);
        }
    }

    /** Reads {@code fd} to its end (retrying EAGAIN is the caller's business: the fds read here block). */
    static byte[] readAll(int fd, String what) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Handles.CAPTURE);
            MemorySegment buf = a.allocate(8192);
            while (true) {
                long n = (long) Handles.READ.invokeExact(state, fd, buf, buf.byteSize());
                if (n == 0) return out.toByteArray();
                if (n < 0) {
                    int errno = (int) Handles.ERRNO.get(state, 0L);
                    if (errno == EINTR) continue;
                    throw errnoException("read of " + what, errno);
                }
                out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to read failed", t);
        }
    }

    /** {@code setsockopt(fd, SOL_SOCKET, option, &value, 4)}: 0, or {@code -errno}. */
    static int setSocketOption(int fd, int option, int value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Handles.CAPTURE);
            MemorySegment v = a.allocateFrom(ValueLayout.JAVA_INT, value);
            int r = (int) Handles.SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, option, v, 4);
            return r < 0 ? -(int) Handles.ERRNO.get(state, 0L) : r;
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to setsockopt failed", t);
        }
    }

    /** {@code mount(source, target, fstype, 0, NULL)}: 0, or the errno. */
    static int mount(String source, String target, String fstype) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Handles.CAPTURE);
            int r = (int) Handles.MOUNT.invokeExact(state, a.allocateFrom(source), a.allocateFrom(target), a.allocateFrom(fstype),
                    0L, MemorySegment.NULL);
            return r == 0 ? 0 : (int) Handles.ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to mount failed", t);
        }
    }

    /** The page size ({@code sysconf(_SC_PAGESIZE)}). */
    static long pageSize() {
        try {
            return (long) Handles.SYSCONF.invokeExact(SC_PAGESIZE);
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to sysconf failed", t);
        }
    }

    private static IllegalStateException errnoException(String what, int errno) {
        return new IllegalStateException(what + ": " + org.bpf4j.maps.Errno.nameOf(errno)
                + org.bpf4j.maps.Errno.of(errno).map(e -> " (" + e.description() + ")").orElse(""));
    }

    static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    /** open(2)'s flags; {@code SOL_SOCKET}, {@code SO_ATTACH_BPF}, {@code SO_DETACH_BPF} (asm-generic/socket.h). */
    static final int O_RDONLY = 0, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000, SOL_SOCKET = 1, SO_ATTACH_BPF = 50,
            SO_DETACH_BPF = 27, EINTR = 4;
    private static final int EPOLL_CLOEXEC = 0x80000, EPOLLIN = 1, EPOLL_CTL_ADD = 1, SC_PAGESIZE = 30;

    static void close(int fd) {
        if (fd < 0) return;
        try {
            int ignored = (int) Handles.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to close failed", t);
        }
    }
}

package org.bpf4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.NetworkChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The file descriptor behind a Java socket channel, which socket filters attach to. Java does not expose it
 * without reflection into {@code sun.nio.ch}; the kernel does: the channel's bound port appears with its
 * socket's inode in {@code /proc/self/net/{udp,udp6,tcp,tcp6}}, and that inode as {@code socket:[INODE]} behind
 * exactly one of {@code /proc/self/fd/*}.
 */
public final class Sockets {
    private Sockets() {}

    private static final List<String> TABLES = List.of("udp", "udp6", "tcp", "tcp6");

    /**
     * The descriptor of {@code channel}'s socket, which must be bound.
     *
     * @throws IllegalArgumentException when it is unbound, or its port is shared by several sockets of this process
     */
    public static int fd(NetworkChannel channel) {
        InetSocketAddress local;
        try {
            local = (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the channel's address: " + e.getMessage(), e);
        }
        if (local == null) throw new IllegalArgumentException("the channel is not bound: bind it to find its socket");
        Set<Long> inodes = new HashSet<>();
        for (String table : TABLES) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/net", table))) socketInode(line, local.getPort()).ifPresent(inodes::add);
            } catch (IOException e) {
                // no IPv6 (or no such protocol) in this kernel: that table is absent
            }
        }
        Integer found = null;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed since the listing
                }
                if (!target.startsWith("socket:[") || !inodes.contains(Long.parseLong(target.substring(8, target.length() - 1)))) continue;
                if (found != null) throw new IllegalArgumentException("port " + local.getPort() + " is bound by several sockets of this process");
                found = Integer.parseInt(fd.getFileName().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd: " + e.getMessage(), e);
        }
        if (found == null) throw new IllegalArgumentException("no socket of this process is bound to port " + local.getPort());
        return found;
    }

    /** A {@code /proc/net/{udp,tcp}[6]} line's inode when its local port is {@code port}. */
    static java.util.Optional<Long> socketInode(String line, int port) {
        String[] f = line.strip().split("\\s+");
        if (f.length < 10 || !f[0].endsWith(":")) return java.util.Optional.empty(); // the header
        String localAddress = f[1];
        int colon = localAddress.lastIndexOf(':');
        if (colon < 0 || Integer.parseInt(localAddress.substring(colon + 1), 16) != port) return java.util.Optional.empty();
        return java.util.Optional.of(Long.parseLong(f[9]));
    }
}

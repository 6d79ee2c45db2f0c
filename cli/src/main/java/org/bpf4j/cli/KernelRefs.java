package org.bpf4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.bpf4j.linux.BpfException;
import org.bpf4j.linux.KernelAvailability;
import org.bpf4j.linux.KernelObjects;

/**
 * The words of a bpftool-shaped command line ({@code id 7}, {@code pinned /sys/fs/bpf/x}, {@code name counts},
 * {@code key 0x01 0 0 0}, {@code hex}), read left to right, each error one line naming the word.
 */
final class KernelRefs {
    private final List<String> words;
    private final String command;
    private int at;

    KernelRefs(List<String> words, String command) {
        this.words = words == null ? List.of() : List.copyOf(words);
        this.command = command;
    }

    boolean more() { return at < words.size(); }

    String peek() { return more() ? words.get(at) : ""; }

    String next(String what) {
        if (!more()) throw new UserInputException(command + ": expected " + what + " after '" + String.join(" ", words) + "'");
        return words.get(at++);
    }

    /** Fails on words left over: bpftool's "too many arguments". */
    void end() {
        if (more()) throw new UserInputException(command + ": unexpected '" + String.join(" ", words.subList(at, words.size())) + "'");
    }

    /** One object reference: {@code id N}, {@code pinned PATH} or {@code name NAME} (maps and programs). */
    sealed interface Ref {
        record Id(int id) implements Ref {}

        record Pinned(Path path) implements Ref {}

        record Name(String name) implements Ref {}
    }

    Ref ref(KernelObjects.Kind kind) {
        String keyword = next("'id ID', 'pinned PATH'" + (named(kind) ? " or 'name NAME'" : ""));
        return switch (keyword) {
            case "id" -> new Ref.Id(id(next("an id"), kind));
            case "pinned" -> new Ref.Pinned(Path.of(next("a path")));
            case "name" -> {
                if (!named(kind)) throw badKeyword(keyword, kind);
                yield new Ref.Name(next("a name"));
            }
            default -> throw badKeyword(keyword, kind);
        };
    }

    private static boolean named(KernelObjects.Kind kind) {
        return kind == KernelObjects.Kind.MAP || kind == KernelObjects.Kind.PROGRAM;
    }

    private UserInputException badKeyword(String keyword, KernelObjects.Kind kind) {
        return new UserInputException(command + ": '" + keyword + "' does not name a " + kind.noun() + ": use 'id ID', 'pinned PATH'"
                + (named(kind) ? " or 'name NAME'" : ""));
    }

    private int id(String text, KernelObjects.Kind kind) {
        try {
            int id = Integer.parseUnsignedInt(text);
            if (id > 0) return id;
        } catch (NumberFormatException e) {
            // below
        }
        throw new UserInputException(command + ": '" + text + "' is not a " + kind.noun() + " id (a positive number)");
    }

    /** The id a reference names; a name must name exactly one object. */
    static int resolve(Ref ref, KernelObjects.Kind kind) {
        return switch (ref) {
            case Ref.Id i -> i.id();
            case Ref.Pinned p -> switch (kind) {
                case PROGRAM -> kernel(() -> KernelObjects.pinnedProgram(p.path()).id());
                case MAP -> kernel(() -> KernelObjects.pinnedMap(p.path()).id());
                case LINK -> kernel(() -> KernelObjects.pinnedLink(p.path()).id());
                case BTF -> throw new UserInputException("BTF objects are not pinned: use 'id ID'");
            };
            case Ref.Name n -> {
                List<Integer> ids = kernel(() -> kind == KernelObjects.Kind.MAP
                        ? KernelObjects.mapsNamed(n.name()).stream().map(KernelObjects.KernelMapInfo::id).toList()
                        : KernelObjects.programsNamed(n.name()).stream().map(KernelObjects.ProgInfo::id).toList());
                if (ids.isEmpty()) throw new UserInputException("no " + kind.noun() + " named '" + n.name() + "' in the kernel");
                if (ids.size() > 1) {
                    throw new UserInputException(ids.size() + " " + kind.noun() + "s are named '" + n.name() + "' (ids "
                            + ids.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("") + "): use 'id ID'");
                }
                yield ids.getFirst();
            }
        };
    }

    /**
     * Bytes as bpftool reads them ({@code key 0x01 0 0 0}): each word one byte, in C's notation ({@code 0x}
     * hex, a leading {@code 0} octal, else decimal); after the word {@code hex}, every word is hex digits,
     * two per byte ({@code hex 01 00 00 00} or {@code hex 01000000}).
     */
    byte[] bytes(String what, int size) {
        List<Byte> out = new ArrayList<>();
        boolean hex = false;
        if (peek().equals("hex")) {
            hex = true;
            at++;
        }
        while (more() && out.size() < size) {
            String w = words.get(at);
            if (hex) {
                if (w.length() % 2 != 0 || !w.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw new UserInputException(command + ": " + what + " byte '" + w + "' is not hex digits (two per byte)");
                }
                for (int k = 0; k < w.length(); k += 2) out.add((byte) Integer.parseInt(w.substring(k, k + 2), 16));
            } else {
                out.add((byte) byteValue(w, what));
            }
            at++;
        }
        if (out.size() != size) {
            throw new UserInputException(command + ": " + what + " has " + out.size() + " bytes, the map's " + what + " size is " + size);
        }
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) b[k] = out.get(k);
        return b;
    }

    private int byteValue(String w, String what) {
        try {
            String t = w.toLowerCase(Locale.ROOT);
            int v = t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16)
                    : t.length() > 1 && t.startsWith("0") ? Integer.parseInt(t.substring(1), 8) : Integer.parseInt(t);
            if (v >= 0 && v <= 255) return v;
        } catch (NumberFormatException e) {
            // below
        }
        throw new UserInputException(command + ": " + what + " byte '" + w + "' is not a byte (0-255, 0x00-0xff)");
    }

    /**
     * Fails unless {@code path} would be in a BPF file system: the kernel pins only there, and outside one says
     * EPERM, which reads like a missing capability.
     */
    static void requireBpffs(Path path) {
        Path at = path.toAbsolutePath();
        while (at != null && !java.nio.file.Files.exists(at)) at = at.getParent();
        String type;
        try {
            type = at == null ? "" : java.nio.file.Files.getFileStore(at).type();
        } catch (java.io.IOException e) {
            type = "";
        }
        if (!type.equals("bpf")) {
            throw new UserInputException(path + ": not in a BPF file system (bpffs): pins live under one, e.g. /sys/fs/bpf");
        }
    }

    /** Runs a kernel call, turning what the user must fix (no such object, no kernel) into one-line errors. */
    static <T> T kernel(Supplier<T> call) {
        KernelAvailability k = KernelAvailability.check();
        if (!k.available()) throw new UserInputException("the kernel backend is unavailable: " + k.reason());
        try {
            return call.get();
        } catch (KernelObjects.NotFoundException e) {
            throw new UserInputException(e.getMessage());
        } catch (BpfException e) {
            // an EPERM already names the missing capability, from the process's effective set (BpfException.of)
            throw new UserInputException(e.getMessage());
        }
    }

    static void kernelRun(Runnable call) {
        kernel(() -> {
            call.run();
            return null;
        });
    }
}

package org.bpf4j.bench.sbs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drives the native binary built from {@code bench/sbs/native.c}: writes the frames it reads, runs it,
 * parses its {@code name result ns} lines.
 */
final class NativeRunner {
    private NativeRunner() {}

    record Result(long result, double nanosPerRun) {}

    /** Writes each program's frame to {@code dir/<id>.bin}. */
    static void writeFrames(Path dir, List<SbsProgram> programs) {
        try {
            Files.createDirectories(dir);
            for (SbsProgram p : programs) Files.write(dir.resolve(p.id() + ".bin"), p.frame());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Result> run(Path binary, Path frames, double secondsPerRound, List<SbsProgram> programs)
            throws IOException, InterruptedException {
        writeFrames(frames, programs);
        List<String> command = new ArrayList<>(List.of(binary.toString(), frames.toString(), Double.toString(secondsPerRound)));
        for (SbsProgram p : programs) command.add(p.id());
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, Result> results = new LinkedHashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                String[] f = line.trim().split("\\s+");
                if (f.length != 3) throw new IOException("native: unexpected line: " + line);
                results.put(f[0], new Result(Long.parseUnsignedLong(f[1]), Double.parseDouble(f[2])));
            }
        }
        int status = process.waitFor();
        if (status != 0) throw new IOException(binary + " exited with status " + status);
        return results;
    }
}

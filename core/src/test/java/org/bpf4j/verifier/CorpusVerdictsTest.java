package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.testing.SharedData;
import org.junit.jupiter.api.Test;

/**
 * The corpus's programs against the kernel's recorded verdicts (corpus/kernel-verdicts.jsonl): bpf4j
 * must never accept what the kernel refused (soundness). Agreement on the rest is reported, and may only
 * grow.
 */
class CorpusVerdictsTest {
    private static final Pattern FIELD = Pattern.compile("\"(object|section|program|verdict|message)\": (\"((?:[^\"\\\\]|\\\\.)*)\"|null)");
    private static final Pattern PROCESSED = Pattern.compile("\"processed_insns\": (\\d+)");

    /** One recorded verdict; {@code processedInsns} is -1 where the kernel did not verify the program. */
    record Expected(String object, String section, String program, String verdict, String message, int processedInsns) {}

    static List<Expected> expected() throws IOException {
        Path file = SharedData.corpus().resolve("kernel-verdicts.jsonl");
        List<Expected> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String object = null, section = null, program = null, verdict = null, message = "";
            Matcher m = FIELD.matcher(line);
            while (m.find()) {
                String v = m.group(3) == null ? "" : m.group(3).replace("\\\"", "\"").replace("\\\\", "\\");
                switch (m.group(1)) {
                    case "object" -> object = v;
                    case "section" -> section = v;
                    case "program" -> program = v;
                    case "verdict" -> verdict = v;
                    default -> message = v;
                }
            }
            Matcher processed = PROCESSED.matcher(line);
            out.add(new Expected(object, section, program, verdict, message,
                    processed.find() ? Integer.parseInt(processed.group(1)) : -1));
        }
        return out;
    }

    /** A program as the recorded verdicts loaded it: CO-RE relocations were not applied. */
    static VerifierResult verifyAsLoaded(Path corpus, Expected e) throws IOException {
        BpfObject object = BpfObject.open(corpus.resolve(e.object()));
        ProgramSpec spec = object.programs().stream()
                .filter(p -> p.name().equals(e.program()) && p.sectionName().equals(e.section())).findFirst().orElseThrow();
        ProgramSpec asLoaded = new ProgramSpec(spec.name(), spec.sectionName(), spec.type(), spec.expectedAttachType(),
                spec.attachTo(), spec.loadFlags(), spec.program(), spec.subprograms(), spec.relocations(), spec.funcInfos(),
                spec.lineInfos(), List.of());
        return ObjectVerification.verify(object, asLoaded, VerifierOptions.defaults());
    }

    /**
     * State pruning as the kernel's (precision tracking, checkpoints, prune points): accepted programs whose
     * processed-instruction count equals the kernel's. A floor that may only rise (150 of 218 before
     * precision tracking, 211 with it, static register and stack-slot liveness and newest-first state lists;
     * 217 with callbacks and maps of maps verified and the kernel's helper-argument liveness).
     */
    @Test
    void processesAsManyInstructionsAsTheKernel() throws IOException {
        Path corpus = SharedData.corpus();
        int accepted = 0, same = 0;
        List<String> different = new ArrayList<>();
        for (Expected e : expected()) {
            if (!e.verdict().equals("accept")) continue;
            accepted++;
            VerifierResult r = verifyAsLoaded(corpus, e);
            if (r instanceof VerifierResult.Accepted && r.processedInsns() == e.processedInsns()) same++;
            else different.add(e.object() + " " + e.program() + ": kernel " + e.processedInsns() + ", bpf4j " + r.processedInsns());
        }
        System.out.printf("processed instructions: %d of %d accepted programs as the kernel%n", same, accepted);
        different.forEach(d -> System.out.println("  " + d));
        assertThat(same).as("accepted programs processed with the kernel's instruction count").isGreaterThanOrEqualTo(217);
    }

    @Test
    void neverAcceptsWhatTheKernelRefused() throws IOException {
        Path corpus = SharedData.corpus();
        int agree = 0, unsupported = 0, stricter = 0, total = 0;
        List<String> unsound = new ArrayList<>();
        List<String> disagreements = new ArrayList<>();
        List<String> unsupportedCases = new ArrayList<>();
        for (Expected e : expected()) {
            if (e.verdict().equals("unloadable")) continue;
            total++;
            // The recorded verdicts come from loading each program as compiled, without libbpf: CO-RE
            // relocations were not applied, so they are not applied here either.
            VerifierResult r = verifyAsLoaded(corpus, e);
            switch (r) {
                case VerifierResult.Accepted a -> {
                    if (e.verdict().equals("accept")) agree++;
                    else unsound.add(e.object() + " " + e.program() + ": kernel: " + e.message());
                }
                case VerifierResult.Rejected j -> {
                    if (e.verdict().equals("reject")) agree++;
                    else {
                        stricter++;
                        disagreements.add(e.object() + " " + e.program() + ": bpf4j: " + j.message());
                    }
                }
                case VerifierResult.InternalError x -> unsound.add(e.object() + " " + e.program() + ": internal error: " + x.message());
                case VerifierResult.Unsupported u -> {
                    unsupported++;
                    unsupportedCases.add(e.object() + " " + e.program() + " (kernel: " + e.verdict() + "): " + u.reason());
                }
            }
        }
        System.out.printf("corpus verdicts: %d programs, %d agree, %d unsupported, %d refused by bpf4j but accepted by the kernel%n",
                total, agree, unsupported, stricter);
        disagreements.forEach(d -> System.out.println("  stricter: " + d));
        unsupportedCases.forEach(d -> System.out.println("  unsupported: " + d));
        assertThat(unsound).as("programs bpf4j accepts and the kernel refuses (soundness bugs)").isEmpty();
        assertThat(total).isGreaterThan(200);
        // lower bound: agreement may only grow (239 of 239 since maps of maps are modelled)
        assertThat(agree).as("programs where bpf4j and the kernel agree").isGreaterThanOrEqualTo(239);
        assertThat(stricter).as("programs bpf4j refuses and the kernel accepts").isZero();
    }
}

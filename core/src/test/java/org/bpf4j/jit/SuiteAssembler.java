package org.bpf4j.jit;

import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * Test-only assembler for the bpf_conformance suite's own syntax ({@code mov %r0, 1},
 * {@code ldxh %r9, [%r0+2]}, {@code lock fetch add32 [%r10-8], %r1}, labels, {@code call local f}).
 * The project's real assembler lives in {@code org.bpf4j.asm}; this one only has to read the suite.
 */
final class SuiteAssembler {
    private SuiteAssembler() {}

    private static final Map<String, Integer> ALU = Map.ofEntries(
            Map.entry("add", ALU_ADD), Map.entry("sub", ALU_SUB), Map.entry("mul", ALU_MUL), Map.entry("div", ALU_DIV),
            Map.entry("or", ALU_OR), Map.entry("and", ALU_AND), Map.entry("lsh", ALU_LSH), Map.entry("rsh", ALU_RSH),
            Map.entry("mod", ALU_MOD), Map.entry("xor", ALU_XOR), Map.entry("mov", ALU_MOV), Map.entry("arsh", ALU_ARSH),
            Map.entry("sdiv", ALU_DIV), Map.entry("smod", ALU_MOD));
    private static final Map<String, Integer> JMP = Map.ofEntries(
            Map.entry("jeq", JMP_JEQ), Map.entry("jgt", JMP_JGT), Map.entry("jge", JMP_JGE), Map.entry("jset", JMP_JSET),
            Map.entry("jne", JMP_JNE), Map.entry("jsgt", JMP_JSGT), Map.entry("jsge", JMP_JSGE), Map.entry("jlt", JMP_JLT),
            Map.entry("jle", JMP_JLE), Map.entry("jslt", JMP_JSLT), Map.entry("jsle", JMP_JSLE));
    private static final Map<String, Integer> ATOMIC = Map.of("add", ATOMIC_ADD, "or", ATOMIC_OR, "and", ATOMIC_AND,
            "xor", ATOMIC_XOR, "xchg", ATOMIC_XCHG, "cmpxchg", ATOMIC_CMPXCHG);
    private static final Map<String, Integer> SIZE = Map.of("b", SIZE_B, "h", SIZE_H, "w", SIZE_W, "dw", SIZE_DW);

    private record Line(int number, String mnemonic, List<String> operands) {}

    static Program assemble(String text) {
        List<Line> lines = new ArrayList<>();
        Map<String, Integer> labels = new HashMap<>();
        int slot = 0;
        int number = 0;
        for (String raw : text.split("\n")) {
            number++;
            String line = raw.replaceAll("#.*", "").trim();
            if (line.isEmpty()) continue;
            if (line.endsWith(":")) {
                labels.put(line.substring(0, line.length() - 1).trim(), slot);
                continue;
            }
            int bracket = line.indexOf('[');
            String mnemonic;
            String rest;
            if (line.startsWith("lock ")) {
                mnemonic = line.substring(0, bracket).trim();
                rest = line.substring(bracket);
            } else {
                int sp = line.indexOf(' ');
                mnemonic = sp < 0 ? line : line.substring(0, sp);
                rest = sp < 0 ? "" : line.substring(sp + 1);
            }
            List<String> operands = new ArrayList<>();
            for (String o : rest.split(",")) if (!o.isBlank()) operands.add(o.trim());
            lines.add(new Line(number, mnemonic, operands));
            if (mnemonic.equals("exit")) {
                // Every earlier slot without a next exit yet jumps here on "exit".
                for (int p = slot - 1; p >= 0 && !labels.containsKey("exit@" + p); p--) labels.put("exit@" + p, slot);
            }
            slot += mnemonic.equals("lddw") ? 2 : 1;
        }
        List<Insn> out = new ArrayList<>();
        for (Line l : lines) {
            try {
                encode(l, out, labels);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + l.number + " (" + l.mnemonic + " " + l.operands + "): " + e.getMessage(), e);
            }
        }
        return new Program(out);
    }

    private static void encode(Line l, List<Insn> out, Map<String, Integer> labels) {
        String m = l.mnemonic;
        List<String> o = l.operands;
        int pc = out.size();
        if (m.equals("exit")) { out.add(Insn.exit()); return; }
        if (m.equals("lddw")) { out.addAll(List.of(Insn.lddw(reg(o.get(0)), PSEUDO_IMM64, number(o.get(1))))); return; }
        if (m.equals("call")) {
            String target = o.get(0);
            if (target.startsWith("local ")) {
                out.add(Insn.callLocal(label(target.substring(6).trim(), labels) - pc - 1));
            } else if (target.startsWith("%")) {
                out.add(new Insn(CALLX, reg(target), 0, 0, 0));
            } else {
                out.add(Insn.call((int) number(target)));
            }
            return;
        }
        if (m.equals("ja")) { out.add(Insn.ja(offset(o.get(0), pc, labels))); return; }
        if (m.equals("ja32")) { out.add(new Insn(JA32, 0, 0, 0, offset(o.get(0), pc, labels))); return; }
        if (m.startsWith("lock")) {
            String[] words = m.split("\\s+");
            boolean fetch = words[1].equals("fetch");
            String name = words[words.length - 1];
            boolean w32 = name.endsWith("32");
            if (w32) name = name.substring(0, name.length() - 2);
            int imm = ATOMIC.get(name) | (fetch ? ATOMIC_FETCH : 0);
            int[] mem = memory(o.get(0));
            out.add(new Insn(CLASS_STX | MODE_ATOMIC | (w32 ? SIZE_W : SIZE_DW), mem[0], reg(o.get(1)), mem[1], imm));
            return;
        }
        if (m.startsWith("ldx")) {
            boolean sx = m.startsWith("ldxs");
            int size = SIZE.get(m.substring(sx ? 4 : 3));
            int[] mem = memory(o.get(1));
            out.add(new Insn(CLASS_LDX | (sx ? MODE_MEMSX : MODE_MEM) | size, reg(o.get(0)), mem[0], mem[1], 0));
            return;
        }
        if (m.startsWith("stx")) {
            int[] mem = memory(o.get(0));
            out.add(Insn.store(SIZE.get(m.substring(3)), mem[0], reg(o.get(1)), mem[1]));
            return;
        }
        if (m.startsWith("st") && SIZE.containsKey(m.substring(2))) {
            int[] mem = memory(o.get(0));
            out.add(Insn.storeImm(SIZE.get(m.substring(2)), mem[0], mem[1], (int) number(o.get(1))));
            return;
        }
        if (m.matches("(be|le)(16|32|64)")) {
            out.add(new Insn(CLASS_ALU | ALU_END | (m.startsWith("be") ? END_TO_BE : END_TO_LE), reg(o.get(0)), 0, 0,
                    Integer.parseInt(m.substring(2))));
            return;
        }
        if (m.matches("b?swap(16|32|64)")) {
            out.add(new Insn(CLASS_ALU64 | ALU_END | END_TO_LE, reg(o.get(0)), 0, 0, Integer.parseInt(m.replaceAll("\\D", ""))));
            return;
        }
        if (m.startsWith("movsx")) {
            String bits = m.substring(5);
            int to = Integer.parseInt(bits.substring(bits.length() - 2));
            int from = Integer.parseInt(bits.substring(0, bits.length() - 2));
            out.add(new Insn((to == 64 ? CLASS_ALU64 : CLASS_ALU) | ALU_MOV | SRC_X, reg(o.get(0)), reg(o.get(1)), from, 0));
            return;
        }
        boolean w32 = m.endsWith("32");
        String base = w32 ? m.substring(0, m.length() - 2) : m;
        if (base.equals("neg")) {
            out.add(new Insn((w32 ? CLASS_ALU : CLASS_ALU64) | ALU_NEG, reg(o.get(0)), 0, 0, 0));
            return;
        }
        if (ALU.containsKey(base)) {
            int cls = (w32 ? CLASS_ALU : CLASS_ALU64) | ALU.get(base);
            int off = base.equals("sdiv") || base.equals("smod") ? 1 : 0;
            String b = o.get(1);
            if (b.startsWith("%")) out.add(new Insn(cls | SRC_X, reg(o.get(0)), reg(b), off, 0));
            else out.add(new Insn(cls | SRC_K, reg(o.get(0)), 0, off, (int) number(b)));
            return;
        }
        if (JMP.containsKey(base)) {
            int cls = (w32 ? CLASS_JMP32 : CLASS_JMP) | JMP.get(base);
            int off = offset(o.get(2), pc, labels);
            String b = o.get(1);
            if (b.startsWith("%")) out.add(new Insn(cls | SRC_X, reg(o.get(0)), reg(b), off, 0));
            else out.add(new Insn(cls | SRC_K, reg(o.get(0)), 0, off, (int) number(b)));
            return;
        }
        throw new IllegalArgumentException("unknown mnemonic " + m);
    }

    private static int reg(String s) {
        if (!s.startsWith("%r")) throw new IllegalArgumentException("not a register: " + s);
        return Integer.parseInt(s.substring(2));
    }

    /** {@code [%rN+off]} as {reg, off}. */
    private static int[] memory(String s) {
        String in = s.substring(s.indexOf('[') + 1, s.indexOf(']')).replace(" ", "");
        int sign = Math.max(in.indexOf('+'), in.indexOf('-'));
        if (sign < 0) return new int[] {reg(in), 0};
        int off = (int) number(in.substring(sign + 1));
        return new int[] {reg(in.substring(0, sign)), in.charAt(sign) == '-' ? -off : off};
    }

    private static int offset(String s, int pc, Map<String, Integer> labels) {
        if (s.startsWith("+") || s.startsWith("-")) return (int) number(s);
        if (s.equals("exit") && !labels.containsKey("exit")) {
            // The suite's "jump to exit": the next exit instruction.
            Integer next = labels.get("exit@" + pc);
            if (next == null) throw new IllegalArgumentException("no exit after insn " + pc);
            return next - pc - 1;
        }
        return label(s, labels) - pc - 1;
    }

    private static int label(String name, Map<String, Integer> labels) {
        Integer at = labels.get(name);
        if (at == null) throw new IllegalArgumentException("unknown label " + name);
        return at;
    }

    static long number(String s) {
        s = s.trim();
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+")) s = s.substring(1);
        long v = s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseUnsignedLong(s);
        return negative ? -v : v;
    }
}

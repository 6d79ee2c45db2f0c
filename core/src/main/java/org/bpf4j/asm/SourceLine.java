package org.bpf4j.asm;

import java.util.ArrayList;
import java.util.List;

/** One line of assembly with its 1-based number in the text it came from (a .data file has its asm further down). */
record SourceLine(int number, String text) {

    static List<SourceLine> split(String text) {
        // a final newline ends the last line rather than starting an empty one
        String[] lines = text.split("\r?\n");
        List<SourceLine> out = new ArrayList<>(lines.length);
        for (int i = 0; i < lines.length; i++) out.add(new SourceLine(i + 1, lines[i]));
        return out;
    }
}

package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Function offsets from hand-made ELF files: no kernel needed. */
class ElfSymbolsTest {

    /**
     * An ELF64 file with sections [null, .text at file offset 0x200 / address 0x1200, .symtab, .strtab] and
     * two function symbols: {@code f} in .text at 0x1210 (16 bytes), {@code g} absolute (SHN_ABS) at 0x1220.
     */
    private static Path elf() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(0x400).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putLong(0x28, 0x300).putShort(0x3a, (short) 64).putShort(0x3c, (short) 4);
        byte[] strtab = "\0f\0g\0".getBytes();
        b.put(0x100, strtab);
        // symbols at 0x140: null, f, g (24 bytes each)
        int sym = 0x140 + 24;
        b.putInt(sym, 1).put(sym + 4, (byte) 0x12).putShort(sym + 6, (short) 1).putLong(sym + 8, 0x1210).putLong(sym + 16, 0x10);
        sym += 24;
        b.putInt(sym, 3).put(sym + 4, (byte) 0x12).putShort(sym + 6, (short) 0xfff1).putLong(sym + 8, 0x1220);
        int sh = 0x300 + 64; // .text
        b.putInt(sh + 4, 1).putLong(sh + 0x10, 0x1200).putLong(sh + 0x18, 0x200).putLong(sh + 0x20, 0x40);
        sh += 64; // .symtab
        b.putInt(sh + 4, 2).putLong(sh + 0x18, 0x140).putLong(sh + 0x20, 72).putInt(sh + 0x28, 3).putLong(sh + 0x38, 24);
        sh += 64; // .strtab
        b.putInt(sh + 4, 3).putLong(sh + 0x18, 0x100).putLong(sh + 0x20, strtab.length);
        Path file = Files.createTempFile("bpf4j-elf", ".so");
        Files.write(file, b.array());
        return file;
    }

    @Test
    void aFunctionsFileOffsetComesFromItsSection() throws Exception {
        Path file = elf();
        try {
            assertThat(ElfSymbols.functionOffset(file, "f")).isEqualTo(0x210);
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void anAbsoluteSymbolHasNoPlaceInTheFileAndIsNotAMalformedFile() throws Exception {
        Path file = elf();
        try {
            assertThatThrownBy(() -> ElfSymbols.functionOffset(file, "g"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("no function g in " + file + " (closest: f)"); // the absolute g is no candidate
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void aFileOffsetNamesTheFunctionWhoseBytesHoldIt() throws Exception {
        Path file = elf();
        try {
            ElfSymbols.Functions fs = ElfSymbols.functions(file);
            assertThat(fs.names()).containsExactly("f"); // g has no place in the file
            assertThat(fs.at(0x210)).contains("f");
            assertThat(fs.at(0x21f)).contains("f");
            assertThat(fs.at(0x220)).as("past f's 16 bytes").isEmpty();
            assertThat(fs.at(0x20f)).as("before every function").isEmpty();
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void theSymbolizerNamesThisProcesssLibcFunctionAndAKernelFunction() throws Exception {
        @SuppressWarnings("restricted")
        long getppid = java.lang.foreign.Linker.nativeLinker().defaultLookup().find("getppid").orElseThrow().address();
        Symbolizer symbols = new Symbolizer();
        int pid = (int) ProcessHandle.current().pid();
        assertThat(symbols.user(pid, getppid)).isEqualTo("getppid");
        assertThat(symbols.user(pid, 8)).as("no mapping").isEqualTo("[unknown]");
        String kallsymsLine = Files.readAllLines(Path.of("/proc/kallsyms")).stream()
                .filter(l -> l.matches("\\p{XDigit}{16} [tT] vfs_read")).findFirst().orElse("");
        org.junit.jupiter.api.Assumptions.assumeTrue(!kallsymsLine.isEmpty() && !kallsymsLine.startsWith("0000000000000000"),
                "no readable kernel addresses in /proc/kallsyms (kptr_restrict or no such function)");
        long at = Long.parseUnsignedLong(kallsymsLine.substring(0, 16), 16);
        assertThat(symbols.kernel(at + 1)).isEqualTo("vfs_read");
    }
}

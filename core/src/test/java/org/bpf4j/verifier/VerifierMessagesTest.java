package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.VerifierTestSupport.*;

import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.MapFlags;

/** One small program per kernel message: bpf4j must print the kernel's words, and the kernel must agree. */
class VerifierMessagesTest {
    static final ProgramType XDP = ProgramType.XDP;
    static final ProgramType SF = ProgramType.SOCKET_FILTER;
    static final ProgramType TC = ProgramType.SCHED_CLS;
    static final List<MapInfo> ARRAY = List.of(MapInfo.of(MapType.ARRAY, 4, 16, 4));
    static final List<MapInfo> HASH = List.of(MapInfo.of(MapType.HASH, 8, 16, 16));
    static final List<MapInfo> RINGBUF = List.of(MapInfo.of(MapType.RINGBUF, 0, 0, 4096));

    @Test void unreachable() {
        assertRejected(B.b().ret(0).ret(1).p(), SF, List.of(), "unreachable insn 2");
    }

    @Test void jumpOutOfRange() {
        assertRejected(B.b().mov(0, 0).ja(5).exit().p(), SF, List.of(), "jump out of range from insn 1 to 7");
    }

    @Test void lastInsnNotExit() {
        assertRejected(B.b().mov(0, 0).p(), SF, List.of(), "last insn is not an exit or jmp");
    }

    @Test void infiniteLoop() {
        assertRejected(B.b().mov(0, 0).ja(-1).p(), SF, List.of(), "infinite loop detected at insn 1");
    }

    @Test void tooLarge() {
        // r0 counts up to 2^31: each iteration is a distinct state, far beyond 1M processed insns
        var p = B.b().mov(0, 0).alu(ALU_ADD, 0, 1).jmp(JMP_JLT, 0, 0x7fffffff, -2).exit().p();
        VerifierResult r = run(p, SF, List.of());
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("BPF program is too large. Processed 1000001 insn");
    }

    @Test void readNotInit() {
        assertRejected(B.b().movr(0, 2).exit().p(), SF, List.of(), "R2 !read_ok");
    }

    @Test void r0NotInitAtExit() {
        assertRejected(B.b().exit().p(), SF, List.of(), "R0 !read_ok");
    }

    @Test void frameReadOnly() {
        assertRejected(B.b().mov(10, 0).ret(0).p(), SF, List.of(), "frame pointer is read only");
    }

    @Test void mapPtrArithmetic() {
        assertRejected(B.b().ldMap(1, 0).alu(ALU_ADD, 1, 8).ret(0).p(), SF, ARRAY, "R1 pointer arithmetic on map_ptr prohibited");
    }

    @Test void scalarDeref() {
        assertRejected(B.b().mov(1, 0).ldx(SIZE_W, 0, 1, 0).exit().p(), SF, List.of(), "R1 invalid mem access 'scalar'");
    }

    @Test void mapValueOrNullDeref() {
        assertRejected(B.b().lookup(0).ldx(SIZE_W, 0, 0, 0).exit().p(), SF, ARRAY, "R0 invalid mem access 'map_value_or_null'");
    }

    @Test void mapValueNullChecked() {
        assertAccepted(B.b().lookup(0).jmp(JMP_JEQ, 0, 0, 1).ldx(SIZE_W, 0, 0, 12).ret(0).p(), SF, ARRAY);
    }

    @Test void mapValueOutOfBounds() {
        assertRejected(B.b().lookup(0).jmp(JMP_JEQ, 0, 0, 1).ldx(SIZE_W, 0, 0, 14).ret(0).p(), SF, ARRAY,
                "invalid access to map value, value_size=16 off=14 size=4");
    }

    @Test void nullCheckSharedByCopies() {
        // r6 = r0 (same id); checking r0 makes r6 a map value too
        assertAccepted(B.b().lookup(0).movr(6, 0).jmp(JMP_JEQ, 0, 0, 1).ldx(SIZE_W, 0, 6, 0).ret(0).p(), SF, ARRAY);
    }

    @Test void pointerArithOnNullable() {
        assertRejected(B.b().lookup(0).alu(ALU_ADD, 0, 4).ret(0).p(), SF, ARRAY,
                "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first");
    }

    @Test void unboundedMapIndex() {
        var p = B.b().movr(6, 1).lookup(0).jmp(JMP_JEQ, 0, 0, 4)
                .ldx(SIZE_W, 1, 6, 0).alur(ALU_ADD, 0, 1).ldx(SIZE_B, 0, 0, 0).exit().ret(0).p();
        assertRejected(p, SF, ARRAY, "R0 unbounded memory access, make sure to bounds check any such access");
    }

    @Test void boundedMapIndex() {
        var p = B.b().movr(6, 1).lookup(0).jmp(JMP_JEQ, 0, 0, 5)
                .ldx(SIZE_W, 1, 6, 0).alu(ALU_AND, 1, 15).alur(ALU_ADD, 0, 1).ldx(SIZE_B, 0, 0, 0).exit().ret(0).p();
        assertAccepted(p, SF, ARRAY);
    }

    @Test void stackOutOfBounds() {
        assertRejected(B.b().ldx(SIZE_DW, 0, 10, 8).exit().p(), SF, List.of(), "invalid read from stack R10 off=8 size=8");
    }

    @Test void stackWriteOutOfBounds() {
        assertRejected(B.b().st(SIZE_DW, 10, -520, 0).ret(0).p(), SF, List.of(), "invalid write to stack R10 off=-520 size=8");
    }

    @Test void helperStackWriteOutOfBounds() {
        var p = B.b().movr(1, 10).alu(ALU_ADD, 1, -1).mov(2, 20).mov(3, 0).call(113).exit().p();
        assertRejected(p, XDP, List.of(), "invalid write to stack R1 off=-1 size=20");
    }

    @Test void helperKeyOutOfBounds() {
        var p = B.b().ldMap(1, 0).movr(2, 10).alu(ALU_ADD, 2, -2).call(1).ret(0).p();
        assertRejected(p, XDP, ARRAY, "invalid read from stack R2 off=-2 size=4");
    }

    @Test void spillFill() {
        var p = B.b().stx(SIZE_DW, 10, 1, -8).ldx(SIZE_DW, 2, 10, -8).ldx(SIZE_W, 0, 2, 0).exit().p();
        assertAccepted(p, SF, List.of());
    }

    @Test void partialFillOfPointer() {
        var p = B.b().stx(SIZE_DW, 10, 1, -8).ldx(SIZE_W, 2, 10, -8).ret(0).p();
        assertRejected(p, SF, List.of(), "invalid size of register fill");
    }

    @Test void partialSpillOfPointer() {
        var p = B.b().stx(SIZE_W, 10, 1, -8).ret(0).p();
        assertRejected(p, SF, List.of(), "invalid size of register spill");
    }

    @Test void misalignedStack() {
        assertRejected(B.b().st(SIZE_W, 10, -6, 0).ret(0).p(), SF, List.of(), "misaligned stack access off 0+0+-6 size 4");
    }

    @Test void ctxBadOffset() {
        assertRejected(B.b().ldx(SIZE_W, 0, 1, 24).exit().p(), XDP, List.of(), "invalid bpf_context access off=24 size=4");
    }

    @Test void xdpNarrowData() {
        assertRejected(B.b().ldx(SIZE_H, 0, 1, 0).exit().p(), XDP, List.of(), "invalid bpf_context access off=0 size=2");
    }

    @Test void xdpWriteCtx() {
        assertRejected(B.b().st(SIZE_W, 1, 12, 0).ret(0).p(), XDP, List.of(), "invalid bpf_context access off=12 size=4");
    }

    @Test void skbNarrowLoadOk() {
        assertAccepted(B.b().ldx(SIZE_B, 0, 1, 0).exit().p(), SF, List.of());
    }

    @Test void socketFilterNoData() {
        assertRejected(B.b().ldx(SIZE_W, 0, 1, 76).exit().p(), SF, List.of(), "invalid bpf_context access off=76 size=4");
    }

    @Test void socketFilterWriteMark() {
        assertRejected(B.b().st(SIZE_W, 1, 8, 0).ret(0).p(), SF, List.of(), "invalid bpf_context access off=8 size=4");
    }

    @Test void tcWriteMark() {
        assertAccepted(B.b().st(SIZE_W, 1, 8, 0).ret(0).p(), TC, List.of());
    }

    @Test void socketFilterCbWrite() {
        assertAccepted(B.b().st(SIZE_W, 1, 48, 7).ret(0).p(), SF, List.of());
    }

    @Test void modifiedCtx() {
        assertRejected(B.b().alu(ALU_ADD, 1, 4).ldx(SIZE_W, 0, 1, 0).exit().p(), XDP, List.of(),
                "dereference of modified ctx ptr R1 off=4 disallowed");
    }

    @Test void tcPacket() {
        var p = B.b().skbData().movr(4, 2).alu(ALU_ADD, 4, 34).jmpr(JMP_JGT, 4, 3, 2)
                .ldx(SIZE_W, 0, 2, 30).exit().ret(2).p();
        assertAccepted(p, TC, List.of());
    }

    @Test void packetCheckAllForms() {
        // data_end < data + 14 (reversed operands, JLT) and data + 14 <= data_end (JLE)
        var a = B.b().xdpData().movr(4, 2).alu(ALU_ADD, 4, 14).jmpr(JMP_JLT, 3, 4, 2)
                .ldx(SIZE_B, 0, 2, 13).exit().ret(2).p();
        assertAccepted(a, XDP, List.of());
        var b = B.b().xdpData().movr(4, 2).alu(ALU_ADD, 4, 14).jmpr(JMP_JLE, 4, 3, 2).ret(1)
                .ldx(SIZE_B, 0, 2, 13).exit().p();
        assertAccepted(b, XDP, List.of());
        var c = B.b().xdpData().movr(4, 2).alu(ALU_ADD, 4, 14).jmpr(JMP_JGE, 3, 4, 2).ret(1)
                .ldx(SIZE_B, 0, 2, 13).exit().p();
        assertAccepted(c, XDP, List.of());
        var d = B.b().xdpData().movr(4, 2).alu(ALU_ADD, 4, 14).jmpr(JMP_JGE, 4, 3, 2)
                .ldx(SIZE_B, 0, 2, 13).exit().ret(1).p();
        assertAccepted(d, XDP, List.of());
    }

    @Test void packetNoCheck() {
        assertRejected(B.b().xdpData().ldx(SIZE_B, 0, 2, 0).exit().p(), XDP, List.of(),
                "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)");
    }

    @Test void pointerDifferenceIsScalarWhenPrivileged() {
        assertAccepted(B.b().ldx(SIZE_W, 2, 1, 0).ldx(SIZE_W, 0, 1, 4).alur(ALU_SUB, 0, 2).exit().p(), XDP, List.of());
    }

    @Test void bitwiseOnPointer() {
        assertRejected(B.b().movr(2, 10).alu(ALU_AND, 2, 4).ret(0).p(), SF, List.of(), "R2 bitwise operator &= on pointer prohibited");
    }

    @Test void pointer32Arith() {
        assertRejected(B.b().movr(2, 10).alu32(ALU_ADD, 2, 4).ret(0).p(), SF, List.of(), "R2 32-bit pointer arithmetic prohibited");
    }

    @Test void stackSubtraction() {
        assertRejected(B.b().movr(2, 10).mov(3, 4).alur(ALU_SUB, 2, 3).ret(0).p(), SF, List.of(),
                "R2 subtraction from stack pointer prohibited");
    }

    @Test void scalarMinusPointer() {
        assertRejected(B.b().mov(2, 4).alur(ALU_SUB, 2, 10).ret(0).p(), SF, List.of(), "R2 tried to subtract pointer from scalar");
    }

    @Test void divByZero() {
        assertRejected(B.b().mov(0, 1).alu(ALU_DIV, 0, 0).exit().p(), SF, List.of(), "div by zero");
    }

    @Test void invalidShift() {
        assertRejected(B.b().mov(0, 1).alu(ALU_LSH, 0, 64).exit().p(), SF, List.of(), "invalid shift 64");
    }

    @Test void helperNotForType() {
        assertRejected(B.b().call(26).ret(0).p(), XDP, List.of(), "program of this type cannot use helper bpf_skb_load_bytes#26");
    }

    @Test void invalidHelper() {
        assertRejected(B.b().call(100000).ret(0).p(), XDP, List.of(), "invalid func unknown#100000");
    }

    @Test void helperArgType() {
        assertRejected(B.b().mov(1, 0).mov(2, 0).call(1).ret(0).p(), XDP, ARRAY, "R1 type=scalar expected=map_ptr");
    }

    @Test void mapKeyNotPointer() {
        assertRejected(B.b().ldMap(1, 0).mov(2, 0).call(1).ret(0).p(), XDP, ARRAY,
                "R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_");
    }

    @Test void mapTypeMismatch() {
        var p = B.b().movr(6, 1).ldMap(2, 0).mov(3, 0).movr(1, 6).call(12).ret(0).p();
        assertRejected(p, XDP, ARRAY, "expected prog array map for tail call");
    }

    @Test void ringbufLeak() {
        var p = B.b().ldMap(1, 0).mov(2, 8).mov(3, 0).call(131).jmp(JMP_JEQ, 0, 0, 0).ret(0).p();
        assertRejected(p, XDP, RINGBUF, "Unreleased reference id=2 alloc_insn=4");
    }

    @Test void ringbufSubmit() {
        var p = B.b().ldMap(1, 0).mov(2, 8).mov(3, 0).call(131).jmp(JMP_JEQ, 0, 0, 4)
                .st(SIZE_DW, 0, 0, 1).movr(1, 0).mov(2, 0).call(132).ret(0).p();
        assertAccepted(p, XDP, RINGBUF);
    }

    @Test void ringbufUseAfterSubmit() {
        var p = B.b().ldMap(1, 0).mov(2, 8).mov(3, 0).call(131).jmp(JMP_JEQ, 0, 0, 5)
                .movr(6, 0).movr(1, 0).mov(2, 0).call(132).st(SIZE_DW, 6, 0, 1).ret(0).p();
        assertRejected(p, XDP, RINGBUF, "R6 invalid mem access 'scalar'");
    }

    @Test void ringbufOutOfBounds() {
        var p = B.b().ldMap(1, 0).mov(2, 8).mov(3, 0).call(131).jmp(JMP_JEQ, 0, 0, 4)
                .st(SIZE_DW, 0, 4, 1).movr(1, 0).mov(2, 0).call(133).ret(0).p();
        assertRejected(p, XDP, RINGBUF, "invalid access to memory, mem_size=8 off=4 size=8");
    }

    @Test void boundedLoop() {
        var p = B.b().mov(0, 0).mov(1, 0).alu(ALU_ADD, 0, 3).alu(ALU_ADD, 1, 1).jmp(JMP_JLT, 1, 100, -3).exit().p();
        assertAccepted(p, SF, List.of());
    }

    @Test void bpfToBpfCall() {
        // main: r1 = 5; call f; exit.  f: r0 = r1 + 1; exit
        var p = B.b().mov(1, 5).callLocal(1).exit().movr(0, 1).alu(ALU_ADD, 0, 1).exit().p();
        assertAccepted(p, SF, List.of());
    }

    @Test void callStackTooDeep() {
        B b = B.b();
        for (int i = 0; i < 8; i++) b.callLocal(1).exit();
        b.ret(0);
        assertRejected(b.p(), SF, List.of(), "the call stack of 9 frames is too deep");
    }

    @Test void combinedStackTooLarge() {
        // main uses 512 bytes, its callee 64 more
        var p = B.b().st(SIZE_DW, 10, -512, 0).callLocal(1).exit().st(SIZE_DW, 10, -64, 0).ret(0).p();
        assertRejected(p, SF, List.of(), "combined stack size of 2 calls is 576. Too large");
    }

    @Test void rdonlyMapWrite() {
        var maps = List.of(new MapInfo(MapType.ARRAY, 4, 8, 1, MapFlags.BPF_F_RDONLY_PROG, "ro", false, null));
        var p = B.b().lookup(0).jmp(JMP_JEQ, 0, 0, 1).st(SIZE_W, 0, 0, 1).ret(0).p();
        assertRejected(p, SF, maps, "write into map forbidden, value_size=8 off=0 size=4");
    }

    @Test void jmp32NarrowsBounds() {
        var p = B.b().movr(6, 1).lookup(0).jmp(JMP_JEQ, 0, 0, 5).ldx(SIZE_W, 1, 6, 0)
                .add(new Insn(CLASS_JMP32 | JMP_JGT | SRC_K, 1, 0, 3, 12))
                .alur(ALU_ADD, 0, 1).ldx(SIZE_W, 0, 0, 0).exit().ret(0).p();
        assertAccepted(p, SF, ARRAY);
    }

    @Test void ldAbsInXdpRefused() {
        var p = B.b().movr(6, 1).add(new Insn(CLASS_LD | MODE_ABS | SIZE_B, 0, 0, 0, 12)).exit().p();
        assertRejected(p, XDP, List.of(), "BPF_LD_[ABS|IND] instructions not allowed for this program type");
    }

    @Test void ldAbsInSocketFilter() {
        var p = B.b().movr(6, 1).add(new Insn(CLASS_LD | MODE_ABS | SIZE_H, 0, 0, 0, 12)).exit().p();
        assertAccepted(p, SF, List.of());
    }

    @Test void logLevel2Format() {
        var p = B.b().xdpData().movr(4, 2).alu(ALU_ADD, 4, 14).jmpr(JMP_JGT, 4, 3, 2)
                .ldx(SIZE_B, 0, 2, 13).exit().ret(2).p();
        VerifierResult r = Verifier.verify(p, XDP, List.of(), VerifierOptions.defaults().withLogLevel(2));
        assertThat(r.log()).contains("0: R1=ctx() R10=fp0\n")
                .contains("0: (61) r2 = *(u32 *)(r1 +0)          ; R1=ctx() R2=pkt(r=0)\n")
                .contains("3: (07) r4 += 14                      ; R4=pkt(off=14,r=0)\n")
                .contains("4: (2d) if r4 > r3 goto pc+2          ; R3=pkt_end() R4=pkt(off=14,r=14)\n")
                .contains("processed ");
    }

    static Program with(Program p) { return p; }
}

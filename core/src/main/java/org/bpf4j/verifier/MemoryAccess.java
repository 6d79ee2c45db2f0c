package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import java.util.Arrays;
import java.util.OptionalInt;
import org.bpf4j.isa.Insn;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.ProgramType;

/**
 * Memory access (kernel/bpf/verifier.c): check_mem_access and what it calls, for the stack
 * (check_stack_write/read, fixed and variable offset, check_stack_range_initialized), packets, map values,
 * the context and others; check_ptr_alignment; check_atomic, check_ld_abs and check_ld_imm.
 */
final class MemoryAccess {
    private MemoryAccess() {}

    /**
     * check_fastcall_stack_contract: an access below the fastcall region by an instruction outside the
     * patterns means the region is not the patterns' alone: none of the subprogram's patterns is removed.
     */
    static void checkFastcallStackContract(VerifierEnv env, Frame f, long off) {
        int sp = f.subprog;
        if (env.fastcallStackOff[sp] <= off || env.fastcallPattern[env.insnIdx]) return;
        env.fastcallStackOff[sp] = Short.MIN_VALUE;
        int end = sp + 1 < env.subprogStarts.length ? env.subprogStarts[sp + 1] : env.n;
        for (int i = env.subprogStarts[sp]; i < end; i++) {
            env.fastcallSpills[i] = 0;
            env.fastcallPattern[i] = false;
        }
    }


    static Frame funcOf(VerifierEnv env, Reg r) {
        return env.cur.frames[r.frameno];
    }

    /** check_ptr_alignment: strict under BPF_F_STRICT_ALIGNMENT, for stack accesses, or when the caller asks. */
    static void checkPtrAlignment(VerifierEnv env, Reg r, int off, int size, boolean strictOnce) {
        boolean strict = strictOnce || env.opts.strictAlignment();
        String desc = "";
        switch (r.type) {
            case PTR_TO_PACKET, PTR_TO_PACKET_META -> {
                if (!strict || size == 1) return;
                Tnum t = new Tnum(r.tv, r.tm).add(Tnum.constant(2L + r.off + off));
                if (!t.isAligned(size)) {
                    throw env.fail(env.insnIdx, "misaligned packet access off %d+%s+%d+%d size %d", 2, LogFormat.tnumStr(r.tv, r.tm), r.off, off, size);
                }
                return;
            }
            case PTR_TO_FLOW_KEYS -> desc = "flow keys ";
            case PTR_TO_SOCKET -> desc = "sock ";
            case PTR_TO_SOCK_COMMON -> desc = "sock_common ";
            case PTR_TO_TCP_SOCK -> desc = "tcp_sock ";
            case PTR_TO_XDP_SOCK -> desc = "xdp_sock ";
            case PTR_TO_MAP_KEY -> desc = "key ";
            case PTR_TO_MAP_VALUE -> desc = "value ";
            case PTR_TO_CTX -> desc = "context ";
            case PTR_TO_STACK -> { desc = "stack "; strict = true; }
            case PTR_TO_ARENA -> { return; }
            default -> { }
        }
        if (!strict || size == 1) return;
        Tnum t = new Tnum(r.tv, r.tm).add(Tnum.constant((long) r.off + off));
        if (!t.isAligned(size)) {
            throw env.fail(env.insnIdx, "misaligned %saccess off %s+%d+%d size %d", desc, LogFormat.tnumStr(r.tv, r.tm), r.off, off, size);
        }
    }

    /**
     * check_mem_access: {@code valueRegno} is the register stored or loaded into, -1 for none; {@code stImm} the
     * immediate a BPF_ST stores (the kernel reads it from the instruction), empty for every other access.
     */
    static void checkMemAccess(VerifierEnv env, int regno, int off, int size, boolean write, int valueRegno, OptionalInt stImm,
                               boolean strictOnce, boolean ldsx) {
        Reg r = env.reg(regno);
        checkPtrAlignment(env, r, off, size, strictOnce);
        off += r.off;
        int t = r.type;
        if (t == PTR_TO_MAP_KEY) {
            if (write) throw env.fail(env.insnIdx, "write to change key R%d not allowed", regno);
            checkMemRegionAccess(env, regno, off, size, env.maps.get(r.mapIdx).keySize(), false);
            if (valueRegno >= 0) env.reg(valueRegno).markUnknown();
        } else if (t == PTR_TO_MAP_VALUE) {
            if (write && valueRegno >= 0 && !env.opts.privileged() && env.reg(valueRegno).isPointer()) {
                throw env.fail(env.insnIdx, "R%d leaks addr into map", valueRegno);
            }
            MapInfo m = env.maps.get(r.mapIdx);
            checkMapAccessType(env, m, off, size, write);
            checkMemRegionAccess(env, regno, off, size, m.valueSize(), false);
            checkMapValueFields(env, r, m, off, size);
            if (!write && valueRegno >= 0) {
                if (r.isConst() && m.readOnlyForProgram() && m.frozen() && m.data() != null) {
                    int mapOff = (int) (off + r.tv);
                    long val = 0;
                    byte[] d = m.data();
                    if (mapOff + size > d.length) throw env.fail(env.insnIdx, "invalid access to map value, value_size=%d off=%d size=%d", m.valueSize(), mapOff, size);
                    for (int i = size - 1; i >= 0; i--) val = (val << 8) | (d[mapOff + i] & 0xff);
                    if (ldsx) val = size == 1 ? (byte) val : size == 2 ? (short) val : size == 4 ? (int) val : val;
                    Reg v = env.reg(valueRegno);
                    v.markUnknown();
                    v.markKnown(val);
                } else {
                    env.reg(valueRegno).markUnknown();
                }
            }
        } else if (base(t) == PTR_TO_MEM) {
            boolean rdonly = (t & MEM_RDONLY) != 0;
            if (mayBeNull(t)) throw env.fail(env.insnIdx, "R%d invalid mem access '%s'", regno, RegType.str(t));
            if (write && rdonly) throw env.fail(env.insnIdx, "R%d cannot write into %s", regno, RegType.str(t));
            checkMemRegionAccess(env, regno, off, size, r.memSize, false);
            if (valueRegno >= 0 && (!write || rdonly)) env.reg(valueRegno).markUnknown();
        } else if (t == PTR_TO_CTX) {
            if (write && valueRegno >= 0 && !env.opts.privileged() && env.reg(valueRegno).isPointer()) {
                throw env.fail(env.insnIdx, "R%d leaks addr into ctx", valueRegno);
            }
            if (env.ptype == ProgramType.SYSCALL && (r.tm != 0 || r.tv != 0)) {
                throw env.unsupported(env.insnIdx, "variable-offset accesses to a syscall program's context are not modelled");
            }
            checkPtrOffReg(env, r, regno, false);
            int res = VerifierOps.ctxAccess(env.ptype, off, size, write, ldsx, env.opts.expectedAttachType());
            if (res == VerifierOps.UNSUPPORTED) {
                throw env.unsupported(env.insnIdx, "context access off=" + off + " size=" + size + " of " + env.ptype + " loads "
                        + VerifierOps.unsupportedCtxField(env.ptype) + ": not modelled");
            }
            if (res == VerifierOps.INVALID) throw env.fail(env.insnIdx, "invalid bpf_context access off=%d size=%d", off, size);
            env.ctxAccesses.put(env.insnIdx, new VerifierResult.CtxAccess(env.insnIdx, off, size, write, res));
            if (!write && valueRegno >= 0) {
                Reg v = env.reg(valueRegno);
                if (res == SCALAR_VALUE) {
                    v.markUnknown();
                } else {
                    v.markKnownZeroPtr(res);
                    v.type = res;
                    if (mayBeNull(res)) v.id = ++env.idGen; // a socket that may be NULL, null-checked by id
                }
            }
        } else if (t == PTR_TO_STACK) {
            checkStackAccessWithinBounds(env, regno, off, size, write);
            Frame f = funcOf(env, r);
            checkFastcallStackContract(env, f, (r.isConst() ? r.tv : r.smin) + off);
            if (!write) checkStackRead(env, f, regno, off, size, valueRegno);
            else checkStackWrite(env, f, regno, off, size, valueRegno, stImm);
        } else if (isPktPointer(t)) {
            if (write && !VerifierOps.directPacketAccess(env.ptype, true)) throw env.fail(env.insnIdx, "cannot write into packet");
            if (write && valueRegno >= 0 && !env.opts.privileged() && env.reg(valueRegno).isPointer()) {
                throw env.fail(env.insnIdx, "R%d leaks addr into packet", valueRegno);
            }
            checkPacketAccess(env, regno, off, size, false);
            if (!write && valueRegno >= 0) env.reg(valueRegno).markUnknown();
        } else if (SocketRules.isSocketPointer(t)) {
            if (write) throw env.fail(env.insnIdx, "R%d cannot write into %s", regno, RegType.str(t));
            String refusal = SocketRules.refusal(regno, t, off, size);
            if (refusal != null) throw env.fail(env.insnIdx, "%s", refusal);
            if (valueRegno >= 0) env.reg(valueRegno).markUnknown();
        } else if (t == CONST_PTR_TO_MAP) {
            checkPtrToMapAccess(env, regno, off, write);
        } else {
            throw env.fail(env.insnIdx, "R%d invalid mem access '%s'", regno, RegType.str(t));
        }
        if (size < 8 && valueRegno >= 0 && !write && env.reg(valueRegno).type == SCALAR_VALUE) {
            if (!ldsx) env.reg(valueRegno).coerceToSize(size);
            else env.reg(valueRegno).coerceToSizeSx(size);
        }
    }

    /** check_map_access: no load, store or helper may touch the value's spin lock or timer. */
    static void checkMapValueFields(VerifierEnv env, Reg r, MapInfo m, int off, int size) {
        MapValueFields fields = m.fields();
        if (!fields.hasSpecialFields()) return;
        if (fields.unmodelled() != null) throw env.unsupported(env.insnIdx, "map value with " + fields.unmodelled());
        String field = fields.overlapped(r.smin + off, r.umax + off + size);
        if (field != null) throw env.fail(env.insnIdx, "%s cannot be accessed directly by load/store", field);
    }

    /**
     * check_ptr_to_map_access: a map pointer reads the kernel's struct of the map (its type named by
     * vmlinux BTF); bpf4j refuses what the kernel refuses and does not model the reads themselves.
     */
    static void checkPtrToMapAccess(VerifierEnv env, int regno, int off, boolean write) {
        String struct = switch (env.maps.get(env.reg(regno).mapIdx).type()) {
            case MapType.ARRAY, MapType.PERCPU_ARRAY, MapType.PROG_ARRAY, MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY,
                 MapType.ARRAY_OF_MAPS -> "bpf_array";
            case MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH, MapType.HASH_OF_MAPS -> "bpf_htab";
            default -> null;
        };
        if (struct == null) throw env.unsupported(env.insnIdx, "reads of struct bpf_map fields are not modelled");
        if (off < 0) throw env.fail(env.insnIdx, "R%d is %s invalid negative access: off=%d", regno, struct, off);
        if (write) throw env.fail(env.insnIdx, "only read from %s is supported", struct);
        throw env.unsupported(env.insnIdx, "reads of struct " + struct + " fields are not modelled");
    }

    static void checkPtrOffReg(VerifierEnv env, Reg r, int regno, boolean fixedOffOk) {
        if (r.off < 0) {
            throw env.fail(env.insnIdx, "negative offset %s ptr R%d off=%d disallowed", RegType.str(r.type), regno, r.off);
        }
        if (!fixedOffOk && r.off != 0) {
            throw env.fail(env.insnIdx, "dereference of modified %s ptr R%d off=%d disallowed", RegType.str(r.type), regno, r.off);
        }
        if (r.tm != 0 || r.tv != 0) {
            throw env.fail(env.insnIdx, "variable %s access var_off=%s disallowed", RegType.str(r.type), LogFormat.tnumStr(r.tv, r.tm));
        }
    }

    static void checkMapAccessType(VerifierEnv env, MapInfo m, int off, int size, boolean write) {
        if (write && m.readOnlyForProgram()) {
            throw env.fail(env.insnIdx, "write into map forbidden, value_size=%d off=%d size=%d", m.valueSize(), off, size);
        }
        if (!write && m.writeOnlyForProgram()) {
            throw env.fail(env.insnIdx, "read from map forbidden, value_size=%d off=%d size=%d", m.valueSize(), off, size);
        }
    }

    static String memAccessError(VerifierEnv env, int regno, long off, int size, long memSize) {
        Reg r = env.reg(regno);
        return switch (r.type) {
            case PTR_TO_MAP_KEY -> String.format("invalid access to map key, key_size=%d off=%d size=%d", memSize, off, size);
            case PTR_TO_MAP_VALUE -> String.format("invalid access to map value, value_size=%d off=%d size=%d", memSize, off, size);
            case PTR_TO_PACKET, PTR_TO_PACKET_META, PTR_TO_PACKET_END ->
                    String.format("invalid access to packet, off=%d size=%d, R%d(id=%d,off=%d,r=%d)", off, size, regno, r.id, off, memSize);
            default -> String.format("invalid access to memory, mem_size=%d off=%d size=%d", memSize & 0xffffffffL, off, size);
        };
    }

    static boolean memOk(VerifierEnv env, long off, int size, long memSize, boolean zeroSizeAllowed) {
        boolean sizeOk = size > 0 || (size == 0 && zeroSizeAllowed);
        return off >= 0 && sizeOk && off + size <= memSize;
    }

    static void checkMemRegionAccess(VerifierEnv env, int regno, int off, int size, long memSize, boolean zeroSizeAllowed) {
        Reg r = env.reg(regno);
        if (r.smin < 0 && (r.smin == Long.MIN_VALUE || (off + r.smin != (int) (off + r.smin)) || r.smin + off < 0)) {
            throw env.fail(env.insnIdx, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno);
        }
        long lo = (int) (r.smin + off);
        if (!memOk(env, lo, size, memSize, zeroSizeAllowed)) {
            throw env.fail2(env.insnIdx, memAccessError(env, regno, lo, size, memSize), "R" + regno + " min value is outside of the allowed memory range");
        }
        if (Long.compareUnsigned(r.umax, VerifierEnv.BPF_MAX_VAR_OFF) >= 0) {
            throw env.fail(env.insnIdx, "R%d unbounded memory access, make sure to bounds check any such access", regno);
        }
        long hi = (int) (r.umax + off);
        if (!memOk(env, hi, size, memSize, zeroSizeAllowed)) {
            throw env.fail2(env.insnIdx, memAccessError(env, regno, hi, size, memSize), "R" + regno + " max value is outside of the allowed memory range");
        }
    }

    static void checkPacketAccess(VerifierEnv env, int regno, int off, int size, boolean zeroSizeAllowed) {
        Reg r = env.reg(regno);
        if (r.smin < 0) {
            throw env.fail(env.insnIdx, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno);
        }
        if (r.range < 0 || !memOk(env, off, size, r.range, zeroSizeAllowed)) {
            if (r.range < 0) throw env.fail(env.insnIdx, "R%d offset is outside of the packet", regno);
            throw env.fail2(env.insnIdx, memAccessError(env, regno, off, size, r.range), "R" + regno + " offset is outside of the packet");
        }
    }

    static void checkStackAccessWithinBounds(VerifierEnv env, int regno, int off, int size, boolean write) {
        Reg r = env.reg(regno);
        String extra = write ? " write to" : " read from";
        long minOff, maxOff;
        if (r.isConst()) {
            minOff = r.tv + off;
            maxOff = minOff + size;
        } else {
            if (r.smax >= VerifierEnv.BPF_MAX_VAR_OFF || r.smin <= -VerifierEnv.BPF_MAX_VAR_OFF) {
                throw env.fail(env.insnIdx, "invalid unbounded variable-offset%s stack R%d", extra, regno);
            }
            minOff = r.smin + off;
            maxOff = r.smax + off + size;
        }
        boolean bad = minOff < -VerifierEnv.MAX_BPF_STACK || maxOff > 0 || size < 0;
        if (bad) {
            if (r.isConst()) throw env.fail(env.insnIdx, "invalid%s stack R%d off=%d size=%d", extra, regno, off, size);
            throw env.fail(env.insnIdx, "invalid variable-offset%s stack R%d var_off=%s off=%d size=%d", extra, regno,
                    LogFormat.tnumStr(r.tv, r.tm), off, size);
        }
        funcOf(env, r).grow((int) -minOff);
    }

    static void scratchSlot(VerifierEnv env, Frame f, int spi) {
        if (f == env.cur.cur() && spi < 64) env.scratchedSlots |= 1L << spi;
    }

    static void checkStackWrite(VerifierEnv env, Frame f, int regno, int off, int size, int valueRegno, OptionalInt stImm) {
        Reg ptr = env.reg(regno);
        if (ptr.isConst()) {
            checkStackWriteFixedOff(env, f, (int) (off + ptr.tv), size, valueRegno, stImm);
        } else {
            checkStackWriteVarOff(env, f, ptr, off, size, valueRegno, stImm);
        }
    }

    static void saveRegisterState(VerifierEnv env, Frame f, int spi, Reg r, int size) {
        f.spill[spi].set(r);
        int i;
        for (i = 8; i > 8 - size; i--) f.setSlot(spi, i - 1, STACK_SPILL);
        for (; i > 0; i--) { // mark_stack_slot_misc
            byte t = f.slot(spi, i - 1);
            if (t == STACK_ZERO || (t == STACK_INVALID && env.opts.privileged())) continue;
            f.setSlot(spi, i - 1, STACK_MISC);
        }
    }

    /**
     * A regular (non-spill) write into a slot: the spilled register is gone and, when the slot held a
     * spill (is_stack_slot_special), every initialized byte of it becomes misc (scrub_spilled_slot), so a
     * later narrow read is a misc read, not a fill of a dead register.
     */
    static void scrubSpecialSlot(VerifierEnv env, Frame f, int spi) {
        if (f.isSpilled(spi)) {
            for (int j = 0; j < 8; j++) if (f.slot(spi, j) != STACK_INVALID) f.setSlot(spi, j, STACK_MISC);
        }
        f.spill[spi].markNotInit();
    }

    static void checkStackWriteFixedOff(VerifierEnv env, Frame f, int off, int size, int valueRegno, OptionalInt stImm) {
        int slot = -off - 1, spi = slot / 8;
        Reg r = valueRegno >= 0 ? env.reg(valueRegno) : null;
        scratchSlot(env, f, spi);
        // a spilled pointer overwritten in part loses its meaning
        if (!env.opts.privileged() && f.isSpilled(spi) && !f.isSpilledScalar(spi) && size != 8) {
            throw env.fail(env.insnIdx, "attempt to corrupt spilled pointer on stack");
        }
        // scalar spills are tracked for bpf_capable loaders only
        if (r != null && off % 8 == 0 && r.type == SCALAR_VALUE && env.opts.privileged()) {
            boolean fits = r.width() <= 8 * size;
            if (fits) AluOps.assignScalarIdBeforeMov(env, r);
            saveRegisterState(env, f, spi, r, size);
            if (!fits) f.spill[spi].id = 0;
        } else if (r == null && off % 8 == 0 && stImm.isPresent() && env.opts.privileged()) {
            Reg tmp = new Reg();
            tmp.markKnown(stImm.getAsInt());
            tmp.type = SCALAR_VALUE;
            saveRegisterState(env, f, spi, tmp, size);
        } else if (r != null && r.isPointer()) {
            if (size != 8) throw env.fail(env.insnIdx, "invalid size of register spill");
            if (f != env.cur.cur() && r.type == PTR_TO_STACK) {
                throw env.fail(env.insnIdx, "cannot spill pointers to stack into stack frame of the caller");
            }
            saveRegisterState(env, f, spi, r, size);
        } else {
            byte type = STACK_MISC;
            scrubSpecialSlot(env, f, spi);
            if ((r != null && r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0) || (r == null && stImm.isPresent() && stImm.getAsInt() == 0)) {
                // the slot is known zero only because the register is: it must be precise
                if (r != null) env.markPrecise(valueRegno);
                type = STACK_ZERO;
            }
            for (int i = 0; i < size; i++) f.setSlot(spi, (slot - i) % 8, type);
            return; // not a spill: nothing for backtracking to follow
        }
        recordStackAccess(env, f, spi);
    }

    /** A spill or fill of slot {@code spi} of frame {@code f}: backtracking follows scalars through it. */
    static void recordStackAccess(VerifierEnv env, Frame f, int spi) {
        env.precision.pushHistory(env.cur, env.insnIdx, InsnHistory.stackAccess(f.frameno, spi), null);
    }

    static void checkStackWriteVarOff(VerifierEnv env, Frame f, Reg ptr, int off, int size, int valueRegno, OptionalInt stImm) {
        int minOff = (int) (ptr.smin + off), maxOff = (int) (ptr.smax + off + size);
        Reg v = valueRegno >= 0 ? env.reg(valueRegno) : null;
        boolean writingZero = (v != null && v.type == SCALAR_VALUE && v.tm == 0 && v.tv == 0)
                || (v == null && stImm.isPresent() && stImm.getAsInt() == 0);
        boolean zeroUsed = false;
        for (int i = minOff; i < maxOff; i++) {
            int slot = -i - 1, spi = slot / 8;
            int j = slot % 8;
            byte st = f.slot(spi, j);
            scratchSlot(env, f, spi);
            if (!env.opts.privileged() && st != STACK_MISC && st != STACK_ZERO) {
                throw env.fail(env.insnIdx, "spilled ptr in range of var-offset stack write; insn %d, ptr off: %d", env.insnIdx, i);
            }
            if (writingZero && st == STACK_SPILL && f.isSpilledScalar(spi)) {
                Reg sp = f.spill[spi];
                if (sp.tm == 0 && sp.tv == 0) {
                    zeroUsed = true;
                    continue;
                }
            }
            f.spill[spi].markNotInit();
            byte nt = STACK_MISC;
            if (writingZero && st == STACK_ZERO) {
                nt = STACK_ZERO;
                zeroUsed = true;
            }
            f.setSlot(spi, j, nt);
        }
        // zeroes kept on the stack are zero only because the written register is
        if (zeroUsed && valueRegno >= 0) env.markPrecise(valueRegno);
    }

    static void checkStackRead(VerifierEnv env, Frame f, int regno, int off, int size, int dstRegno) {
        Reg ptr = env.reg(regno);
        if (ptr.isConst()) {
            checkStackReadFixedOff(env, f, (int) (off + ptr.tv), size, dstRegno);
        } else {
            int minOff = (int) (ptr.smin + off), maxOff = (int) (ptr.smax + off);
            checkStackRangeInitialized(env, regno, off, size, false, false, false);
            markRegStackRead(env, f, minOff, maxOff + size, dstRegno);
        }
    }

    static void markRegStackRead(VerifierEnv env, Frame f, int minOff, int maxOff, int dstRegno) {
        int zeros = 0;
        for (int i = minOff; i < maxOff; i++) {
            int slot = -i - 1, spi = slot / 8;
            if (f.slot(spi, slot % 8) != STACK_ZERO) break;
            zeros++;
        }
        Reg d = env.reg(dstRegno);
        if (zeros == maxOff - minOff) d.markConstZero();
        else d.markUnknown();
    }

    static void checkStackReadFixedOff(VerifierEnv env, Frame f, int off, int size, int dstRegno) {
        int slot = -off - 1, spi = slot / 8;
        Reg spilled = f.spill[spi];
        scratchSlot(env, f, spi);
        if (f.isSpilled(spi)) {
            int spillSize = 1;
            for (int i = 7; i > 0 && f.slot(spi, i - 1) == STACK_SPILL; i--) spillSize++;
            if (size != 8 || spillSize != 8) {
                if (spilled.type != SCALAR_VALUE) throw env.fail(env.insnIdx, "invalid size of register fill");
                if (dstRegno < 0) return;
                Reg d = env.reg(dstRegno);
                if (size <= spillSize && off % 8 == 0) {
                    d.set(spilled);
                    if (spilled.width() > size * 8) { d.id = 0; d.off = 0; }
                    recordStackAccess(env, f, spi);
                } else {
                    int spillCnt = 0, zeroCnt = 0;
                    for (int i = 0; i < size; i++) {
                        byte t = f.slot(spi, (slot - i) % 8);
                        if (t == STACK_SPILL) { spillCnt++; continue; }
                        if (t == STACK_MISC) continue;
                        if (t == STACK_ZERO) { zeroCnt++; continue; }
                        if (t == STACK_INVALID && env.opts.privileged()) continue;
                        throw env.fail(env.insnIdx, "invalid read from stack off %d+%d size %d", off, i, size);
                    }
                    if (spillCnt == size && spilled.tm == 0 && spilled.tv == 0) {
                        d.markConstZero();
                        recordStackAccess(env, f, spi); // a fill of the spilled zero
                    } else if (zeroCnt == size) {
                        d.markConstZero();
                    } else {
                        d.markUnknown();
                    }
                }
            } else {
                if (dstRegno >= 0) env.reg(dstRegno).set(spilled);
                else if (!env.opts.privileged() && spilled.isPointer()) throw env.fail(env.insnIdx, "leaking pointer from stack off %d", off);
                recordStackAccess(env, f, spi);
            }
        } else {
            for (int i = 0; i < size; i++) {
                byte t = f.slot(spi, (slot - i) % 8);
                if (t == STACK_MISC || t == STACK_ZERO) continue;
                if (t == STACK_INVALID && env.opts.privileged()) continue;
                throw env.fail(env.insnIdx, "invalid read from stack off %d+%d size %d", off, i, size);
            }
            if (dstRegno >= 0) markRegStackRead(env, f, off, off + size, dstRegno);
        }
    }

    /**
     * check_stack_range_initialized for helper and variable-offset accesses: bounds, then every byte must be
     * readable (for privileged programs uninitialized bytes are); a write clobbers zero slots and spilled
     * scalars.
     */
    static void checkStackRangeInitialized(VerifierEnv env, int regno, int off, int accessSize, boolean zeroSizeAllowed,
                                            boolean helper, boolean write) {
        Reg r = env.reg(regno);
        Frame f = funcOf(env, r);
        if (accessSize == 0 && !zeroSizeAllowed) throw env.fail(env.insnIdx, "invalid zero-sized read");
        checkStackAccessWithinBounds(env, regno, off, accessSize, write);
        int minOff, maxOff;
        if (r.isConst()) {
            minOff = maxOff = (int) (r.tv + off);
        } else {
            if (!env.opts.privileged()) {
                throw env.fail(env.insnIdx, "R%d%s variable offset stack access prohibited for !root, var_off=%s", regno,
                        helper ? " indirect" : "", LogFormat.tnumStr(r.tv, r.tm));
            }
            minOff = (int) (r.smin + off);
            maxOff = (int) (r.smax + off);
        }
        for (int i = minOff; i < maxOff + accessSize; i++) {
            int slot = -i - 1, spi = slot / 8, j = slot % 8;
            byte t = f.slot(spi, j);
            scratchSlot(env, f, spi);
            if (t == STACK_MISC) continue;
            if (t == STACK_ZERO || (t == STACK_INVALID && env.opts.privileged())) {
                if (write) f.setSlot(spi, j, STACK_MISC);
                continue;
            }
            if (f.isSpilled(spi) && (f.spill[spi].type == SCALAR_VALUE || env.opts.privileged())) {
                if (write) {
                    f.spill[spi].markUnknown();
                    for (int k = 0; k < 8; k++) if (f.slot(spi, k) != STACK_INVALID) f.setSlot(spi, k, STACK_MISC);
                }
                continue;
            }
            String extra = helper ? (write ? " write to" : " read from") : " read from";
            if (r.isConst()) throw env.fail(env.insnIdx, "invalid%s stack R%d off %d+%d size %d", extra.replace(" to", "").replace(" from", " from"), regno, minOff, i - minOff, accessSize);
            throw env.fail(env.insnIdx, "invalid%s stack R%d var_off %s+%d size %d", extra, regno, LogFormat.tnumStr(r.tv, r.tm), i - minOff, accessSize);
        }
    }


    static void checkAtomic(VerifierEnv env, Insn in) {
        int code = in.opcode();
        int imm = in.imm();
        if (imm == ATOMIC_LOAD_ACQ) {
            Verifier.checkRegArg(env, in.src(), Verifier.SRC_OP);
            Verifier.checkRegArg(env, in.dst(), Verifier.DST_OP_NO_MARK);
            int t = env.reg(in.src()).type;
            checkMemAccess(env, in.src(), in.off(), sizeBytes(code), false, in.dst(), OptionalInt.empty(), true, false);
            Verifier.saveAuxPtrType(env, t);
            return;
        }
        if (imm == ATOMIC_STORE_REL) {
            Verifier.checkRegArg(env, in.src(), Verifier.SRC_OP);
            Verifier.checkRegArg(env, in.dst(), Verifier.SRC_OP);
            int t = env.reg(in.dst()).type;
            checkMemAccess(env, in.dst(), in.off(), sizeBytes(code), true, in.src(), OptionalInt.empty(), true, false);
            Verifier.saveAuxPtrType(env, t);
            return;
        }
        switch (imm) {
            case ATOMIC_ADD, ATOMIC_ADD | ATOMIC_FETCH, ATOMIC_AND, ATOMIC_AND | ATOMIC_FETCH, ATOMIC_OR,
                 ATOMIC_OR | ATOMIC_FETCH, ATOMIC_XOR, ATOMIC_XOR | ATOMIC_FETCH, ATOMIC_XCHG, ATOMIC_CMPXCHG -> { }
            default -> throw env.fail(env.insnIdx, "BPF_ATOMIC uses invalid atomic opcode %02x", imm);
        }
        if (size(code) != SIZE_W && size(code) != SIZE_DW) throw env.fail(env.insnIdx, "invalid atomic operand size");
        Verifier.checkRegArg(env, in.src(), Verifier.SRC_OP);
        Verifier.checkRegArg(env, in.dst(), Verifier.SRC_OP);
        int loadReg = -1;
        if (imm == ATOMIC_CMPXCHG) {
            Verifier.checkRegArg(env, 0, Verifier.SRC_OP);
            loadReg = 0;
        } else if ((imm & ATOMIC_FETCH) != 0) {
            loadReg = in.src();
        }
        if (!env.opts.privileged() && env.reg(in.src()).isPointer()) throw env.fail(env.insnIdx, "R%d leaks addr into mem", in.src());
        Reg d = env.reg(in.dst());
        int dt = base(d.type);
        if (dt == PTR_TO_CTX || isPktPointer(d.type) || dt == PTR_TO_FLOW_KEYS || dt == PTR_TO_SOCKET
                || dt == PTR_TO_SOCK_COMMON || dt == PTR_TO_TCP_SOCK || dt == PTR_TO_XDP_SOCK) {
            throw env.fail(env.insnIdx, "BPF_ATOMIC stores into R%d %s is not allowed", in.dst(), RegType.str(d.type));
        }
        int t = d.type;
        if (loadReg >= 0) {
            checkMemAccess(env, in.dst(), in.off(), sizeBytes(code), false, loadReg, OptionalInt.empty(), true, false);
        } else {
            checkMemAccess(env, in.dst(), in.off(), sizeBytes(code), false, -1, OptionalInt.empty(), true, false);
        }
        checkMemAccess(env, in.dst(), in.off(), sizeBytes(code), true, -1, OptionalInt.empty(), true, false);
        Verifier.saveAuxPtrType(env, t);
    }

    static int checkLdAbs(VerifierEnv env, Insn in) {
        int code = in.opcode();
        if (env.ptype != ProgramType.SOCKET_FILTER && env.ptype != ProgramType.SCHED_CLS
                && env.ptype != ProgramType.SCHED_ACT) {
            throw env.fail(env.insnIdx, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
        }
        if (in.dst() != 0 || in.off() != 0 || size(code) == SIZE_DW
                || (mode(code) == MODE_ABS && in.src() != 0)) {
            throw env.fail(env.insnIdx, "BPF_LD_[ABS|IND] uses reserved fields");
        }
        Verifier.checkRegArg(env, 6, Verifier.SRC_OP);
        FuncCalls.checkResourceLeak(env, "BPF_LD_[ABS|IND]");
        if (mode(code) == MODE_IND) Verifier.checkRegArg(env, in.src(), Verifier.SRC_OP);
        if (env.reg(6).type != PTR_TO_CTX) throw env.fail(env.insnIdx, "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
        for (int i = 1; i <= 5; i++) {
            env.reg(i).markNotInit();
        }
        env.reg(0).markUnknown();
        env.scratchReg(0);
        // a failed load ends the program with r0 = 0 (bpf_gen_ld_abs): in a subprogram that is a return to
        // the caller, explored too, while the load that succeeds goes on (check_ld_abs)
        if (env.cur.curframe == 0) return Verifier.STEP_NEXT;
        Verifier.pushStack(env, env.insnIdx + 1, env.insnIdx);
        env.reg(0).markKnown(0);
        env.reg(0).type = SCALAR_VALUE;
        return FuncCalls.processExit(env);
    }

    static void checkLdImm(VerifierEnv env, Insn in) {
        if (size(in.opcode()) != SIZE_DW) throw env.fail(env.insnIdx, "invalid BPF_LD_IMM insn");
        if (in.off() != 0) throw env.fail(env.insnIdx, "BPF_LD_[ABS|IND] uses reserved fields");
        Verifier.checkRegArg(env, in.dst(), Verifier.DST_OP);
        Reg d = env.reg(in.dst());
        long imm = ((long) env.insns[env.insnIdx + 1].imm() << 32) | (in.imm() & 0xffffffffL);
        int src = in.src();
        if (src == PSEUDO_IMM64) {
            d.markKnown(imm);
            d.type = SCALAR_VALUE;
            return;
        }
        d.markKnownZeroPtr(PTR_TO_STACK);
        if (src == PSEUDO_FUNC) {
            int t = env.insnIdx + in.imm() + 1;
            if (env.btfFuncs.isEmpty()) throw env.fail(env.insnIdx, "missing btf func_info");
            BtfFunc f = env.btfFuncs.get(t);
            if (f != null && f.global()) throw env.fail(env.insnIdx, "callback function not static");
            d.type = PTR_TO_FUNC;
            d.subprog = Math.max(0, Arrays.binarySearch(env.subprogStarts, t));
            return;
        }
        d.mapIdx = in.imm();
        if (src == PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX_VALUE) {
            d.type = PTR_TO_MAP_VALUE;
            d.off = env.insns[env.insnIdx + 1].imm();
        } else {
            d.type = CONST_PTR_TO_MAP;
        }
    }
}

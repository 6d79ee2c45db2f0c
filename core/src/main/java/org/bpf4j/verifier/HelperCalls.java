package org.bpf4j.verifier;

import org.bpf4j.helpers.KernelHelper;
import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * Helper calls (kernel/bpf/verifier.c): check_helper_call, check_func_arg with check_reg_type and the
 * memory/size arguments (check_helper_mem_access, check_mem_size_reg), process_spin_lock,
 * process_timer_func, check_map_func_compatibility, release_reference and do_refine_retval_range.
 */
final class HelperCalls {
    private HelperCalls() {}

    /**
     * do_refine_retval_range: the stack and string helpers return a negative errno or at most the size they
     * were given, so {@code if (r0 > 0)} makes r0 a usable size.
     */
    static void refineRetvalRange(Reg r0, int funcId, ArgMeta meta) {
        switch (funcId) {
            case 67, 141, 45, 115, 114 -> { // get_stack, get_task_stack, probe_read_{,kernel_,user_}str
                r0.smax = meta.msizeMax;
                r0.s32max = (int) meta.msizeMax;
                r0.smin = -VerifierEnv.MAX_ERRNO;
                r0.s32min = -VerifierEnv.MAX_ERRNO;
                r0.sync();
            }
            default -> { }
        }
    }

    static final class ArgMeta {
        int mapIdx = -1;
        int refObjId;
        int releaseRegno;
        boolean rawMode;
        int rawRegno = -1;
        int rawSize;
        long memSize = -1;
        boolean pktAccess;
        String funcName;
        int funcId;
        int callbackSubprog = -1;
        long constKey = -1;
        /** The largest size a size argument allows (msize_max_value): what string and stack helpers return at most. */
        long msizeMax;
    }

    /**
     * get_constant_map_key (Linux 6.14+): the constant key a stack pointer points to (zeroed bytes, or a
     * constant scalar spilled with exactly the key's size), or -1.
     */
    static long constantStackKey(VerifierEnv env, Reg r, int keySize) {
        if (!env.opts.privileged() || r.type != PTR_TO_STACK || !r.isConst()) return -1;
        Frame f = MemoryAccess.funcOf(env, r);
        int stackOff = (int) (r.off + r.tv);
        int slot = -stackOff - 1, spi = slot / 8, off = slot % 8;
        if (slot < 0 || spi >= f.spill.length) return -1;
        int zeroSize = 0;
        for (int i = off; i >= 0 && f.slot(spi, i) == STACK_ZERO; i--) zeroSize++;
        if (zeroSize >= keySize) return 0;
        if (!f.isSpilledScalar(spi)) return -1;
        int spillSize = 0;
        for (int i = off; i >= 0 && f.slot(spi, i) == STACK_SPILL; i--) spillSize++;
        if (spillSize != keySize) return -1;
        Reg v = f.spill[spi];
        if (!v.isConst()) return -1;
        env.precision.markSlot(env.cur, env.insnIdx, f.frameno, spi); // the lookup's result relies on the key's value
        return v.tv < 0 ? -1 : v.tv;
    }


    static int checkHelperCall(VerifierEnv env, Insn in) {
        int id = in.imm();
        String name = env.opts.helpers().name(id);
        if (env.opts.helpers().spec(id).isEmpty()) {
            throw env.fail(env.insnIdx, "invalid func %s#%d", name, id);
        }
        AttachType attach = env.opts.expectedAttachType();
        HelperAvailability.Verdict availability = HelperAvailability.verdict(env.opts.helpers(), id, env.ptype, attach, env.opts.target());
        if (availability == HelperAvailability.Verdict.INVALID) throw env.fail(env.insnIdx, "invalid func unknown#%d", id);
        if (availability == HelperAvailability.Verdict.UNAVAILABLE
                || (!env.opts.privileged() && org.bpf4j.helpers.HelperCapabilities.needsCapability(id))) {
            throw env.fail(env.insnIdx, "program of this type cannot use helper %s#%d", name, id);
        }
        if (!env.opts.gplCompatible() && HelperAvailability.gplOnly(env.opts.helpers(), id, env.ptype, attach)) {
            throw env.fail(env.insnIdx, "cannot call GPL-restricted function from non-GPL compatible program");
        }
        if (availability == HelperAvailability.Verdict.NOT_ALLOWED) throw env.fail(env.insnIdx, "helper call is not allowed in probe");
        if (availability == HelperAvailability.Verdict.MIGHT_SLEEP && !Verifier.sleepable(env)) {
            throw env.fail(env.insnIdx, "helper call might sleep in a non-sleepable prog");
        }
        HelperProto fn = HelperProto.of(env.opts.helpers(), id, env.ptype);
        if (fn.unmodelled() != null) throw env.unsupported(env.insnIdx, "helper " + name + "#" + id + " is not modelled: " + fn.unmodelled());
        ArgMeta meta = new ArgMeta();
        meta.pktAccess = fn.pktAccess();
        meta.funcName = name;
        meta.funcId = id;
        int[] args = fn.args();
        for (int i = 0; i < 5; i++) {
            int at = i < args.length ? args[i] : HelperProto.ARG_DONTCARE;
            checkFuncArg(env, i, at, fn, meta, args);
        }
        if ((meta.releaseRegno > 0 || fn.ret() == HelperProto.RET_RINGBUF_MEM_OR_NULL) && env.inCallback()) {
            throw env.unsupported(env.insnIdx, "references acquired or released inside a callback are not modelled");
        }
        if (id == KernelHelper.GET_FUNC_IP.id() && env.ptype != ProgramType.KPROBE) { // check_get_func_ip: kprobes and tracing only
            throw env.fail(env.insnIdx, "func %s#%d not supported for program type %d", name, id, env.ptype.id());
        }
        if (id == KernelHelper.GET_LOCAL_STORAGE.id() && !(env.reg(2).type == SCALAR_VALUE && env.reg(2).isConst() && env.reg(2).tv == 0)) {
            throw env.fail(env.insnIdx, "get_local_storage() doesn't support non-zero flags");
        }
        if (meta.rawMode && meta.rawRegno >= 0) {
            for (int i = 0; i < meta.rawSize; i++) {
                MemoryAccess.checkMemAccess(env, meta.rawRegno, i, 1, true, -1, java.util.OptionalInt.empty(), false, false);
            }
        }
        if (meta.releaseRegno > 0) {
            boolean ok;
            if (meta.refObjId != 0) {
                ok = releaseReference(env, meta.refObjId);
            } else {
                Reg rr = env.reg(meta.releaseRegno);
                ok = rr.type == SCALAR_VALUE && rr.tm == 0 && rr.tv == 0;
            }
            if (!ok) throw env.fail(env.insnIdx, "func %s#%d reference has not been acquired before", name, id);
        }
        if (id == KernelHelper.TAIL_CALL.id() && env.inCallback()) throw env.unsupported(env.insnIdx, "tail calls inside callbacks are not modelled");
        if (id == KernelHelper.TAIL_CALL.id()) {
            FuncCalls.checkResourceLeak(env, "tail_call"); // the tail-called program cannot release what this one holds
            // record_func_key: a constant in-range index selects the target, so it must be precise
            Reg key = env.reg(3);
            if (meta.mapIdx >= 0 && key.type == SCALAR_VALUE && key.isConst()
                    && Long.compareUnsigned(key.tv, env.maps.get(meta.mapIdx).maxEntries()) < 0) {
                env.markPrecise(3);
            }
        }
        if (env.opts.helpers().callsCallback(id) || env.opts.helpers().registersCallback(id)) FuncCalls.pushCallbackCall(env, id, meta);
        // reset caller-saved registers
        Frame f = env.cur.cur();
        for (int i = 0; i <= 5; i++) {
            f.regs[i].markNotInit();
            env.scratchReg(i);
        }
        Reg r0 = f.regs[0];
        switch (fn.ret()) {
            case HelperProto.RET_INTEGER -> {
                r0.markUnknown();
                refineRetvalRange(r0, id, meta);
            }
            case HelperProto.RET_VOID -> r0.markNotInit();
            case HelperProto.RET_MAP_VALUE_OR_NULL -> {
                if (meta.mapIdx < 0) throw env.fail(env.insnIdx, "kernel subsystem misconfigured verifier");
                MapInfo m = env.maps.get(meta.mapIdx);
                if (m.isMapOfMaps() && env.innerMapIdx[meta.mapIdx] < 0) {
                    throw env.unsupported(env.insnIdx, "a lookup in map of maps " + m.name() + " without its inner map template");
                }
                if (m.isMapOfMaps()) {
                    // Linux 6.18 stable: a lookup in a map of maps returns the inner map or NULL at once
                    // (map_ptr_or_null), not a map value that becomes the inner map at the NULL check
                    r0.markKnownZeroPtr(CONST_PTR_TO_MAP | PTR_MAYBE_NULL);
                    r0.mapIdx = env.innerMapIdx[meta.mapIdx];
                    r0.id = ++env.idGen;
                } else if (id == KernelHelper.MAP_LOOKUP_ELEM.id() && meta.constKey >= 0 && meta.constKey < m.maxEntries()
                        && (m.type() == MapType.ARRAY || m.type() == MapType.PERCPU_ARRAY)) {
                    // Linux 6.14+: an array lookup with a constant in-range key cannot return NULL; a value
                    // with a spin lock keeps an id to tell its lock from others'
                    r0.markKnownZeroPtr(PTR_TO_MAP_VALUE);
                    r0.mapIdx = meta.mapIdx;
                    if (m.fields().spinLockOff() >= 0) r0.id = ++env.idGen;
                } else {
                    r0.markKnownZeroPtr(PTR_TO_MAP_VALUE | PTR_MAYBE_NULL);
                    r0.mapIdx = meta.mapIdx;
                    r0.id = ++env.idGen;
                    if (id == KernelHelper.MAP_LOOKUP_ELEM.id() && (m.type() == MapType.SOCKMAP || m.type() == MapType.SOCKHASH)) {
                        // is_acquire_function: the socket found holds a reference until bpf_sk_release
                        int rid = ++env.idGen;
                        env.cur.addRef(rid, env.insnIdx);
                        r0.id = rid;
                        r0.refObjId = rid;
                    }
                }
            }
            case HelperProto.RET_MAP_VALUE -> { // bpf_get_local_storage: the attached cgroup's storage
                r0.markKnownZeroPtr(PTR_TO_MAP_VALUE);
                r0.mapIdx = meta.mapIdx;
            }
            case HelperProto.RET_SOCKET_OR_NULL, HelperProto.RET_TCP_SOCK_OR_NULL, HelperProto.RET_SOCK_COMMON_OR_NULL -> {
                int socket = switch (fn.ret()) {
                    case HelperProto.RET_SOCKET_OR_NULL -> PTR_TO_SOCKET;
                    case HelperProto.RET_TCP_SOCK_OR_NULL -> PTR_TO_TCP_SOCK;
                    default -> PTR_TO_SOCK_COMMON;
                };
                r0.markKnownZeroPtr(socket | PTR_MAYBE_NULL);
                r0.id = ++env.idGen;
                if (env.opts.helpers().acquiresSocket(id)) { // the reference's id is the NULL check's, as for ringbuf memory
                    int rid = ++env.idGen;
                    env.cur.addRef(rid, env.insnIdx);
                    r0.id = rid;
                    r0.refObjId = rid;
                } else if (env.opts.helpers().castsSocket(id)) {
                    r0.refObjId = meta.refObjId;
                }
            }
            case HelperProto.RET_RINGBUF_MEM_OR_NULL -> {
                r0.markKnownZeroPtr(PTR_TO_MEM | MEM_RINGBUF | PTR_MAYBE_NULL);
                r0.memSize = (int) meta.memSize;
                ++env.idGen; // the maybe-null id, replaced by the reference's own id as the kernel does
                int rid = ++env.idGen;
                env.cur.addRef(rid, env.insnIdx);
                r0.id = rid;
                r0.refObjId = rid;
            }
            default -> throw env.unsupported(env.insnIdx, "return type not modelled");
        }
        checkMapFuncCompatibility(env, meta.mapIdx, id, name);
        if (env.opts.helpers().changesPktData(id)) clearAllPktPointers(env);
        env.scratchReg(0);
        env.insnIdx++;
        return Verifier.STEP_NEXT;
    }

    static boolean releaseReference(VerifierEnv env, int refObjId) {
        if (!env.cur.releaseRef(refObjId)) return false;
        env.cur.forEachReg(r -> {
            if (r.refObjId == refObjId) {
                if (env.opts.privileged()) r.markUnknown();
                else r.markNotInit();
            }
        });
        return true;
    }

    static void clearAllPktPointers(VerifierEnv env) {
        env.cur.forEachReg(r -> {
            if (isPktPointerAny(r.type)) {
                if (env.opts.privileged()) r.markUnknown();
                else r.markNotInit();
            }
        });
    }

    static final int[] MEM_TYPES = {PTR_TO_STACK, PTR_TO_PACKET, PTR_TO_PACKET_META, PTR_TO_MAP_KEY,
        PTR_TO_MAP_VALUE, PTR_TO_MEM, PTR_TO_MEM | MEM_RINGBUF, PTR_TO_BUF};
    static final String MEM_TYPES_STR = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";

    static void checkFuncArg(VerifierEnv env, int arg, int argType, HelperProto fn, ArgMeta meta, int[] args) {
        int regno = arg + 1;
        int base = argType & HelperProto.ARG_BASE_MASK;
        if (base == HelperProto.ARG_DONTCARE) return;
        Verifier.checkRegArg(env, regno, Verifier.SRC_OP);
        Reg r = env.reg(regno);
        if (base == HelperProto.ARG_ANYTHING) {
            if (!env.opts.privileged() && r.isPointer()) throw env.fail(env.insnIdx, "R%d leaks addr into helper function", regno);
            return;
        }
        if (isPktPointer(r.type) && !VerifierOps.packetArgumentAllowed(env.ptype, meta.pktAccess)) {
            throw env.fail(env.insnIdx, "helper access to the packet is not allowed");
        }
        if (base == HelperProto.ARG_PTR_TO_MAP_VALUE) { // resolve_map_arg_type
            if (meta.mapIdx < 0) throw env.fail(env.insnIdx, "invalid map_ptr to access map->type");
            MapType mt = env.maps.get(meta.mapIdx).type();
            if (mt == MapType.SOCKMAP || mt == MapType.SOCKHASH) {
                // the value stored in a sockmap is a socket
                if (argType != HelperProto.ARG_PTR_TO_MAP_VALUE) throw env.fail(env.insnIdx, "invalid arg_type for sockmap/sockhash");
                argType = base = HelperProto.ARG_PTR_TO_BTF_ID_SOCK_COMMON;
            } else if (mt == MapType.BLOOM_FILTER && meta.funcId == 89) {
                argType = HelperProto.ARG_PTR_TO_MAP_VALUE; // bpf_map_peek_elem reads the value it tests
            }
        }
        boolean maybeNullArg = (argType & HelperProto.A_MAYBE_NULL) != 0;
        boolean skipType = maybeNullArg && r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0;
        if (skipType) env.markPrecise(regno); // accepted as NULL because it is zero
        else checkRegType(env, regno, argType, base, meta);
        // check_func_arg_reg_off
        if (!skipType && r.isPointer()) {
            int b = base(r.type);
            if ((argType & HelperProto.A_RELEASE) != 0) {
                if (r.off != 0 || r.tm != 0 || r.tv != 0) {
                    throw env.fail(env.insnIdx, "R%d must have zero offset when passed to release func or trusted arg to kfunc", regno);
                }
            } else if (b == PTR_TO_CTX) {
                MemoryAccess.checkPtrOffReg(env, r, regno, false);
            } else if (b == PTR_TO_STACK || isPktPointer(b) || b == PTR_TO_MAP_KEY || b == PTR_TO_MAP_VALUE || b == PTR_TO_MEM) {
                // fixed offsets are allowed for memory arguments
            } else if (b == CONST_PTR_TO_MAP || b == PTR_TO_FUNC) {
                MemoryAccess.checkPtrOffReg(env, r, regno, false);
            }
        }
        if ((argType & HelperProto.A_RELEASE) != 0) {
            if (r.refObjId == 0 && !(r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0)) {
                throw env.fail(env.insnIdx, "R%d must be referenced when passed to release function", regno);
            }
            meta.releaseRegno = regno;
        }
        if (r.refObjId != 0) {
            meta.refObjId = r.refObjId;
        }
        switch (base) {
            case HelperProto.ARG_CONST_MAP_PTR -> {
                if (meta.mapIdx >= 0 && meta.mapIdx != r.mapIdx) {
                    throw env.fail(env.insnIdx, "timer pointer in R1 map_uid=%d doesn't match map pointer in R2 map_uid=%d", 0, 0);
                }
                meta.mapIdx = r.mapIdx;
            }
            case HelperProto.ARG_PTR_TO_MAP_KEY -> {
                if (meta.mapIdx < 0) throw env.fail(env.insnIdx, "invalid map_ptr to access map->key");
                checkHelperMemAccess(env, regno, env.maps.get(meta.mapIdx).keySize(), false, false, meta);
                MapType mt = env.maps.get(meta.mapIdx).type();
                if (mt == MapType.ARRAY || mt == MapType.PERCPU_ARRAY) { // can_elide_value_nullness
                    meta.constKey = constantStackKey(env, r, env.maps.get(meta.mapIdx).keySize());
                }
            }
            case HelperProto.ARG_PTR_TO_MAP_VALUE -> {
                if (skipType) return;
                if (meta.mapIdx < 0) throw env.fail(env.insnIdx, "invalid map_ptr to access map->value");
                meta.rawMode = (argType & HelperProto.A_UNINIT) != 0; // map_pop_elem/map_peek_elem write the value
                checkHelperMemAccess(env, regno, env.maps.get(meta.mapIdx).valueSize(), meta.rawMode, false, meta);
            }
            case HelperProto.ARG_PTR_TO_MEM -> {
                meta.rawMode = (argType & HelperProto.A_UNINIT) != 0;
                if ((argType & HelperProto.A_FIXED_SIZE) != 0) { // no size argument follows: the prototype's size
                    if (skipType) return;
                    int size = HelperProto.fixedSize(argType);
                    checkHelperMemAccess(env, regno, size, (argType & (HelperProto.A_UNINIT | HelperProto.A_WRITE)) != 0, false, meta);
                    if ((argType & HelperProto.A_ALIGNED) != 0) MemoryAccess.checkPtrAlignment(env, r, 0, size, true);
                }
            }
            case HelperProto.ARG_CONST_SIZE, HelperProto.ARG_CONST_SIZE_OR_ZERO -> {
                boolean zeroOk = base == HelperProto.ARG_CONST_SIZE_OR_ZERO;
                int memArgType = args[arg - 1];
                boolean write = (memArgType & (HelperProto.A_UNINIT | HelperProto.A_WRITE)) != 0;
                checkMemSizeReg(env, r, regno, zeroOk, write, meta, memArgType);
            }
            case HelperProto.ARG_CONST_ALLOC_SIZE_OR_ZERO -> {
                if (!r.isConst()) throw env.fail(env.insnIdx, "R%d is not a known constant'", regno);
                meta.memSize = r.tv;
                env.markPrecise(regno);
            }
            case HelperProto.ARG_PTR_TO_CONST_STR -> checkRegConstStr(env, r, regno);
            case HelperProto.ARG_PTR_TO_FUNC -> meta.callbackSubprog = r.subprog;
            case HelperProto.ARG_PTR_TO_SPIN_LOCK -> processSpinLock(env, regno, meta.funcId == KernelHelper.SPIN_LOCK.id());
            case HelperProto.ARG_PTR_TO_TIMER -> processTimerFunc(env, regno, meta);
            default -> { }
        }
    }

    /** The name the kernel gives a map (BPF_OBJ_NAME_LEN: 15 characters). */
    static String kernelMapName(MapInfo m) {
        return m.name().length() > 15 ? m.name().substring(0, 15) : m.name();
    }

    /**
     * What process_spin_lock and process_timer_func check first: the argument points, at a constant offset, at
     * the struct {@code field} ({@code bpf_spin_lock}, {@code bpf_timer}) of a map value whose BTF places it.
     */
    static void checkFieldArg(VerifierEnv env, int regno, String field, java.util.function.ToIntFunction<MapValueFields> offsetOf) {
        Reg r = env.reg(regno);
        if (!r.isConst()) {
            throw env.fail(env.insnIdx, "R%d doesn't have constant offset. %s has to be at the constant offset", regno, field);
        }
        MapInfo m = env.maps.get(r.mapIdx);
        MapValueFields fields = m.fields();
        if (!fields.btf()) throw env.fail(env.insnIdx, "map '%s' has to have BTF in order to use %s", kernelMapName(m), field);
        if (fields.unmodelled() != null) throw env.unsupported(env.insnIdx, "map value with " + fields.unmodelled());
        int fieldOff = offsetOf.applyAsInt(fields);
        if (fieldOff < 0) throw env.fail(env.insnIdx, "map '%s' has no valid %s", kernelMapName(m), field);
        long off = r.tv + r.off;
        if (off != fieldOff) throw env.fail(env.insnIdx, "off %d doesn't point to 'struct %s' that is at %d", off, field, fieldOff);
    }

    /**
     * process_spin_lock: one lock is held at a time, and it is released through a pointer to the same value
     * (same map, same id).
     */
    static void processSpinLock(VerifierEnv env, int regno, boolean lock) {
        checkFieldArg(env, regno, "bpf_spin_lock", MapValueFields::spinLockOff);
        Reg r = env.reg(regno);
        if (lock) {
            if (env.cur.lockMap >= 0) throw env.fail(env.insnIdx, "Locking two bpf_spin_locks are not allowed");
            env.cur.lockMap = r.mapIdx;
            env.cur.lockId = r.id;
        } else {
            if (env.cur.lockMap < 0) throw env.fail(env.insnIdx, "bpf_spin_unlock without taking a lock");
            if (env.cur.lockMap != r.mapIdx || env.cur.lockId != r.id) throw env.fail(env.insnIdx, "bpf_spin_unlock of different lock");
            env.cur.lockMap = -1;
            env.cur.lockId = 0;
        }
    }

    /** process_timer_func: the helper's map is the one whose value holds the timer. */
    static void processTimerFunc(VerifierEnv env, int regno, ArgMeta meta) {
        checkFieldArg(env, regno, "bpf_timer", MapValueFields::timerOff);
        Reg r = env.reg(regno);
        // each inner map has its own map_uid, which bpf4j does not track
        if (r.mapIdx >= env.programMaps) throw env.unsupported(env.insnIdx, "timers in inner maps are not modelled");
        meta.mapIdx = r.mapIdx;
    }

    static void checkRegType(VerifierEnv env, int regno, int argType, int base, ArgMeta meta) {
        Reg r = env.reg(regno);
        int type = r.type;
        if ((argType & HelperProto.A_RDONLY) != 0) type &= ~MEM_RDONLY;
        if ((argType & HelperProto.A_MAYBE_NULL) != 0) type &= ~PTR_MAYBE_NULL;
        int[] compatible;
        String expected;
        switch (base) {
            case HelperProto.ARG_PTR_TO_MAP_KEY, HelperProto.ARG_PTR_TO_MAP_VALUE, HelperProto.ARG_PTR_TO_MEM -> {
                compatible = MEM_TYPES;
                expected = MEM_TYPES_STR;
            }
            case HelperProto.ARG_CONST_SIZE, HelperProto.ARG_CONST_SIZE_OR_ZERO, HelperProto.ARG_CONST_ALLOC_SIZE_OR_ZERO -> {
                compatible = new int[] {SCALAR_VALUE};
                expected = "scalar";
            }
            case HelperProto.ARG_CONST_MAP_PTR -> { compatible = new int[] {CONST_PTR_TO_MAP}; expected = "map_ptr"; }
            case HelperProto.ARG_PTR_TO_CTX -> { compatible = new int[] {PTR_TO_CTX}; expected = "ctx"; }
            case HelperProto.ARG_PTR_TO_RINGBUF_MEM -> { compatible = new int[] {PTR_TO_MEM | MEM_RINGBUF}; expected = "ringbuf_mem"; }
            case HelperProto.ARG_PTR_TO_FUNC -> { compatible = new int[] {PTR_TO_FUNC}; expected = "func"; }
            case HelperProto.ARG_PTR_TO_STACK -> { compatible = new int[] {PTR_TO_STACK}; expected = "fp"; }
            case HelperProto.ARG_PTR_TO_CONST_STR, HelperProto.ARG_PTR_TO_TIMER -> {
                compatible = new int[] {PTR_TO_MAP_VALUE};
                expected = "map_value";
            }
            case HelperProto.ARG_PTR_TO_SPIN_LOCK -> { compatible = new int[] {PTR_TO_MAP_VALUE}; expected = "map_value, ptr_"; }
            case HelperProto.ARG_PTR_TO_SOCK_COMMON -> {
                compatible = new int[] {PTR_TO_SOCK_COMMON, PTR_TO_SOCKET, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK};
                expected = "sock_common, sock, tcp_sock, xdp_sock";
            }
            case HelperProto.ARG_PTR_TO_BTF_ID_SOCK_COMMON -> { // bpf4j has no BTF-typed sockets: only these four
                compatible = new int[] {PTR_TO_SOCK_COMMON, PTR_TO_SOCKET, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK};
                expected = "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_";
            }
            case HelperProto.ARG_PTR_TO_SOCKET -> { compatible = new int[] {PTR_TO_SOCKET}; expected = "sock"; }
            default -> throw env.unsupported(env.insnIdx, "argument type " + base + " not modelled");
        }
        for (int c : compatible) if (c == type) return;
        throw env.fail(env.insnIdx, "R%d type=%s expected=%s", regno, RegType.str(r.type), expected);
    }

    static void checkMemSizeReg(VerifierEnv env, Reg r, int regno, boolean zeroOk, boolean write, ArgMeta meta, int memArgType) {
        boolean constSize = r.isConst();
        meta.msizeMax = r.umax;
        if (r.smin < 0) throw env.fail(env.insnIdx, "R%d min value is negative, either use unsigned or 'var &= const'", regno);
        if (r.umin == 0 && !zeroOk) {
            throw env.fail(env.insnIdx, "R%d invalid zero-sized read: u64=[%d,%d]", regno, r.umin, r.umax);
        }
        if (Long.compareUnsigned(r.umax, VerifierEnv.BPF_MAX_VAR_SIZ) >= 0) {
            throw env.fail(env.insnIdx, "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'", regno);
        }
        int size = (int) r.umax;
        boolean raw = meta.rawMode && constSize;
        checkHelperMemAccess(env, regno - 1, size, write, zeroOk, raw ? meta : null);
        if (!raw) meta.rawMode = false;
        env.markPrecise(regno); // the access was checked with the size's bounds
    }

    static void checkHelperMemAccess(VerifierEnv env, int regno, int accessSize, boolean write, boolean zeroOk, ArgMeta meta) {
        Reg r = env.reg(regno);
        switch (base(r.type)) {
            case PTR_TO_PACKET, PTR_TO_PACKET_META -> MemoryAccess.checkPacketAccess(env, regno, r.off, accessSize, zeroOk);
            case PTR_TO_MAP_KEY -> {
                if (write) throw env.fail(env.insnIdx, "R%d cannot write into %s", regno, RegType.str(r.type));
                MemoryAccess.checkMemRegionAccess(env, regno, r.off, accessSize, env.maps.get(r.mapIdx).keySize(), false);
            }
            case PTR_TO_MAP_VALUE -> {
                MapInfo m = env.maps.get(r.mapIdx);
                MemoryAccess.checkMapAccessType(env, m, r.off, accessSize, write);
                MemoryAccess.checkMemRegionAccess(env, regno, r.off, accessSize, m.valueSize(), zeroOk);
                MemoryAccess.checkMapValueFields(env, r, m, r.off, accessSize);
            }
            case PTR_TO_MEM -> {
                if ((r.type & MEM_RDONLY) != 0 && write) throw env.fail(env.insnIdx, "R%d cannot write into %s", regno, RegType.str(r.type));
                MemoryAccess.checkMemRegionAccess(env, regno, r.off, accessSize, r.memSize, zeroOk);
            }
            case PTR_TO_STACK -> {
                if (meta != null && meta.rawMode) {
                    if (accessSize == 0 && !zeroOk) throw env.fail(env.insnIdx, "invalid zero-sized read");
                    MemoryAccess.checkStackAccessWithinBounds(env, regno, r.off, accessSize, true);
                    if (r.isConst()) {
                        meta.rawRegno = regno;
                        meta.rawSize = accessSize;
                        return;
                    }
                }
                MemoryAccess.checkStackRangeInitialized(env, regno, r.off, accessSize, zeroOk, true, write);
            }
            case PTR_TO_CTX -> {
                if (env.ptype == ProgramType.SYSCALL) {
                    throw env.unsupported(env.insnIdx, "a syscall program's context as helper memory is not modelled");
                }
                throw env.fail(env.insnIdx, "R%d type=%s expected=%s", regno, RegType.str(r.type), "fp");
            }
            default -> {
                if (zeroOk && accessSize == 0 && r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0) return;
                throw env.fail(env.insnIdx, "R%d type=%s expected=%s", regno, RegType.str(r.type), "fp");
            }
        }
    }

    static void checkRegConstStr(VerifierEnv env, Reg r, int regno) {
        MapInfo m = env.maps.get(r.mapIdx);
        if (!m.readOnlyForProgram() || !m.frozen()) throw env.fail(env.insnIdx, "R%d does not point to a readonly map'", regno);
        if (!r.isConst()) throw env.fail(env.insnIdx, "R%d is not a constant address'", regno);
        int off = (int) (r.tv + r.off);
        byte[] d = m.data();
        if (d == null) throw env.unsupported(env.insnIdx, "constant string in a map without data");
        if (off < 0 || off >= m.valueSize()) throw env.fail(env.insnIdx, "R%d invalid access to map value, value_size=%d off=%d size=1", regno, m.valueSize(), off);
        for (int i = off; i < d.length && i < m.valueSize(); i++) if (d[i] == 0) return;
        throw env.fail(env.insnIdx, "string is not zero-terminated");
    }

    static void checkMapFuncCompatibility(VerifierEnv env, int mapIdx, int funcId, String name) {
        if (mapIdx < 0) return;
        List<String> error = MapFuncCompatibility.check(env.maps.get(mapIdx).type(), funcId, name, env.ptype);
        if (!error.isEmpty()) throw new VerifierEnv.Reject(env.insnIdx, error);
    }
}

package org.bpf4j.verifier;

import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfType;

/**
 * The special fields of a map value the verifier guards, as the kernel's {@code btf_record} built from the
 * value's BTF at map creation: where a {@code struct bpf_spin_lock} and a {@code struct bpf_timer} sit.
 *
 * @param btf whether the map was created with the BTF of its value (spin locks and timers need it)
 * @param spinLockOff offset of the {@code struct bpf_spin_lock}, -1 when there is none
 * @param timerOff offset of the {@code struct bpf_timer}, -1 when there is none
 * @param unmodelled the name of a special field bpf4j does not model (kptrs, graph roots, work queues, more
 *     than one lock...), or null: accesses to such a map's values are not verified
 */
public record MapValueFields(boolean btf, int spinLockOff, int timerOff, String unmodelled) {
    public static final MapValueFields NONE = new MapValueFields(false, -1, -1, null);
    static final int SPIN_LOCK_SIZE = 4, TIMER_SIZE = 16;

    /** The structs the kernel gives a meaning in a map value (btf_get_field_type). */
    private static final java.util.Set<String> SPECIAL = java.util.Set.of("bpf_spin_lock", "bpf_timer", "bpf_wq",
            "bpf_list_head", "bpf_list_node", "bpf_rb_root", "bpf_rb_node", "bpf_refcount", "bpf_res_spin_lock", "bpf_task_work");

    /** Nesting the kernel follows into member structs before it gives up (btf_find_nested_struct). */
    private static final int MAX_DEPTH = 8;

    /** The fields of a value of BTF type {@code valueTypeId} in {@code btf}. */
    public static MapValueFields of(Btf btf, int valueTypeId) {
        Finder f = new Finder(btf);
        try {
            BtfType t = btf.resolve(valueTypeId);
            if (t instanceof BtfType.Struct s) f.scan(s, 0, 0);
            else if (t instanceof BtfType.Datasec d) f.scanGlobalData(d);
        } catch (RuntimeException e) {
            f.unmodelled = "malformed BTF";
        }
        return new MapValueFields(true, f.spinLock, f.timer, f.unmodelled);
    }

    /** Whether a value has a spin lock or a timer. */
    public boolean hasSpecialFields() {
        return spinLockOff >= 0 || timerOff >= 0 || unmodelled != null;
    }

    /** The special field of lowest offset that {@code [lo, hi)} overlaps, as the kernel names it, or null. */
    String overlapped(long lo, long hi) {
        String name = null;
        if (spinLockOff >= 0 && lo < spinLockOff + SPIN_LOCK_SIZE && spinLockOff < hi) name = "bpf_spin_lock";
        if (timerOff >= 0 && (name == null || timerOff < spinLockOff) && lo < timerOff + TIMER_SIZE && timerOff < hi) {
            name = "bpf_timer";
        }
        return name;
    }

    private static final class Finder {
        final Btf btf;
        int spinLock = -1, timer = -1;
        String unmodelled;

        Finder(Btf btf) { this.btf = btf; }

        void scan(BtfType.Struct s, long base, int depth) {
            for (BtfType.Member m : s.members()) {
                long off = base + m.bitOffset() / 8;
                BtfType raw = btf.type(m.type());
                if (isKptr(raw)) {
                    unmodelled = "kptr";
                    continue;
                }
                BtfType t = btf.resolve(m.type());
                boolean array = false;
                while (t instanceof BtfType.Array a) {
                    array = true;
                    t = btf.resolve(a.type());
                }
                if (!(t instanceof BtfType.Struct inner)) continue;
                switch (inner.name()) {
                    case "bpf_spin_lock" -> {
                        if (array || spinLock >= 0) unmodelled = "more than one bpf_spin_lock";
                        else spinLock = (int) off;
                    }
                    case "bpf_timer" -> {
                        if (array || timer >= 0) unmodelled = "more than one bpf_timer";
                        else timer = (int) off;
                    }
                    default -> {
                        if (SPECIAL.contains(inner.name())) unmodelled = "struct " + inner.name();
                        else if (depth < MAX_DEPTH && !array) scan(inner, off, depth + 1);
                        else if (special(inner, depth)) unmodelled = "special fields in an array of structs";
                    }
                }
            }
        }

        /**
         * Global data: clang leaves the offsets of a section's variables to the loader, so a lock or timer among
         * them is a field bpf4j does not place.
         */
        void scanGlobalData(BtfType.Datasec d) {
            for (BtfType.VarSecinfo v : d.vars()) {
                if (!(btf.type(v.type()) instanceof BtfType.Var var)) continue;
                BtfType t = btf.resolve(var.type());
                if (t instanceof BtfType.Struct s && special(s, 0)) unmodelled = "a bpf_spin_lock or bpf_timer in global data";
            }
        }

        /** Whether a struct is, or holds, a special field. */
        private boolean special(BtfType.Struct s, int depth) {
            if (SPECIAL.contains(s.name())) return true;
            Finder nested = new Finder(btf);
            if (depth < MAX_DEPTH) nested.scan(s, 0, depth + 1);
            return nested.spinLock >= 0 || nested.timer >= 0 || nested.unmodelled != null;
        }

        /** A pointer member tagged {@code __kptr}, {@code __kptr_untrusted} or {@code __percpu_kptr}. */
        private boolean isKptr(BtfType t) {
            for (int i = 0; i < 16 && t instanceof BtfType.Modifier mod; i++) t = btf.type(mod.type());
            if (!(t instanceof BtfType.Ptr p)) return false;
            BtfType target = btf.type(p.type());
            for (int i = 0; i < 16 && target instanceof BtfType.Modifier mod; i++) {
                if (mod instanceof BtfType.TypeTag tag && tag.name().contains("kptr")) return true;
                target = btf.type(mod.type());
            }
            return false;
        }
    }
}

package org.bpf4j.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.engine.RunContext;
import org.bpf4j.helpers.CallbackHelpers;
import org.bpf4j.maps.MapContext;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;

/**
 * One bpf4j runtime: a BPF address space, its CPU slots, and the maps and programs loaded into it.
 * Objects are loaded with {@link #load(BpfObject)}; everything they create lives until the runtime is
 * closed (or the object is).
 */
public final class BpfRuntime implements AutoCloseable {
    private final RuntimeOptions options;
    private final AddressSpace space;
    private final MapContext maps;
    private final CpuSlots<RunContext> slots;
    private final CallbackHelpers.State callbackState;
    private final List<LoadedObject> objects = new ArrayList<>();
    private Optional<Btf> targetBtf; // loaded on first need: the kernel's BTF takes a fraction of a second to parse

    private BpfRuntime(RuntimeOptions options) {
        this.options = options;
        this.space = AddressSpace.reserve(options.memoryBytes());
        this.maps = MapContext.of(space, options.cpus(), options.host()::monotonicNanos, 0x5eed);
        this.slots = new CpuSlots<>(options.cpus(), id -> new RunContext(new ExecutionStack(space), id, options.host()));
        this.callbackState = new CallbackHelpers.State(space, options.cpus());
    }

    public static BpfRuntime create() {
        return create(RuntimeOptions.defaults());
    }

    public static BpfRuntime create(RuntimeOptions options) {
        return new BpfRuntime(options);
    }

    public RuntimeOptions options() { return options; }

    public AddressSpace memory() { return space; }

    public MapContext maps() { return maps; }

    CpuSlots<RunContext> slots() { return slots; }

    /** The BTF CO-RE relocations resolve against (the options' file, else the running kernel's), if any. */
    synchronized Optional<Btf> targetBtf() {
        if (targetBtf == null) {
            try {
                targetBtf = CoreRelocator.targetBtf(options.btf());
            } catch (java.io.UncheckedIOException | org.bpf4j.btf.BtfFormatException e) {
                throw new LoadException("target BTF: " + e.getMessage(), e);
            }
        }
        return targetBtf;
    }

    /** Per-CPU memory and lock state of the callback and spin lock helpers, shared by every program. */
    CallbackHelpers.State callbackState() { return callbackState; }

    /**
     * Creates the object's maps (global data filled in, {@code .rodata} frozen), binds its programs to
     * them and prepares them for the engine.
     *
     * @throws LoadException naming the map or program and what bpf4j cannot do with it
     */
    public LoadedObject load(BpfObject object) {
        return load(object, RejectedPrograms.FAIL_LOAD);
    }

    /**
     * As {@link #load(BpfObject)}, with {@code rejected} saying whether a program that cannot be prepared fails
     * the load or is left out ({@link LoadedObject#skipped()}).
     */
    public synchronized LoadedObject load(BpfObject object, RejectedPrograms rejected) {
        LoadedObject loaded = LoadedObject.load(this, object, rejected);
        objects.add(loaded);
        return loaded;
    }

    synchronized void forget(LoadedObject object) {
        objects.remove(object);
    }

    @Override
    public synchronized void close() {
        for (LoadedObject o : new ArrayList<>(objects)) o.close();
        slots.forEach(ctx -> ctx.stack().close());
        callbackState.close();
        space.close();
    }
}

package org.bpf4j.verifier;

import java.util.List;

/**
 * What the program's BTF ({@code func_info}) says about one of its functions, as the verifier uses it:
 * a global function ({@code BTF_FUNC_GLOBAL}) is verified on its own from its prototype and its callers
 * only check the arguments against it ({@code btf_prepare_func_args}, {@code btf_check_func_arg_match}).
 *
 * @param insn the function's first instruction in the linked program
 * @param name the function's name
 * @param global whether its linkage is global (static functions are verified inline, per call)
 * @param args its arguments as the kernel converts them, for a global function
 * @param problem why bpf4j cannot model this global function's prototype, or null
 * @param scalarReturn whether it returns an int or an enum, as a function with LD_ABS or a tail call must
 */
public record BtfFunc(int insn, String name, boolean global, List<Arg> args, String problem, boolean scalarReturn) {

    public static final int ARG_SCALAR = 0, ARG_CTX = 1, ARG_MEM = 2;

    /** One argument: a scalar, the context, or memory of {@code memSize} bytes (maybe NULL unless tagged). */
    public record Arg(int kind, long memSize, boolean nullable) {}

    public BtfFunc {
        args = args == null ? List.of() : List.copyOf(args);
    }

    /** A function that returns a scalar. */
    public BtfFunc(int insn, String name, boolean global, List<Arg> args, String problem) {
        this(insn, name, global, args, problem, true);
    }
}

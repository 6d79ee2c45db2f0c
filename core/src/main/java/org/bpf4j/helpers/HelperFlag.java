package org.bpf4j.helpers;

/** What the verifier must know of a helper beyond its prototype (the kernel's predicates on the func id and proto flags). */
public enum HelperFlag {
    /** Calls a callback before it returns (is_sync_callback_calling_function). */
    CALLS_CALLBACK,
    /** Registers a callback to run later (is_async_callback_calling_function). */
    REGISTERS_CALLBACK,
    /** May change packet data (bpf_helper_changes_pkt_data): packet pointers die. */
    CHANGES_PKT_DATA,
    /** Might sleep (bpf_func_proto.might_sleep): sleepable programs only. */
    MIGHT_SLEEP,
    /** Returns a socket holding a reference the program must release (is_acquire_function). */
    ACQUIRES_SOCKET,
    /** Returns its socket argument, with its reference (is_ptr_cast_function). */
    CASTS_SOCKET
}

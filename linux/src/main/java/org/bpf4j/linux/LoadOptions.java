package org.bpf4j.linux;

import java.util.List;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgFlag;

/**
 * The optional parts of {@code BPF_PROG_LOAD}. Start from {@link #defaults()}.
 *
 * @param logLevel verifier log level: 0 (a log is fetched only if the load fails), {@link #LOG_LEVEL1},
 *        {@link #LOG_LEVEL2}, optionally or'ed with {@link #LOG_STATS}, {@link #LOG_FIXED}
 * @param logSize the first log buffer's size; grown on {@code ENOSPC} up to {@link #MAX_LOG_SIZE}
 * @param expectedAttachType {@code expected_attach_type}; the kernel's field is a number whose 0 is
 *        {@link AttachType#CGROUP_INET_INGRESS}, the default, which types that need none are loaded with
 * @param progFlags {@code BPF_F_*} load flags ({@link ProgFlag})
 * @param name up to 15 characters of {@code [A-Za-z0-9_.]}, or empty (checked here, as the kernel would)
 * @param kernVersion {@code kern_version} (only ancient kprobe loaders need it)
 * @param fdArray map fds that {@code lddw} with {@code BPF_PSEUDO_MAP_IDX} / {@code _IDX_VALUE} index, or empty
 * @param btf program BTF with func_info / line_info, or null
 * @param attachBtfId {@code attach_btf_id} for tracing/LSM/ext programs, 0 for none
 * @param attachProgFd {@code attach_prog_fd} (freplace target), 0 for none
 */
public record LoadOptions(int logLevel, int logSize, AttachType expectedAttachType, int progFlags, String name,
                          int kernVersion, List<Integer> fdArray, ProgramBtf btf, int attachBtfId, int attachProgFd) {

    public static final int LOG_LEVEL1 = 1, LOG_LEVEL2 = 2, LOG_STATS = 4, LOG_FIXED = 8;
    public static final int DEFAULT_LOG_SIZE = 64 * 1024;
    public static final int MAX_LOG_SIZE = 16 * 1024 * 1024;


    /**
     * BTF describing the program's functions and source lines.
     *
     * @param btfFd a loaded BTF object's fd ({@link KernelBtf#fd()})
     * @param funcInfo {@code struct bpf_func_info} records, or empty
     * @param funcInfoRecSize the size of one func_info record (8)
     * @param lineInfo {@code struct bpf_line_info} records, or empty
     * @param lineInfoRecSize the size of one line_info record (16)
     */
    public record ProgramBtf(int btfFd, byte[] funcInfo, int funcInfoRecSize, byte[] lineInfo, int lineInfoRecSize) {
        public ProgramBtf {
            funcInfo = funcInfo == null ? new byte[0] : funcInfo.clone();
            lineInfo = lineInfo == null ? new byte[0] : lineInfo.clone();
            if (funcInfo.length > 0 && (funcInfoRecSize <= 0 || funcInfo.length % funcInfoRecSize != 0)) {
                throw new IllegalArgumentException("func_info is " + funcInfo.length + " bytes, not records of " + funcInfoRecSize);
            }
            if (lineInfo.length > 0 && (lineInfoRecSize <= 0 || lineInfo.length % lineInfoRecSize != 0)) {
                throw new IllegalArgumentException("line_info is " + lineInfo.length + " bytes, not records of " + lineInfoRecSize);
            }
        }

        @Override public byte[] funcInfo() { return funcInfo.clone(); }

        @Override public byte[] lineInfo() { return lineInfo.clone(); }
    }

    public LoadOptions {
        if (logLevel < 0) throw new IllegalArgumentException("negative log level");
        if (logSize < 0 || logSize > MAX_LOG_SIZE) throw new IllegalArgumentException("log size out of range: " + logSize);
        java.util.Objects.requireNonNull(expectedAttachType, "expectedAttachType");
        name = Attr.checkName(name);
        fdArray = fdArray == null ? List.of() : List.copyOf(fdArray);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, DEFAULT_LOG_SIZE, AttachType.CGROUP_INET_INGRESS, 0, "", 0, List.of(), null, 0, 0);
    }

    public LoadOptions withLogLevel(int logLevel) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }

    public LoadOptions withLogSize(int logSize) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }

    public LoadOptions withExpectedAttachType(AttachType expectedAttachType) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }

    public LoadOptions withProgFlags(int progFlags) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }

    public LoadOptions withName(String name) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }

    public LoadOptions withKernVersion(int kernVersion) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }

    /** Map fds for {@code BPF_PSEUDO_MAP_IDX} references: {@code imm} of such an {@code lddw} indexes this list. */
    public LoadOptions withFdArray(List<Integer> fdArray) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }

    public LoadOptions withBtf(ProgramBtf btf) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }

    public LoadOptions withAttachBtfId(int attachBtfId) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }

    public LoadOptions withAttachProgFd(int attachProgFd) {
        return new LoadOptions(logLevel, logSize, expectedAttachType, progFlags, name, kernVersion, fdArray, btf, attachBtfId, attachProgFd);
    }
}

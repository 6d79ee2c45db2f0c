/* Side-by-side: 256 bytes, each through a chain of never-inlined bpf-to-bpf calls. */
#include "sbs_xdp.h"
SBS_XDP(sbs_calls_xdp, CALLS_FRAME, sbs_calls(data));

/* Side-by-side: next to nothing (stores the frame's first u32): the fixed cost of one run in each engine. */
#include "sbs_xdp.h"
SBS_XDP(sbs_empty_xdp, EMPTY_FRAME, LOAD32(data));

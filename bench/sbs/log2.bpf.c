/* Side-by-side: sum of floor(log2 v) over the frame's 256 little-endian u32. */
#include "sbs_xdp.h"
SBS_XDP(sbs_log2_xdp, LOG2_FRAME, sbs_log2(data));

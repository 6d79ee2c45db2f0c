/* Side-by-side and compile latency: a generated straight-line program of several thousand instructions. */
#include "sbs_xdp.h"
#include "large.h"
SBS_XDP(sbs_large_xdp, LARGE_FRAME, sbs_large(data));

/* Side-by-side: a switch-heavy register machine over the frame's first 1024 bytes. */
#include "sbs_xdp.h"
SBS_XDP(sbs_dispatch_xdp, DISPATCH_FRAME, sbs_dispatch(data));

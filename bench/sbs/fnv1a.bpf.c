/* Side-by-side: 64-bit FNV-1a over the frame's first KiB. */
#include "sbs_xdp.h"
SBS_XDP(sbs_fnv1a_xdp, FNV_FRAME, sbs_fnv1a(data));

/* Side-by-side: byte-copy of the frame's first KiB into a global buffer, with a running checksum. */
#include "sbs_xdp.h"
u8 copy_dst[COPY_BYTES];
SBS_XDP(sbs_copy_xdp, COPY_FRAME, sbs_copy(data, copy_dst));

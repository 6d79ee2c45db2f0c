/* Side-by-side: strcmp of the two NUL-terminated strings at frame offsets 0 and 1024. */
#include "sbs_xdp.h"
SBS_XDP(sbs_strcmp_xdp, STRCMP_FRAME, sbs_strcmp(data, data + STR_BYTES));

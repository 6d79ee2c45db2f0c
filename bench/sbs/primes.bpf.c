/* Side-by-side: the primes below the u32 at the frame's start (at most 500), by trial division. */
#include "sbs_xdp.h"
SBS_XDP(sbs_primes_xdp, PRIMES_FRAME, sbs_primes(LOAD32(data)));

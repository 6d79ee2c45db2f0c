/* Side-by-side: Ethernet/VLAN/IPv4/IPv6/TCP/UDP header parsing of a 128-byte frame. */
#include "sbs_xdp.h"
SBS_XDP(sbs_parser_xdp, PARSER_FRAME, sbs_parse(data, end));

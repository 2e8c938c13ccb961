//! Host stack tests: Neighbor Discovery, routing, proxy ND/DAD, ICMP errors and the §9.2 checks.

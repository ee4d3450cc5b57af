/* Keeping the scheduler's BPF maps alive until the guest powers off.
 *
 * A loader frees its maps as soon as the scheduler exits (libbpf closes the
 * skeleton's fds), usually within tens of milliseconds of the kernel's exit
 * report, and again when the agent stops it at the end of a cell. The host
 * reads the maps from guest memory for a failed cell's dump, and it can only
 * do that after the cell: so the agent takes a reference to every map while
 * the scheduler runs and never drops it. A map with an open fd stays in
 * map_idr with its BTF and its values as the scheduler last left them; the
 * power-off keeps the memory as it is, and the host reads it from the RAM
 * file it still has mapped. */
#ifndef KTSTR_BPF_MAPS_H
#define KTSTR_BPF_MAPS_H

#include <stdint.h>

#define BPF_MAPS_MAX 512

/* Opens (once each) every BPF map that exists now; returns how many are held
 * in all, or -errno when the kernel refuses the first lookup. */
int bpf_maps_hold(void);

/* The ids held so far, in the order they were taken. */
int bpf_maps_held(const uint32_t **ids);

#endif

#include "bpf_maps.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/* include/uapi/linux/bpf.h: the two commands and the part of union
 * bpf_attr they read (the kernel zero-checks the rest of the size we pass). */
#define KTSTR_BPF_MAP_GET_NEXT_ID 12
#define KTSTR_BPF_MAP_GET_FD_BY_ID 14

union id_attr {
	struct {
		uint32_t start_id;
		uint32_t next_id;
		uint32_t open_flags;
	} next;
	struct {
		uint32_t map_id;
		uint32_t pad;
		uint32_t open_flags;
	} by_id;
};

static uint32_t held_ids[BPF_MAPS_MAX];
static int n_held;

static long bpf_call(int cmd, union id_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int is_held(uint32_t id)
{
	for (int i = 0; i < n_held; i++)
		if (held_ids[i] == id)
			return 1;
	return 0;
}

int bpf_maps_hold(void)
{
	uint32_t id = 0;

	for (;;) {
		union id_attr a;
		long fd;

		memset(&a, 0, sizeof(a));
		a.next.start_id = id;
		if (bpf_call(KTSTR_BPF_MAP_GET_NEXT_ID, &a) < 0) {
			if (errno != ENOENT && id == 0)
				return -errno;
			break; /* ENOENT: no map after id */
		}
		id = a.next.next_id;
		if (is_held(id))
			continue;
		if (n_held >= BPF_MAPS_MAX) {
			agent_log("holding %d BPF maps already; map %u and later are not kept for the host",
				  BPF_MAPS_MAX, id);
			break;
		}
		memset(&a, 0, sizeof(a));
		a.by_id.map_id = id;
		fd = bpf_call(KTSTR_BPF_MAP_GET_FD_BY_ID, &a);
		if (fd < 0)
			continue; /* freed between the two calls */
		/* Never closed: the reference is the point (see bpf_maps.h). */
		held_ids[n_held++] = id;
	}
	return n_held;
}

int bpf_maps_held(const uint32_t **ids)
{
	*ids = held_ids;
	return n_held;
}

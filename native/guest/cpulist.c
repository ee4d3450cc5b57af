#include "cpulist.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int parse_cpu(const char **p)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return -1;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v >= CPU_MAX)
			return -1;
		(*p)++;
	}
	return (int)v;
}

int cpulist_parse(const char *list, struct cpu_mask *mask)
{
	const char *p = list;

	memset(mask, 0, sizeof(*mask));
	while (*p == ' ' || *p == '\n')
		p++;
	if (*p == '\0')
		return 0;
	for (;;) {
		int lo = parse_cpu(&p), hi;

		if (lo < 0)
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			hi = parse_cpu(&p);
			if (hi < lo)
				return -1;
		}
		for (int cpu = lo; cpu <= hi; cpu++)
			cpu_mask_set(mask, cpu);
		if (*p == ',') {
			p++;
			continue;
		}
		while (*p == '\n' || *p == ' ')
			p++;
		return *p == '\0' ? 0 : -1;
	}
}

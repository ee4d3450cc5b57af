/* Thin futex(2) wrappers. The words live in MAP_SHARED memory used by several
 * processes, so the shared (non-PRIVATE) operations are required. */
#ifndef KTSTR_FUTEX_H
#define KTSTR_FUTEX_H

#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Sleep while *word == expected (returns at once otherwise). */
static inline void futex_wait(uint32_t *word, uint32_t expected)
{
	syscall(SYS_futex, word, FUTEX_WAIT, expected, NULL, NULL, 0);
}

static inline void futex_wake(uint32_t *word, int count)
{
	syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);
}

static inline void futex_wake_all(uint32_t *word)
{
	futex_wake(word, INT_MAX);
}

#endif

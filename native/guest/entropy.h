/* Seeding the kernel's random number generator with bytes from the host.
 * Every guest restored from one snapshot starts with the same RNG state, so
 * without fresh input they would all produce the same "random" bytes. */
#ifndef KTSTR_ENTROPY_H
#define KTSTR_ENTROPY_H

#include <stddef.h>

/* Mix len bytes into the input pool with RNDADDENTROPY on /dev/urandom
 * (crediting 8 bits per byte), then reseed the output generator from it
 * with RNDRESEEDCRNG. Returns 0, or -errno with the failed step in *step. */
int entropy_credit(const void *bytes, size_t len, const char **step);

#endif

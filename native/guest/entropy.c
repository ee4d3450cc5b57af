#include "entropy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define RANDOM_DEVICE "/dev/urandom"

static int add_and_reseed(int fd, struct rand_pool_info *info, const char **step)
{
	/* A plain write() would only mix the bytes in; the ioctl also credits
	 * them, so a generator that was not yet initialised becomes ready. */
	*step = "ioctl RNDADDENTROPY on " RANDOM_DEVICE;
	if (ioctl(fd, RNDADDENTROPY, info) != 0)
		return -errno;
	/* An initialised generator draws from the input pool only at its
	 * periodic reseed, up to a minute later; until then its output would
	 * still follow the snapshot's state. */
	*step = "ioctl RNDRESEEDCRNG on " RANDOM_DEVICE;
	if (ioctl(fd, RNDRESEEDCRNG) != 0)
		return -errno;
	return 0;
}

int entropy_credit(const void *bytes, size_t len, const char **step)
{
	struct rand_pool_info *info;
	int fd, err;

	*step = "entropy buffer";
	if (len == 0 || len > (size_t)(1 << 20))
		return -EINVAL;
	info = malloc(sizeof(*info) + len);
	if (!info)
		return -ENOMEM;
	info->entropy_count = (int)(len * 8);
	info->buf_size = (int)len;
	memcpy(info->buf, bytes, len);

	*step = "open " RANDOM_DEVICE;
	fd = open(RANDOM_DEVICE, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
	} else {
		err = add_and_reseed(fd, info, step);
		close(fd);
	}
	/* The seed should not linger in the agent's heap. */
	explicit_bzero(info, sizeof(*info) + len);
	free(info);
	return err;
}

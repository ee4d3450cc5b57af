#include "channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "file_io.h"
#include "log.h"

#define PORTS_SYSFS "/sys/class/virtio-ports"
#define HEADER_LEN 5

/* How often the port is looked at while the host is away. */
#define RECONNECT_TICK_MS 10

static int channel_fd = -1;
static enum channel_disconnect_policy policy = CHANNEL_HOST_GONE;
/* The host end of the port is closed (since away_since_ns). */
static bool host_away;
static uint64_t away_since_ns;

/* --run-cell: messages go to this fd as JSON lines; nothing comes in
 * (channel_open_stdout). -1 otherwise. */
static int stdout_fd = -1;
/* SIGINT/SIGTERM in --run-cell mode: the stand-in for the host's 'S'. */
static volatile sig_atomic_t stop_requested;

/* Bytes received but not yet returned as frames. */
static char *rx_buf;
static size_t rx_len, rx_cap;

/* The initramfs has no udev: find which vportNpM carries our name. */
static int find_port(char *dev_path, size_t size)
{
	DIR *dir = opendir(PORTS_SYSFS);
	struct dirent *de;
	int found = -ENOENT;

	if (!dir)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		char path[300], name[64];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PORTS_SYSFS "/%s/name", de->d_name);
		if (read_trimmed(path, name, sizeof(name)) < 0)
			continue;
		if (strcmp(name, CHANNEL_PORT_NAME) == 0) {
			snprintf(dev_path, size, "/dev/%s", de->d_name);
			found = 0;
			break;
		}
	}
	closedir(dir);
	return found;
}

int channel_open(int find_ms, int connect_ms)
{
	uint64_t start = clock_now_ns();
	char dev[300];
	int err;

	/* The port is announced by the device a little after the driver
	 * probes, so it may not be listed yet when we get here. */
	while ((err = find_port(dev, sizeof(dev))) != 0) {
		if (clock_ms_since(start) > (uint64_t)find_ms) {
			agent_log("no virtio port named %s under " PORTS_SYSFS ": %s",
				  CHANNEL_PORT_NAME, strerror(-err));
			return err;
		}
		usleep(10000);
	}
	while ((channel_fd = open(dev, O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0) {
		err = -errno;
		/* devtmpfs may create the node a moment after sysfs lists it. */
		if (err != -ENOENT || clock_ms_since(start) > (uint64_t)find_ms) {
			agent_log("open %s: %s", dev, strerror(-err));
			return err;
		}
		usleep(10000);
	}

	/* The port reports POLLHUP until the host has the other end open. Writes
	 * would block until then anyway; waiting here lets us log why. */
	start = clock_now_ns();
	for (bool logged = false;;) {
		struct pollfd pfd = { .fd = channel_fd, .events = POLLOUT };
		int n = poll(&pfd, 1, 100);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			agent_log("poll %s: %s", dev, strerror(errno));
			goto fail;
		}
		if (n > 0 && !(pfd.revents & (POLLHUP | POLLERR)) && (pfd.revents & POLLOUT))
			break;
		if (clock_ms_since(start) > (uint64_t)connect_ms) {
			agent_log("host never connected to %s", CHANNEL_PORT_NAME);
			err = -ENOTCONN;
			goto fail;
		}
		if (!logged && clock_ms_since(start) > 1000) {
			agent_log("waiting for the host to connect to %s", CHANNEL_PORT_NAME);
			logged = true;
		}
	}
	return 0;
fail:
	close(channel_fd);
	channel_fd = -1;
	return err;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void channel_open_stdout(int fd)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	stdout_fd = fd;
}

bool channel_is_open(void)
{
	return channel_fd >= 0 || stdout_fd >= 0;
}

/* --run-cell: a 'J' frame is one line of JSON on stdout; there is no host to
 * send anything else to. */
static int stdout_send(uint8_t kind, const void *payload, size_t len)
{
	int err;

	if (kind != FRAME_JSON)
		return 0;
	err = write_all(stdout_fd, payload, len);
	if (!err)
		err = write_all(stdout_fd, "\n", 1);
	return err;
}

/* --run-cell: no frame ever comes; wait on the extra fds only. A stop
 * signal reads as the host going away, which stops the run as 'S' does. */
static enum channel_recv_result stdout_recv(int timeout_ms, struct pollfd *extra, int n_extra)
{
	int r;

	if (stop_requested)
		return CHANNEL_CLOSED;
	r = poll(extra, (nfds_t)n_extra, timeout_ms);
	if (r < 0 && errno != EINTR)
		agent_log("poll: %s", strerror(errno));
	return stop_requested ? CHANNEL_CLOSED : CHANNEL_TIMEOUT;
}

static void channel_close(void)
{
	if (channel_fd >= 0)
		close(channel_fd);
	channel_fd = -1;
	host_away = false;
}

void channel_set_disconnect_policy(enum channel_disconnect_policy p)
{
	policy = p;
}

/* The host end of the port closed. The fd stays open: the host may connect
 * again, and the port is the same device for the next host. */
static void host_left(void)
{
	if (host_away)
		return;
	host_away = true;
	away_since_ns = clock_now_ns();
	if (policy == CHANNEL_WAIT_FOR_HOST)
		agent_log("host disconnected from %s; waiting for it to reconnect",
			  CHANNEL_PORT_NAME);
	else
		agent_log("host disconnected from %s", CHANNEL_PORT_NAME);
	/* Bytes of a frame already begun stay: dropping them would corrupt a
	 * good stream when the notice is late (see channel.h). */
}

/* Whether the host end is open now. While it is closed the port polls
 * readable and hung up at once, so callers sleep between two looks: the
 * driver offers no way to block until the host reconnects. */
static bool host_present(void)
{
	struct pollfd pfd = { .fd = channel_fd, .events = POLLIN };

	if (poll(&pfd, 1, 0) < 0 || (pfd.revents & POLLHUP)) {
		host_left();
		return false;
	}
	if (host_away) {
		agent_log("host reconnected to %s", CHANNEL_PORT_NAME);
		host_away = false;
	}
	return true;
}

/* Under CHANNEL_HOST_GONE, a host away for longer than the grace is gone for
 * good: close the channel. Returns true when it did. */
static bool host_gone(void)
{
	if (!host_away || policy == CHANNEL_WAIT_FOR_HOST ||
	    clock_ms_since(away_since_ns) < CHANNEL_RETURN_GRACE_MS)
		return false;
	agent_log("host did not come back within %d ms; closing %s", CHANNEL_RETURN_GRACE_MS,
		  CHANNEL_PORT_NAME);
	channel_close();
	return true;
}

int channel_send(uint8_t kind, const void *payload, size_t len)
{
	unsigned char header[HEADER_LEN];
	int err;

	if (stdout_fd >= 0)
		return stdout_send(kind, payload, len);
	if (channel_fd < 0)
		return -ENOTCONN;
	if (len > CHANNEL_MAX_PAYLOAD)
		return -EMSGSIZE;
	/* A write blocks in the driver for as long as the host is away, so
	 * look first: under CHANNEL_HOST_GONE a host that does not come back
	 * must not leave PID 1 stuck in write() (it is what powers off). */
	while (!host_present()) {
		if (host_gone())
			return -ENOTCONN;
		usleep(RECONNECT_TICK_MS * 1000);
	}
	header[0] = (unsigned char)(len & 0xff);
	header[1] = (unsigned char)((len >> 8) & 0xff);
	header[2] = (unsigned char)((len >> 16) & 0xff);
	header[3] = (unsigned char)((len >> 24) & 0xff);
	header[4] = kind;
	err = write_all(channel_fd, header, sizeof(header));
	if (!err && len)
		err = write_all(channel_fd, payload, len);
	if (err) {
		agent_log("write to %s failed: %s; no more messages", CHANNEL_PORT_NAME,
			  strerror(-err));
		channel_close();
	}
	return err;
}

/* Take one complete frame off the front of rx_buf, if there is one.
 * Returns 1 (frame), 0 (need more bytes) or -1 (malformed). */
static int take_frame(struct frame *out)
{
	uint32_t len;

	if (rx_len < HEADER_LEN)
		return 0;
	len = (uint32_t)(unsigned char)rx_buf[0] | (uint32_t)(unsigned char)rx_buf[1] << 8 |
	      (uint32_t)(unsigned char)rx_buf[2] << 16 | (uint32_t)(unsigned char)rx_buf[3] << 24;
	if (len > CHANNEL_MAX_PAYLOAD) {
		agent_log("host frame of %u bytes exceeds the %u byte limit", len,
			  CHANNEL_MAX_PAYLOAD);
		return -1;
	}
	if (rx_len < HEADER_LEN + (size_t)len)
		return 0;
	out->kind = (uint8_t)rx_buf[4];
	out->len = len;
	out->payload = malloc((size_t)len + 1);
	if (!out->payload)
		return -1;
	memcpy(out->payload, rx_buf + HEADER_LEN, len);
	out->payload[len] = '\0';
	rx_len -= HEADER_LEN + (size_t)len;
	memmove(rx_buf, rx_buf + HEADER_LEN + len, rx_len);
	return 1;
}

static int read_more(void)
{
	ssize_t n;

	if (rx_cap - rx_len < 4096) {
		size_t cap = rx_cap ? rx_cap * 2 : 65536;
		char *bigger = realloc(rx_buf, cap);

		if (!bigger)
			return -ENOMEM;
		rx_buf = bigger;
		rx_cap = cap;
	}
	do {
		n = read(channel_fd, rx_buf + rx_len, rx_cap - rx_len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE; /* the host closed its end */
	rx_len += (size_t)n;
	return 0;
}

enum channel_recv_result channel_recv(struct frame *out, int timeout_ms)
{
	return channel_recv_with(out, timeout_ms, NULL, 0);
}

enum channel_recv_result channel_recv_with(struct frame *out, int timeout_ms,
					   struct pollfd *extra, int n_extra)
{
	uint64_t start = clock_now_ns();
	bool extra_ready = false;

	memset(out, 0, sizeof(*out));
	if (n_extra > CHANNEL_MAX_EXTRA_FDS)
		n_extra = CHANNEL_MAX_EXTRA_FDS;
	for (int i = 0; i < n_extra; i++)
		extra[i].revents = 0;
	if (stdout_fd >= 0)
		return stdout_recv(timeout_ms, extra, n_extra);
	for (;;) {
		struct pollfd pfd[1 + CHANNEL_MAX_EXTRA_FDS];
		int r, left, err, first;

		if (channel_fd < 0)
			return CHANNEL_CLOSED;
		r = take_frame(out);
		if (r > 0)
			return CHANNEL_FRAME;
		if (r < 0) {
			channel_close();
			return CHANNEL_CLOSED;
		}
		if (extra_ready)
			return CHANNEL_TIMEOUT;
		if (host_away && !host_present() && host_gone())
			return CHANNEL_CLOSED;
		left = timeout_ms - (int)clock_ms_since(start);
		if (left < 0)
			left = 0;
		/* While the host is away only the extra fds are waited on, for
		 * at most a tick: then the port is looked at again. */
		if (host_away && left > RECONNECT_TICK_MS)
			left = RECONNECT_TICK_MS;
		first = host_away ? 1 : 0;
		pfd[0] = (struct pollfd){ .fd = channel_fd, .events = POLLIN };
		for (int i = 0; i < n_extra; i++)
			pfd[1 + i] = (struct pollfd){ .fd = extra[i].fd, .events = extra[i].events };
		r = poll(pfd + first, (nfds_t)(1 - first + n_extra), left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			agent_log("poll %s: %s", CHANNEL_PORT_NAME, strerror(errno));
			channel_close();
			return CHANNEL_CLOSED;
		}
		for (int i = 0; i < n_extra; i++) {
			extra[i].revents = pfd[1 + i].revents;
			if (extra[i].revents)
				extra_ready = true;
		}
		if (r == 0 && (!host_away || (int)clock_ms_since(start) >= timeout_ms))
			return CHANNEL_TIMEOUT;
		if (host_away || !pfd[0].revents)
			continue; /* the extra fds, or the next look at the port */
		if (!(pfd[0].revents & POLLIN)) {
			host_left(); /* POLLHUP without data */
			continue;
		}
		err = read_more();
		if (err == -EPIPE) {
			host_left();
			continue;
		}
		if (err) {
			agent_log("read from %s: %s", CHANNEL_PORT_NAME, strerror(-err));
			channel_close();
			return CHANNEL_CLOSED;
		}
	}
}

void frame_free(struct frame *f)
{
	free(f->payload);
	f->payload = NULL;
}

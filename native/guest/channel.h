/* The virtio-serial port "ktstr.0" to the host and its framing:
 *   u32 little-endian payload length | u8 kind | payload
 * (docs/guest-protocol.md, "Framing"). One channel per agent. */
#ifndef KTSTR_CHANNEL_H
#define KTSTR_CHANNEL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHANNEL_PORT_NAME "ktstr.0"
#define CHANNEL_MAX_PAYLOAD (16u * 1024 * 1024)

#define FRAME_JSON 'J'     /* guest -> host */
#define FRAME_CELL 'C'     /* host -> guest */
#define FRAME_GO 'G'       /* host -> guest */
#define FRAME_SHUTDOWN 'S' /* host -> guest */

struct frame {
	uint8_t kind;
	uint32_t len;
	char *payload; /* malloc'd, NUL-terminated; free with frame_free() */
};

/* Find the port (waiting up to find_ms for the device to announce it), open
 * it and wait (up to connect_ms) until the host side is connected.
 * Returns 0, or -errno with a message already logged. */
int channel_open(int find_ms, int connect_ms);

bool channel_is_open(void);

/* Send one frame. Returns 0, or -errno (the channel is then unusable). */
int channel_send(uint8_t kind, const void *payload, size_t len);

enum channel_recv_result {
	CHANNEL_FRAME,   /* *out holds a frame */
	CHANNEL_TIMEOUT, /* nothing complete arrived within timeout_ms */
	CHANNEL_CLOSED,  /* host disconnected, I/O error or a malformed frame */
};

/* Wait up to timeout_ms (0 = just check) for the next frame from the host. */
enum channel_recv_result channel_recv(struct frame *out, int timeout_ms);

#define CHANNEL_MAX_EXTRA_FDS 4

/* channel_recv() that also watches up to CHANNEL_MAX_EXTRA_FDS other fds
 * (fd and events set by the caller), so that one wait serves the host and,
 * e.g., a command's output pipes. Their revents are filled in; when one is
 * ready before a frame is complete it returns CHANNEL_TIMEOUT at once. */
enum channel_recv_result channel_recv_with(struct frame *out, int timeout_ms,
					   struct pollfd *extra, int n_extra);

void frame_free(struct frame *f);

#endif

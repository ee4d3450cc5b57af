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
#define FRAME_ATTACH 'A'   /* host -> guest: start the scheduler before the cell */
/* Requests, host -> guest (host_requests.c). */
#define FRAME_PUT_FILE 'F'
#define FRAME_SYMLINK 'L'
#define FRAME_ENTROPY 'R'
#define FRAME_WALL_CLOCK 'T'
#define FRAME_PING 'P'

struct frame {
	uint8_t kind;
	uint32_t len;
	char *payload; /* malloc'd, NUL-terminated; free with frame_free() */
};

/* Find the port (waiting up to find_ms for the device to announce it), open
 * it and wait (up to connect_ms) until the host side is connected.
 * Returns 0, or -errno with a message already logged. */
int channel_open(int find_ms, int connect_ms);

/* Instead of the port (ktstr-guest --run-cell, outside a VM): every message
 * is written to fd as one line of JSON, no frame ever arrives, and SIGINT or
 * SIGTERM reads as the host going away (the run stops as for 'S'). */
void channel_open_stdout(int fd);

bool channel_is_open(void);

/* What a host disconnect means. The host end of the port may close and open
 * again while the agent keeps its end open; reads then report end of file
 * and writes block until a host is back.
 *
 * CHANNEL_WAIT_FOR_HOST (before the cell): nothing; wait for the next host
 *   however long it takes. A guest restored from a snapshot finds the host
 *   end closed until the new QEMU's host connects.
 * CHANNEL_HOST_GONE (the default; during a run): the host is gone unless it
 *   is back within CHANNEL_RETURN_GRACE_MS; then the channel is closed
 *   (receiving returns CHANNEL_CLOSED, sending fails).
 *
 * The grace exists because the driver applies connection changes from its
 * control queue, apart from the data: a host that leaves, reconnects and
 * sends at once can have its data read before the agent sees the old
 * "disconnected" notice, followed by "connected". For the same reason the
 * bytes of an incomplete frame are kept across a disconnect; a host must
 * only disconnect between frames. */
enum channel_disconnect_policy {
	CHANNEL_WAIT_FOR_HOST,
	CHANNEL_HOST_GONE,
};

#define CHANNEL_RETURN_GRACE_MS 500

void channel_set_disconnect_policy(enum channel_disconnect_policy policy);

/* Send one frame. Returns 0, or -errno (the channel is then unusable). */
int channel_send(uint8_t kind, const void *payload, size_t len);

enum channel_recv_result {
	CHANNEL_FRAME,   /* *out holds a frame */
	CHANNEL_TIMEOUT, /* nothing complete arrived within timeout_ms */
	CHANNEL_CLOSED,  /* host gone (see above), I/O error or a malformed frame */
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

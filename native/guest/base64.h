/* Base64 for binary files in JSON messages (`file`, collect.c): the channel
 * carries JSON text, and the host decodes with Buffer.from(s, 'base64'). */
#ifndef KTSTR_BASE64_H
#define KTSTR_BASE64_H

#include <stddef.h>

/* Bytes base64_encode() writes for n input bytes, the NUL included. */
size_t base64_encoded_len(size_t n);

/* Standard base64 (RFC 4648, alphabet A-Z a-z 0-9 + /, '=' padding) of
 * in[0..n) into out, NUL-terminated. */
void base64_encode(const unsigned char *in, size_t n, char *out);

#endif

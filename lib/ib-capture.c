/*
 * Copyright (c) 2026 The eIPoIB for Open vSwitch authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#include <config.h>

#include "ib-capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipoib.h"
#include "util.h"

struct ib_capture {
    FILE *file;
    char *file_name;
    uint64_t count;
};

/* Largest packet recorded: an ERF record length is 16 bits. */
#define ERF_HDR_LEN 16
#define MAX_RECORD (UINT16_MAX - ERF_HDR_LEN)

static void
put_le16(uint8_t *p, uint16_t x)
{
    p[0] = x;
    p[1] = x >> 8;
}

static void
put_le32(uint8_t *p, uint32_t x)
{
    put_le16(p, x);
    put_le16(&p[2], x >> 16);
}

int
ib_capture_open(const char *file_name, struct ib_capture **capp)
{
    uint8_t h[24];
    FILE *file;

    *capp = NULL;
    file = fopen(file_name, "wb");
    if (!file) {
        return errno;
    }

    /* pcap file header, native little-endian, version 2.4, microseconds. */
    put_le32(&h[0], 0xa1b2c3d4);
    put_le16(&h[4], 2);
    put_le16(&h[6], 4);
    put_le32(&h[8], 0);         /* thiszone */
    put_le32(&h[12], 0);        /* sigfigs */
    put_le32(&h[16], 65535);    /* snaplen */
    put_le32(&h[20], IB_CAPTURE_LINKTYPE_ERF);
    /* Flushed at once, so that a fork (daemonizing) cannot duplicate it
     * from a stdio buffer. */
    if (fwrite(h, sizeof h, 1, file) != 1 || fflush(file)) {
        int error = errno ? errno : EIO;
        fclose(file);
        return error;
    }

    struct ib_capture *cap = xzalloc(sizeof *cap);
    cap->file = file;
    cap->file_name = xstrdup(file_name);
    *capp = cap;
    return 0;
}

int
ib_capture_write(struct ib_capture *cap, int64_t sec, uint32_t nsec,
                 const void *packet, size_t len)
{
    uint8_t h[16 + ERF_HDR_LEN];
    size_t caplen = MIN(len, MAX_RECORD);
    size_t rlen = ERF_HDR_LEN + caplen;

    /* pcap record header. */
    put_le32(&h[0], sec);
    put_le32(&h[4], nsec / 1000);
    put_le32(&h[8], rlen);
    put_le32(&h[12], rlen);

    /* ERF header: timestamp (little-endian 32.32 fixed point seconds), then
     * big-endian type, flags (0x04: variable-length record), record length,
     * loss counter, wire length. */
    uint64_t frac = ((uint64_t) nsec << 32) / 1000000000;
    put_le32(&h[16], frac);
    put_le32(&h[20], sec);
    h[24] = IB_CAPTURE_ERF_TYPE_INFINIBAND;
    h[25] = 0x04;
    ipoib_put_be16(&h[26], rlen);
    ipoib_put_be16(&h[28], 0);
    ipoib_put_be16(&h[30], MIN(len, UINT16_MAX));

    if (fwrite(h, sizeof h, 1, cap->file) != 1
        || fwrite(packet, caplen, 1, cap->file) != 1) {
        return errno ? errno : EIO;
    }
    cap->count++;
    return 0;
}

void
ib_capture_flush(struct ib_capture *cap)
{
    fflush(cap->file);
}

uint64_t
ib_capture_count(const struct ib_capture *cap)
{
    return cap->count;
}

const char *
ib_capture_file_name(const struct ib_capture *cap)
{
    return cap->file_name;
}

void
ib_capture_close(struct ib_capture *cap)
{
    if (cap) {
        fclose(cap->file);
        free(cap->file_name);
        free(cap);
    }
}

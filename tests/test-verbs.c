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

/* Unit tests of the verbs transport's pure parts (the rest needs an RDMA
 * device: make check-verbs).  Without the verbs transport built, they exit
 * 77, which autotest reports as skipped. */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "eipoib-test.h"
#include "ipoib.h"
#ifdef EIPOIB_HAVE_VERBS
#include "ib-verbs.h"
#endif

/* The 40 bytes before a UD datagram: an IB GRH or RoCE v2 IPv6 header
 * (version 6 in the first nibble, GIDs at 8 and 24), or a RoCE v2 IPv4
 * header in the last 20 bytes (IPv4-mapped GIDs). */
static void
test_verbs_grh(void)
{
#ifdef EIPOIB_HAVE_VERBS
    static const uint8_t sgid6[16] = {
        0xfe, 0x80, 0, 0, 0, 0, 0, 0,
        0x24, 0x7b, 0x4d, 0xff, 0xfe, 0x45, 0x08, 0x2e,
    };
    static const uint8_t dgid6[16] = {
        0xff, 0x12, 0x40, 0x1b, 0xff, 0xff, 0, 0,
        0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
    };
    struct ipoib_gid sgid, dgid;
    uint8_t grh[40];

    memset(grh, 0, sizeof grh);
    grh[0] = 0x60;
    grh[6] = 17;                /* Next header: UDP (RoCE v2). */
    memcpy(grh + 8, sgid6, 16);
    memcpy(grh + 24, dgid6, 16);
    ib_verbs_parse_grh(grh, &sgid, &dgid);
    CHECK_BYTES(sgid.b, 16, sgid6, 16);
    CHECK_BYTES(dgid.b, 16, dgid6, 16);

    /* A source GID whose byte 12 looks like an IPv4 version nibble is
     * still read as IPv6: the first nibble decides. */
    grh[20] = 0x45;
    ib_verbs_parse_grh(grh, &sgid, &dgid);
    CHECK(sgid.b[12] == 0x45 && !memcmp(dgid.b, dgid6, 16));

    /* RoCE v2 over IPv4: 192.0.2.1 -> 192.0.2.2. */
    static const uint8_t sgid4[16] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1,
    };
    static const uint8_t dgid4[16] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 2,
    };
    memset(grh, 0, sizeof grh);
    grh[20] = 0x45;
    grh[20 + 9] = 17;
    memcpy(grh + 20 + 12, sgid4 + 12, 4);
    memcpy(grh + 20 + 16, dgid4 + 12, 4);
    ib_verbs_parse_grh(grh, &sgid, &dgid);
    CHECK_BYTES(sgid.b, 16, sgid4, 16);
    CHECK_BYTES(dgid.b, 16, dgid4, 16);
#else
    exit(77);
#endif
}

EIPOIB_TEST_REGISTER("verbs-grh", test_verbs_grh);

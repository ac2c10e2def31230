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

#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H 1

/* What the libFuzzer targets of the translation core share: two hosts of
 * the unit tests' scenario (tests/xlate-vectors.py), B (LID 5) and C
 * (LID 7), with small tables so that "full" paths are reached too. */

#include <stddef.h>
#include <stdint.h>

#include "eipoib-tables.h"
#include "eipoib-xlate.h"

struct fuzz_host {
    struct eipoib_tables *tables;
    struct eipoib_xlate xlate;
};

extern struct fuzz_host fuzz_b, fuzz_c;

/* Sets up both hosts once; on later calls advances their clocks and ages
 * their tables, so that memory stays bounded over millions of runs. */
void fuzz_setup(void);

/* Runs translation on a copy of 'data' placed in a heap buffer of exactly
 * 'headroom' + 'len' + 'tailroom' bytes, so that AddressSanitizer sees any
 * access outside it, and checks the result's invariants (verdict in range;
 * output inside the buffer; the buffer untouched unless the verdict is
 * EIPOIB_OK; sane output lengths), aborting if one fails.  On EIPOIB_OK,
 * copies the output to 'out' (at most 'out_size' bytes) and stores its
 * length in '*out_len'. */
enum eipoib_verdict fuzz_tx(struct fuzz_host *, const uint8_t *data,
                            size_t len, size_t headroom, size_t tailroom,
                            struct eipoib_tx_info *, uint8_t *out,
                            size_t out_size, size_t *out_len);
enum eipoib_verdict fuzz_rx(struct fuzz_host *, const uint8_t *data,
                            size_t len, size_t headroom, size_t tailroom,
                            const struct eipoib_rx_meta *,
                            struct eipoib_rx_info *, uint8_t *out,
                            size_t out_size, size_t *out_len);

#endif /* fuzz-common.h */

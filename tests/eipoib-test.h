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

#ifndef EIPOIB_TEST_H
#define EIPOIB_TEST_H 1

/* A small unit-test driver: each test is a function registered under a
 * name; "eipoib-test NAME" runs it and exits 0 only if every check held.
 * tests/unit.at runs each name as its own autotest. */

#include <stdbool.h>
#include <stddef.h>
#include "compiler.h"

typedef void eipoib_test_func(void);

void eipoib_test_register(const char *name, eipoib_test_func *);

#define EIPOIB_TEST_REGISTER(NAME, FUNC)              \
    OVS_CONSTRUCTOR(eipoib_test_register_##FUNC) {    \
        eipoib_test_register(NAME, FUNC);             \
    }

/* Checks.  A failed check prints where and why, marks the test failed and
 * lets it go on, so one run shows every failure. */
bool eipoib_check__(bool ok, const char *file, int line, const char *expr);
bool eipoib_check_bytes__(const void *got, size_t got_len,
                          const void *want, size_t want_len,
                          const char *file, int line, const char *expr);
bool eipoib_check_int__(long long got, long long want,
                        const char *file, int line, const char *expr);

#define CHECK(EXPR) eipoib_check__(!!(EXPR), __FILE__, __LINE__, #EXPR)
#define CHECK_INT(GOT, WANT) \
    eipoib_check_int__(GOT, WANT, __FILE__, __LINE__, #GOT " == " #WANT)
#define CHECK_BYTES(GOT, GOT_LEN, WANT, WANT_LEN)                   \
    eipoib_check_bytes__(GOT, GOT_LEN, WANT, WANT_LEN,              \
                         __FILE__, __LINE__, #GOT " == " #WANT)

/* Parses hex text ("0a 00:01", whitespace and colons ignored) into a
 * malloc()ed buffer, for readable byte-exact test vectors. */
unsigned char *eipoib_test_hex(const char *hex, size_t *lenp);

#endif /* eipoib-test.h */

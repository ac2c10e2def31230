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

#include "eipoib-test.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "util.h"

static struct shash tests = SHASH_INITIALIZER(&tests);
static int n_failures;

void
eipoib_test_register(const char *name, eipoib_test_func *func)
{
    shash_add_once(&tests, name, func);
}

bool
eipoib_check__(bool ok, const char *file, int line, const char *expr)
{
    if (!ok) {
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
        n_failures++;
    }
    return ok;
}

bool
eipoib_check_int__(long long got, long long want,
                   const char *file, int line, const char *expr)
{
    if (got != want) {
        fprintf(stderr, "%s:%d: check failed: %s (got %lld, want %lld)\n",
                file, line, expr, got, want);
        n_failures++;
        return false;
    }
    return true;
}

static void
put_hex(struct ds *s, const unsigned char *p, size_t n, size_t mark)
{
    for (size_t i = 0; i < n; i++) {
        if (i && !(i % 16)) {
            ds_put_cstr(s, "\n    ");
        }
        ds_put_format(s, i == mark ? "[%02x]" : " %02x ", p[i]);
    }
}

bool
eipoib_check_bytes__(const void *got_, size_t got_len,
                     const void *want_, size_t want_len,
                     const char *file, int line, const char *expr)
{
    const unsigned char *got = got_, *want = want_;
    size_t i;

    for (i = 0; i < got_len && i < want_len; i++) {
        if (got[i] != want[i]) {
            break;
        }
    }
    if (i == got_len && i == want_len) {
        return true;
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "%s:%d: check failed: %s\n"
                  "  first difference at byte %"PRIuSIZE
                  " (got %"PRIuSIZE" bytes, want %"PRIuSIZE")\n  got:\n    ",
                  file, line, expr, i, got_len, want_len);
    put_hex(&s, got, got_len, i);
    ds_put_cstr(&s, "\n  want:\n    ");
    put_hex(&s, want, want_len, i);
    fprintf(stderr, "%s\n", ds_cstr(&s));
    ds_destroy(&s);
    n_failures++;
    return false;
}

unsigned char *
eipoib_test_hex(const char *hex, size_t *lenp)
{
    unsigned char *buf = xmalloc(strlen(hex) / 2 + 1);
    size_t n = 0;
    int nibbles = 0;
    unsigned int byte = 0;

    for (const char *p = hex; *p; p++) {
        if (isspace((unsigned char) *p) || *p == ':') {
            continue;
        }
        if (!isxdigit((unsigned char) *p)) {
            ovs_fatal(0, "bad hex digit '%c' in test vector", *p);
        }
        byte = (byte << 4) | hexit_value(*p);
        if (++nibbles == 2) {
            buf[n++] = byte;
            nibbles = 0;
            byte = 0;
        }
    }
    if (nibbles) {
        ovs_fatal(0, "odd number of hex digits in test vector");
    }
    *lenp = n;
    return buf;
}

/* The driver's own checks, so that the suite shows a failing check really
 * fails the test. */
static void
test_driver_fails(void)
{
    size_t a_len, b_len;
    unsigned char *a = eipoib_test_hex("00 20 08:00 14", &a_len);
    unsigned char *b = eipoib_test_hex("002008000600", &b_len);

    CHECK_BYTES(a, a_len, b, b_len);
    CHECK_INT(a_len, 4);
    free(a);
    free(b);
}
EIPOIB_TEST_REGISTER("driver-fails", test_driver_fails);

static void
test_driver_hex(void)
{
    size_t len;
    unsigned char *p = eipoib_test_hex("ff:12 40\n1B", &len);
    static const unsigned char want[] = { 0xff, 0x12, 0x40, 0x1b };

    CHECK_BYTES(p, len, want, sizeof want);
    free(p);
}
EIPOIB_TEST_REGISTER("driver-hex", test_driver_hex);

static void
list_tests(void)
{
    const struct shash_node **nodes = shash_sort(&tests);
    for (size_t i = 0; i < shash_count(&tests); i++) {
        printf("%s\n", nodes[i]->name);
    }
    free(nodes);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc != 2 || !strcmp(argv[1], "--help")) {
        printf("usage: %s TEST | --list\n", program_name);
        return argc == 2 ? 0 : 1;
    }
    if (!strcmp(argv[1], "--list")) {
        list_tests();
        return 0;
    }

    eipoib_test_func *func = shash_find_data(&tests, argv[1]);
    if (!func) {
        ovs_fatal(0, "%s: no such test (try --list)", argv[1]);
    }
    func();
    if (n_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", argv[1], n_failures);
        return 1;
    }
    printf("%s: ok\n", argv[1]);
    return 0;
}

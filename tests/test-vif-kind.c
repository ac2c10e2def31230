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

/* Unit test of the vif kinds of lib/eipoib-tables: snooped vifs age and are
 * flushed, static and provisioned ones stay; kinds can be read and
 * changed. */

#include <config.h>

#include <string.h>

#include "eipoib-tables.h"
#include "eipoib-test.h"

static void
add_vif(struct eipoib_tables *t, uint8_t last, uint32_t qpn,
        enum eipoib_vif_kind kind)
{
    struct eipoib_vif vif;

    memset(&vif, 0, sizeof vif);
    memcpy(vif.mac, (uint8_t[]) { 0x52, 0x54, 0, 0, 0, last }, 6);
    vif.vlan = 10;
    vif.qpn = qpn;
    CHECK_INT(eipoib_tables_add_vif(t, &vif, kind), EIPOIB_TABLE_OK);
}

static bool
has_vif(struct eipoib_tables *t, uint8_t last, enum eipoib_vif_kind *kind)
{
    const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, last };

    return eipoib_tables_get_vif_kind(t, mac, 10, kind);
}

static void
test_vif_kinds(void)
{
    struct eipoib_tables_config tc;
    enum eipoib_vif_kind kind;

    eipoib_tables_config_default(&tc);
    tc.vif_idle_ms = 1000;
    struct eipoib_tables *t = eipoib_tables_create(&tc);
    eipoib_tables_set_time(t, 0);

    CHECK(!strcmp(eipoib_vif_kind_to_string(EIPOIB_VIF_SNOOPED), "snooped"));
    CHECK(!strcmp(eipoib_vif_kind_to_string(EIPOIB_VIF_STATIC), "static"));
    CHECK(!strcmp(eipoib_vif_kind_to_string(EIPOIB_VIF_PROVISIONED),
                  "provisioned"));

    add_vif(t, 1, 0x101, EIPOIB_VIF_SNOOPED);
    add_vif(t, 2, 0x102, EIPOIB_VIF_STATIC);
    add_vif(t, 3, 0x103, EIPOIB_VIF_PROVISIONED);
    add_vif(t, 4, 0x104, EIPOIB_VIF_SNOOPED);
    CHECK(has_vif(t, 3, &kind));
    CHECK_INT(kind, EIPOIB_VIF_PROVISIONED);

    /* A snooped vif the database names becomes provisioned. */
    const uint8_t mac4[6] = { 0x52, 0x54, 0, 0, 0, 4 };
    CHECK(eipoib_tables_set_vif_kind(t, mac4, 10, EIPOIB_VIF_PROVISIONED));
    CHECK(has_vif(t, 4, &kind));
    CHECK_INT(kind, EIPOIB_VIF_PROVISIONED);
    CHECK(!eipoib_tables_set_vif_kind(t, mac4, 11, EIPOIB_VIF_STATIC));
    CHECK(!eipoib_tables_set_vif_kind(t, mac4, 10, 7));
    CHECK(!has_vif(t, 9, &kind));

    /* An unknown kind is refused. */
    struct eipoib_vif bad;
    memset(&bad, 0, sizeof bad);
    memcpy(bad.mac, mac4, 6);
    bad.vlan = 20;
    bad.qpn = 0x200;
    CHECK_INT(eipoib_tables_add_vif(t, &bad, 7), EIPOIB_TABLE_INVALID);

    /* Only the snooped vif ages out. */
    eipoib_tables_set_time(t, 5000);
    eipoib_tables_expire(t, NULL, NULL);
    CHECK(!has_vif(t, 1, &kind));
    CHECK(has_vif(t, 2, &kind));
    CHECK(has_vif(t, 3, &kind));
    CHECK(has_vif(t, 4, &kind));
    CHECK_INT(eipoib_tables_n_vifs(t), 3);

    /* A flush removes snooped vifs only. */
    add_vif(t, 5, 0x105, EIPOIB_VIF_SNOOPED);
    eipoib_tables_flush(t, NULL, NULL);
    CHECK(!has_vif(t, 5, &kind));
    CHECK_INT(eipoib_tables_n_vifs(t), 3);

    eipoib_tables_destroy(t);
}
EIPOIB_TEST_REGISTER("vif-kinds", test_vif_kinds);

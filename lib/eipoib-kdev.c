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

#include "eipoib-kdev.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "sset.h"
#include "util.h"

/* Appends the lines of DIR/DEV/eipoib/FILE to 'all'; false if it cannot
 * be opened. */
static bool
read_lines(const char *dir, const char *dev, const char *file,
           struct ds *all)
{
    char *path = xasprintf("%s/%s/eipoib/%s", dir, dev, file);
    FILE *stream = fopen(path, "r");
    struct ds line = DS_EMPTY_INITIALIZER;

    free(path);
    if (!stream) {
        return false;
    }
    while (!ds_get_line(&line, stream)) {
        ds_put_format(all, "%s\n", ds_cstr(&line));
    }
    ds_destroy(&line);
    fclose(stream);
    return true;
}

/* Appends each line of 'text' to 'ds' as "PREFIX<line>SUFFIX", only those
 * whose last word is not "0" if 'nonzero'.  Returns the number of lines. */
static size_t
put_lines(struct ds *ds, struct ds *text, const char *prefix,
          const char *suffix, bool nonzero)
{
    size_t n = 0;

    for (char *save = NULL, *line = strtok_r(ds_cstr(text), "\n", &save);
         line; line = strtok_r(NULL, "\n", &save)) {
        const char *last = strrchr(line, ' ');

        if (!nonzero || !last || strcmp(last, " 0")) {
            ds_put_format(ds, "%s%s%s", prefix, line, suffix);
        }
        n++;
    }
    return n;
}

/* Appends the lines of FILE after a heading that counts them. */
static void
show_list(const char *dir, const char *dev, const char *file,
          const char *heading, struct ds *ds)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    struct ds lines = DS_EMPTY_INITIALIZER;

    read_lines(dir, dev, file, &text);
    size_t n = put_lines(&lines, &text, "    ", "\n", false);
    ds_put_format(ds, "  %s: %"PRIuSIZE"\n%s", heading, n, ds_cstr(&lines));
    ds_destroy(&lines);
    ds_destroy(&text);
}

static void
show_one(const char *dir, const char *dev, struct ds *ds)
{
    struct ds text = DS_EMPTY_INITIALIZER;

    ds_put_format(ds, "%s (kernel eipoib device):\n", dev);

    read_lines(dir, dev, "partitions", &text);
    ds_put_cstr(ds, "  partitions:\n");
    put_lines(ds, &text, "    ", "\n", false);

    ds_clear(&text);
    read_lines(dir, dev, "limits", &text);
    ds_put_cstr(ds, "  limits:");
    put_lines(ds, &text, " ", "", false);
    ds_put_cstr(ds, "\n");

    show_list(dir, dev, "vifs", "vifs", ds);
    show_list(dir, dev, "neighbors", "neighbors", ds);
    show_list(dir, dev, "addresses", "IP addresses of neighbors", ds);
    show_list(dir, dev, "groups", "multicast groups", ds);

    /* Traffic and every drop reason that happened. */
    ds_clear(&text);
    read_lines(dir, dev, "counters", &text);
    ds_put_cstr(ds, "  counters (non-zero):\n");
    put_lines(ds, &text, "    ", "\n", true);
    ds_destroy(&text);
}

bool
eipoib_kdev_show_in(const char *dir, const char *name, struct ds *ds)
{
    struct sset devs = SSET_INITIALIZER(&devs);
    bool found = false;
    DIR *d = opendir(dir);

    if (!d) {
        return false;
    }
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (de->d_name[0] != '.' && (!name || !strcmp(name, de->d_name))) {
            sset_add(&devs, de->d_name);
        }
    }
    closedir(d);

    const char **names = sset_sort(&devs);
    for (size_t i = 0; i < sset_count(&devs); i++) {
        char *path = xasprintf("%s/%s/eipoib/partitions", dir, names[i]);
        bool is_eipoib = !access(path, R_OK);

        free(path);
        if (is_eipoib) {
            show_one(dir, names[i], ds);
            found = true;
        }
    }
    free(names);
    sset_destroy(&devs);
    return found;
}

bool
eipoib_kdev_show(const char *name, struct ds *ds)
{
    static const char class_net[] = "/sys/class/net";

    return eipoib_kdev_show_in(class_net, name, ds);
}

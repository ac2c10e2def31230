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

#ifndef IB_CAPTURE_H
#define IB_CAPTURE_H 1

/* Capture files of whole InfiniBand packets that stock Wireshark/tshark
 * dissect: pcap with LINKTYPE_ERF (197), one ERF record of type 21
 * (INFINIBAND: the packet from the LRH through the VCRC) per packet.
 * (tshark 4.0 does not read LINKTYPE_INFINIBAND, 247; see
 * ../shared/ref/ipoib-wire.md section 6a.)  OVS's pcap-file.h writes only
 * Ethernet captures, hence this small writer. */

#include <stddef.h>
#include <stdint.h>

#define IB_CAPTURE_LINKTYPE_ERF 197
#define IB_CAPTURE_ERF_TYPE_INFINIBAND 21

struct ib_capture;

/* Creates (truncates) 'file_name' and writes the pcap file header.
 * Returns 0 or a positive errno value. */
int ib_capture_open(const char *file_name, struct ib_capture **);

/* Appends one packet captured at 'sec' seconds + 'nsec' nanoseconds since
 * the epoch.  Returns 0 or a positive errno value. */
int ib_capture_write(struct ib_capture *, int64_t sec, uint32_t nsec,
                     const void *packet, size_t len);

/* Writes buffered records to the file. */
void ib_capture_flush(struct ib_capture *);

/* Packets written so far. */
uint64_t ib_capture_count(const struct ib_capture *);
const char *ib_capture_file_name(const struct ib_capture *);

void ib_capture_close(struct ib_capture *);

#endif /* ib-capture.h */

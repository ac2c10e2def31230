#!/usr/bin/python3
# Copyright (c) 2026 The eIPoIB for Open vSwitch authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Makes the fuzzers' seed corpora, tests/fuzz/corpus/{tx,rx}, from the
unit tests' vectors (tests/xlate-vectors.h), in the input formats that
fuzz-xlate-tx.c and fuzz-xlate-rx.c describe.

    python3 tests/fuzz/make-corpus.py"""

import os
import re

here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, '..', 'xlate-vectors.h')).read()
vectors = {}
for name, body in re.findall(r'static const char xv_(\w+)\[\] =\n(.*?);',
                             text, re.S):
    vectors[name] = bytes.fromhex(''.join(re.findall(r'"([0-9a-f]*)"', body)))


def write(kind, name, data):
    d = os.path.join(here, 'corpus', kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


for name, data in sorted(vectors.items()):
    if name.endswith('_eth') or name.endswith('_orig') or \
       name.startswith('echo_rep_eth'):
        write('tx', name, bytes([0x88]) + data)      # 40 bytes around
        write('tx', name + '-noroom', bytes([0x00]) + data)
    elif name.startswith('ref_frame') or name.endswith('_ib') or \
            name.endswith('_ib_rx'):
        # Unicast from A (QPN 0x48, LID 3) to vm1, and broadcast from A.
        write('rx', name + '-unicast',
              bytes([0x90, 0, 0, 0, 0, 0, 0, 0x80]) + data)
        write('rx', name + '-broadcast',
              bytes([0x91, 0, 0, 0, 0, 0, 0, 0x80]) + data)

"""llm.c's token shard format on numpy, written from the format description, for the
shard compatibility tests.

A shard is a header of 256 little-endian int32 (magic, version, token count, zeros)
followed by the ids. llm.c's data scripts write GPT-2 shards as magic 20240520 /
version 1 / uint16 and Llama-3 shards as magic 20240801 / version 7 / uint32; lmforge's
uint32 variant is magic 20240520 / version 2.

usage:
  llmc_shard.py write IDS.u32 OUT.bin KIND   KIND: gpt-2 | llama-3 | v2
  llmc_shard.py read SHARD.bin IDS_OUT.u32   (checks the header strictly)
IDS files are raw little-endian uint32 arrays.
"""
import sys

import numpy as np

KINDS = {
    "gpt-2": (20240520, 1, np.dtype("<u2")),
    "llama-3": (20240801, 7, np.dtype("<u4")),
    "v2": (20240520, 2, np.dtype("<u4")),
}


def write_datafile(filename, toks, kind="gpt-2"):
    magic, version, dtype = KINDS[kind]
    toks = np.asarray(toks)
    assert len(toks) < 2**31, "token count too large"
    assert toks.size == 0 or int(toks.max()) <= np.iinfo(dtype).max, "id too large for " + kind
    header = np.zeros(256, dtype="<i4")
    header[0] = magic
    header[1] = version
    header[2] = len(toks)
    with open(filename, "wb") as f:
        f.write(header.tobytes())
        f.write(toks.astype(dtype).tobytes())


def read_datafile(filename):
    with open(filename, "rb") as f:
        header = np.frombuffer(f.read(256 * 4), dtype="<i4")
        body = f.read()
    by_header = {(m, v): d for m, v, d in KINDS.values()}
    dtype = by_header[(int(header[0]), int(header[1]))]
    count = int(header[2])
    assert not header[3:].any(), "header padding must be zero"
    assert len(body) == count * dtype.itemsize, "body size disagrees with the token count"
    return np.frombuffer(body, dtype=dtype).astype(np.uint32)


def main():
    cmd = sys.argv[1]
    if cmd == "write":
        ids = np.fromfile(sys.argv[2], dtype="<u4")
        write_datafile(sys.argv[3], ids, sys.argv[4])
    elif cmd == "read":
        read_datafile(sys.argv[2]).astype("<u4").tofile(sys.argv[3])
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()

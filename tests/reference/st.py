"""Minimal safetensors reader/writer on numpy + torch (the Debian image has no
`safetensors` package). Same format as Hugging Face's: u64 header length, JSON header,
raw little-endian data."""
import json
import struct

import numpy as np
import torch

_NP = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I32": np.int32,
       "I64": np.int64, "U8": np.uint8, "I8": np.int8, "U16": np.uint16}


def load(path):
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    data = buf[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        if e["dtype"] == "BF16":
            raw = np.frombuffer(data[b:end], dtype=np.uint16).astype(np.uint32) << 16
            arr = raw.view(np.float32).reshape(e["shape"])
        else:
            arr = np.frombuffer(data[b:end], dtype=_NP[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def save(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs, off = [], 0
    names = {np.dtype(v): k for k, v in _NP.items()}
    for name, t in tensors.items():
        if t.dtype == torch.bfloat16:  # numpy has no bfloat16: store the raw 16-bit words
            arr, dtype = t.detach().contiguous().cpu().view(torch.int16).numpy(), "BF16"
        else:
            arr = t.detach().contiguous().cpu().numpy()
            if arr.dtype == np.float64:
                arr = arr.astype(np.float32)
            if arr.dtype == np.bool_:
                arr = arr.astype(np.uint8)
            dtype = names[arr.dtype]
        raw = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hs = json.dumps(header).encode()
    hs += b" " * ((8 - (len(hs) + 8) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(hs)))
        f.write(hs)
        for b in blobs:
            f.write(b)
    import os
    os.replace(path + ".tmp", path)

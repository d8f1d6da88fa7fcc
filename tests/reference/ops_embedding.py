"""PyTorch reference for embedding lookup and its scatter-add backward.

Case i: "c{i}.ids" (int32), "c{i}.table" (V, C), "c{i}.g" (probe weights shaped like the
output). Returns "c{i}.y", "c{i}.dtable" = d(sum(y * g))/d(table), and for small tables
"c{i}.gradcheck" = 1 when torch.autograd.gradcheck agrees with the reference's gradient."""
import torch
import torch.nn.functional as F

GRADCHECK_MAX_ELEMENTS = 400


def cases(t, args):
    out = {}
    for i in range(len(args["cases"])):
        p = f"c{i}."
        ids = t[p + "ids"].long()
        table = t[p + "table"].clone().requires_grad_(True)
        y = F.embedding(ids, table)
        (y * t[p + "g"]).sum().backward()
        out[p + "y"] = y
        out[p + "dtable"] = table.grad
        if table.numel() <= GRADCHECK_MAX_ELEMENTS:
            fresh = t[p + "table"].clone().requires_grad_(True)
            ok = torch.autograd.gradcheck(lambda w: F.embedding(ids, w), (fresh,), eps=1e-6, atol=1e-7,
                                          raise_exception=False)
            out[p + "gradcheck"] = torch.tensor([1.0 if ok else 0.0])
    return out

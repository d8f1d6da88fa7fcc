"""Shared driver for op references: runs a batch of cases, each an op applied to views
of its inputs, and returns the output and the gradient of (y * g).sum() for every input
that requires grad.

Each case (args["cases"][i]) names its inputs ({"name", "transposes", "grad"}); tensor
"c{i}.{name}" holds the input's storage and "c{i}.g" the probe weights. The view of an
input is its storage with the listed transposes applied in order, exactly as the C++
side builds it. Returned: "c{i}.y", "c{i}.d{name}" and, for small cases,
"c{i}.gradcheck" = 1 when torch.autograd.gradcheck (central finite differences in
double precision) agrees with the analytic gradients of the reference itself.
"""
import torch

GRADCHECK_MAX_ELEMENTS = 400


def view(x, transposes):
    for a, b in transposes:
        x = x.transpose(a, b)
    return x


def run_cases(t, args, fn):
    out = {}
    for i, case in enumerate(args["cases"]):
        p = f"c{i}."
        specs = case["inputs"]
        leaves = [t[p + s["name"]].clone().requires_grad_(bool(s["grad"])) for s in specs]

        def f(*xs):
            views = {s["name"]: view(x, s["transposes"]) for s, x in zip(specs, xs)}
            return fn(views, case)

        y = f(*leaves)
        if y.requires_grad:
            (y * t[p + "g"]).sum().backward()
        out[p + "y"] = y
        for s, x in zip(specs, leaves):
            if s["grad"]:
                out[p + "d" + s["name"]] = x.grad
        wanted = [x for x in leaves if x.requires_grad]
        if wanted and sum(x.numel() for x in wanted) <= GRADCHECK_MAX_ELEMENTS:
            fresh = [x.detach().clone().requires_grad_(x.requires_grad) for x in leaves]
            ok = torch.autograd.gradcheck(f, fresh, eps=1e-6, atol=1e-7, rtol=1e-6, raise_exception=False)
            out[p + "gradcheck"] = torch.tensor([1.0 if ok else 0.0])
    return out

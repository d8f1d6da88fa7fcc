"""PyTorch side of the embedding benchmark cases (names match cases_embedding.cc)."""
import torch
import torch.nn.functional as F


def _embedding(V, C):
    def setup():
        ids = torch.randint(0, V, (8, 256))
        table = (torch.randn(V, C) * 0.02).requires_grad_()
        dy = torch.randn(8, 256, C)

        def once():
            table.grad = None
            F.embedding(ids, table).backward(dy)
        return once
    return setup


CASES = {f"embedding 8x256 V={V} C={C}": _embedding(V, C) for V in (50257, 65) for C in (384, 768)}

"""PyTorch side of the cross-entropy benchmark cases (names match cases_loss.cc)."""
import torch
import torch.nn.functional as F


def _ce(V):
    def setup():
        targets = torch.randint(0, V, (2048,))
        targets[torch.rand(2048) < 0.05] = -100
        logits = (torch.randn(2048, V) * 2).requires_grad_()

        def once():
            logits.grad = None
            F.cross_entropy(logits, targets, ignore_index=-100).backward()
        return once
    return setup


CASES = {f"cross_entropy 2048 V={V}": _ce(V) for V in (50257, 65)}

"""New embedding rows as Hugging Face transformers' resize_token_embeddings adds them with
mean_resizing=True (the default since 4.46), written from
PreTrainedModel._init_added_embeddings_weights_with_mean:

    mean = old.mean(0); cov = (old - mean).T @ (old - mean) / V
    if positive_definite(eps * cov): rows ~ MultivariateNormal(mean, covariance_matrix=eps * cov)
    else:                            rows = mean

with eps = 1e-9 there (args["epsilon"] here). HF samples with torch's generator; here the
standard normals z are given, and a row is what MultivariateNormal.rsample makes of them:
loc + scale_tril @ z.
"""
import torch
from torch.distributions import constraints
from torch.distributions.multivariate_normal import MultivariateNormal


def new_rows(t, args):
    old, z = t["old"], t["z"]
    eps = args.get("epsilon", 1e-9)
    mean = torch.mean(old, axis=0)
    centered = old - mean
    covariance = centered.T @ centered / old.shape[0]
    pd = bool(constraints.positive_definite.check(eps * covariance).all())
    if pd:
        d = MultivariateNormal(mean, covariance_matrix=eps * covariance)
        rows = d.loc + z @ d.scale_tril.T
    else:
        rows = mean[None, :].repeat(z.shape[0], 1)
    return {"rows": rows, "mean": mean, "pd": torch.tensor([1.0 if pd else 0.0])}

"""The torch side of the tagger (training only; inference is :mod:`piwarden.detect.ner.infer`).

Two encoders over the same inputs (character, two hashed bigrams, gazetteer features):

- ``cnn``: stacked dilated 1-D convolutions with residual connections and layer norm; the
  receptive field of dilations (1, 2, 4, 8, 1) with kernel 3 is 33 characters;
- ``bilstm``: one bidirectional LSTM layer.

Output is a tag score per character, decoded either per character (softmax) or with a linear
CRF. Padded positions are zeroed after every layer, so a text's result does not depend on
what else is in its batch, and numpy inference can reproduce it exactly.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from piwarden.detect.ner.data import IGNORE, TAGS

NEG = -1e4


def allowed_transitions() -> torch.Tensor:
    """``(T, T)`` 0 where tag j may follow tag i in BIO, ``NEG`` where not; and the start row."""
    n = len(TAGS)
    trans = torch.zeros(n, n)
    start = torch.zeros(n)
    for j, tag in enumerate(TAGS):
        if tag.startswith("I-"):
            kind = tag[2:]
            start[j] = NEG
            for i, prev in enumerate(TAGS):
                if prev[2:] != kind:
                    trans[i, j] = NEG
    return torch.cat([trans, start[None]], 0)


class Tagger(nn.Module):
    def __init__(self, cfg: dict[str, Any], n_chars: int, buckets: int, n_feats: int) -> None:
        super().__init__()
        self.cfg = cfg
        d, n_tags = cfg["d"], len(TAGS)
        # sparse gradients: an optimizer step touches only the rows a batch used
        self.char = nn.Embedding(n_chars, cfg["dc"], padding_idx=0, sparse=True)
        self.bigram = nn.Embedding(buckets, cfg["db"], sparse=True)
        self.inp = nn.Linear(cfg["dc"] + 2 * cfg["db"] + n_feats, d)
        self.drop = nn.Dropout(cfg["dropout"])
        if cfg["arch"] == "cnn":
            k = cfg["kernel"]
            self.convs = nn.ModuleList(nn.Conv1d(d, d, k, dilation=r, padding=r * (k // 2)) for r in cfg["dilations"])
            self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in cfg["dilations"])
        else:
            self.lstm = nn.LSTM(d, d // 2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(d, n_tags)
        if cfg["crf"]:
            self.trans = nn.Parameter(torch.zeros(n_tags + 1, n_tags))  # last row: start
        self.register_buffer("allowed", allowed_transitions(), persistent=False)

    def emissions(self, chars: torch.Tensor, left: torch.Tensor, right: torch.Tensor, feats: torch.Tensor,
                  mask: torch.Tensor) -> torch.Tensor:
        m = mask.unsqueeze(-1).float()
        x = torch.cat([self.char(chars), self.bigram(left), self.bigram(right), feats], -1)
        h = F.relu(self.inp(self.drop(x))) * m
        if self.cfg["arch"] == "cnn":
            for conv, norm in zip(self.convs, self.norms, strict=True):
                y = F.relu(conv(self.drop(h).transpose(1, 2))).transpose(1, 2)
                h = norm(h + y) * m
        else:
            lengths = mask.sum(1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(self.drop(h), lengths, batch_first=True, enforce_sorted=False)
            out, _ = self.lstm(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=mask.shape[1])
            h = h * m
        return self.out(self.drop(h))

    def forward(self, chars: torch.Tensor, left: torch.Tensor, right: torch.Tensor, feats: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        return self.emissions(chars, left, right, feats, mask)

    def loss(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if not self.cfg["crf"]:
            return F.cross_entropy(emissions.reshape(-1, emissions.shape[-1]), tags.reshape(-1), ignore_index=IGNORE)
        # partial-label CRF: ignored characters may take any tag, so the gold score is itself a sum
        trans = self.trans + self.allowed
        known = (tags != IGNORE) & mask
        gold_mask = torch.where(known.unsqueeze(-1), F.one_hot(tags.clamp(min=0), len(TAGS)).bool(),
                                torch.ones_like(emissions, dtype=torch.bool))
        gold = _forward(emissions.masked_fill(~gold_mask, NEG), trans, mask)
        total = _forward(emissions, trans, mask)
        return (total - gold).sum() / mask.sum()


def _forward(emissions: torch.Tensor, trans: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Log partition function per sequence (``trans``: ``(T+1, T)``, last row the start)."""
    alpha = trans[-1] + emissions[:, 0]
    step = trans[:-1].unsqueeze(0)
    for t in range(1, emissions.shape[1]):
        nxt = torch.logsumexp(alpha.unsqueeze(2) + step, dim=1) + emissions[:, t]
        alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)
    return torch.logsumexp(alpha, dim=1)


def export(model: Tagger) -> dict[str, Any]:
    """Weights as numpy arrays in the layout :mod:`piwarden.detect.ner.infer` reads."""
    sd = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()}
    out = {"char": sd["char.weight"], "bigram": sd["bigram.weight"], "inp_w": sd["inp.weight"].T,
           "inp_b": sd["inp.bias"], "out_w": sd["out.weight"].T, "out_b": sd["out.bias"]}
    if model.cfg["arch"] == "cnn":
        for i in range(len(model.cfg["dilations"])):
            w = sd[f"convs.{i}.weight"]  # (out, in, k) -> (k * in, out): shifted copies side by side
            out[f"conv{i}_w"] = w.transpose(2, 1, 0).reshape(-1, w.shape[0])
            out[f"conv{i}_b"] = sd[f"convs.{i}.bias"]
            out[f"norm{i}_g"], out[f"norm{i}_b"] = sd[f"norms.{i}.weight"], sd[f"norms.{i}.bias"]
    else:
        for suffix, key in (("", "f"), ("_reverse", "r")):
            out[f"lstm_{key}_wi"] = sd[f"lstm.weight_ih_l0{suffix}"].T
            out[f"lstm_{key}_wh"] = sd[f"lstm.weight_hh_l0{suffix}"].T
            out[f"lstm_{key}_b"] = sd[f"lstm.bias_ih_l0{suffix}"] + sd[f"lstm.bias_hh_l0{suffix}"]
    if model.cfg["crf"]:
        out["trans"] = sd["trans"]
    return out

"""Featurizer: normalization, hashing, gazetteer marks; long texts cut into windows exactly."""

from __future__ import annotations

import numpy as np

from piwarden.detect.ner.features import FEATURES, UNK, Featurizer, codepoints


def _feat() -> Featurizer:
    return Featurizer("0张三路号", 997, "张李", ["欧阳"], ["浙江省", "杭州市", "杭州", "西湖区"])


def test_codepoints_fold_width_and_digits() -> None:
    assert codepoints("Ａ１9　") .tolist() == [ord("A"), ord("0"), ord("0"), ord(" ")]


def test_ids_and_gazetteer_marks() -> None:
    enc = _feat().encode("欧阳张三住杭州市12号")
    assert enc.chars[2] != UNK and enc.chars[0] == UNK and enc.chars[-3] == enc.chars[-2]  # digits fold to 0
    col = {name: enc.feats[:, i] for i, name in enumerate(FEATURES)}
    assert col["surname2_b"][0] == 1 and col["surname2_i"][1] == 1 and col["surname"][2] == 1
    assert col["place_b"][5] == 1 and col["place_i"][6] == 1 and col["place_e"][7] == 1  # longest: 杭州市
    assert col["digit"][8] == 1 and col["cjk"][0] == 1
    assert enc.left.max() < 997 and enc.right.min() >= 0


def test_batch_pads_and_masks() -> None:
    f = _feat()
    chars, _left, _right, feats, mask = f.batch([f.encode("张三"), f.encode(""), f.encode("杭州市西湖区")])
    assert chars.shape == (3, 6) and feats.shape == (3, 6, len(FEATURES))
    assert mask.sum(1).tolist() == [2, 0, 6]
    assert not chars[0, 2:].any()


def test_arrays_round_trip() -> None:
    f = _feat()
    g = Featurizer.from_arrays(f.to_arrays())
    a, b = f.encode("欧阳张三住杭州市"), g.encode("欧阳张三住杭州市")
    assert np.array_equal(a.chars, b.chars) and np.array_equal(a.feats, b.feats)

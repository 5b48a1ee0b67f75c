"""Lexicon features: vectorized hashing marks exactly the words a brute-force scan finds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect.ner.features import FEATURES, Featurizer
from piwarden.detect.ner.lexicon import CLASSES, MAX_LEN, Lexicon
from piwarden.detect.ner.lexicon import FEATURES as LEX

WORDS = {"per": ["伯南克", "张三", "欧阳修"], "loc": ["杭州", "杭州市", "西湖区", "北京"],
         "org": ["阿里巴巴集团"], "nz": ["微博"], "word": ["集团", "表示", "杭州", "主席团成员名单公告"]}


def _brute(lex: Lexicon, text: str) -> np.ndarray:
    ref = np.zeros((len(text), len(LEX)), dtype=np.float32)
    for ci, c in enumerate(CLASSES):
        words = set(lex.words[c])
        for i in range(len(text)):
            for k in range(2, MAX_LEN + 1):
                if i + k <= len(text) and text[i:i + k] in words:
                    ref[i, 3 * ci], ref[i + k - 1, 3 * ci + 2] = 1, 1
                    ref[i + 1:i + k - 1, 3 * ci + 1] = 1
    return ref


def _marks(lex: Lexicon, text: str) -> np.ndarray:
    out = np.zeros((len(text), len(LEX)), dtype=np.float32)
    lex.mark(text, out)
    return out


def test_marks_every_class_and_overlapping_words() -> None:
    lex = Lexicon(WORDS)
    text = "伯南克在杭州市表示阿里巴巴集团"
    got = {name: _marks(lex, text)[:, i] for i, name in enumerate(LEX)}
    assert got["lex_per_b"][0] == got["lex_per_i"][1] == got["lex_per_e"][2] == 1
    assert got["lex_loc_b"][4] == 1 and got["lex_loc_e"][5] == 1 and got["lex_loc_e"][6] == 1  # 杭州 and 杭州市
    assert got["lex_word_b"][4] == 1  # 杭州 is in two classes
    assert got["lex_org_b"][9] == 1 and got["lex_org_i"][10:14].all() and got["lex_org_e"][14] == 1
    assert got["lex_word_b"][13] == 1  # 集团 inside the organisation's name: every match, not one segmentation


def test_words_longer_than_max_len_are_not_stored_but_do_not_break() -> None:
    lex = Lexicon({"word": ["一二三四五六七八九"], "per": ["张三"]})
    assert not _marks(lex, "一二三四五六七八九").any()
    assert _marks(lex, "张三").sum() == 2  # begin and end; no inside for two characters


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="伯南克张三欧阳修杭州市西湖区北京阿里巴巴集团微博表示主席成员名单公告在a1 ，😀", max_size=40))
def test_vectorized_equals_brute_force(text: str) -> None:
    lex = Lexicon(WORDS)
    assert np.array_equal(_marks(lex, text), _brute(lex, text))


def test_featurizer_round_trip_keeps_the_lexicon() -> None:
    f = Featurizer("张三", 97, "张", [], [], Lexicon(WORDS))
    g = Featurizer.from_arrays(f.to_arrays())
    a, b = f.encode("伯南克在杭州市"), g.encode("伯南克在杭州市")
    assert a.feats.shape == (7, len(FEATURES) + len(LEX))
    assert np.array_equal(a.feats, b.feats)
    assert Featurizer.from_arrays(Featurizer("张三", 97, "张", [], []).to_arrays()).lexicon is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="伯南克张三杭州市西湖区阿里巴巴集团表示在a ，", max_size=15), max_size=6))
def test_encode_many_equals_one_text_at_a_time(texts: list[str]) -> None:
    f = Featurizer("张三", 97, "张", [], ["杭州市"], Lexicon(WORDS))
    many = f.encode_many(texts)
    for text, enc in zip(texts, many, strict=True):
        marks = _marks(f.lexicon, text)
        assert np.array_equal(enc.feats[:, len(FEATURES):], marks)
        assert np.array_equal(enc.feats[:, :len(FEATURES)], f._encode_one(text).feats[:, :len(FEATURES)])

"""Tokenizer building: the real Qwen2.5 vocabulary and the tiny fixture tokenizer."""

import json

import pytest

from conftest import CORPUS
from ensemble_export.tokenizer import (
    FIM_TOKENS, MASK_TOKEN, ensure_mask_token, tiny_tokenizer, tokenizer_from_bpe_dir, tokenizer_json,
)

QWEN_STOP_IDS = [151643, 151645, 151659, 151660, 151661, 151662, 151663, 151664]


@pytest.fixture(scope="module")
def qwen(qwen_tokenizer_dir):
    return tokenizer_from_bpe_dir(qwen_tokenizer_dir)


def test_hello_world(qwen):
    assert qwen.encode("Hello world").ids == [9707, 1879]
    assert qwen.encode(" Hello world").ids == [21927, 1879]


def test_special_and_fim_tokens(qwen):
    assert qwen.token_to_id("<|endoftext|>") == 151643
    assert qwen.token_to_id("<|im_end|>") == 151645
    assert [qwen.token_to_id(t) for t in FIM_TOKENS.values()] == list(range(151659, 151665))
    assert qwen.get_vocab_size(with_added_tokens=True) == 151665
    added = qwen.get_added_tokens_decoder()
    assert added[151643].special and added[151645].special
    for i in range(151659, 151665):
        assert not added[i].special, f"{added[i].content} must not be special"
    ids = qwen.encode("<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|><|endoftext|>").ids
    assert ids[0] == 151659 and ids[-1] == 151643
    # skip_special_tokens drops eos but keeps FIM tokens (hence the stop ids)
    assert qwen.decode(ids, skip_special_tokens=True) == "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>"


def test_mask_token_added_for_diffusion(qwen_tokenizer_dir):
    tok = tokenizer_from_bpe_dir(qwen_tokenizer_dir)
    assert tok.token_to_id(MASK_TOKEN) is None
    assert ensure_mask_token(tok) == 151665
    assert ensure_mask_token(tok) == 151665  # idempotent
    assert tok.get_added_tokens_decoder()[151665].special
    assert tok.encode("x<M>y").ids[1] == 151665


def test_tiny_tokenizer_is_deterministic_and_roundtrips():
    text = CORPUS.read_text()
    a, b = tiny_tokenizer(text, 224), tiny_tokenizer(text, 224)
    assert tokenizer_json(a) == tokenizer_json(b)
    assert a.get_vocab_size(with_added_tokens=True) == 256 + 224 + 9
    assert a.token_to_id("<|endoftext|>") == 480
    for s in ["def f(x):\n    return x * 2\n", "ünïcode 😀 \t\r\n", "<|fim_prefix|>x<|fim_middle|>"]:
        assert a.decode(a.encode(s).ids, skip_special_tokens=False) == s
    added = a.get_added_tokens_decoder()
    assert [added[i].special for i in range(480, 489)] == [True, True, True] + [False] * 6
    json.loads(tokenizer_json(a))

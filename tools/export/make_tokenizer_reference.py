"""Writes libs/tokenizer/testdata/qwen2.5-reference.json: encode/decode and prefix_only-window expectations
for the real Qwen2.5 tokenizer.

The expectations come from Hugging Face's own stack (transformers' Qwen2TokenizerFast over the Rust `tokenizers`),
not from the TypeScript code they test. Only the cases are committed; the vocabulary stays in the shared data dir.

    .venv/bin/python tools/export/make_tokenizer_reference.py [DATA_DIR]   # default ../shared/data
"""

import json
import subprocess
import sys
from pathlib import Path

import tokenizers
import transformers
from tokenizers import AddedToken
from transformers import Qwen2TokenizerFast

REPO = Path(__file__).resolve().parents[2]
DATA = Path(sys.argv[1] if len(sys.argv) > 1 else REPO.parent / "shared" / "data") / "qwen2.5-tokenizer"
OUT = REPO / "libs" / "tokenizer" / "testdata" / "qwen2.5-reference.json"

TEXTS = [
    "Hello world",
    " Hello world",
    "def add(a, b):\n    return a + b\n",
    "IT'S what WE'LL do, isn't it? They'RE here.",
    "x = [1, 22, 333, 4444] # 12345\n",
    "\t\tif (x) {\r\n\t\t\treturn;\r\n\t\t}\n\n\n",
    "café ünïcode naïve résumé",
    "cafe\u0301 (NFD input becomes NFC)",
    "accents: Ứng dụng tiếng Việt, ǅemal ẞ Ǿ ő ű",
    "你好，世界！こんにちは 안녕하세요",
    "rare CJK 龘靐齉 鬱 𠀀𠀁 and Hangul 똠",
    "emoji 😀👍🏽 and 👨‍👩‍👧 family, flags 🇩🇪",
    "a , b . c ? d ! e 's n't",
    "   leading and trailing spaces   ",
    "<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>",
    "x<|endoftext|>y<|im_start|>z<|im_end|><|fim_pad|><|repo_name|><|file_sep|>",
    "literal <M> is not a Qwen token",
    "ΑΒΓ αβγ Ωμέγα — “quotes” ‘single’ …",
]

# (prefix, completion, suffix) for the seed's prefix_only window (REFERENCE.md §3).
PREFIX_ONLY = [
    ("def add(a, b):\n", "    return a + b\n", "\nprint(add(1, 2))\n"),
    ("    retu", "rn x", ""),
    ("x = foo", "bar(1)", "\n"),
]


def prefix_only_span(enc, prefix: str, completion: str, suffix: str) -> dict:
    """The seed's rule, written out here independently of the TypeScript port."""
    tokens = enc(prefix + completion + suffix)
    start = len(enc(prefix)) - 1
    end = start + len(enc(completion))
    return {"tokens": tokens, "start": start, "end": end}


def main() -> None:
    tok = Qwen2TokenizerFast(
        vocab=str(DATA / "vocab.json"), merges=str(DATA / "merges.txt"), clean_up_tokenization_spaces=False
    )
    listing = json.loads((DATA / "added_tokens_decoder.qwen2.5.json").read_text())
    backend = tok.backend_tokenizer
    for i, t in sorted(listing.items(), key=lambda kv: int(kv[0])):
        if backend.token_to_id(t["content"]) is None:
            backend.add_tokens([AddedToken(t["content"], special=t["special"], normalized=False)])
        assert backend.token_to_id(t["content"]) == int(i), (t, backend.token_to_id(t["content"]))
    cases = []
    for text in TEXTS:
        ids = backend.encode(text, add_special_tokens=False).ids
        cases.append(
            {
                "text": text,
                "ids": ids,
                "decoded_skip_special": backend.decode(ids, skip_special_tokens=True),
                "decoded_keep_special": backend.decode(ids, skip_special_tokens=False),
            }
        )
    enc = lambda text: backend.encode(text, add_special_tokens=False).ids  # noqa: E731
    spans = []
    for prefix, completion, suffix in PREFIX_ONLY:
        span = prefix_only_span(enc, prefix, completion, suffix)
        scored = span["tokens"][span["start"] + 1 : span["end"] + 1]
        spans.append({"prefix": prefix, "completion": completion, "suffix": suffix, **span,
                      "completion_ids": enc(completion), "scored_ids": scored})
    out = {
        "source": "transformers.Qwen2TokenizerFast(vocab.json, merges.txt) + added_tokens_decoder.qwen2.5.json",
        "versions": {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__},
        "vocab_size_with_added": backend.get_vocab_size(with_added_tokens=True),
        "cases": cases,
        "prefix_only_cases": spans,
    }
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # The repository's prettier check covers this file; format it the way prettier would.
    subprocess.run(["npx", "prettier", "--write", str(OUT)], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()

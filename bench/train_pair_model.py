"""Train the event pair model (graphapp/data/event_pair_model.json) from the labelled events.

    python bench/train_pair_model.py           # train on every labelled set, write the shipped weights
    python bench/train_pair_model.py --check   # train again and compare with the shipped file (exit 1 if not equal)

Training pairs: the candidate pairs (graphapp.events.pair_candidates, default window) with at least one story
labelled in a set: 1 when both are in one event, 0 otherwise. A labelled event lists every story of the corpus
that reports it (tests/data/events/README.md), so a labelled story paired with an unlabelled one is a negative;
this keeps the many look-alike pairs that the grouping meets at run time in the training data, so the
probability is calibrated on them too. Pairs of two unlabelled stories are left out. Logistic regression (scikit-learn, L2, C=1, no class weights so the probability
stays calibrated) on the features of graphapp.event_pairs.FEATURES. The threshold is then chosen by grouping:
the value in THRESHOLDS with the best mean B-cubed F1 over the training sets. Deterministic: same labels, same
corpora, same file.

Sets (also used by bench/events_eval.py for the leave-one-set-out table):
    azure-tune       tests/data/events/azure-events.yaml (all 50 tuning-era events)
    azure-check      tests/data/events/azure-2021-events.yaml
    powerapps-check  tests/data/events/powerapps-events.yaml
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from graphapp.event_pairs import FEATURES, PairModel  # noqa: E402
from graphapp.events import group_pairs, pair_candidates  # noqa: E402

EVENTS_DIR = ROOT / "tests" / "data" / "events"
MODEL = ROOT / "graphapp" / "data" / "event_pair_model.json"
TRAIN_SETS = {"azure-tune": ("azure-news", "azure-events.yaml"),
              "azure-check": ("azure-news", "azure-2021-events.yaml"),
              "powerapps-check": ("powerapps-news", "powerapps-events.yaml")}
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.1, 0.81, 0.05))
C = 1.0


def load_graphs() -> dict:
    from _util import corpus

    from graphapp.pipeline import open_paths

    return {name: open_paths([corpus(name)]).graph for name in ("azure-news", "powerapps-news")}


def prepare(graphs: dict) -> dict:
    """Per corpus: its candidate pairs with features (computed once, the same as at run time)."""
    return {name: pair_candidates(graph) for name, graph in graphs.items()}


def pair_labels(found, gold: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Indexes (into found's pairs) of the pairs with a labelled story, and 1/0 same event."""
    ids = np.array([gold.get(key, "") for key in found.keys], dtype=object)
    picked = np.flatnonzero((ids[found.rows] != "") | (ids[found.cols] != ""))
    return picked, ((ids[found.rows[picked]] == ids[found.cols[picked]]) & (ids[found.rows[picked]] != "")).astype(int)


def gold_of(set_name: str, keep=lambda event: True) -> dict[str, str]:
    from events_eval import labelled

    return labelled(EVENTS_DIR / TRAIN_SETS[set_name][1], keep)


def fit(found: dict, sets: list[str]) -> tuple[np.ndarray, float, int]:
    """Logistic regression on the labelled pairs of `sets`: weights, intercept, number of pairs."""
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for name in sets:
        corpus_name, _ = TRAIN_SETS[name]
        picked, y = pair_labels(found[corpus_name], gold_of(name))
        xs.append(found[corpus_name].x[picked])
        ys.append(y)
    x, y = np.concatenate(xs), np.concatenate(ys)
    model = LogisticRegression(C=C, max_iter=5000, solver="lbfgs").fit(x, y)
    return np.round(model.coef_[0], 4), round(float(model.intercept_[0]), 4), len(y)


def assignment(found, probability: np.ndarray, threshold: float) -> dict[str, str]:
    groups = group_pairs(len(found.keys), found.rows, found.cols, probability, threshold)
    return {found.keys[i]: f"g{g}" for g, group in enumerate(groups) for i in group}


def choose_threshold(found: dict, model: PairModel, sets: list[str], golds: dict | None = None) -> tuple[float, dict]:
    """The threshold of THRESHOLDS with the best mean B-cubed F1 over `sets`, and the F1 per threshold."""
    from events_eval import scores

    golds = golds or {name: gold_of(name) for name in sets}
    probability = {c: model.probability(f.x) for c, f in found.items()}
    table = {}
    for t in THRESHOLDS:
        groups = {c: assignment(f, probability[c], t) for c, f in found.items()
                  if any(TRAIN_SETS[n][0] == c for n in sets)}
        table[t] = float(np.mean([scores(groups[TRAIN_SETS[n][0]], golds[n])["b3_f1"] for n in sets]))
    best = max(THRESHOLDS, key=lambda t: (round(table[t], 4), -abs(t - 0.5)))
    return best, table


def train(found: dict, sets: list[str]) -> tuple[PairModel, int]:
    weights, intercept, pairs = fit(found, sets)
    model = PairModel(FEATURES, weights, intercept, 0.5, tuple(sets))
    threshold, _ = choose_threshold(found, model, sets)
    return model._replace(threshold=threshold), pairs


def as_json(model: PairModel, pairs: int) -> str:
    data = {"features": list(model.features),
            "weights": {name: round(float(w), 4) for name, w in zip(model.features, model.weights)},
            "intercept": round(model.intercept, 4), "threshold": model.threshold,
            "trained_on": list(model.trained_on), "training_pairs": pairs, "C": C,
            "made_by": "python bench/train_pair_model.py"}
    return json.dumps(data, indent=1) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args()
    found = prepare(load_graphs())
    model, pairs = train(found, list(TRAIN_SETS))
    text = as_json(model, pairs)
    if args.check:
        same = MODEL.read_text() == text
        print("shipped model is up to date" if same else "shipped model differs from a fresh training:\n" + text)
        sys.exit(0 if same else 1)
    MODEL.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

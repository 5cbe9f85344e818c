"""Event clustering quality against the hand-labelled events (tests/data/events/), and speed.

    python bench/events_eval.py            # all of the below: settings on azure-events.yaml, then the splits
    python bench/events_eval.py --splits   # only the per-split table and the leave-one-set-out table
    python bench/events_eval.py --errors   # the defaults' errors on the checking sets, event by event
    python bench/events_eval.py --corpus DIR --labels DIR/labels.yaml   # another labelled folder (no splits)
    python bench/events_eval.py --subsets  # robustness: random quarters and halves of azure-news, one month

Prints pairwise precision/recall/F1 and B-cubed precision/recall/F1 over the labelled stories only, the
number of events with 3+ outlets and the share of stories in multi-outlet events for both corpora, and
the time event clustering takes on azure-news once the corpus is loaded.

Splits (see tests/data/events/README.md). The defaults were tuned on azure-events.yaml, so only the
checking sets say how the method does on events nobody tuned for:
    azure-tune       azure-events.yaml, events dated before 2021-01-01 (tuned on)
    azure-check      azure-2021-events.yaml (new 2021 events, labelled blind to the clusterer)
    powerapps-check  powerapps-events.yaml (another feed family, no related lists)
For each split: defaults and the baseline, pairwise and B-cubed P/R/F1, and the share of hard negatives
(same-subject stories of another event) put in a predicted cluster with a member of the event; a 95%
interval of B-cubed F1 over the labelled events (bootstrap), for both and for their difference. Then a
leave-one-set-out table: the pair model (weights and threshold, bench/train_pair_model.py) trained without
the held-out set, scored on it, beside the shipped model trained on all sets; the reliability of the
held-out probabilities; the shipped weights. The defaults are the shipped model, trained on all three sets:
their per-set rows are in-set figures, the leave-one-set-out rows are the honest ones.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import combinations
from pathlib import Path

import yaml
from _util import corpus

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphapp.events import EventSettings, event_clusters  # noqa: E402
from graphapp.pipeline import open_paths  # noqa: E402
from graphapp.urls import canonical_url  # noqa: E402

EVENTS_DIR = ROOT / "tests" / "data" / "events"
TUNE_BEFORE = "2021-01-01"  # azure-events.yaml events dated before this are the tuning split
# split name -> (corpus, labels file, which events of it)
SPLITS = {
    "azure-tune": ("azure-news", "azure-events.yaml", lambda e: str(e["date"]) < TUNE_BEFORE),
    "azure-check": ("azure-news", "azure-2021-events.yaml", lambda e: True),
    "powerapps-check": ("powerapps-news", "powerapps-events.yaml", lambda e: True),
}


def labelled(path: Path, keep=lambda event: True) -> dict[str, str]:
    """Canonical story URL → labelled event id."""
    gold = {}
    for event in yaml.safe_load(path.read_text()):
        if keep(event):
            for url in event["stories"]:
                gold[canonical_url(url)] = event["id"]
    return gold


def hard_negatives(path: Path, keep=lambda event: True) -> list[tuple[str, str]]:
    """(event id, canonical URL of a same-subject story that belongs to another event)."""
    return [(event["id"], canonical_url(url)) for event in yaml.safe_load(path.read_text()) if keep(event)
            for url in event.get("hard_negatives") or []]


def negatives_merged(predicted: dict[str, str], gold: dict[str, str], negatives: list[tuple[str, str]]) -> float | None:
    """Share of hard negatives put in one predicted cluster with at least one member of their event."""
    members: dict[str, set[str]] = {}
    for story, event in gold.items():
        members.setdefault(event, set()).add(story)
    checked = merged = 0
    for event, story in negatives:
        if story in members.get(event, ()):
            continue
        checked += 1
        cluster = predicted.get(story)
        merged += cluster is not None and any(predicted.get(m) == cluster for m in members.get(event, ()))
    return round(merged / checked, 3) if checked else None


def scores(predicted: dict[str, str], gold: dict[str, str]) -> dict:
    """Pairwise and B-cubed precision/recall/F1 over the stories present in `gold`."""
    items = [s for s in gold]
    pred = {s: predicted.get(s, f"single:{s}") for s in items}
    same_gold = {(a, b) for a, b in combinations(items, 2) if gold[a] == gold[b]}
    same_pred = {(a, b) for a, b in combinations(items, 2) if pred[a] == pred[b]}
    tp = len(same_gold & same_pred)
    pp = tp / len(same_pred) if same_pred else 1.0
    pr = tp / len(same_gold) if same_gold else 1.0
    by_gold, by_pred = {}, {}
    for s in items:
        by_gold.setdefault(gold[s], set()).add(s)
        by_pred.setdefault(pred[s], set()).add(s)
    bp = sum(len(by_gold[gold[s]] & by_pred[pred[s]]) / len(by_pred[pred[s]]) for s in items) / len(items)
    br = sum(len(by_gold[gold[s]] & by_pred[pred[s]]) / len(by_gold[gold[s]]) for s in items) / len(items)
    f = lambda p, r: 2 * p * r / (p + r) if p + r else 0.0  # noqa: E731
    return {"pair_p": round(pp, 3), "pair_r": round(pr, 3), "pair_f1": round(f(pp, pr), 3),
            "b3_p": round(bp, 3), "b3_r": round(br, 3), "b3_f1": round(f(bp, br), 3)}


def baseline(graph, threshold=0.2, window=72.0) -> dict[str, str]:
    """TF-IDF cosine of title+excerpt >= 0.2 within 72 hours, then connected components."""
    from datetime import datetime

    import networkx as nx
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    keys = [n for n, d in graph.nodes(data=True) if d.get("kind") == "story" and d.get("title")]
    docs = [f"{graph.nodes[k]['title']} {graph.nodes[k].get('excerpt', '')}" for k in keys]
    hours = np.array([datetime.fromisoformat(graph.nodes[k]["published"].replace("Z", "+00:00")).timestamp() / 3600
                      if graph.nodes[k].get("published") else np.nan for k in keys])
    x = TfidfVectorizer(stop_words="english").fit_transform(docs)
    s = (x @ x.T).tocoo()
    g = nx.Graph()
    g.add_nodes_from(range(len(keys)))
    for i, j, v in zip(s.row, s.col, s.data):
        if i < j and v >= threshold and not abs(hours[i] - hours[j]) > window:
            g.add_edge(i, j)
    return {keys[i]: f"b{n}" for n, comp in enumerate(nx.connected_components(g)) for i in comp}


def as_assignment(events) -> dict[str, str]:
    return {story: f"e{e['id']}" for e in events for story in e["stories"]}


def coverage(events, graph) -> dict:
    stories = sum(1 for _, k in graph.nodes(data="kind") if k == "story")
    multi = [e for e in events if e["independent_outlets"] >= 2]
    return {"events_3plus_outlets": sum(1 for e in events if e["independent_outlets"] >= 3),
            "share_in_multi_outlet_event": round(sum(e["size"] for e in multi) / stories, 3) if stories else 0.0}


def subsets(gold: dict[str, str]) -> None:
    """Defaults against the baseline on parts of azure-news (fewer files: other TF-IDF weights, fewer related
    links), scored on the labelled stories each part contains."""
    import random
    import tempfile

    files = sorted(corpus("azure-news").glob("*.md"))
    rng = random.Random(1)
    parts = {f"random quarter #{k}": rng.sample(files, len(files) // 4) for k in (1, 2)}
    parts |= {f"random half #{k}": rng.sample(files, len(files) // 2) for k in (1, 2)}
    parts["files of 2020-05"] = [f for f in files if f.name.startswith("2020-05")]
    for name, chosen in parts.items():
        with tempfile.TemporaryDirectory() as folder:
            for f in chosen:
                (Path(folder) / f.name).symlink_to(f)
            graph = open_paths([Path(folder)], cache_dir=False).graph
        inside = {s: e for s, e in gold.items() if s in graph}
        ours, theirs = scores(as_assignment(event_clusters(graph)), inside), scores(baseline(graph), inside)
        print(f"{name:18} files {len(chosen):5} labelled stories {len(inside):3}  "
              f"B3 F1 defaults {ours['b3_f1']:.3f}  baseline {theirs['b3_f1']:.3f}")


def b3_f1(pairs: list[tuple[str, str]]) -> float:
    """B-cubed F1 of (gold id, predicted id) items, counted with Counters (fast enough to resample)."""
    from collections import Counter

    both, by_gold, by_pred = Counter(pairs), Counter(g for g, _ in pairs), Counter(p for _, p in pairs)
    precision = sum(n * n / by_pred[p] for (g, p), n in both.items()) / len(pairs)
    recall = sum(n * n / by_gold[g] for (g, p), n in both.items()) / len(pairs)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def bootstrap(predictions: dict[str, dict[str, str]], gold: dict[str, str], rounds: int = 1000, seed: int = 1) -> dict:
    """95% intervals of each method's B-cubed F1, and of the first minus the second, resampling labelled events
    with replacement. The n-th copy of a drawn event meets only the n-th copies of the others, so a false merge
    between two events counts when both are drawn and an event is never merged with its own copy."""
    import random

    rng = random.Random(seed)
    members: dict[str, list[str]] = {}
    for story, event in gold.items():
        members.setdefault(event, []).append(story)
    events = sorted(members)
    names = list(predictions)
    draws = {name: [] for name in names + ["difference"]}
    for _ in range(rounds):
        chosen, copies = [], {}
        for event in (rng.choice(events) for _ in events):
            copies[event] = copies.get(event, -1) + 1
            chosen.append((copies[event], event))
        values = []
        for name in names:
            pred = predictions[name]
            pairs = [(f"{k}:{e}", f"{k}:{pred.get(s, 'alone:' + s)}") for k, e in chosen for s in members[e]]
            values.append(b3_f1(pairs))
            draws[name].append(values[-1])
        draws["difference"].append(values[0] - values[1])
    interval = lambda v: (sorted(v)[int(0.025 * len(v))], sorted(v)[int(0.975 * len(v)) - 1])  # noqa: E731
    return {name: interval(v) for name, v in draws.items()}


def splits(graphs: dict) -> None:
    """Per-split table (defaults vs baseline) and the leave-one-set-out table."""
    sets = {}
    for name, (corpus_name, file, keep) in SPLITS.items():
        path = EVENTS_DIR / file
        gold = labelled(path, keep)
        sets[name] = (corpus_name, gold, hard_negatives(path, keep))
        graph = graphs[corpus_name]
        print(f"{name}: {file}, {len(set(gold.values()))} events, {len(gold)} stories "
              f"({sum(1 for s in gold if s in graph)} in the graph), {len(sets[name][2])} hard negatives")

    def row(label, name, predicted):
        _, gold, negatives = sets[name]
        sc = scores(predicted, gold)
        merged = negatives_merged(predicted, gold, negatives)
        print(f"| {name} | {label} | {sc['pair_p']:.3f} | {sc['pair_r']:.3f} | {sc['pair_f1']:.3f} | "
              f"{sc['b3_p']:.3f} | {sc['b3_r']:.3f} | {sc['b3_f1']:.3f} | {'–' if merged is None else f'{merged:.3f}'} |")

    base = {c: baseline(g) for c, g in graphs.items()}
    defaults = {c: as_assignment(event_clusters(g)) for c, g in graphs.items()}
    print("\n| set | method | pair P | pair R | pair F1 | B³ P | B³ R | B³ F1 | hard neg. merged |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (corpus_name, _, _) in sets.items():
        row("defaults", name, defaults[corpus_name])
        row("baseline", name, base[corpus_name])

    print("\nB³ F1, 95% interval over labelled events (1000 resamples of the events):")
    print("\n| set | defaults | baseline | defaults − baseline |")
    print("|---|---|---|---|")
    for name, (corpus_name, gold, _) in sets.items():
        ci = bootstrap({"defaults": defaults[corpus_name], "baseline": base[corpus_name]}, gold)
        print(f"| {name} | " + " | ".join(f"{lo:+.3f} … {hi:+.3f}" if key == "difference" else f"{lo:.3f} … {hi:.3f}"
                                         for key, (lo, hi) in ci.items()) + " |")

    loso(graphs, sets)


def loso(graphs: dict, sets: dict) -> None:
    """Leave-one-set-out: the pair model trained (weights and threshold) without set X, scored on X, beside the
    shipped model (trained on all sets); a reliability table of the held-out probabilities; the shipped weights."""
    import numpy as np
    import train_pair_model as trainer

    from graphapp.event_pairs import load_model

    start = time.perf_counter()
    found = trainer.prepare(graphs)
    shipped = load_model()
    print(f"\nleave-one-set-out ({time.perf_counter() - start:.0f} s for the pair features of both corpora)")
    print("\n| held-out set | threshold chosen without it | held-out B³ P | B³ R | B³ F1 | in-set B³ F1 (shipped model) | "
          "held-out − in-set |")
    print("|---|---|---|---|---|---|---|")
    bins = np.linspace(0, 1, 11)
    predicted, observed = [], []
    for held in trainer.TRAIN_SETS:
        corpus_name = trainer.TRAIN_SETS[held][0]
        model, _ = trainer.train(found, [n for n in trainer.TRAIN_SETS if n != held])
        _, gold, _ = sets[held]
        out = scores(trainer.assignment(found[corpus_name], model.probability(found[corpus_name].x), model.threshold), gold)
        own = scores(trainer.assignment(found[corpus_name], shipped.probability(found[corpus_name].x), shipped.threshold),
                     gold)
        print(f"| {held} | {model.threshold:g} | {out['b3_p']:.3f} | {out['b3_r']:.3f} | {out['b3_f1']:.3f} | "
              f"{own['b3_f1']:.3f} | {out['b3_f1'] - own['b3_f1']:+.3f} |")
        picked, y = trainer.pair_labels(found[corpus_name], trainer.gold_of(held))
        predicted.append(model.probability(found[corpus_name].x[picked]))
        observed.append(y)
    p, y = np.concatenate(predicted), np.concatenate(observed)
    print("\nreliability of the held-out probabilities (each set scored by the model trained without it; pairs with a "
          "labelled story):\n\n| predicted | pairs | mean predicted | observed same-event rate |\n|---|---|---|---|")
    for lo, hi in zip(bins[:-1], bins[1:]):
        inside = (p >= lo) & ((p < hi) | (hi == 1))
        if inside.any():
            print(f"| {lo:.1f}–{hi:.1f} | {int(inside.sum())} | {p[inside].mean():.3f} | {y[inside].mean():.3f} |")
    print(f"\nshipped weights (intercept {shipped.intercept:+.3f}, threshold {shipped.threshold:g}, trained on "
          f"{', '.join(shipped.trained_on)}):\n\n| feature | weight |\n|---|---|")
    for name, weight in zip(shipped.features, shipped.weights):
        print(f"| {name} | {weight:+.3f} |")


def errors(graphs: dict) -> None:
    """The defaults' mistakes on the checking sets: labelled events split over clusters, and clusters that join an
    event's members with another labelled event's stories or with its hard negatives."""
    for name in ("azure-check", "powerapps-check"):
        corpus_name, file, keep = SPLITS[name]
        graph = graphs[corpus_name]
        predicted = as_assignment(event_clusters(graph))
        gold = labelled(EVENTS_DIR / file, keep)
        title = lambda s, graph=graph: f"{(graph.nodes[s].get('published') or '')[:10]} {graph.nodes[s].get('title', '')[:80]}"  # noqa: E731
        print(f"\n== {name} ({file}): the defaults' errors")
        for event in yaml.safe_load((EVENTS_DIR / file).read_text()):
            members = [canonical_url(u) for u in event["stories"]]
            parts: dict[str, list[str]] = {}
            for m in members:
                parts.setdefault(predicted.get(m, f"alone:{m}"), []).append(m)
            clusters = {c for c in parts if not c.startswith("alone:")}
            wrong = sorted({s for s, c in predicted.items() if c in clusters and s in gold and gold[s] != event["id"]})
            negatives = sorted({canonical_url(u) for u in event.get("hard_negatives") or []
                                if predicted.get(canonical_url(u)) in clusters} - set(wrong))
            if len(parts) == 1 and not wrong and not negatives:
                continue
            print(f"-- {event['id']}: {len(members)} stories in {len(parts)} predicted group(s)")
            if len(parts) > 1:
                for number, (_cluster, stories) in enumerate(sorted(parts.items(), key=lambda kv: -len(kv[1])), 1):
                    for s in stories:
                        print(f"     part {number}: {title(s)}")
            for s in wrong:
                print(f"     joined with {gold[s]}: {title(s)}")
            for s in negatives:
                print(f"     joined with hard negative: {title(s)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", default=str(EVENTS_DIR / "azure-events.yaml"))
    parser.add_argument("--corpus", help="folder of articles the labels refer to (default: azure-news)")
    parser.add_argument("--subsets", action="store_true", help="score defaults and baseline on subsets of azure-news")
    parser.add_argument("--splits", action="store_true", help="only the per-split and leave-one-set-out tables")
    parser.add_argument("--errors", action="store_true", help="list the defaults' errors on the checking sets")
    args = parser.parse_args()
    gold = labelled(Path(args.labels))
    if args.subsets:
        subsets(gold)
        return
    if args.splits or args.errors:
        graphs = {name: open_paths([corpus(name)]).graph for name in ("azure-news", "powerapps-news")}
        (errors if args.errors else splits)(graphs)
        return
    graph = open_paths([Path(args.corpus) if args.corpus else corpus("azure-news")]).graph
    print(f"labelled: {len(set(gold.values()))} events, {len(gold)} stories; "
          f"{sum(1 for s in gold if s in graph)} of them in the graph")
    print("baseline (cosine >= 0.2 within 72 h, components):", json.dumps(scores(baseline(graph), gold)))
    settings = {
        "defaults": EventSettings(),
        "min_probability 0.2": EventSettings(min_probability=0.2),
        "min_probability 0.5": EventSettings(min_probability=0.5),
        "window 72 h": EventSettings(window_hours=72),
    }
    for name, chosen in settings.items():
        start = time.perf_counter()
        events = event_clusters(graph, chosen)
        elapsed = time.perf_counter() - start
        print(f"{name:22} {json.dumps(scores(as_assignment(events), gold))} time {elapsed:.2f} s "
              f"{json.dumps(coverage(events, graph))}")
    if args.corpus:
        return
    power = open_paths([corpus("powerapps-news")]).graph
    start = time.perf_counter()
    power_events = event_clusters(power)
    print(f"powerapps-news defaults: {json.dumps(coverage(power_events, power))} time {time.perf_counter() - start:.2f} s")
    if Path(args.labels).resolve() == (EVENTS_DIR / "azure-events.yaml").resolve():
        print()
        splits({"azure-news": graph, "powerapps-news": power})


if __name__ == "__main__":
    main()

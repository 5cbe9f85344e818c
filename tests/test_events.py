"""Event clusters: quality on the hand-labelled azure-news events, duplicates, roundups, evidence, exports."""

import io
import json
import sys
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import DATA, SCHEMAS, result_of, write

from graphapp.build import build_graph
from graphapp.cli import cli
from graphapp.events import EventSettings, event_clusters, link_evidence, with_similarity_edges
from graphapp.export import export_bytes
from graphapp.loader import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from events_eval import as_assignment, baseline, labelled, scores  # noqa: E402


def article(folder, name, title, excerpt, when, outlet, related=()):
    entries = "".join(f'  - title: "r"\n    webUrl: "{url}"\n' for url in related)
    write(folder / f"{name}.md", f'---\ntitle: "{title}"\nexcerpt: "{excerpt}"\npublishedDateTime: {when}\n'
          f'webUrl: "https://{outlet}/{name}"\nprovider:\n  name: {outlet}\n  domain: {outlet}\n'
          + (f"related:\n{entries}" if related else "") + "---\n")


@pytest.fixture
def two_events_and_a_roundup(tmp_path):
    quakes = [("Earthquake of magnitude 7 hits Chile coast, tsunami warning issued",
               "A strong earthquake struck off the coast of Chile on Monday; authorities issued a tsunami warning."),
              ("Chile earthquake: tsunami alert after powerful quake off the coast",
               "Residents of coastal Chile were told to move to higher ground after the earthquake."),
              ("Powerful quake shakes Chile; tsunami warning lifted hours later",
               "The earthquake off Chile caused little damage and the tsunami warning was lifted.")]
    mergers = [("Acme agrees to buy Globex for $4 billion in cash deal",
                "Acme Corp said it will acquire rival Globex in an all-cash transaction valued at $4 billion."),
               ("Globex accepts $4 billion takeover offer from Acme",
                "The Globex board backed the Acme acquisition; shareholders get cash."),
               ("Acme-Globex deal: what the $4 billion acquisition means",
                "Analysts weigh the Acme purchase of Globex and its cash terms.")]
    for n, outlet in enumerate(["a.com", "b.com", "c.com"]):
        article(tmp_path, f"quake{n}", *quakes[n], f"2021-03-0{n + 1}T10:00:00Z", outlet)
        article(tmp_path, f"merger{n}", *mergers[n], f"2021-03-0{n + 1}T12:00:00Z", outlet)
    article(tmp_path, "roundup", "Morning briefing: Chile earthquake, Acme Globex deal and more",
            "Today: an earthquake off Chile, Acme buys Globex, and other news.", "2021-03-02T07:00:00Z", "d.com",
            related=["https://a.com/quake0", "https://a.com/merger0"])
    # a syndicated copy: the same text under another outlet's URL
    article(tmp_path, "quake-copy", "Earthquake of magnitude 7 hits Chile coast, tsunami warning issued 0",
            "A strong earthquake struck off the coast of Chile on Monday; authorities issued a tsunami warning.",
            "2021-03-01T11:00:00Z", "wire.example")
    graph = build_graph(load([tmp_path], cache_dir=False).articles)
    graph.graph["folder"] = tmp_path
    return graph


def test_events_do_not_chain_through_a_roundup(two_events_and_a_roundup):
    events = event_clusters(two_events_and_a_roundup)
    groups = [sorted(k.rsplit("/", 1)[1] for k in e["stories"]) for e in events]
    quake = next(g for g in groups if "quake0" in g)
    merger = next(g for g in groups if "merger0" in g)
    assert quake != merger  # the roundup that lists both does not chain them into one event
    assert {"quake0", "quake1", "quake2", "quake-copy"} <= set(quake)
    assert {"merger0", "merger1", "merger2"} <= set(merger)
    assert "roundup" not in set(quake) & set(merger)


def test_syndicated_copies_are_flagged_not_counted(two_events_and_a_roundup):
    quake = next(e for e in event_clusters(two_events_and_a_roundup) if any("quake" in s for s in e["stories"]))
    assert quake["duplicates"] == {"https://wire.example/quake-copy": "https://a.com/quake0"}
    assert quake["outlet_count"] == 4 and quake["independent_outlets"] == 3


def test_every_link_carries_evidence_and_exports_keep_it(two_events_and_a_roundup, tmp_path):
    events = event_clusters(two_events_and_a_roundup)
    graph = with_similarity_edges(two_events_and_a_roundup, events)
    similar = [(u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == "similar"]
    assert similar and all(isinstance(d["similarity"], float) and 0 < d["similarity"] <= 1 for *_, d in similar)
    related = [d for *_, d in graph.edges(data=True) if d["kind"] == "related"]
    assert all(d["listed_by"].endswith("roundup.md") for d in related)
    exported = export_bytes(result_of([two_events_and_a_roundup.graph["folder"]], level="events"), "graphml")
    back = nx.read_graphml(io.BytesIO(exported))
    kinds = {d["kind"] for *_, d in back.edges(data=True)}
    assert {"similar", "related", "published_by"} <= kinds
    assert all(isinstance(d["similarity"], float) for *_, d in back.edges(data=True) if d["kind"] == "similar")
    etree = pytest.importorskip("lxml.etree")
    if (SCHEMAS / "graphml" / "graphml.xsd").exists():
        schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "graphml" / "graphml.xsd")))
        assert schema.validate(etree.fromstring(exported))


def test_why_are_these_linked(two_events_and_a_roundup):
    why = link_evidence(two_events_and_a_roundup, "https://d.com/roundup", "https://a.com/quake0")
    roundup_file = str(next(Path(p) for p in [two_events_and_a_roundup.nodes["https://d.com/roundup"]["file"]]))
    assert roundup_file.endswith("/roundup.md")
    assert why["related"] == [{"from": "https://d.com/roundup", "to": "https://a.com/quake0", "listed_by": roundup_file}]
    assert 0 < why["similarity"] < 1 and why["within_window"] is True and why["hours_apart"] == 21.0  # 03-01 10:00 to 03-02 07:00
    same = link_evidence(two_events_and_a_roundup, "https://a.com/quake0", "https://wire.example/quake-copy")
    assert same["duplicate"] is True and same["related"] == []


def test_cli_events_level(tmp_path):
    article(tmp_path, "x1", "Volcano erupts in Iceland near Reykjavik", "Lava flows from a fissure.", "2021-03-19T22:00:00Z", "a.com")
    article(tmp_path, "x2", "Iceland volcano erupts near Reykjavik after weeks of quakes", "Lava fissure opens.",
            "2021-03-20T08:00:00Z", "b.com")
    result = CliRunner().invoke(cli, ["clusters", str(tmp_path), "--level", "events", "--format", "json"])
    (event,) = json.loads(result.stdout)
    assert event["size"] == 2 and event["first_outlet"] == "a.com" and event["lags_hours"]["b.com"] == 10.0
    assert event["evidence"][0]["similarity"] > 0.14
    narrow = CliRunner().invoke(cli, ["clusters", str(tmp_path), "--level", "events", "--window", "6", "--format", "json"])
    assert json.loads(narrow.stdout) == []


@pytest.mark.corpus
def test_labelled_azure_events_beat_the_baseline(azure_graph):
    gold = labelled(DATA / "events" / "azure-events.yaml")
    assert len(set(gold.values())) >= 25 and all(url in azure_graph for url in gold)
    ours = scores(as_assignment(event_clusters(azure_graph)), gold)
    theirs = scores(baseline(azure_graph), gold)
    # measured 0.944 (P 0.922, R 0.968) against 0.873 with the shipped pair model (learned threshold 0.1), which was
    # trained on these labels among others: an in-set figure (bench/RESULTS.md has the leave-one-set-out ones)
    assert ours["b3_f1"] >= 0.94 and ours["b3_f1"] >= theirs["b3_f1"] + 0.05, (ours, theirs)
    assert ours["b3_p"] >= 0.92 and ours["b3_r"] >= 0.96, ours


@pytest.mark.corpus
def test_events_work_without_related_lists(powerapps_graph):
    """powerapps-news has no related lists: events come from text and time alone."""
    events = event_clusters(powerapps_graph)
    assert sum(1 for e in events if e["independent_outlets"] >= 3) >= 3
    breach = next(e for e in events if "38 million" in e["label"])  # the Power Apps portals data exposure, Aug 2021
    assert breach["independent_outlets"] >= 10
    assert all(e["first_published"] <= e["last_published"] for e in events if e["first_published"])


def test_no_usable_words_means_no_events(tmp_path):
    article(tmp_path, "a", "🔥🔥", "", "2021-03-01T10:00:00Z", "a.com")
    article(tmp_path, "b", "🔥", "", "2021-03-01T11:00:00Z", "b.com")
    assert event_clusters(build_graph(load([tmp_path], cache_dir=False).articles)) == []


def test_a_late_report_joins_its_event_but_a_later_development_does_not(tmp_path):
    """Stories further apart than the merge window attach to the event they resemble; a follow-up
    with new facts (a different event) stays out, and the attachment carries its evidence."""
    reports = [("Volcano erupts in Iceland near Reykjavik, lava flows from fissure", "a.com", "2021-03-19T22:00:00Z"),
               ("Iceland volcano erupts near Reykjavik after weeks of earthquakes", "b.com", "2021-03-20T08:00:00Z"),
               ("Lava flows as volcano erupts in Iceland near Reykjavik", "c.com", "2021-03-20T12:00:00Z")]
    for n, (title, outlet, when) in enumerate(reports):
        article(tmp_path, f"erupt{n}", title, "The eruption on the Reykjanes peninsula is small.", when, outlet)
    article(tmp_path, "late", "Five days on, the Iceland volcano near Reykjavik still erupts",
            "The eruption on the Reykjanes peninsula draws crowds.", "2021-03-25T09:00:00Z", "d.com")
    article(tmp_path, "flights", "Airlines cancel flights to Spain after strike called",
            "Airport staff strike next week.", "2021-03-26T09:00:00Z", "e.com")
    graph = build_graph(load([tmp_path], cache_dir=False).articles)
    (event,) = event_clusters(graph)
    assert "https://d.com/late" in event["stories"] and event["size"] == 4
    late = [e for e in event["evidence"] if "https://d.com/late" in (e["a"], e["b"])]
    assert late and all(e["similarity"] > 0.05 for e in late)
    assert all(e["similarity"] == round(e["similarity"], 4) for e in event["evidence"])
    narrow = event_clusters(graph, EventSettings(window_hours=24))
    assert "https://d.com/late" not in narrow[0]["stories"]
    # however low the probability asked for, a story with no link to an event does not join it
    assert all("https://e.com/flights" not in e["stories"] for e in event_clusters(graph, EventSettings(min_probability=0.05)))


def test_two_loosely_similar_stories_are_an_event_only_as_far_as_the_slider_says(tmp_path):
    """Shared topic words alone (two market reports): the pair model gives them a low probability, and the event
    exists only while `min_probability` is under it. In a corpus of two stories TF-IDF weights are noisy: at the
    learned threshold (0.1) this pair (about 0.13) is still grouped; a stricter slider drops it."""
    article(tmp_path, "m1", "Computer vision market to grow through 2027, report says",
            "Key players and regional analysis.", "2021-03-02T10:00:00Z", "a.com")
    article(tmp_path, "m2", "Fintech AI market analysis: share, demand and forecast",
            "Market growth and key players by region.", "2021-03-02T12:00:00Z", "b.com")
    graph = build_graph(load([tmp_path], cache_dir=False).articles)
    pair = link_evidence(graph, "https://a.com/m1", "https://b.com/m2")
    assert pair["similarity"] > 0.0 and pair["score"] < 0.3
    assert event_clusters(graph, EventSettings(min_probability=0.3)) == []
    assert len(event_clusters(graph, EventSettings(min_probability=pair["score"] - 0.01))) == 1


def test_time_banded_pairs_equal_the_full_similarity_matrix():
    """_close_pairs computes only a band of the similarity matrix; it must find exactly the pairs the full
    product finds within the window (undated stories compared with all), whatever the chunk size."""
    import numpy as np
    import scipy.sparse as sp

    from graphapp.events import _close_pairs

    rng = np.random.default_rng(0)
    vectors = sp.random(300, 50, density=0.1, random_state=1, format="csr", dtype=np.float32)
    hours = rng.uniform(0, 2000, 300)
    hours[rng.choice(300, 20, replace=False)] = np.nan
    full = (vectors @ vectors.T).toarray()
    expected = {(i, j) for i in range(300) for j in range(i + 1, 300)
                if full[i, j] >= 0.01 and not abs(hours[i] - hours[j]) > 72}
    for chunk in (1, 37, 400):
        rows, cols, cosine = _close_pairs(vectors, hours, 72, 0.01, chunk=chunk)
        assert set(zip(rows.tolist(), cols.tolist())) == expected and len(rows) == len(expected)
        assert np.allclose(cosine, full[rows, cols])


@pytest.mark.corpus
def test_pair_features_gathered_a_chunk_at_a_time_are_those_of_all_pairs_at_once(azure_graph, monkeypatch):
    """The pair features gather the rows of a bounded chunk of pairs at a time (memory); with chunks of 1,000
    and 997 pairs against one chunk of every pair, every feature of every azure-news pair is the same."""
    import numpy as np

    from graphapp import event_pairs
    from graphapp.events import pair_candidates

    monkeypatch.setattr(event_pairs, "PAIR_CHUNK", 10**9)
    whole = pair_candidates(azure_graph)
    assert len(whole.rows) > 20_000
    for chunk in (1_000, 997):
        monkeypatch.setattr(event_pairs, "PAIR_CHUNK", chunk)
        chunked = pair_candidates(azure_graph)
        assert np.array_equal(chunked.rows, whole.rows) and np.array_equal(chunked.cols, whole.cols)
        assert np.array_equal(chunked.x, whole.x)


def test_a_saga_pair_stays_apart(tmp_path):
    """Two events of one saga two days apart (a watchdog's report, then a court ruling), each covered by three
    outlets and linked by related lists: same subject words, but what differs (court, judge, remand vs
    watchdog, report) keeps them two events."""
    report = [("Pentagon watchdog report clears Contoso's $10 billion cloud contract award",
               "The inspector general found no evidence of White House pressure in the award of the cloud contract."),
              ("Inspector general finds Contoso cloud contract award was legal",
               "The watchdog report says the Pentagon followed the rules when it chose Contoso."),
              ("Watchdog: no proof of interference in Contoso's Pentagon cloud deal",
               "The inspector general report on the $10 billion contract was released on Wednesday.")]
    ruling = [("Judge grants Pentagon request to remand Fabrikam protest over Contoso cloud contract",
               "A federal court judge let the Defense Department reconsider parts of the award after Fabrikam's lawsuit."),
              ("Court lets Pentagon reconsider cloud contract in Fabrikam lawsuit",
               "The judge sent the case back so the agency can revisit the technical evaluation."),
              ("Fabrikam lawsuit: judge approves Defense Department remand of cloud award",
               "The Court of Federal Claims granted the remand for 120 days.")]
    for n, outlet in enumerate(["a.com", "b.com", "c.com"]):
        article(tmp_path, f"report{n}", *report[n], f"2020-04-15T1{n}:00:00Z", outlet)
        article(tmp_path, f"ruling{n}", *ruling[n], f"2020-04-17T1{n}:00:00Z", outlet,
                related=[f"https://{outlet}/report{n}"])
    events = event_clusters(build_graph(load([tmp_path], cache_dir=False).articles))
    groups = sorted(sorted(k.rsplit("/", 1)[1].rstrip("012") for k in e["stories"]) for e in events)
    assert groups == [["report"] * 3, ["ruling"] * 3]


def test_a_differently_worded_late_report_joins_a_big_event(tmp_path):
    """A big event (eight outlets) and a regional outlet's report four days later in other words: it joins
    the event through its resemblance to the event as a whole."""
    titles = ["Contoso cloud outage knocks out Teams and Outlook for millions", "Contoso outage: Teams, Outlook down worldwide",
              "Millions hit as Contoso cloud outage takes down Outlook and Teams", "Contoso Teams and Outlook outage resolved",
              "Contoso blames configuration change for Teams and Outlook outage", "Contoso cloud outage disrupts Outlook, Teams users",
              "Teams and Outlook go down in Contoso cloud outage", "Contoso restores Outlook and Teams after cloud outage"]
    for n, title in enumerate(titles):
        article(tmp_path, f"big{n}", title, "Users could not sign in to Teams and Outlook during the Contoso cloud outage.",
                f"2021-03-15T{10 + n}:00:00Z", f"o{n}.com")
    article(tmp_path, "regional", "Schools in Leeds lost email for a day as Contoso cloud outage hit Outlook",
            "The Contoso outage that took down Outlook and Teams left staff without email.", "2021-03-19T09:00:00Z",
            "leeds.example")
    (event,) = event_clusters(build_graph(load([tmp_path], cache_dir=False).articles))
    assert "https://leeds.example/regional" in event["stories"] and event["size"] == 9


def test_a_wire_text_naming_two_events_does_not_merge_them(two_events_and_a_roundup, tmp_path):
    """A wire story about both events, copied by three local outlets: the copies are flagged as copies of one
    another, and the quake and the merger stay two events."""
    folder = two_events_and_a_roundup.graph["folder"]
    for n, outlet in enumerate(["local1.example", "local2.example", "local3.example"]):
        article(folder, f"wire{n}", "Markets: Chile earthquake and Acme's $4 billion Globex deal move stocks",
                "Shares of Acme rose after its $4 billion Globex acquisition while the Chile earthquake hit copper.",
                f"2021-03-02T0{n}:00:00Z", outlet)
    graph = build_graph(load([folder], cache_dir=False).articles)
    events = event_clusters(graph)
    quake = next(e for e in events if "https://a.com/quake0" in e["stories"])
    assert "https://a.com/merger0" not in quake["stories"]
    wire = next(e for e in events if "https://local1.example/wire0" in e["stories"])
    assert set(wire["duplicates"]) >= {"https://local2.example/wire1", "https://local3.example/wire2"}


def test_the_shipped_pair_model_matches_the_features():
    """graphapp/data/event_pair_model.json names the code's features, in order, and its default threshold is the
    settings' default (bench/train_pair_model.py --check retrains it and compares the file)."""
    from graphapp.event_pairs import FEATURES, load_model

    model = load_model()
    assert model.features == FEATURES and len(model.weights) == len(FEATURES)
    assert model.threshold == EventSettings().min_probability
    assert set(model.trained_on) == {"azure-tune", "azure-check", "powerapps-check"}
    data = json.loads((Path(__file__).resolve().parents[1] / "graphapp" / "data" / "event_pair_model.json").read_text())
    assert data["made_by"] == "python bench/train_pair_model.py"


def test_a_late_copy_is_flagged_as_a_duplicate(tmp_path):
    """A wire copy published beyond the merge window joins by attachment and is still not independent coverage."""
    article(tmp_path, "x1", "Volcano erupts in Iceland near Reykjavik", "Lava flows from a fissure.", "2021-03-19T22:00:00Z", "a.com")
    article(tmp_path, "x2", "Iceland volcano erupts near Reykjavik after weeks of quakes", "Lava fissure opens.",
            "2021-03-20T08:00:00Z", "b.com")
    article(tmp_path, "copy", "Volcano erupts in Iceland near Reykjavik", "Lava flows from a fissure.",
            "2021-03-24T10:00:00Z", "wire.example")
    (event,) = event_clusters(build_graph(load([tmp_path], cache_dir=False).articles))
    assert event["size"] == 3 and event["duplicates"] == {"https://wire.example/copy": "https://a.com/x1"}
    assert event["independent_outlets"] == 2


def test_a_verbatim_reprint_weeks_later_joins_its_event(tmp_path):
    """A reprint (same title, a site name after it, same excerpt) far beyond the window is still compared with its
    original and joins the event; a story that only shares the subject, beyond the window, does not."""
    article(tmp_path, "x1", "Volcano erupts in Iceland near Reykjavik", "Lava flows from a fissure.", "2021-03-19T22:00:00Z", "a.com")
    article(tmp_path, "x2", "Iceland volcano erupts near Reykjavik after weeks of quakes", "Lava fissure opens.",
            "2021-03-20T08:00:00Z", "b.com")
    article(tmp_path, "reprint", "Volcano erupts in Iceland near Reykjavik – Example News", "Lava flows from a fissure.",
            "2021-04-20T10:00:00Z", "reprints.example")
    article(tmp_path, "later", "Iceland volcano near Reykjavik still erupts two weeks on", "Lava keeps flowing.",
            "2021-04-04T11:00:00Z", "c.com")
    (event,) = event_clusters(build_graph(load([tmp_path], cache_dir=False).articles))
    assert "https://reprints.example/reprint" in event["stories"] and "https://c.com/later" not in event["stories"]
    assert event["size"] == 3


def test_events_do_not_depend_on_file_order(tmp_path):
    """Equal scores are broken by story key, not by the order files were read in."""
    title, excerpt = "Contoso cloud outage hits storage customers in Europe", "Storage service restored."
    article(tmp_path, "a", title, excerpt, "2021-03-01T00:00:00Z", "a.com")
    article(tmp_path, "b", "Contoso storage outage returns for Europe users",
            "Engineers investigate the new failure in the region, status page says.", "2021-03-03T12:00:00Z", "b.com")
    article(tmp_path, "c", title, excerpt, "2021-03-06T10:00:00Z", "c.com")
    article(tmp_path, "d", title, excerpt, "2021-03-06T13:00:00Z", "d.com")
    files = sorted(tmp_path.glob("*.md"))
    forward = event_clusters(build_graph(load(files, cache_dir=False).articles))
    backward = event_clusters(build_graph(load(files[::-1], cache_dir=False).articles))
    assert forward == backward and forward


def test_shipped_stop_words_and_tfidf_are_scikit_learns(azure_graph):
    """Events use a copy of scikit-learn's stop words and its TF-IDF formula, so as not to import it (2.7 s):
    both must stay what scikit-learn computes, to the bit (the pair model's weights were learned on them)."""
    import numpy as np
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfTransformer, strip_accents_unicode

    from graphapp import event_pairs

    assert event_pairs._stop_words() == ENGLISH_STOP_WORDS
    texts = [f"{d.get('title') or ''} {d.get('excerpt') or ''}" for _, d in azure_graph.nodes(data=True) if d.get("kind") == "story"]
    texts += ["Café déjà vu: naïve résumé", "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ", ""]
    assert [event_pairs._strip_accents(t) for t in texts] == [strip_accents_unicode(t) for t in texts]
    words = event_pairs._stem_lists(texts)
    counts = event_pairs._Vocabulary(words).counts(words)
    ours = event_pairs._tfidf(counts)
    theirs = TfidfTransformer(sublinear_tf=True).fit_transform(counts).astype(np.float32).tocsr()
    assert ours.shape == theirs.shape and ours.nnz == theirs.nnz
    assert (ours != theirs).nnz == 0  # every value, bit for bit (older versions store a row's terms in another order)

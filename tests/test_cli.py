"""CLI: exact outputs, exact error lines, exit codes, and the figures on the real corpora."""

import json
import subprocess
import sys

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import SEEDS, write

from graphapp.cli import cli

SEED_STATS = {
    "files": 1, "articles": 1, "skipped": [], "merged": 0, "merges": [], "warnings": 0,
    "stories": 11, "stories_with_file": 1, "outlets": 9, "related_edges": 10, "published_by_edges": 11,
    "components": 1, "clusters": 1,
}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_stats_json_on_the_seed():
    result = run("stats", SEEDS, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == SEED_STATS


def test_stats_table_on_the_seed():
    result = run("stats", SEEDS)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:3] == ["files               1", "articles            1", "skipped             0"]
    assert "related_edges       10" in result.stdout.splitlines()


def test_clusters_default_to_events():
    (event,) = json.loads(run("clusters", SEEDS, "--format", "json").stdout)
    assert {"duplicates", "independent_outlets", "evidence"} <= event.keys()
    assert event["size"] == 10 and event["first_outlet"] == "mashable.com"


def test_topics_on_files_without_related_links_say_why_and_point_to_events(tmp_path):
    for n in range(2):
        write(tmp_path / f"{n}.md", f'---\ntitle: "Volcano erupts in Iceland {n}"\nwebUrl: "https://o{n}.example/a"\n---\n')
    result = run("clusters", tmp_path, "--level", "topics", "-q")
    assert result.exit_code == 0
    assert "list no related stories" in result.stderr and "--level events (the default)" in result.stderr


def test_outlet_kinds_of_your_own_change_the_independent_count(tmp_path):
    (before,) = json.loads(run("clusters", SEEDS, "--format", "json").stdout)
    kinds = tmp_path / "kinds.csv"
    kinds.write_text("domain,kind\ncnet.com,wire\n")
    (after,) = json.loads(run("clusters", SEEDS, "--format", "json", "--outlet-kinds", kinds).stdout)
    assert "cnet.com" in before["independent"] and after["independent"] == [o for o in before["independent"] if o != "cnet.com"]
    table = run("clusters", SEEDS, "--format", "csv", "--outlet-kinds", kinds).stdout.splitlines()
    assert table[0].startswith("id,label,size,outlet_count,independent,")


def test_clusters_json_has_the_documented_fields():
    result = run("clusters", SEEDS, "--format", "json", "--level", "topics")
    (cluster,) = json.loads(result.stdout)
    assert {"id", "label", "size", "outlets", "stories", "first_published", "first_outlet"} <= cluster.keys()
    assert cluster["size"] == 11 and len(cluster["stories"]) == 11 and len(cluster["outlets"]) == 9
    assert cluster["first_outlet"] == "mashable.com" and cluster["first_published"] == "2020-06-09T18:02:00Z"
    assert "https://cnet.com/news/microsoft-bans-police-from-using-its-facial-recognition-software" in cluster["stories"]


def test_rank_by_degree_json():
    rows = json.loads(run("rank", SEEDS, "--by", "degree", "--top", "2", "--format", "json").stdout)
    assert rows[0]["story"] == "https://businessinsider.com/aclu-calles-amazon-blanket-ban-rekognition-sales-2020-6"
    assert rows[0]["degree"] == 10 and len(rows) == 2


def test_rank_by_quality_prints_no_measure_it_did_not_compute():
    rows = json.loads(run("rank", SEEDS, "--by", "quality", "--top", "3", "--format", "json").stdout)
    assert [r["quality"] for r in rows] == [89, 89, 89]
    assert not {"pagerank", "betweenness", "event_outlets", "combined"} & set(rows[0])
    rows = json.loads(run("rank", SEEDS, "--by", "betweenness", "--top", "1", "--format", "json").stdout)
    assert rows[0]["betweenness"] == 1.0 and "pagerank" not in rows[0]


def test_rank_outlets_csv():
    lines = run("rank", SEEDS, "--outlets", "--by", "quality", "--top", "3", "--format", "csv").stdout.splitlines()
    assert lines[0] == "outlet,name,stories,clusters,mean_quality,partners,co_coverage_links,pagerank,betweenness,combined"
    assert [line.split(",")[0] for line in lines[1:]] == ["cnet.com", "mashable.com", "techcrunch.com"]


def test_filters_apply_to_every_command():
    narrowed = json.loads(run("stats", SEEDS, "--json", "--outlet", "mashable.com").stdout)
    assert narrowed["stories"] == 2 and narrowed["outlets"] == 1 and narrowed["related_edges"] == 0
    recent = json.loads(run("stats", SEEDS, "--json", "--since", "2020-06-11", "--min-quality", "70").stdout)
    assert recent["stories"] == 4  # CNET, Mashable, TechCrunch, GeekWire on 06-11 with quality >= 70
    topic = json.loads(run("stats", SEEDS, "--json", "--topic", "computer vision").stdout)
    assert topic["stories"] == 1
    until = json.loads(run("clusters", SEEDS, "--until", "2020-06-10", "--format", "json", "--min-size", "1",
                           "--recluster").stdout)
    assert sum(c["size"] for c in until) == 4
    # without --recluster the filters choose events found on everything, and each is listed whole
    whole = json.loads(run("clusters", SEEDS, "--until", "2020-06-10", "--format", "json", "--min-size", "1").stdout)
    assert sum(len(c["matched"]) for c in whole) == 4 and sum(c["size"] for c in whole) > 4


def test_export_writes_the_format_of_the_suffix(tmp_path):
    out = tmp_path / "seed.graphml"
    result = run("export", SEEDS, "-o", out)
    assert result.exit_code == 0 and result.stderr == f"wrote {out} (graphml, {out.stat().st_size:,} bytes)\n"
    assert nx.read_graphml(out).number_of_nodes() == 20
    result = run("export", SEEDS, "-o", tmp_path / "seed.csv")
    assert result.exit_code == 2
    assert "Error: a .csv name is ambiguous: use NAME.nodes.csv, NAME.edges.csv, or NAME.zip for both" in result.stderr


def test_nothing_usable_is_one_error_line_and_exit_1(tmp_path):
    write(tmp_path / "bad.md", "no front matter here\n")
    result = run("stats", tmp_path, "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"skipped: {tmp_path / 'bad.md'}:1: no front matter: the file does not start with a '---' line",
        "Error: nothing usable in the given paths: 1 article files found, all skipped "
        f"(first problem: {tmp_path / 'bad.md'}: no front matter: the file does not start with a '---' line)",
    ]
    missing = run("clusters", tmp_path / "missing")
    assert missing.exit_code == 1
    assert missing.stderr.splitlines()[-1] == f"Error: no article files found in the given paths (first problem: {tmp_path / 'missing'}: no such file or folder)"


def test_skipped_files_are_listed_on_stderr_and_exit_0(tmp_path):
    write(tmp_path / "good.md", '---\ntitle: "Good"\nwebUrl: "https://good.example/a"\n---\n')
    write(tmp_path / "bad.md", '---\ntitle: "x"\nwebUrl: "file:///etc/passwd"\n---\n')
    result = run("stats", tmp_path, "--json")
    assert result.exit_code == 0
    assert result.stderr == f"skipped: {tmp_path / 'bad.md'} [webUrl]: scheme file: is not http or https\n"
    assert json.loads(result.stdout)["skipped"] == [
        {"path": str(tmp_path / "bad.md"), "line": None, "field": "webUrl", "reason": "scheme file: is not http or https"}]
    assert run("stats", tmp_path, "--json", "--quiet").stderr == ""


@pytest.mark.parametrize("args", [["stats"], ["rank", str(SEEDS), "--by", "fame"], ["stats", str(SEEDS), "--since", "yesterday"],
                                  ["nonsense"], ["rank", str(SEEDS), "--top", "0"]])
def test_usage_errors_exit_2(args):
    assert CliRunner().invoke(cli, args).exit_code == 2


def test_python_dash_m_and_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "graphapp", "stats", str(tmp_path / "nope"), "--json"],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"skipped: {tmp_path / 'nope'} [path]: no such file or folder",
        f"Error: no article files found in the given paths (first problem: {tmp_path / 'nope'}: no such file or folder)"]


@pytest.mark.corpus
@pytest.mark.parametrize(("fixture", "expected"), [
    ("azure_dir", {"files": 4958, "articles": 4958, "stories": 4943, "outlets": 427, "related_edges": 80049}),
    ("powerapps_dir", {"files": 674, "articles": 674, "stories": 670, "outlets": 85, "related_edges": 0}),
])
def test_corpus_figures_through_the_cli(fixture, expected, request, tmp_path):
    folder = request.getfixturevalue(fixture)
    cold = subprocess.run([sys.executable, "-m", "graphapp", "stats", str(folder), "--json"], capture_output=True, text=True,
                          env={**__import__("os").environ, "GRAPHAPP_CACHE_DIR": str(tmp_path)})
    assert cold.returncode == 0, cold.stderr
    stats = json.loads(cold.stdout)
    assert {k: stats[k] for k in expected} == expected
    assert stats["skipped"] == [] and stats["published_by_edges"] == expected["stories"]
    warm = subprocess.run([sys.executable, "-m", "graphapp", "stats", str(folder), "--json"], capture_output=True, text=True,
                          env={**__import__("os").environ, "GRAPHAPP_CACHE_DIR": str(tmp_path)})
    assert json.loads(warm.stdout) == stats


def test_csv_output_cannot_run_as_formulas(tmp_path):
    write(tmp_path / "a.md", '---\ntitle: "=HYPERLINK(\\"http://x\\")"\nwebUrl: "https://a.example/1"\nquality: 9\n---\n')
    lines = run("rank", tmp_path, "--format", "csv", "-q").stdout.splitlines()
    assert lines[1].split(",")[1].startswith("\"'=HYPERLINK")


def test_write_errors_are_one_line(tmp_path):
    result = run("export", SEEDS, "-o", tmp_path / "missing-folder" / "g.graphml")
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot write {tmp_path / 'missing-folder' / 'g.graphml'}: No such file or directory\n"


def test_options_of_the_other_level_are_refused():
    assert "only for --level topics" in run("clusters", SEEDS, "--level", "events", "--seed", "3").stderr
    assert "only for --level events" in run("clusters", SEEDS, "--level", "topics", "--min-probability", "0.3").stderr
    assert "only for --level topics" in run("clusters", SEEDS, "--seed", "3").stderr  # events are the default
    assert "not nan" in run("clusters", SEEDS, "--level", "events", "--window", "nan").stderr


def test_articles_counts_loaded_files_even_with_a_missing_path():
    stats = json.loads(run("stats", SEEDS, "/nonexistent/path", "--json", "-q").stdout)
    assert stats["files"] == 1 and stats["articles"] == 1 and stats["stories"] == 11


def test_csv_leaves_missing_values_empty(tmp_path):
    """A story without quality has no mean quality: the CSV cell is empty, not "nan"."""
    write(tmp_path / "a.md", '---\ntitle: "Rated"\nwebUrl: "https://a.example/1"\nquality: 9\n---\n')
    write(tmp_path / "b.md", '---\ntitle: "Unrated"\nwebUrl: "https://b.example/1"\n---\n')
    lines = run("rank", tmp_path, "--outlets", "--format", "csv", "-q").stdout.splitlines()
    header = lines[0].split(",")
    unrated = next(line.split(",") for line in lines[1:] if "b.example" in line)
    assert unrated[header.index("mean_quality")] == "" and "nan" not in lines[2] + lines[1]

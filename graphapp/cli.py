"""The `graphapp` command: parses flags, calls the library, formats output. No logic lives here.

Exit codes: 0 when something loaded (skipped files are listed on stderr), 1 with one `Error:`
line when nothing usable was given or a library error occurred, 2 on usage errors.
"""

from __future__ import annotations

import gc
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from .errors import GraphappError, NothingLoadedError
from .filters import Filters, parse_date

__all__ = ["main", "cli"]


@dataclass
class Loaded:
    corpus: object
    graph: object


def _date(ctx, param, value, *, end_of_day=False):
    if value is None:
        return None
    try:
        return parse_date(value, end_of_day=end_of_day)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2020-06-11 or 2020-06-11T09:53:00Z") from None


class Score(click.FloatRange):
    """A finite float in a range: click's FloatRange lets "nan" through, which would silently switch a test off."""

    name = "score"

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail("must be a number, not nan", param, ctx)
        return number


def common_options(command):
    """Inputs, filters and load options shared by every command."""
    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path()),
        click.option("--since", callback=_date, metavar="DATE", help="Only stories published on or after DATE."),
        click.option("--until", callback=lambda c, p, v: _date(c, p, v, end_of_day=True), metavar="DATE",
                     help="Only stories published on or before DATE."),
        click.option("--outlet", "outlets", multiple=True, metavar="DOMAIN", help="Only stories of this outlet (repeatable)."),
        click.option("--topic", "topics", multiple=True, metavar="TOPIC", help="Only stories with this topic (repeatable)."),
        click.option("--min-quality", type=click.IntRange(min=0), help="Only stories with at least this quality."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar and no list of skipped files."),
        click.option("--verbose", "-v", is_flag=True, help="Also list every warning of the load report."),
        click.option("--no-cache", is_flag=True, help="Parse every file again; do not read or write the cache."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _progress_bar(quiet: bool):
    """A tqdm bar on stderr for the load, shown only on a terminal and only after a second."""
    if quiet or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="file", desc="loading", file=sys.stderr, leave=False, delay=1.0)

    def progress(done, total):
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, progress


def _show_problems(skipped: list[dict], warnings: list[dict], quiet: bool, verbose: bool) -> None:
    if quiet:
        return
    for issue in skipped:
        click.echo(f"skipped: {_where(issue)}: {issue['reason']}", err=True)
    if verbose:
        for issue in warnings:
            click.echo(f"warning: {_where(issue)}: {issue['reason']}", err=True)
    elif warnings:
        click.echo(f"{len(warnings)} warnings (fields repaired or dropped, same URL with different titles); "
                   "--verbose lists them", err=True)


def _filters(since, until, outlets, topics, min_quality) -> Filters:
    return Filters(since, until, tuple(outlets), tuple(topics), min_quality)


def _load(paths, since, until, outlets, topics, min_quality, quiet, verbose, no_cache) -> Loaded:
    from .build import build_graph
    from .filters import filter_graph
    from .load import load
    from .stats import issue_dict, nothing_message

    bar, progress = _progress_bar(quiet)
    try:
        corpus = load(paths, cache_dir=False if no_cache else None, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    report = corpus.report
    _show_problems([issue_dict(i) for i in report.skipped], [issue_dict(i) for i in report.warnings], quiet, verbose)
    if not corpus.articles:
        raise NothingLoadedError(nothing_message(report))
    full = build_graph(corpus.articles)
    return Loaded(corpus, filter_graph(full, _filters(since, until, outlets, topics, min_quality)))


def _where(issue: dict) -> str:
    where = issue["path"] + (f":{issue['line']}" if issue.get("line") is not None else "")
    return where + (f" [{issue['field']}]" if issue.get("field") else "")


class GraphappGroup(click.Group):
    """Turns library errors into one `Error:` line and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GraphappError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except BrokenPipeError:
            ctx.exit(0)


@click.group(cls=GraphappGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="graphapp")
def cli():
    """Explore how news stories spread across outlets: load article files, build the story/outlet
    graph, find coverage clusters, rank stories and outlets, export the graph."""


@cli.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for Louvain clustering.")
def stats(as_json, seed, paths, quiet, verbose, no_cache, **filters):
    """Counts: files, stories, outlets, links, components and clusters."""
    from .stats import corpus_stats

    bar, progress = _progress_bar(quiet)
    try:
        result = corpus_stats(paths, filters=_filters(**filters), seed=seed, cache_dir=False if no_cache else None,
                              progress=progress)
    except NothingLoadedError as exc:
        _show_problems(exc.skipped, [], quiet, verbose)
        raise
    finally:
        if bar is not None:
            bar.close()
    _show_problems(result["skipped"], result["warnings"], quiet, verbose)
    result = {**result, "warnings": len(result["warnings"])}
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    width = max(len(k) for k in result)
    for key, value in result.items():
        if isinstance(value, list):
            value = len(value)
        click.echo(f"{key:<{width}}  {value:,}" if isinstance(value, int) else f"{key:<{width}}  {value}")


RANK_BY = ["quality", "degree", "pagerank", "betweenness", "combined"]


@cli.command()
@common_options
@click.option("--by", type=click.Choice(RANK_BY), default="combined", show_default=True, help="What to rank by.")
@click.option("--outlets", "rank_outlets", is_flag=True, help="Rank outlets instead of stories.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="How many rows.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def rank(by, rank_outlets, top, fmt, **options):
    """Rank stories (or outlets) by quality and centrality."""
    from . import analyze, tables

    loaded = _load(**options)
    if rank_outlets:
        frame = tables.outlet_ranks_table(analyze.outlet_ranks(loaded.graph))
        column = {"quality": "mean_quality", "degree": "partners"}.get(by, by)
        frame = frame.sort_values([column, "outlet"], ascending=[False, True], na_position="last")
    else:
        frame = tables.story_ranks_table(analyze.story_ranks(loaded.graph))
        frame = frame.sort_values([by, "story"], ascending=[False, True], na_position="last")
    _emit(frame.head(top), fmt)


@cli.command()
@common_options
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="How many clusters.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--method", type=click.Choice(["louvain", "components"]), default="louvain", show_default=True)
@click.option("--resolution", type=float, default=1.0, show_default=True, help="Louvain resolution (higher: smaller clusters).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for Louvain clustering.")
@click.option("--min-size", type=click.IntRange(min=1), default=2, show_default=True, help="Smallest cluster shown.")
@click.option("--level", type=click.Choice(["topics", "events"]), default="topics", show_default=True,
              help="topics: communities of related links; events: stories reporting the same event (text, time, links).")
@click.option("--threshold", type=Score(0, 2), default=None, help="Events: average link score to merge (default 0.14).")
@click.option("--min-link", type=Score(0, 2), default=None, help="Events: score the closest pair of two groups needs to merge them (default 0.25).")
@click.option("--window", type=Score(min=0), default=None, help="Events: hours within which stories may be merged (default 72).")
@click.option("--split-ratio", type=Score(0, 1), default=None,
              help="Events: split an event whose halves' cross score is under this share of their own (default 0.5; 0: never).")
@click.option("--attach-threshold", type=Score(0, 2), default=None,
              help="Events: mean score with which a lone story joins an event (default 0.25).")
@click.option("--attach-window", type=Score(min=0), default=None,
              help="Events: hours from an event's first or last story within which a lone story may join (default 168).")
@click.option("--related-bonus", type=Score(0, 1), default=None, help="Events: score added by a related link (default 0.1).")
def clusters(top, fmt, method, resolution, seed, min_size, level, threshold, min_link, window, split_ratio, attach_threshold, attach_window,
             related_bonus, **options):
    """Coverage clusters: which outlets covered the same story (or event), who was first, who followed."""
    from . import analyze, tables

    context = click.get_current_context()
    explicit = {name for name in ("method", "resolution", "seed")
                if context.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT}
    if level == "events" and explicit:
        raise click.UsageError(f"--{', --'.join(sorted(explicit))}: only for --level topics")
    if level == "topics" and any(v is not None for v in (threshold, min_link, window, split_ratio, attach_threshold, attach_window, related_bonus)):
        raise click.UsageError("--threshold, --min-link, --window, --split-ratio, --attach-threshold, --attach-window, --related-bonus: "
                               "only for --level events")
    loaded = _load(**options)
    if level == "events":
        from .events import event_clusters, settings_with

        settings = settings_with(threshold=threshold, min_link=min_link, window_hours=window, split_ratio=split_ratio,
                                 attach_threshold=attach_threshold,
                                 attach_window_hours=attach_window, related_bonus=related_bonus)
        found = event_clusters(loaded.graph, settings, min_size=min_size)[:top]
    else:
        found = analyze.coverage_clusters(loaded.graph, method=method, resolution=resolution, seed=seed, min_size=min_size)[:top]
    if fmt == "json":
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    _emit(tables.clusters_table(found), fmt)


@cli.command()
@common_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="File to write.")
@click.option("--format", "fmt", default=None, help="Export format (default: from the file name).")
@click.option("--events", "with_events", is_flag=True,
              help="Add the event links: `similar` edges, and a `similarity` on related edges inside an event.")
def export(output, fmt, with_events, **options):
    """Write the graph as GraphML, GEXF, JSON, CSV (zip), HTML or PNG."""
    from .export import EXPORTERS, export_bytes, format_for_path

    if fmt is None:
        try:
            fmt = format_for_path(output)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    elif fmt not in EXPORTERS:
        raise click.UsageError(f"unknown format {fmt!r}; choose from {', '.join(EXPORTERS)}")
    loaded = _load(**options)
    graph = loaded.graph
    if with_events:
        from .events import event_clusters, with_similarity_edges

        graph = with_similarity_edges(graph, event_clusters(graph))
    data = export_bytes(graph, fmt)
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise GraphappError(f"cannot write {output}: {exc.strerror or exc}") from None
    if not options["quiet"]:
        click.echo(f"wrote {output} ({fmt}, {len(data):,} bytes)", err=True)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--port", type=click.IntRange(1, 65535), help="Port to serve on (else Streamlit's setting, default 8501).")
def app(paths, port):
    """Open the explorer in the browser (default data: the bundled seeds/)."""
    from streamlit.web import cli as streamlit_cli

    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise GraphappError(f"no such file or folder: {', '.join(missing)}")

    script = str(Path(__file__).with_name("app.py"))
    # The project's .streamlit/config.toml is only read from the working directory: set the same
    # safe defaults here, without overriding anything the user set in the environment.
    for name, value in {"STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION": "true",
                        "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "100", "STREAMLIT_CLIENT_TOOLBAR_MODE": "minimal",
                        "STREAMLIT_SERVER_ADDRESS": "localhost", "STREAMLIT_SERVER_SHOW_EMAIL_PROMPT": "false"}.items():
        os.environ.setdefault(name, value)
    args = ["streamlit", "run", script]
    if port:
        args += ["--server.port", str(port)]
    if paths:
        os.environ["GRAPHAPP_PATHS"] = os.pathsep.join(os.path.abspath(p) for p in paths)
    sys.argv = args
    sys.exit(streamlit_cli.main())


def _emit(frame, fmt: str) -> None:
    if fmt == "json":
        rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1, allow_nan=False))
    elif fmt == "csv":
        from .export import safe_csv

        click.echo(safe_csv(frame).decode("utf-8"), nl=False)
    elif frame.empty:
        click.echo("no rows: nothing matches these filters", err=True)
    else:
        shown = frame.copy()
        for column in shown.columns:
            if shown[column].map(lambda v: isinstance(v, str)).any():
                shown[column] = shown[column].map(lambda v: v if not isinstance(v, str) or len(v) <= 60 else v[:59] + "…")
        for column in ("url", "story", "outlet_list", "betweenness_method"):
            if column in shown.columns and len(shown.columns) > 6:
                shown = shown.drop(columns=column)
        click.echo(shown.to_string(index=False))


def main() -> None:
    # A short-lived process holding a few million small, acyclic records: the cyclic garbage
    # collector would only re-scan them again and again (about a second on azure-news), and
    # freeing them one by one at exit costs a few tenths more; the operating system reclaims
    # the memory at once, so the process ends with os._exit after flushing its output.
    gc.disable()
    try:
        code = cli.main(prog_name="graphapp", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.Abort:
        click.echo("Aborted!", err=True)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0)

"""The `graphapp` command: parses flags, calls the pipeline, formats output. No logic lives here.

The options of every setting are generated from `options` (default, range, help declared once).
Exit codes: 0 when something loaded (skipped files are listed on stderr), 1 with one `Error:`
line when nothing usable was given or a library error occurred, 2 on usage errors.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path

import click

from .errors import GraphappError, NothingLoadedError
from .options import GROUPS, ViewOptions, parse_date, specs
from .records import display_path

__all__ = ["main", "cli"]


class Score(click.FloatRange):
    """A finite float in a range: click's FloatRange lets "nan" through, which would silently switch a test off."""

    name = "score"

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail("must be a number, not nan", param, ctx)
        return number


def _date_callback(end_of_day: bool):
    def convert(ctx, param, value):
        if value is None:
            return None
        try:
            return parse_date(value, end_of_day=end_of_day)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not a date like 2020-06-11 or 2020-06-11T09:53:00Z") from None

    return convert


def _setting_option(group: str, name: str, spec, default):
    """One click option for one declared setting; its value is None (or empty) unless given."""
    shown = "" if default in (None, "", ()) else f" [default: {default}]"
    kwargs: dict = {"help": spec.help + shown, "default": None}
    if spec.widget == "dates":
        kwargs.update(metavar="DATE", callback=_date_callback(end_of_day=name == "until"))
    elif spec.widget == "toggle":
        kwargs.update(is_flag=True, help=spec.help)
    elif spec.widget == "multiselect":
        kwargs.update(multiple=True, default=(), metavar=spec.query.upper())
    elif spec.choices and all(isinstance(c, int) for c in spec.choices):
        kwargs["type"] = click.IntRange(min(spec.choices), max(spec.choices))
    elif spec.choices:
        kwargs["type"] = click.Choice([str(c) for c in spec.choices])
    elif isinstance(default, float):
        kwargs["type"] = Score(spec.low, spec.high)
    elif spec.low is not None:
        kwargs["type"] = click.IntRange(int(spec.low), int(spec.high))
    return click.option(spec.cli, f"{group}__{name}", **kwargs)


def settings_options(*groups: str, only: tuple[str, ...] = ()):
    """Decorator adding the options of the given setting groups (`only`: these view settings alone)."""

    def decorate(command):
        for group in reversed(groups):
            for name, spec, default in reversed(specs(GROUPS[group])):
                if spec.cli and (group != "view" or not only or name in only):
                    command = _setting_option(group, name, spec, default)(command)
        return command

    return decorate


def view_options(values: dict) -> ViewOptions:
    """The ViewOptions the given flags describe (flags not given keep their defaults)."""
    changes: dict = {}
    for key, value in values.items():
        group, name = key.split("__")
        if value is None or value == ():
            continue
        changes.setdefault(group, {})[name] = tuple(value) if isinstance(value, tuple) else value
    top = changes.pop("view", {})
    return ViewOptions().replace(**top, **changes)


def _given(values: dict, group: str) -> list[str]:
    """The flags of `group` that were given."""
    return [_flag(key) for key, value in values.items() if key.startswith(group + "__") and value not in (None, ())]


def _flag(key: str) -> str:
    group, name = key.split("__")
    return next(spec.cli for field, spec, _ in specs(GROUPS[group]) if field == name)


def _follow_links(ctx, param, value):
    """--follow-links: set for this command only (the loader reads it where the pipeline calls it)."""
    if value:
        from .loader.sources import FOLLOW_LINKS

        token = FOLLOW_LINKS.set(True)
        ctx.call_on_close(lambda: FOLLOW_LINKS.reset(token))


def _remember(ctx, param, value):
    """--engine, --scheduler: kept for `_engine`, which opens the engine once the command runs."""
    ctx.meta[f"graphapp.{param.name}"] = value


def _engine():
    """The engine the command line asks for (None: local), open until the command ends."""
    from .engine import engine_for

    ctx = click.get_current_context()
    return ctx.with_resource(engine_for(ctx.meta.get("graphapp.engine") or "local", ctx.meta.get("graphapp.scheduler")))


def input_options(command):
    """Inputs and load options shared by every command that reads articles."""
    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path()),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar and no list of skipped files."),
        click.option("--verbose", "-v", is_flag=True, help="Also list every warning of the load report."),
        click.option("--no-cache", is_flag=True, help="Parse every file again; do not read or write the cache."),
        click.option("--follow-links", is_flag=True, expose_value=False, callback=_follow_links,
                     help="Also follow symbolic links that lead out of an input folder (skipped and listed otherwise)."),
        click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     expose_value=False, callback=_remember,
                     help="local: this process; dask: parse and find events on Dask distributed (a local cluster of "
                          "2 workers unless --scheduler). The results are the same."),
        click.option("--scheduler", metavar="tcp://HOST:PORT", expose_value=False, callback=_remember,
                     help="Address of a running Dask scheduler (implies --engine dask); its workers must import graphapp."),
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json(value, **kwargs) -> str:
    """JSON text that can always be written: a file name's undecodable bytes (lone surrogates) as \\udcXX."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False, **kwargs))


def _where(issue: dict) -> str:
    where = issue["path"] + (f":{issue['line']}" if issue.get("line") is not None else "")
    return where + (f" [{issue['field']}]" if issue.get("field") else "")


def _show_problems(skipped: list[dict], warnings: list[dict], quiet: bool, verbose: bool) -> None:
    if quiet:
        return
    for issue in skipped:
        click.echo(display_path(f"skipped: {_where(issue)}: {issue['reason']}"), err=True)
    if verbose:
        for issue in warnings:
            click.echo(display_path(f"warning: {_where(issue)}: {issue['reason']}"), err=True)
    elif warnings:
        click.echo(f"{len(warnings)} warnings (fields repaired or dropped, same URL with different titles); "
                   "--verbose lists them", err=True)


def _run(paths, options: ViewOptions, *, quiet: bool, verbose: bool, no_cache: bool):
    """Load and open the view, with a progress bar and the load report on stderr."""
    from .pipeline import issue_dict, open_paths, run

    engine = _engine()
    bar, progress = _progress_bar(quiet)
    try:
        dataset = open_paths(paths, cache_dir=False if no_cache else None, progress=progress, engine=engine)
    finally:
        if bar is not None:
            bar.close()
    report = dataset.report
    _show_problems([issue_dict(i) for i in report.skipped], [issue_dict(i) for i in report.warnings], quiet, verbose)
    return run(dataset, options)


class GraphappGroup(click.Group):
    """Turns library errors into one `Error:` line and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GraphappError as exc:
            click.echo(display_path(f"Error: {exc}"), err=True)
            ctx.exit(1)
        except BrokenPipeError:
            ctx.exit(0)


@click.group(cls=GraphappGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="graphapp")
def cli():
    """Explore how news stories spread across outlets: load article files, build the story/outlet
    graph, find coverage clusters, rank stories and outlets, export the graph."""


@cli.command()
@input_options
@settings_options("filters", "topics", "view", only=("seed",))
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def stats(as_json, paths, quiet, verbose, no_cache, **settings):
    """Counts: files, stories, outlets, links, components and clusters."""
    from .pipeline import corpus_stats

    engine = _engine()
    bar, progress = _progress_bar(quiet)
    try:
        result = corpus_stats(paths, view_options(settings), cache_dir=False if no_cache else None, progress=progress,
                              engine=engine)
    except NothingLoadedError as exc:
        _show_problems(exc.skipped, [], quiet, verbose)
        raise
    finally:
        if bar is not None:
            bar.close()
    _show_problems(result["skipped"], result["warnings"], quiet, verbose)
    result = {**result, "warnings": len(result["warnings"])}
    if as_json:
        click.echo(_json(result))
        return
    width = max(len(k) for k in result)
    for key, value in result.items():
        if isinstance(value, list):
            value = len(value)
        click.echo(f"{key:<{width}}  {value:,}" if isinstance(value, int) else f"{key:<{width}}  {value}")


RANK_BY = ["quality", "degree", "pagerank", "betweenness", "combined"]
FORMATS = click.Choice(["table", "csv", "json"])


@cli.command()
@input_options
@settings_options("filters", "topics", "view", only=("seed",))
@click.option("--by", type=click.Choice(RANK_BY), default="combined", show_default=True, help="What to rank by.")
@click.option("--outlets", "rank_outlets", is_flag=True, help="Rank outlets instead of stories.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="How many rows.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def rank(by, rank_outlets, top, fmt, paths, quiet, verbose, no_cache, **settings):
    """Rank stories (or outlets) by quality and centrality."""
    from . import tables

    result = _run(paths, view_options(settings), quiet=quiet, verbose=verbose, no_cache=no_cache)
    if rank_outlets:
        frame = tables.outlet_ranks_table(result.outlet_ranks)
        column = {"quality": "mean_quality", "degree": "partners"}.get(by, by)
        frame = frame.sort_values([column, "outlet"], ascending=[False, True], na_position="last")
    else:
        frame = tables.story_ranks_table(result.story_ranks_by(by))
        frame = frame.sort_values([by, "story"], ascending=[False, True], na_position="last")
        frame = frame.drop(columns=[c for c in ("pagerank", "betweenness", "betweenness_method", "event_outlets", "combined")
                                    if frame[c].isna().all()])  # not computed for this ranking
    _emit(frame.head(top), fmt)


@cli.command()
@input_options
@settings_options("filters", "view", "topics", "events", only=("level", "seed", "min_size", "recluster"))
@click.option("--outlet-kinds", "kinds_file", type=click.Path(exists=True, dir_okay=False),
              help="CSV (domain,kind) of outlet kinds added to the bundled table: wire, press-release, company-own, "
                   "independent. Only independent outlets count in the independent column.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="How many clusters.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def clusters(kinds_file, top, fmt, paths, quiet, verbose, no_cache, **settings):
    """Events (the default) or topic clusters: which outlets covered the same happening, who was first, who followed."""
    from . import tables
    from .coverage import read_kinds_csv
    from .pipeline import topics_empty_reason

    options = view_options(settings)
    if kinds_file:
        options = options.replace(outlet_kinds=read_kinds_csv(kinds_file))
    other = "topics" if options.level == "events" else "events"
    misplaced = _given(settings, other) + (["--seed"] if options.level == "events" and settings["view__seed"] is not None else [])
    if misplaced:
        raise click.UsageError(f"{', '.join(misplaced)}: only for --level {other}")
    result = _run(paths, options, quiet=quiet, verbose=verbose, no_cache=no_cache)
    found = result.clusters[:top]
    if not found and options.level == "topics" and (reason := topics_empty_reason(result.dataset)):
        click.echo(reason.replace("use the events level instead", "run with --level events (the default)"), err=True)
    from .coverage import independent_outlets, outlet_kinds

    kinds = outlet_kinds(options.outlet_kinds)
    if fmt == "json":
        found = [{**c, "independent": independent_outlets(result.cluster_graph, c, kinds)} for c in found]
        click.echo(_json(found, indent=1))
        return
    _emit(tables.clusters_table(found, result.cluster_graph, kinds), fmt)


@cli.command()
@input_options
@settings_options("filters", "view", "topics", "events")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="File to write; - writes to stdout (then --format is needed).")
@click.option("--format", "fmt", default=None, help="Export format (default: from the file name).")
def export(output, fmt, paths, quiet, verbose, no_cache, **settings):
    """Write the view (filters, level, focus, colours, seed) as GraphML, GEXF, JSON, Cytoscape JSON, CSV, Parquet,
    HTML, PNG or SVG. The input `-` reads one article file or one zip from stdin."""
    from .export import EXPORTERS, format_for_path

    if fmt is None:
        if output == "-":
            raise click.UsageError(f"-o - writes to stdout: say which format with --format ({', '.join(EXPORTERS)})")
        try:
            fmt = format_for_path(output)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    elif fmt not in EXPORTERS:
        raise click.UsageError(f"unknown format {fmt!r}; choose from {', '.join(EXPORTERS)}")
    options = view_options(settings)
    if "-" in paths:
        if len(paths) > 1:
            raise click.UsageError("- (stdin) must be the only input")
        meta = click.get_current_context().meta
        if meta.get("graphapp.engine") == "dask" or meta.get("graphapp.scheduler"):
            raise click.UsageError("--engine dask reads files and folders, not - (stdin)")
        result = _run_stdin(options, quiet=quiet, verbose=verbose)
    else:
        result = _run(paths, options, quiet=quiet, verbose=verbose, no_cache=no_cache)
    if output == "-":
        written = _export_stdout(result, fmt)
    else:
        written = _export_file(result, fmt, Path(output))
    if not quiet:
        click.echo(display_path(f"wrote {output if output != '-' else 'stdout'} ({fmt}, {written:,} bytes)"), err=True)


class _Counted:
    """A binary stream that counts what goes through it (stdout cannot say how much was written)."""

    def __init__(self, stream) -> None:
        self.stream, self.count = stream, 0

    def write(self, data) -> int:
        self.count += len(data)
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()


def _export_stdout(result, fmt: str) -> int:
    """Stream the export to stdout (a pipe: zips get data descriptors); returns the bytes written."""
    from .export import export_to

    counted = _Counted(click.get_binary_stream("stdout"))
    export_to(result, fmt, counted)
    counted.flush()
    return counted.count


def _export_file(result, fmt: str, output: Path) -> int:
    """Stream the export into `output`; a failed export removes the half-written file."""
    from .export import export_to

    try:
        handle = open(output, "wb")  # noqa: SIM115 (closed below, removed on failure)
    except OSError as exc:
        raise GraphappError(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with handle:
            export_to(result, fmt, handle)  # the file itself, seekable: zips get the same bytes as export_bytes
    except BaseException as exc:
        output.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise GraphappError(f"cannot write {output}: {exc.strerror or exc}") from None
        raise
    return output.stat().st_size


@cli.group("cache")
def cache_group():
    """The cache of parsed files and `stats` answers (GRAPHAPP_CACHE_DIR, capped by GRAPHAPP_CACHE_MAX_BYTES)."""


@cache_group.command("info")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def cache_info(as_json):
    """Where the cache is, what it holds and its size cap."""
    from .loader.cache import cache_info as info_of

    info = info_of()
    if as_json:
        click.echo(_json(info))
        return
    click.echo(display_path(f"{info['directory']}: {len(info['files'])} files, {info['total_bytes']:,} bytes "
                            f"(cap {info['max_bytes']:,})"))
    if info["problem"]:
        click.echo(display_path(f"warning: the folder is {info['problem']}: graphapp does not use it"), err=True)
    for entry in info["files"]:
        click.echo(f"  {entry['last_used']}  {entry['bytes']:>14,}  {display_path(entry['name'])}")


@cache_group.command("clear")
def cache_clear():
    """Delete every file graphapp cached (other files in the folder are left alone)."""
    from .loader.cache import clear_cache

    done = clear_cache()
    click.echo(display_path(f"removed {done['removed']} files ({done['bytes']:,} bytes) from {done['directory']}"))


def _run_stdin(options: ViewOptions, *, quiet: bool, verbose: bool):
    """The view of one article file or one zip read from stdin (in memory, under the upload limits)."""
    from .pipeline import issue_dict, open_uploads, run

    data = sys.stdin.buffer.read()
    name = "stdin.zip" if data[:4] == b"PK\x03\x04" else "stdin.md"
    dataset = open_uploads([(name, data)])
    report = dataset.report
    _show_problems([issue_dict(i) for i in report.skipped], [issue_dict(i) for i in report.warnings], quiet, verbose)
    return run(dataset, options)


# The project's .streamlit/config.toml is only read from the working directory: the launcher sets
# the same safe defaults, without overriding anything the user set in the environment.
STREAMLIT_DEFAULTS = {"STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION": "true",
                      "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "100", "STREAMLIT_CLIENT_TOOLBAR_MODE": "minimal",
                      "STREAMLIT_SERVER_ADDRESS": "localhost", "STREAMLIT_SERVER_SHOW_EMAIL_PROMPT": "false"}


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--port", type=click.IntRange(1, 65535), help="Port to serve on (else Streamlit's setting, default 8501).")
def app(paths, port):
    """Open the explorer in the browser (default data: the bundled seeds)."""
    from streamlit.web import cli as streamlit_cli

    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise GraphappError(f"no such file or folder: {', '.join(missing)}")
    import gc

    gc.enable()  # a long-running server, not a short command (see __main__)
    script = str(Path(__file__).with_name("app.py"))
    for name, value in STREAMLIT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    args = ["streamlit", "run", script]
    if port:
        args += ["--server.port", str(port)]
    if paths:
        os.environ["GRAPHAPP_PATHS"] = os.pathsep.join(paths)  # as given: shown paths are never made absolute
    sys.argv = args
    sys.exit(streamlit_cli.main())


def _emit(frame, fmt: str) -> None:
    if fmt == "json":
        rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        click.echo(_json(rows, indent=1, allow_nan=False))
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


def main(args: list[str] | None = None) -> int:
    """Run the command line and return its exit code (never exits the process: see __main__)."""
    import warnings

    with warnings.catch_warnings():
        shown = warnings.showwarning

        def one_line(message, category, filename, lineno, file=None, line=None):
            if category.__name__ == "CacheWarning":  # the cache folder is not safe: say so in one line
                click.echo(display_path(f"warning: {message}"), err=True)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = one_line
        return _main(args)


def _main(args: list[str] | None) -> int:
    try:
        code = cli.main(args=args, prog_name="graphapp", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.Abort:
        click.echo("Aborted!", err=True)
        code = 1
    return code if isinstance(code, int) else 0


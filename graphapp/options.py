"""Every setting of graphapp, declared once: its default, its range or choices, its help text.

The CLI's options, the app's widgets, the app's URL and the settings table in docs/settings.md are
all generated from the dataclasses below (a test checks the docs table). `ViewOptions` gathers them
into what one view shows; the app holds one, the URL encodes it, and every exporter accepts it, so
"export what I see" writes exactly the drawn view.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

__all__ = ["Spec", "Filters", "TopicSettings", "EventSettings", "ViewOptions", "SIZE_BY", "specs", "settings_table",
           "parse_date"]


@dataclass(frozen=True, slots=True)
class Spec:
    """How one setting is shown and checked: widget, CLI flag, URL key, range, help."""

    help: str
    label: str
    query: str  # key in the app's URL and of its widget
    widget: str = "slider"  # slider | number | radio | select | text | multiselect | dates | toggle
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple = ()
    cli: str | None = None  # "--flag"; None: not a CLI option of its own
    group: str = ""  # "filters", "topics", "events", "view"


def setting(default, group: str, query: str, label: str, help: str, *, widget: str = "slider", low=None, high=None,
            step=None, choices: tuple = (), cli: str | None = "") -> Any:
    """A dataclass field carrying its Spec; `cli=""` derives the flag from the URL key."""
    flag = ("--" + query.replace("_", "-")) if cli == "" else cli
    spec = Spec(help, label, query, widget, low, high, step, tuple(choices), flag, group)
    if isinstance(default, (list, tuple)):
        return field(default=tuple(default), metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def specs(cls) -> list[tuple[str, Spec, Any]]:
    """(field name, Spec, default) of every setting of a settings dataclass, in declaration order."""
    return [(f.name, f.metadata["spec"], f.default) for f in dataclasses.fields(cls) if "spec" in f.metadata]


def parse_date(text: str, *, end_of_day: bool = False) -> datetime:
    """`2020-06-11` or a full ISO date-time → an aware UTC datetime (a bare date ends at 23:59:59 if asked)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if len(text.strip()) <= 10 and end_of_day:
        value = value.replace(hour=23, minute=59, second=59)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Filters:
    """Which stories to look at. Empty fields keep everything."""

    since: datetime | None = setting(None, "filters", "since", "Published on or after",
                                     "Only stories published on or after this date.", widget="dates")
    until: datetime | None = setting(None, "filters", "until", "Published on or before",
                                     "Only stories published on or before this date.", widget="dates")
    outlets: tuple[str, ...] = setting((), "filters", "outlet", "Outlets", "Only stories of these outlets (domains).",
                                       widget="multiselect")
    topics: tuple[str, ...] = setting((), "filters", "topic", "Topics", "Only stories with one of these topics.",
                                      widget="multiselect")
    min_quality: int | None = setting(None, "filters", "min_quality", "Minimum quality",
                                      "Only stories with at least this quality.", widget="number", low=0, high=1_000_000,
                                      step=5)
    text: str = setting("", "filters", "q", "Title contains", "Only stories whose title holds every one of these words.",
                        widget="text", cli="--title")

    @property
    def active(self) -> bool:
        """Whether any filter is set (False: every story is kept)."""
        return any((self.since, self.until, self.outlets, self.topics, self.min_quality is not None, self.text.strip()))

    @classmethod
    def from_days(cls, since: date | None, until: date | None, **rest) -> Filters:
        """Filters from calendar days (the app's date picker): `until` covers its whole day."""
        return cls(datetime.combine(since, time(), UTC) if since else None,
                   datetime.combine(until, time(23, 59, 59), UTC) if until else None, **rest)


METHODS = ("louvain", "components")


@dataclass(frozen=True, slots=True)
class TopicSettings:
    """Topic clusters: communities of the publishers' related links."""

    method: str = setting("louvain", "topics", "method", "Topic method",
                          "louvain: seeded communities; components: every connected group of related links.",
                          widget="radio", choices=METHODS)
    resolution: float = setting(1.0, "topics", "resolution", "Louvain resolution",
                                "Higher values give more, smaller clusters.", low=0.2, high=5.0, step=0.1)


@dataclass(frozen=True, slots=True)
class EventSettings:
    """Event clusters: stories that report the same happening (see graphapp.events)."""

    min_probability: float = setting(0.1, "events", "min_probability", "Same-event probability",
                                     "How sure the pair model must be that stories report one event before they "
                                     "are grouped: higher gives fewer, surer events (precision), lower gives fuller "
                                     "events that may mix two (recall). The default is the threshold learned on the "
                                     "labelled events.", low=0.05, high=0.95, step=0.05)
    window_hours: float = setting(168.0, "events", "window", "Window (hours)",
                                  "Stories further apart in time are never grouped, except verbatim copies "
                                  "(same title or excerpt: reprints, wire copies). Within it, the gap is one piece "
                                  "of evidence among others.", low=0.0, high=720.0, step=6.0)

LEVELS = ("topics", "events")
COLOR_BY = ("cluster", "outlet")
# what "size by" offers → the story-rank column it reads
SIZE_BY = {"links": "degree", "combined score": "combined", "PageRank": "pagerank", "quality": "quality",
           "betweenness": "betweenness"}
FOCUS = ("nothing", "cluster", "outlet", "story")


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """Everything that decides what one view computes and draws: filters, cluster level and its settings,
    colour, size, drill-down focus and seed. The app holds one, the URL encodes it, exporters take it."""

    filters: Filters = field(default_factory=Filters)
    topics: TopicSettings = field(default_factory=TopicSettings)
    events: EventSettings = field(default_factory=EventSettings)
    level: str = setting("events", "view", "level", "Clusters of",
                         "events: stories reporting the same happening, across outlets; topics: communities of the "
                         "publishers' related links (empty when the files list no related stories).",
                         widget="radio", choices=LEVELS)
    recluster: bool = setting(False, "view", "recluster", "Cluster the filtered stories only",
                              "Off: events and topics are found on everything loaded and the filters choose which are "
                              "shown, each one whole. On: cluster only the stories that pass the filters.",
                              widget="toggle")
    seed: int = setting(0, "view", "seed", "Seed", "Seed of Louvain clustering and of the layout (same seed, same "
                        "picture).", widget="number", low=0, high=2**31 - 1, step=1)
    color_by: str = setting("cluster", "view", "color", "Colour by", "Colour stories by their cluster or their outlet.",
                            widget="radio", choices=COLOR_BY, cli="--color-by")
    size_by: str = setting("links", "view", "size", "Size by", "What a story node's size shows.", widget="select",
                           choices=tuple(SIZE_BY), cli="--size-by")
    min_size: int = setting(2, "view", "min_size", "Smallest cluster", "Clusters with fewer stories are not listed.",
                            widget="number", low=1, high=100_000, step=1)
    outlet_min_links: int = setting(3, "view", "outlet_links", "Links for an outlet pair",
                                    "The outlet network draws a pair of outlets only with at least this many related "
                                    "links between their stories.", low=1, high=200, step=1)
    focus: str = setting("nothing", "view", "focus", "Drill down into",
                         "Draw only one cluster, one outlet's stories or one story's neighbourhood.", widget="select",
                         choices=FOCUS)
    focus_id: str = setting("", "view", "focus_id", "Focus id",
                            "The cluster id, outlet domain or story URL to drill into.", widget="text")
    radius: int = setting(1, "view", "radius", "Radius", "Links around a focused story.", widget="radio",
                          choices=(1, 2))
    watch: tuple[str, ...] = setting((), "view", "watch", "Watch list",
                                     "Outlets whose coverage the event page checks (empty: the most active "
                                     "independent outlets).", widget="multiselect", cli=None)
    # extra outlet kinds (domain, kind) on top of graphapp/data/outlet_kinds.csv: the user's own CSV, read by
    # the CLI's --outlet-kinds and the app's uploader (not a widget or URL key of its own)
    outlet_kinds: tuple[tuple[str, str], ...] = ()

    @property
    def focus_key(self) -> tuple | None:
        """The drill-down as the view code takes it: ("cluster", id), ("outlet", domain), ("story", key, radius)."""
        if self.focus == "nothing" or not self.focus_id:
            return None
        if self.focus == "cluster":
            return ("cluster", int(self.focus_id)) if self.focus_id.isdigit() else None
        if self.focus == "story":
            return ("story", self.focus_id, self.radius)
        return (self.focus, self.focus_id)

    def replace(self, **changes) -> ViewOptions:
        """A copy with top-level or nested changes: `replace(level="events", events={"min_probability": 0.6})`."""
        nested = {name: dataclasses.replace(getattr(self, name), **value) for name, value in changes.items()
                  if isinstance(value, dict)}
        return dataclasses.replace(self, **{**changes, **nested})


GROUPS = {"filters": Filters, "topics": TopicSettings, "events": EventSettings, "view": ViewOptions}


def settings_table() -> str:
    """The Markdown table of every setting (docs/settings.md is this, checked by a test)."""
    lines = ["| group | setting | CLI | URL key | default | range | what it does |", "|---|---|---|---|---|---|---|"]
    for group, cls in GROUPS.items():
        for _name, spec, default in specs(cls):
            if spec.choices:
                allowed = " / ".join(map(str, spec.choices))
            elif spec.low is not None:
                allowed = f"{spec.low:g} to {spec.high:g}"
            else:
                allowed = ""
            shown = "" if default in (None, "", ()) else default
            lines.append(f"| {group} | {spec.label} | `{spec.cli}` | `{spec.query}` | {shown} | {allowed} | {spec.help} |")
    return "\n".join(lines) + "\n"

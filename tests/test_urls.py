import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls

from graphapp.urls import canonical_url, is_web_url, outlet_domain, url_problem

EXAMPLES = int(os.environ.get("GRAPHAPP_HYPOTHESIS_EXAMPLES", "300"))  # nightly: 10000


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("http://www.example.com/a/b/", "https://example.com/a/b"),
        ("https://EXAMPLE.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#section", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&id=7&fbclid=1&gclid=2&ocid=3&cmpid=4&utm_medium=y", "https://example.com/a?id=7"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1"),
        ("https://example.com/Path/With/Case", "https://example.com/Path/With/Case"),
        ("https://www-businessinsider-com.cdn.ampproject.org/c/s/www.businessinsider.com/x-2020-6?amp",
         "https://businessinsider.com/x-2020-6?amp"),
        ("https://apnews.com/PR Newswire/cd5af", "https://apnews.com/PR%20Newswire/cd5af"),
    ],
)
def test_canonical_form(raw, canonical):
    assert canonical_url(raw) == canonical


def test_query_ids_stay_distinct():
    assert canonical_url("https://x.com/story?id=1") != canonical_url("https://x.com/story?id=2")


@pytest.mark.parametrize(
    "bad",
    ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "/relative/path", "https://",
     "https://example.com:99999/", "https://exa\x00mple.com/", "https://example.com/\x07", 42, None, ["https://x.com"]],
)
def test_unusable_urls_are_named(bad):
    assert url_problem(bad)
    assert not is_web_url(bad)


def test_outlet_domain_prefers_provider_then_host():
    assert outlet_domain("WWW.CNET.com", "https://cnet.com/x") == "cnet.com"
    assert outlet_domain(None, "https://news.example.org/x") == "news.example.org"
    assert outlet_domain("  ", "https://example.org/x") == "example.org"


@settings(max_examples=EXAMPLES, deadline=None)
@given(urls())
def test_canonicalization_is_idempotent_on_generated_urls(url):
    once = canonical_url(url)
    assert canonical_url(once) == once


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.sampled_from(["http", "https", "HTTP"]),
    st.sampled_from(["www.", "www.www.", "", "WWW."]),
    st.from_regex(r"[a-z0-9-]{1,12}\.(com|org|co\.uk)", fullmatch=True),
    st.sampled_from(["", ":80", ":443", ":8080"]),
    st.from_regex(r"(/[A-Za-z0-9._~%-]{0,8}){0,4}/{0,3}", fullmatch=True),
    st.lists(st.sampled_from(["utm_source=a", "id=1", "fbclid=z", "q=x y", "amp", ""]), max_size=4),
    st.sampled_from(["", "#frag", "#"]),
)
def test_canonicalization_is_idempotent_on_tricky_parts(scheme, www, host, port, path, query, fragment):
    url = f"{scheme}://{www}{host}{port}{path}" + ("?" + "&".join(query) if query else "") + fragment
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert once.startswith("https://") and not once.split("/")[2].startswith("www.")
    assert "utm_source" not in once and "fbclid" not in once and "#" not in once

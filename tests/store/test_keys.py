"""Store keys: one key per public target however it is spelled, one entry per Vary variant."""

from __future__ import annotations

import string
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from condget.store import (
    MAX_PREFIX_DEPTH,
    MAX_TARGET_LENGTH,
    KeyRequest,
    RequestKey,
    default_key,
    encode_path,
    invalidation_paths,
    normalize_host,
    parse_vary,
    path_key,
    path_prefixes,
    reference_path_key,
    request_key,
    response_vary,
    round_prefix,
    storable,
    vary_fields,
)


def path_of(scheme: str, host: str, path: str, query: str = "") -> str | None:
    made = request_key(scheme, host, path, query)
    return None if made is None else made.path


def target_of(scheme: str, host: str, path: str, query: str = "") -> str | None:
    made = request_key(scheme, host, path, query)
    return None if made is None else made.target


# -- one key per target -----------------------------------------------------

SAME = {
    "gitlab_two_spellings": (
        ("http", "EXAMPLE.com:80", "/items/%31"),
        "http://example.com/items/1",
    ),
    "scheme_and_host_case": (("HTTP", "Example.COM", "/items/1"), "http://example.com/items/1"),
    "https_default_port": (("https", "example.com:443", "/"), "https://example.com/"),
    "port_leading_zeros": (("https", "example.com:0443", "/"), "https://example.com/"),
    "empty_port": (("http", "example.com:", "/"), "http://example.com/"),
    "non_default_port_kept": (("http", "example.com:443", "/"), "http://example.com:443/"),
    "http_port_on_https_kept": (("https", "example.com:80", "/"), "https://example.com:80/"),
    "empty_path_is_slash": (("http", "example.com", ""), "http://example.com/"),
    "tilde_decoded": (("http", "example.com", "/%7e"), "http://example.com/~"),
    "unreserved_decoded": (("http", "example.com", "/%7E%41%2d%2E%5F"), "http://example.com/~A-._"),
    "slash_escape_upper_cased_not_decoded": (
        ("http", "example.com", "/a%2fb"),
        "http://example.com/a%2Fb",
    ),
    "reserved_escapes_upper_cased": (
        ("http", "example.com", "/a%3a%40"),
        "http://example.com/a%3A%40",
    ),
    "non_ascii_encoded": (("http", "example.com", "/caf\u00e9"), "http://example.com/caf%C3%A9"),
    "same_as_its_encoding": (("http", "example.com", "/caf%c3%a9"), "http://example.com/caf%C3%A9"),
    "unsafe_encoded": (("http", "example.com", '/a b"<>'), "http://example.com/a%20b%22%3C%3E"),
    "bad_escape_is_a_percent": (("http", "example.com", "/%zz"), "http://example.com/%25zz"),
    "trailing_percent": (("http", "example.com", "/100%"), "http://example.com/100%25"),
    "dot_segments": (("http", "example.com", "/a/./b/../c"), "http://example.com/a/c"),
    "encoded_dot_segments": (("http", "example.com", "/a/%2e%2E/c"), "http://example.com/c"),
    "trailing_dot": (("http", "example.com", "/a/."), "http://example.com/a/"),
    "above_the_root": (("http", "example.com", "/.."), "http://example.com/"),
    "empty_segments_kept": (("http", "example.com", "/a//b"), "http://example.com/a//b"),
    "host_whitespace": (("http", " example.com\t", "/"), "http://example.com/"),
    "ipv6_literal": (("http", "[::1]:8080", "/"), "http://[::1]:8080/"),
    "ipv6_case_and_port": (("http", "[::A]:80", "/"), "http://[::a]/"),
    "ipv4": (("http", "127.0.0.1:80", "/x"), "http://127.0.0.1/x"),
}


@pytest.mark.parametrize(("parts", "expected"), SAME.values(), ids=SAME.keys())
def test_a_path_key_is_the_normalised_target(parts: tuple[str, str, str], expected: str) -> None:
    assert path_of(*parts) == expected


QUERIES = [
    pytest.param("a=%7e&b=%2f", "a=~&b=%2F", id="escapes"),
    pytest.param("q=caf\u00e9 x", "q=caf%C3%A9%20x", id="non_ascii_and_space"),
    pytest.param("a=1&b=2", "a=1&b=2", id="order_kept"),
    pytest.param("x=/?@:", "x=/?@:", id="pchars_and_slash_and_question_mark"),
    pytest.param("a+b", "a+b", id="plus_is_not_a_space"),
    pytest.param("#frag", "%23frag", id="hash_encoded"),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_a_target_adds_the_normalised_query(query: str, expected: str) -> None:
    assert target_of("http", "example.com", "/p", query) == f"http://example.com/p?{expected}"
    assert path_of("http", "example.com", "/p", query) == "http://example.com/p"


def test_an_empty_query_is_no_query() -> None:
    assert target_of("http", "example.com", "/p", "") == "http://example.com/p"


NO_KEY = [
    pytest.param(("http", "", "/"), id="no_host"),
    pytest.param(("http", "exa mple.com", "/"), id="space_in_host"),
    pytest.param(("http", "user@example.com", "/"), id="userinfo_in_host"),
    pytest.param(("http", "example.com/x", "/"), id="slash_in_host"),
    pytest.param(("http", "ex%41mple.com", "/"), id="percent_in_host"),
    pytest.param(("http", "b\u00fccher.example", "/"), id="non_ascii_host"),
    pytest.param(("http", "example.com:65536", "/"), id="port_too_big"),
    pytest.param(("http", "example.com:123456", "/"), id="port_too_long"),
    pytest.param(("http", "example.com:8o", "/"), id="port_not_digits"),
    pytest.param(("http", "example.com:80:80", "/"), id="two_ports"),
    pytest.param(("http", "[v1.fe]", "/"), id="ipvfuture"),
    pytest.param(("http", "[::1%25eth0]", "/"), id="ipv6_zone"),
    pytest.param(("http", "a" * 301, "/"), id="host_too_long"),
    pytest.param(("", "example.com", "/"), id="no_scheme"),
    pytest.param(("1http", "example.com", "/"), id="scheme_starts_with_digit"),
    pytest.param(("h" * 17, "example.com", "/"), id="scheme_too_long"),
    pytest.param(("ht tp", "example.com", "/"), id="scheme_with_space"),
    pytest.param(("http", "example.com", "*"), id="asterisk_form"),
    pytest.param(("http", "example.com", "http://example.com/"), id="absolute_form"),
    pytest.param(("http", "example.com", "/" + "a" * MAX_TARGET_LENGTH), id="path_too_long"),
]


@pytest.mark.parametrize("parts", NO_KEY)
def test_a_malformed_target_has_no_key(parts: tuple[str, str, str]) -> None:
    assert request_key(*parts) is None


def test_a_user_component_keeps_the_path_but_not_the_entry() -> None:
    alice = request_key("http", "example.com", "/me", user="alice")
    bob = request_key("http", "example.com", "/me", user="bob")
    assert alice is not None
    assert bob is not None
    assert alice.path == bob.path  # one write invalidates every user's entry
    assert alice.entry() != bob.entry()
    assert request_key("http", "example.com", "/me", user="x" * 1025) is None


def test_huge_input_is_refused_in_bounded_time() -> None:
    start = time.perf_counter()
    assert request_key("http", "h" * 10_000_000, "/") is None
    assert request_key("http", "example.com", "/" + "%zz" * 3_000_000) is None
    assert request_key("http", "example.com", "/", "q" * 10_000_000) is None
    assert path_key("http://example.com/" + "a" * 10_000_000) is None
    assert reference_path_key("/" + "a" * 10_000_000, key()) is None
    assert normalize_host("h" * 10_000_000) is None
    assert time.perf_counter() - start < 2.0


def key(path: str = "/items/1", query: str = "") -> RequestKey:
    made = request_key("https", "example.com", path, query)
    assert made is not None
    return made


# -- decoded paths ----------------------------------------------------------


@pytest.mark.parametrize(
    ("decoded", "expected"),
    [
        ("/a/b", "/a/b"),
        ("/caf\u00e9", "/caf%C3%A9"),
        (b"/caf\xc3\xa9", "/caf%C3%A9"),  # WSGI: PATH_INFO.encode("latin-1")
        (b"/\xff", "/%FF"),  # not UTF-8: the octet as it came
        ("/100%41", "/100%2541"),  # a literal "%" stays literal
        ("/a b", "/a%20b"),
        ("/x:@!$&'()*+,;=", "/x:@!$&'()*+,;="),
    ],
)
def test_encode_path_makes_a_decoded_path_literal(decoded: str | bytes, expected: str) -> None:
    assert encode_path(decoded) == expected


def test_a_decoded_path_merges_what_the_app_cannot_tell_apart() -> None:
    # WSGI apps see "/a/b" for both "/a%2Fb" and "/a/b": so must the key.
    assert path_of("http", "h", encode_path("/a/b")) == path_of("http", "h", "/a/b")


# -- URLs, references and prefixes -----------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://EXAMPLE.com:443/items/%31?x=1#f", "https://example.com/items/1"),
        ("http://user:pw@example.com/a", "http://example.com/a"),
        ("http://example.com", "http://example.com/"),
        ("  http://example.com/a  ", "http://example.com/a"),
        ("/items/1", None),
        ("items/1", None),
        ("mailto:someone@example.com", None),
        ("http://[::1/a", None),
        ("http://exa mple.com/", None),
    ],
)
def test_path_key_of_a_url(url: str, expected: str | None) -> None:
    assert path_key(url) == expected


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("/items/5", "https://example.com/items/5"),
        ("5", "https://example.com/items/5"),
        ("../x?y", "https://example.com/x"),
        ("https://OTHER.example/z", "https://other.example/z"),
        ("//cdn.example/a", "https://cdn.example/a"),
        ("http://[::1", None),
    ],
)
def test_a_reference_resolves_against_the_request(reference: str, expected: str | None) -> None:
    assert reference_path_key(reference, key()) == expected


def test_invalidation_paths_are_the_target_and_its_locations() -> None:
    headers = [
        ("Content-Location", "/items/1"),
        ("Location", "/items/2"),
        ("Location", "/items/3"),  # one each: the first
    ]
    assert invalidation_paths(key(), headers) == [
        "https://example.com/items/1",
        "https://example.com/items/2",
    ]
    assert invalidation_paths(key(), {"location": "http://[::1"}) == [key().path]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("https://example.com/a/b", ["https://example.com/", "https://example.com/a/"]),
        ("https://example.com/", ["https://example.com/"]),
        ("tenant/items/1", ["tenant/", "tenant/items/"]),
        ("x:/a/b", ["x:/a/"]),
        ("no-slash", []),
    ],
)
def test_path_prefixes(path: str, expected: list[str]) -> None:
    assert path_prefixes(path) == expected


def test_only_the_first_prefixes_count() -> None:
    deep = "https://example.com/" + "s/" * (MAX_PREFIX_DEPTH * 2)
    assert len(path_prefixes(deep)) == MAX_PREFIX_DEPTH
    assert round_prefix(deep) == path_prefixes(deep)[-1]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("https://example.com/items/", "https://example.com/items/"),
        ("https://EXAMPLE.com:443/items/1", "https://example.com/items/"),
        ("https://example.com/%7eme/", "https://example.com/~me/"),
        ("https://example.com", ""),
        ("https://", ""),
        ("https:/", ""),
        ("", ""),
        ("tenant/items/1", "tenant/items/"),
        ("http://exa mple.com/a/", "http://exa mple.com/a/"),  # no key has it: harmless
    ],
)
def test_round_prefix(prefix: str, expected: str) -> None:
    assert round_prefix(prefix) == expected


# -- Vary and storability ---------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], ()),
        (["Accept-Encoding"], ("accept-encoding",)),
        (["Origin, accept-encoding", " ACCEPT-ENCODING ,"], ("accept-encoding", "origin")),
        (["", " , "], ()),
        (["*"], None),
        (["Accept, *"], None),
        (["not a token"], None),
        (["x" * 65], None),
        ([",".join(f"f{i}" for i in range(33))], None),
    ],
)
def test_parse_vary(values: list[str], expected: tuple[str, ...] | None) -> None:
    assert parse_vary(values) == expected


def test_vary_fields_trim_and_tell_absent_from_empty() -> None:
    headers = {"accept-encoding": "  gzip\t", "origin": ""}
    fields = vary_fields(("accept-encoding", "origin", "cookie"), headers.get)
    assert fields == (("accept-encoding", "gzip"), ("origin", ""), ("cookie", None))


def test_variants_never_share_an_entry() -> None:
    made = key()
    keys = {
        made.entry(),
        made.variant([("accept-encoding", "gzip")]),
        made.variant([("accept-encoding", "br")]),
        made.variant([("accept-encoding", "")]),
        made.variant([("accept-encoding", None)]),
        made.variant([("origin", "gzip")]),
        made.variant([]),
    }
    assert len(keys) == 7
    assert all(variant is not None and variant.path == made.path for variant in keys)


def test_a_variant_too_long_to_key_is_none() -> None:
    assert key().variant([("cookie", "x" * 20_000)]) is None


@pytest.mark.parametrize(
    ("headers", "private_ok", "expected"),
    [
        ([], False, True),
        ([("Cache-Control", "max-age=60, public")], False, True),
        ([("Vary", "Accept-Encoding")], False, True),
        ({"Vary": "*"}, False, False),
        ([("Vary", "Accept"), ("Vary", "*")], False, False),
        ([("Cache-Control", "no-store")], False, False),
        ([("cache-control", "max-age=0"), ("Cache-Control", " NO-STORE")], True, False),
        ([("Cache-Control", "private")], False, False),
        ([("Cache-Control", 'private="set-cookie"')], False, False),
        ([("Cache-Control", "private, max-age=60")], True, True),
        ([("Cache-Control", "no-cache")], False, True),
    ],
)
def test_storable(headers: list[tuple[str, str]], private_ok: bool, expected: bool) -> None:
    assert storable(headers, private_ok=private_ok) is expected


def test_response_vary() -> None:
    assert response_vary({"Vary": "Origin"}) == ("origin",)
    assert response_vary([("Content-Type", "text/plain")]) == ()


def test_default_key_is_the_request_key_of_the_target() -> None:
    fields: dict[str, str] = {}
    request = KeyRequest("https", "EXAMPLE.com", "/items/%31", "a=1", fields.get)
    assert default_key(request) == request_key("https", "example.com", "/items/1", "a=1")


# -- properties -------------------------------------------------------------

UNRESERVED = string.ascii_letters + string.digits + "-._~"
SEGMENT = st.text(alphabet=UNRESERVED + "!$&'()*+,;=:@", min_size=1, max_size=8).filter(
    lambda text: text not in (".", "..")
)


@st.composite
def spellings(draw: st.DrawFn, segments: list[str]) -> str:
    """One of the many ways to write a path: each unreserved octet raw or encoded."""
    out = []
    for segment in segments:
        for character in segment:
            if character in UNRESERVED and draw(st.booleans()):
                hexed = f"{ord(character):02x}"
                out.append("%" + (hexed.upper() if draw(st.booleans()) else hexed))
            else:
                out.append(character)
        out.append("/")
    return "/" + "".join(out)[:-1]


@st.composite
def host_spellings(draw: st.DrawFn, host: str, scheme: str) -> str:
    cased = "".join(c.upper() if draw(st.booleans()) else c for c in host)
    port = draw(
        st.sampled_from(
            [
                "",
                ":",
                f":{80 if scheme == 'http' else 443}",
                ":0" + str(80 if scheme == "http" else 443),
            ]
        )
    )
    return cased + port


@given(
    scheme=st.sampled_from(["http", "https"]),
    host=st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){0,2}", fullmatch=True),
    segments=st.lists(SEGMENT, min_size=0, max_size=5),
    data=st.data(),
)
def test_equivalent_spellings_give_one_key(
    scheme: str, host: str, segments: list[str], data: st.DataObject
) -> None:
    canonical = request_key(scheme, host, "/" + "/".join(segments))
    spelled = request_key(
        data.draw(st.sampled_from([scheme, scheme.upper(), scheme.title()])),
        data.draw(host_spellings(host, scheme)),
        data.draw(spellings(segments)) if segments else data.draw(st.sampled_from(["", "/"])),
    )
    assert canonical is not None
    assert spelled == canonical
    assert path_key(canonical.path) == canonical.path  # normalising again changes nothing


@given(st.text(max_size=40), st.text(max_size=40))
def test_different_vary_values_give_different_keys(first: str, second: str) -> None:
    if first.strip(" \t") == second.strip(" \t"):
        return
    made = key()
    one = made.variant(vary_fields(["accept"], {"accept": first}.get))
    two = made.variant(vary_fields(["accept"], {"accept": second}.get))
    assert one != two


@given(st.text(), st.text(), st.text(), st.text(), st.text() | st.none())
def test_keys_never_raise(scheme: str, host: str, path: str, query: str, user: str | None) -> None:
    made = request_key(scheme, host, path, query, user=user)
    if made is not None:
        assert made.path.startswith(scheme.lower() + "://")
        made.entry()
        made.variant([(host, path), ("x", None)])
        assert path_key(made.path) in (made.path, None)
        invalidation_paths(made, [("Location", query), ("Content-Location", path)])
    normalize_host(host, scheme)
    path_key(path)
    round_prefix(path)
    path_prefixes(path)
    parse_vary([path, query])
    storable([("Vary", path), ("Cache-Control", query)])
    encode_path(path)


@given(
    path=st.lists(SEGMENT, max_size=12).map(lambda segments: "/" + "/".join(segments)),
    cut=st.integers(min_value=0),
)
def test_a_prefix_always_covers_the_keys_that_start_with_it(path: str, cut: int) -> None:
    # The safety of invalidate_prefix: whatever the prefix, the generation it
    # bumps is one that every key starting with it reads.
    made = request_key("https", "example.com", path)
    assert made is not None
    prefix = made.path[: cut % (len(made.path) + 1)]
    assert round_prefix(prefix) in ["", *path_prefixes(made.path)]

"""``Validators`` (what the server knows) and ``Decision`` (what to do)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from condget import ETag, InvalidETagError, InvalidValidatorError, Validators

LM = 784111777
LM_IMF = "Sun, 06 Nov 1994 08:49:37 GMT"


@pytest.mark.parametrize(
    ("etag", "last_modified"),
    [
        pytest.param('"v"', LM, id="str_and_int"),
        pytest.param(ETag("v"), LM + 0.9, id="etag_and_float"),
        pytest.param(' "v" ', datetime(1994, 11, 6, 8, 49, 37, 5, tzinfo=UTC), id="datetime"),
        pytest.param('"v"', LM_IMF, id="http_date"),
    ],
)
def test_values_are_normalised_once(etag: Any, last_modified: Any) -> None:
    validators = Validators(etag, last_modified)
    assert validators.etag == ETag("v")
    assert validators.last_modified == LM
    assert type(validators.last_modified) is int
    assert validators.exists is True
    assert validators.headers == ()


def test_nothing_known() -> None:
    validators = Validators()
    assert (validators.etag, validators.last_modified, validators.exists) == (None, None, True)
    assert validators.response_headers() == []


def test_missing_resource() -> None:
    assert Validators(exists=False).exists is False


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        pytest.param({"etag": "v"}, InvalidETagError, "is not an entity-tag", id="unquoted_etag"),
        pytest.param({"etag": b'"v"'}, InvalidValidatorError, "not an entity-tag", id="bytes"),
        pytest.param(
            {"last_modified": datetime(1994, 11, 6)},  # noqa: DTZ001
            InvalidValidatorError,
            "naive datetime",
            id="naive_datetime",
        ),
        pytest.param(
            {"last_modified": "yesterday"}, InvalidValidatorError, "not an HTTP-date", id="junk"
        ),
    ],
)
def test_bad_values_fail_loudly(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Validators(**kwargs)


def test_response_headers() -> None:
    validators = Validators(
        ETag("v", weak=True), LM, headers={"Cache-Control": "no-cache", "Vary": "Accept"}
    )
    assert validators.headers == (("Cache-Control", "no-cache"), ("Vary", "Accept"))
    assert validators.response_headers() == [
        ("ETag", 'W/"v"'),
        ("Last-Modified", LM_IMF),
        ("Cache-Control", "no-cache"),
        ("Vary", "Accept"),
    ]


def test_validators_are_values() -> None:
    assert Validators('"v"', LM) == Validators(ETag("v"), LM_IMF)
    assert Validators('"v"', LM) != Validators('"v"', LM, exists=False)
    assert len({Validators('"v"', LM), Validators('"v"', LM + 0.5)}) == 1
    with pytest.raises(AttributeError):
        Validators().exists = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("headers", "etag", "last_modified"),
    [
        pytest.param([("ETag", '"v"'), ("Last-Modified", LM_IMF)], ETag("v"), LM, id="both"),
        pytest.param({"etag": 'W/"v"'}, ETag("v", weak=True), None, id="names_any_case"),
        pytest.param(
            [("LAST-MODIFIED", "Sunday, 06-Nov-94 08:49:37 GMT")], None, LM, id="rfc850_date"
        ),
        pytest.param([("ETag", ' "v"\t')], ETag("v"), None, id="trimmed"),
        # An application's malformed value is treated as absent (§8.8.2), so
        # it keeps working as it did without condget.
        pytest.param([("ETag", "v"), ("Last-Modified", "yesterday")], None, None, id="malformed"),
        pytest.param([("ETag", '"a", "b"')], None, None, id="etag_list"),
        pytest.param([("Content-Type", "text/plain")], None, None, id="none"),
    ],
)
def test_from_response_headers(headers: Any, etag: ETag | None, last_modified: int | None) -> None:
    validators = Validators.from_response_headers(headers)
    assert validators.etag == etag
    assert validators.last_modified == last_modified
    assert validators.exists is True
    assert validators.headers == ()


def test_missing_from_gives_every_line_of_a_field_the_response_lacks() -> None:
    # R33, R40: the 200 that runs after the hook carries what the 304 would,
    # repeated fields included; the response's own fields win.
    validators = Validators(
        '"v1"',
        headers=[("Vary", "Accept"), ("Vary", "Cookie"), ("Cache-Control", "max-age=60")],
    )
    assert validators.missing_from(["content-type", "CACHE-CONTROL"]) == [
        ("ETag", '"v1"'),
        ("Vary", "Accept"),
        ("Vary", "Cookie"),
    ]
    assert validators.missing_from(["ETag", "vary", "cache-control"]) == []

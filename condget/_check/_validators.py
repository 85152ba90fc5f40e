"""Checks of the validators themselves (ETag, Last-Modified), of HEAD, and of content codings."""

from __future__ import annotations

from condget import ETag, format_http_date, parse_http_date

from ._conditions import judge
from ._http import Exchange, Response
from ._registry import Status, Verdict, check, failed, passed, skipped, warned
from ._target import Context

__all__: list[str] = []

_VALIDATORS = "Validators"
_HEAD = "HEAD"
_CODING = "Content coding"
_UNSTABLE = "the content differs between two GETs, or its length is unknown"


@check(
    "etag-present",
    _VALIDATORS,
    "8.8.4",
    "A 200 to GET SHOULD carry an ETag, unless generating one is not feasible.",
)
def _etag_present(ctx: Context) -> Verdict:
    value = ctx.target.response.get("ETag")
    if value is None:
        return warned("no ETag: clients can revalidate by date at best", ctx.target.exchange)
    return passed(f"ETag: {value}", ctx.target.exchange)


@check(
    "etag-syntax",
    _VALIDATORS,
    "8.8.3",
    'The ETag field is one entity-tag: [W/]"opaque", the opaque part without spaces, '
    "quotes or controls (senders MUST follow the grammar, §2.2).",
)
def _etag_syntax(ctx: Context) -> Verdict:
    values = ctx.target.response.values("ETag")
    if not values:
        return skipped("no ETag")
    if len(values) > 1:
        return failed(f"{len(values)} ETag fields: ETag holds one entity-tag", ctx.target.exchange)
    tag = ETag.parse_or_none(values[0])
    if tag is None:
        return failed(f"ETag {values[0]!r} is not an entity-tag", ctx.target.exchange)
    return passed(f"{'weak' if tag.weak else 'strong'} entity-tag {tag}", ctx.target.exchange)


@check(
    "etag-stable",
    _VALIDATORS,
    "8.8.1",
    "A second identical GET gets the same ETag; a strong ETag never labels two different bodies.",
)
def _etag_stable(ctx: Context) -> Verdict:
    target = ctx.target
    again = ctx.probe("again")
    if target.etag is None:
        return skipped("no valid ETag")
    tag = ETag.parse_or_none(again.response.get("ETag") or "")
    same_body = again.response.body == target.response.body
    if tag is not None and tag == target.etag:
        if not same_body and not tag.weak:
            return failed(f"the strong ETag {tag} labels two different bodies", again)
        return passed(f"{tag} again", again)
    changed = "the body did not change" if same_body else "the body changed too"
    return warned(
        f"a second GET got ETag {again.response.get('ETag')}, not {target.etag}: {changed}", again
    )


@check(
    "last-modified-present",
    _VALIDATORS,
    "8.8.4",
    "A 200 to GET SHOULD carry Last-Modified when feasible; with neither validator nothing "
    "can be revalidated.",
)
def _last_modified_present(ctx: Context) -> Verdict:
    target = ctx.target
    value = target.response.get("Last-Modified")
    if value is not None:
        return passed(f"Last-Modified: {value}", target.exchange)
    if target.response.get("ETag") is None:
        return warned("neither ETag nor Last-Modified: nothing to revalidate with", target.exchange)
    return skipped("no Last-Modified; the ETag is the validator")


@check(
    "last-modified-syntax",
    _VALIDATORS,
    "5.6.7",
    "Last-Modified is one HTTP-date in IMF-fixdate form, the only form a sender MUST generate.",
)
def _last_modified_syntax(ctx: Context) -> Verdict:
    values = ctx.target.response.values("Last-Modified")
    if not values:
        return skipped("no Last-Modified")
    exchange = ctx.target.exchange
    if len(values) > 1:
        return failed(f"{len(values)} Last-Modified fields: it holds one date", exchange)
    value = values[0].strip()
    parsed = parse_http_date(value)
    if parsed is None:
        return failed(f"Last-Modified {value!r} is not an HTTP-date", exchange)
    canonical = format_http_date(parsed)
    if value != canonical:
        return failed(f"Last-Modified {value!r} is not in IMF-fixdate form ({canonical})", exchange)
    return passed(f"Last-Modified: {value}", exchange)


@check(
    "last-modified-not-future",
    _VALIDATORS,
    "8.8.2.1",
    "An origin server MUST NOT send a Last-Modified later than the response's Date.",
)
def _last_modified_not_future(ctx: Context) -> Verdict:
    target = ctx.target
    if target.last_modified is None or target.date is None:
        return skipped("needs both a valid Last-Modified and a valid Date")
    if target.last_modified > target.date:
        return failed(
            f"Last-Modified {target.last_modified_text} is later than Date "
            f"{target.response.get('Date')}",
            target.exchange,
        )
    return passed("Last-Modified is not later than Date", target.exchange)


# ---------------------------------------------------------------- HEAD


def _head(ctx: Context) -> Exchange:
    return ctx.probe("head", "HEAD")


@check(
    "head-status",
    _HEAD,
    "9.3.2",
    "HEAD is GET without content: the same status as the GET (servers MUST support HEAD, §9.1).",
)
def _head_status(ctx: Context) -> Verdict:
    head = _head(ctx)
    if head.response.status != 200:
        return failed(f"HEAD answered {head.response.status}, GET 200", head)
    return passed("HEAD answered 200, like GET", head)


@check(
    "head-no-body",
    _HEAD,
    "9.3.2",
    "The server MUST NOT send content in a response to HEAD.",
)
def _head_no_body(ctx: Context) -> Verdict:
    head = _head(ctx)
    if head.response.leftover:
        return failed(f"{len(head.response.leftover)}+ bytes of content after the header", head)
    return passed("no content", head)


@check(
    "head-content-length",
    _HEAD,
    "8.6",
    "A Content-Length on a HEAD response MUST equal the length of the GET's content.",
)
def _head_content_length(ctx: Context) -> Verdict:
    head = _head(ctx)
    length = head.response.get("Content-Length")
    expected = ctx.content_length()
    if expected is None:
        return skipped(_UNSTABLE, head)
    if length is not None and length.strip() != expected:
        return failed(f"Content-Length: {length} on HEAD, the GET's content has {expected}", head)
    return passed("no Content-Length" if length is None else f"Content-Length: {length}", head)


@check(
    "head-validators",
    _HEAD,
    "9.3.2",
    "HEAD SHOULD carry the GET's header fields: an ETag or Last-Modified it carries must be "
    "the GET's (it MAY omit one computed from the content).",
)
def _head_validators(ctx: Context) -> Verdict:
    head = _head(ctx)
    if ctx.content_length() is None:
        return skipped(_UNSTABLE, head)
    differences = []
    omitted = []
    for name in ("ETag", "Last-Modified"):
        want = ctx.target.response.get(name)
        got = head.response.get(name)
        if want is not None and got is None:
            omitted.append(name)
        elif want is not None and got != want:
            differences.append(f"{name} {got} (GET: {want})")
    if differences:
        return warned("HEAD has " + "; ".join(differences), head)
    if omitted:
        # §9.3.2: a server MAY omit fields whose value is determined only
        # while generating the content, which is how many ETags are made.
        return passed(f"HEAD omits {' and '.join(omitted)}, as it may for a value computed "
                      "from the content", head)  # fmt: skip
    return passed("the same validators as GET", head)


@check(
    "head-inm",
    _HEAD,
    "13.1.2",
    "HEAD is evaluated like GET: a matching If-None-Match MUST get 304 (only a warning when "
    "the HEAD omits its ETag).",
)
def _head_inm(ctx: Context) -> Verdict:
    if ctx.target.etag is None:
        return skipped("no valid ETag")
    headers = [("If-None-Match", str(ctx.target.etag_text))]
    if _head(ctx).response.get("ETag") is None:
        # A HEAD that omits a tag computed from the content (§9.3.2 allows
        # it) has no tag to compare: only a warning that HEAD cannot revalidate.
        why = "HEAD gets 304 like GET, but this server's HEAD omits the ETag"
        return judge(ctx, "head-inm", headers, why, method="HEAD", miss=Status.WARN)
    return judge(ctx, "head-inm", headers, "HEAD gets 304 like GET", method="HEAD")


# ---------------------------------------------------------------- content coding


def _coding(response: Response) -> str:
    return (response.get("Content-Encoding") or "identity").strip().lower()


def _coded(ctx: Context) -> Exchange | None:
    """The response to ``Accept-Encoding: gzip``, if it has another content coding."""
    coded = ctx.probe("gzip", headers=[("Accept-Encoding", "gzip")])
    if coded.response.status != 200 or _coding(coded.response) == _coding(ctx.target.response):
        return None
    return coded


def _varies_on_coding(response: Response) -> bool:
    tokens = {token.strip().lower() for token in (response.get("Vary") or "").split(",")}
    return "accept-encoding" in tokens or "*" in tokens


@check(
    "encoding-etag-differs",
    _CODING,
    "8.8.3",
    "A content-coded representation is another representation: its strong ETag has to "
    "differ from the identity one's (§8.8.3.3), or ranges and caches mix them up.",
)
def _encoding_etag_differs(ctx: Context) -> Verdict:
    coded = _coded(ctx)
    if coded is None:
        return skipped("Accept-Encoding: gzip got no other content coding")
    tag = ETag.parse_or_none(coded.response.get("ETag") or "")
    if tag is not None and ctx.target.etag is not None and tag.strong_match(ctx.target.etag):
        return warned(
            f"the {_coding(coded.response)} and identity responses share the strong ETag {tag}",
            coded,
        )
    return passed(f"the {_coding(coded.response)} response has its own tag", coded)


@check(
    "encoding-vary",
    _CODING,
    "12.5.5",
    "A response whose content coding depends on Accept-Encoding SHOULD say so in Vary.",
)
def _encoding_vary(ctx: Context) -> Verdict:
    coded = _coded(ctx)
    if coded is None:
        return skipped("Accept-Encoding: gzip got no other content coding")
    lacking = [
        label
        for label, response in (("identity", ctx.target.response), ("coded", coded.response))
        if not _varies_on_coding(response)
    ]
    if lacking:
        return warned(f"no Vary: Accept-Encoding on the {' and '.join(lacking)} response", coded)
    return passed("Vary: Accept-Encoding on both", coded)

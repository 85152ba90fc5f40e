"""Store keys: one spelling per public target (RFC 9110 §4.2.3, RFC 3986 §6.2.2), split by Vary.

Two URLs that name the same resource must give the same key, or a write
through one spelling leaves the other's validators in place and its clients
get "304 forever" for data that changed (GitLab's ``EtagCaching`` bug). So a
key is built from the *public* target, the way a client names it: scheme,
the ``Host`` field (never the server's own address, which differs per
instance), path and query, each normalised:

* scheme and host lower-case, the default port (80 for http, 443 for https)
  and an empty port removed (RFC 9110 §4.2.3, RFC 3986 §6.2.3);
* percent-encodings of unreserved characters decoded, every other one
  upper-cased, and characters that may not appear raw percent-encoded as
  UTF-8, so ``%7e`` is ``~``, ``%2f`` is ``%2F`` (still not ``/``) and
  ``é`` is ``%C3%A9`` (RFC 3986 §6.2.2.1-2);
* dot-segments removed and an empty path made ``/`` (§6.2.2.3, §6.2.3).

A key has two parts. The *path key* (``https://example.com/items/1``) is the
scope of a generation: a write to a path invalidates every query and Vary
variant of it at once. The *target* adds the query, and a variant adds the
values of the request fields the response ``Vary``-ies on, so variants never
share an entry.

Nothing here raises on what a client sent: a malformed or oversized value
gives ``None`` (no key: the request does not use the store), and the work is
linear in input that is itself bounded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final, NamedTuple
from urllib.parse import urljoin, urlsplit

__all__ = [
    "MAX_PREFIX_DEPTH",
    "MAX_TARGET_LENGTH",
    "HeaderLookup",
    "Headers",
    "KeyFunction",
    "KeyRequest",
    "RequestKey",
    "StoreKey",
    "default_key",
    "encode_path",
    "invalidation_paths",
    "normalize_host",
    "parse_vary",
    "path_key",
    "path_prefixes",
    "reference_path_key",
    "request_key",
    "response_vary",
    "round_prefix",
    "storable",
    "vary_fields",
]

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
"""Response header fields: a mapping, or ``(name, value)`` pairs (a name may repeat)."""

MAX_TARGET_LENGTH: Final = 8192
"""The longest path plus query, in characters, that gets a key (longer: no key)."""

MAX_PREFIX_DEPTH: Final = 8
"""How many ``/``-ended prefixes of a path key have a generation (see :func:`path_prefixes`)."""

_MAX_HOST: Final = 300  # a DNS name is at most 253 octets; room for a port and brackets
_MAX_USER: Final = 1024
_MAX_VARIANT: Final = 16384  # Vary'd field values, all together
_MAX_VARY_NAMES: Final = 32
_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}

_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,15}")
# host = IP-literal / IPv4address / reg-name, then [ ":" port ] (RFC 3986 §3.2.2-3).
# A reg-name may hold unreserved characters and sub-delims; a percent-encoded
# or non-ASCII Host is not what a client sends for a DNS name (IDNs travel as
# A-labels), so it gets no key rather than a guess. IPvFuture likewise.
_HOST: Final = re.compile(
    r"(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9\-._~!$&'()*+,;=]+)(?::([0-9]{0,5}))?"
)
_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# pchar = unreserved / pct-encoded / sub-delims / ":" / "@"; a path adds "/",
# a query adds "/" and "?" (RFC 3986 §3.3-3.4). Anything else, "%" not
# starting a triplet included, is percent-encoded.
_PATH_CHUNK: Final = re.compile(r"%([0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/]")
_QUERY_CHUNK: Final = re.compile(r"%([0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?]")
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]{1,64}")  # field-name, lower-cased
_SCHEME_START: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:/{1,2}")
_OWS: Final = " \t"


class StoreKey(NamedTuple):
    """Where a store keeps one entry: the generation scope and the entry within it.

    Attributes:
        path: The path key (see :func:`path_key`): invalidating it makes every
            entry whose ``path`` it is a miss.
        variant: What tells this entry from the others of the path (target,
            user, Vary'd values), as an unambiguous string.
    """

    path: str
    variant: str


class RequestKey(NamedTuple):
    """The key of one request's target, before the response's ``Vary`` is known.

    Build it with :func:`request_key`. ``entry()`` is where the target's own
    record lives; ``variant()`` where the validators of one Vary variant live.

    Attributes:
        path: The normalised ``scheme://host/path``: the generation scope.
        target: ``path`` plus ``?query`` when there is a query.
        user: A user component (from a key function), or ``None``. With it, a
            ``Cache-Control: private`` response may be stored, per user.
    """

    path: str
    target: str
    user: str | None = None

    def entry(self) -> StoreKey:
        """The key of the target's own record (its validators, or the names it varies on)."""
        return StoreKey(self.path, json.dumps([self.target, self.user]))

    def variant(self, fields: Sequence[tuple[str, str | None]]) -> StoreKey | None:
        """The key of one variant: the target plus the Vary'd request fields.

        Args:
            fields: From :func:`vary_fields`: lower-case names and trimmed
                values, ``None`` for a field the request lacks.

        Returns:
            The key, or ``None`` when the values are too long to key on
            (16 KiB together): that variant is then not stored.
        """
        if sum(len(name) + len(value or "") for name, value in fields) > _MAX_VARIANT:
            return None
        return StoreKey(self.path, json.dumps([self.target, self.user, [list(f) for f in fields]]))


HeaderLookup = Callable[[str], str | None]
"""A request's header field by lower-case name (repeated lines joined with commas), or ``None``.

``dict.get`` on a dict of lower-case names is one; a WSGI adapter can read
``environ["HTTP_" + name.upper().replace("-", "_")]``.
"""


class KeyRequest(NamedTuple):
    """What a key function is given: the request's public target, as plain strings.

    Attributes:
        scheme: ``"http"`` or ``"https"`` as the client used it (behind a
            proxy, what the proxy reports).
        host: The ``Host`` field (or HTTP/2 ``:authority``), unmodified.
        path: The path as sent, percent-encoded (see :func:`encode_path` for
            an already decoded one).
        query: The query without ``?``; ``""`` when there is none.
        header: The request's other fields.
    """

    scheme: str
    host: str
    path: str
    query: str
    header: HeaderLookup


KeyFunction = Callable[[KeyRequest], RequestKey | None]
"""A key function: ``key(request: KeyRequest) -> RequestKey | None``.

Return a key built with :func:`request_key` (give ``host=`` a canonical name
to merge host aliases, ``user=`` to store per-user responses), or ``None`` to
keep the request away from the store. It must not raise for any client input.
"""


def default_key(request: KeyRequest) -> RequestKey | None:
    """The key condget uses unless given another: :func:`request_key` of the target."""
    return request_key(request.scheme, request.host, request.path, request.query)


def normalize_host(host: str, scheme: str = "http") -> str | None:
    """``host[:port]`` lower-cased with the scheme's default port dropped, or ``None`` if malformed.

    ``EXAMPLE.com:80`` is ``example.com`` for http, ``example.com:0443`` is
    ``example.com`` for https, ``[::1]:8080`` stays; a port above 65535, an
    empty host, a percent-encoded or non-ASCII one gives ``None``.
    """
    if len(host) > _MAX_HOST:
        return None
    match = _HOST.fullmatch(host.strip(_OWS))
    if match is None:
        return None
    name, port = match[1].lower(), match[2]
    if not port:  # absent, or empty: "example.com:" is example.com (RFC 3986 §6.2.3)
        return name
    number = int(port)
    if number > 65535:
        return None
    if number == _DEFAULT_PORTS.get(scheme.lower()):
        return name
    return f"{name}:{number}"


def _normalize(text: str, chunk: re.Pattern[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        triplet = match[1]
        if triplet is not None:
            character = chr(int(triplet, 16))
            return character if character in _UNRESERVED else f"%{triplet.upper()}"
        # A character that may not appear raw: its UTF-8 octets, encoded.
        octets = match[0].encode("utf-8", "surrogatepass")
        return "".join(f"%{octet:02X}" for octet in octets)

    return chunk.sub(replace, text)


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 §5.2.4 for an absolute path, in one pass over the segments.
    if "." not in path:
        return path
    segments = path.split("/")[1:]
    output: list[str] = []
    for segment in segments:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")  # "/a/." and "/a/b/.." end in "/"
    return "/" + "/".join(output)


def encode_path(path: str | bytes) -> str:
    """Percent-encode an already *decoded* path, so :func:`request_key` reads it literally.

    Use it when the server gives only a decoded path: ASGI's ``scope["path"]``
    (a ``str``) without ``raw_path``, or WSGI's ``SCRIPT_NAME + PATH_INFO``
    (pass ``.encode("latin-1")``: PEP 3333 strings carry the octets). Every
    ``%`` becomes ``%25``, so a literal ``%41`` stays three characters.

    The key must follow what the application routes on: an app that sees the
    decoded path cannot tell ``/a%2Fb`` from ``/a/b``, so for it both must be
    one key, or a write through one spelling would leave the other's
    validators in place. Encoding the decoded path gives exactly that.
    """
    octets = path if isinstance(path, bytes) else path.encode("utf-8", "surrogatepass")
    encoded = []
    for octet in octets:
        character = chr(octet)
        keep = character in _UNRESERVED or character in "!$&'()*+,;=:@/"
        encoded.append(character if keep else f"%{octet:02X}")
    return "".join(encoded)


def request_key(
    scheme: str,
    host: str,
    path: str,
    query: str = "",
    *,
    user: str | None = None,
) -> RequestKey | None:
    """The normalised key of a request target, or ``None`` when it cannot have one.

    Args:
        scheme: ``http`` or ``https`` (any case).
        host: The ``Host`` field as received.
        path: The path, percent-encoded as sent (``raw_path``, ``RAW_URI``),
            starting with ``/``; ``""`` means ``/``.
        query: The query string without ``?``.
        user: A user component, for per-user (``private``) responses.

    Returns:
        The key; ``None`` for a malformed or oversized scheme, host, path or
        user (the request then simply does not use the store).
    """
    if len(path) + len(query) > MAX_TARGET_LENGTH:
        return None
    if user is not None and len(user) > _MAX_USER:
        return None
    if _SCHEME.fullmatch(scheme) is None:
        return None
    scheme = scheme.lower()
    authority = normalize_host(host, scheme)
    if authority is None:
        return None
    if not path:
        path = "/"
    elif not path.startswith("/"):
        return None  # "*" (OPTIONS) or an absolute-form target
    normal_path = _remove_dot_segments(_normalize(path, _PATH_CHUNK))
    base = f"{scheme}://{authority}{normal_path}"
    target = f"{base}?{_normalize(query, _QUERY_CHUNK)}" if query else base
    return RequestKey(base, target, user)


def path_key(url: str) -> str | None:
    """The path key of an absolute ``http(s)`` URL (query and fragment dropped), or ``None``.

    This is what :meth:`ValidatorStore.invalidate` does with a URL, so that
    ``store.invalidate("https://EXAMPLE.com:443/items/%31")`` hits the key of
    ``https://example.com/items/1``.
    """
    if len(url) > MAX_TARGET_LENGTH + _MAX_HOST + 32:
        return None
    try:
        parts = urlsplit(url.strip(_OWS))
    except ValueError:  # an unclosed "[" in the authority
        return None
    if not parts.scheme or not parts.netloc:
        return None
    # The authority as written: urlsplit's hostname drops userinfo, brackets.
    authority = parts.netloc.rpartition("@")[2]
    key = request_key(parts.scheme, authority, parts.path)
    return None if key is None else key.path


def reference_path_key(reference: str, base: RequestKey) -> str | None:
    """The path key of a ``Location`` or ``Content-Location`` value, resolved against the request.

    A relative reference (``/items/5``, ``5``, ``../x``) is resolved against
    the request's target (RFC 9110 §10.2.2, §8.7); ``None`` when it does not
    resolve to a keyable ``http(s)`` URL.
    """
    if len(reference) > MAX_TARGET_LENGTH:
        return None
    try:
        resolved = urljoin(base.target, reference.strip(_OWS))
    except ValueError:
        return None
    return path_key(resolved)


def _boundaries(key: str, limit: int) -> list[int]:
    # The "/" positions that end a prefix. Whether a "/" counts depends only
    # on the characters up to it, so a prefix of a key has exactly the key's
    # boundaries that fall inside it: "https:/" and "https://" are not
    # boundaries, the "/" after the authority is the first.
    found: list[int] = []
    start = 0
    scheme = _SCHEME_START.match(key)
    if scheme is not None:
        start = scheme.end()
    index = key.find("/", start)
    while index != -1 and len(found) < limit:
        found.append(index)
        index = key.find("/", index + 1)
    return found


def path_prefixes(path: str) -> list[str]:
    """The prefixes of a path key that a prefix invalidation can name, shortest first.

    Each ends just after a ``/`` past the scheme: for
    ``https://example.com/a/b`` they are ``https://example.com/`` and
    ``https://example.com/a/``. Only the first :data:`MAX_PREFIX_DEPTH`
    count; a deeper prefix is rounded up to the deepest one that counts (see
    :func:`round_prefix`), which invalidates more, never less.
    """
    return [path[: index + 1] for index in _boundaries(path, MAX_PREFIX_DEPTH)]


def round_prefix(prefix: str) -> str:
    """The prefix generation a ``invalidate_prefix(prefix)`` call bumps.

    Every path key that starts with ``prefix`` has the result among its
    :func:`path_prefixes` (or the result is ``""``, which every key has): the
    prefix is cut after its last ``/`` (at most :data:`MAX_PREFIX_DEPTH`
    deep), then, if it is an absolute ``http(s)`` URL, normalised like a key.
    ``"https://example.com/items/1"`` gives ``"https://example.com/items/"``;
    ``"https://example.com"`` gives ``""`` (everything).
    """
    boundaries = _boundaries(prefix, MAX_PREFIX_DEPTH)
    if not boundaries:
        return ""
    cut = prefix[: boundaries[-1] + 1]
    normal = path_key(cut)
    return cut if normal is None else normal


def parse_vary(values: Iterable[str]) -> tuple[str, ...] | None:
    """The field names of ``Vary`` values, lower-cased, sorted, once each; ``None`` for ``*``.

    ``None`` also when a name is not a token or there are more than 32: a
    response the store cannot key exactly is one it does not store.
    """
    names: set[str] = set()
    for value in values:
        for item in value.split(","):
            name = item.strip(_OWS).lower()
            if not name:
                continue
            if _TOKEN.fullmatch(name) is None or name == "*":
                return None
            names.add(name)
            if len(names) > _MAX_VARY_NAMES:
                return None
    return tuple(sorted(names))


def vary_fields(names: Iterable[str], header: HeaderLookup) -> tuple[tuple[str, str | None], ...]:
    """The request's values of the Vary'd fields: ``(name, trimmed value or None)`` pairs."""
    fields = []
    for name in names:
        value = header(name)
        fields.append((name, None if value is None else value.strip(_OWS)))
    return tuple(fields)


def _pairs(headers: Headers) -> Iterable[tuple[str, str]]:
    if isinstance(headers, Mapping):
        items: Iterable[tuple[str, str]] = headers.items()
        return items
    return headers


def _values(headers: Headers, wanted: str) -> list[str]:
    return [value for name, value in _pairs(headers) if name.lower() == wanted]


def response_vary(headers: Headers) -> tuple[str, ...] | None:
    """The :func:`parse_vary` names of a response's ``Vary`` fields (``()`` without one)."""
    return parse_vary(_values(headers, "vary"))


def storable(headers: Headers, *, private_ok: bool = False) -> bool:
    """Whether a response's validators may go into a shared store.

    Never for ``Vary: *`` (or a Vary the store cannot key), ``Cache-Control:
    no-store``, or ``private`` unless the key has a user component
    (``private_ok``). The caller also checks the status (a 2xx GET).
    """
    if response_vary(headers) is None:
        return False
    for value in _values(headers, "cache-control"):
        for directive in value.split(","):
            name = directive.partition("=")[0].strip(_OWS).lower()
            if name == "no-store" or (name == "private" and not private_ok):
                return False
    return True


def invalidation_paths(key: RequestKey, headers: Headers) -> list[str]:
    """The path keys a successful unsafe request invalidates.

    Its own path, and those its ``Content-Location`` and ``Location`` name
    (RFC 9111 §4.4 asks the same of caches), resolved against the request.
    """
    paths = [key.path]
    for name in ("content-location", "location"):
        for value in _values(headers, name)[:1]:
            path = reference_path_key(value, key)
            if path is not None and path not in paths:
                paths.append(path)
    return paths

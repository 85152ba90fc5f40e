"""A Flask JSON API with optimistic concurrency: no lost updates, thanks to If-Match.

Run it with ``flask --app examples/flask_api.py run`` or
``gunicorn --chdir examples flask_api:app``. Every item has a version; its
ETag is ``"<version>"``.

- ``GET /items/1`` returns the item and its ETag. Revalidating with
  ``If-None-Match`` gets 304 without the view running.
- ``PUT /items/1`` must say which version it replaces, with ``If-Match``:
  a stale version gets **412** and the item is unchanged; no ``If-Match`` at
  all gets **428 Precondition Required** (RFC 6585). The check runs before
  the view (R36), so a refused write never happens.
- ``PUT /items/<new id>`` with ``If-None-Match: *`` creates an item only if it
  does not exist yet (RFC 9110 §13.1.2).
- ``DELETE /items/1`` needs ``If-Match`` too.

A client's update loop::

    GET /items/1                 -> 200, ETag: "1"
    PUT /items/1, If-Match: "1"  -> 200, ETag: "2"
    PUT /items/1, If-Match: "1"  -> 412 (someone else's change would be lost)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask, Response, abort, jsonify, request
from flask.typing import ResponseReturnValue

from condget import Validators
from condget.flask import conditional


@dataclass
class Item:
    name: str
    version: int = 1


# The "database". A real store would also make the write itself conditional
# (UPDATE ... WHERE version = ?) to close the gap between check and write.
ITEMS: dict[int, Item] = {1: Item("first item")}
_lock = threading.Lock()

app = Flask(__name__)


def etag_of(item: Item) -> str:
    return f'"{item.version}"'


def item_validators(item_id: int) -> Validators:
    """The item's validators, computed from the URL before the view runs."""
    with _lock:
        item = ITEMS.get(item_id)
        if item is None:
            # No current representation: If-Match fails, If-None-Match: * passes.
            return Validators(exists=False)
        return Validators(etag_of(item), headers=[("Cache-Control", "no-cache")])


def as_json(item: Item, status: int = 200) -> Response:
    response = jsonify(name=item.name, version=item.version)
    response.status_code = status
    response.headers["ETag"] = etag_of(item)  # the new version after a write
    return response


@app.route("/items/<int:item_id>", methods=["GET", "PUT", "DELETE"])
@conditional(item_validators, require_precondition=True)
def item(item_id: int) -> ResponseReturnValue:
    with _lock:
        current = ITEMS.get(item_id)
        if request.method == "GET":
            if current is None:
                abort(404)
            return as_json(current)
        if request.method == "DELETE":
            if current is None:
                abort(404)
            del ITEMS[item_id]
            return "", 204
        name = str(request.get_json(force=True)["name"])
        if current is None:
            ITEMS[item_id] = Item(name)
            return as_json(ITEMS[item_id], 201)
        current.name = name
        current.version += 1
        return as_json(current)

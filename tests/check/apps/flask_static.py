"""A plain Flask app, no condget: its static route is Werkzeug's ``send_file``, conditional."""

from __future__ import annotations

from flask import Flask

from tests.check.site import static_directory

app = Flask(__name__, static_folder=static_directory(), static_url_path="/static")

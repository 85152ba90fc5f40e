"""The apps ``condget check`` is tested against, each run by a real server (tests/check/servers.py).

One module per app, imported only by the server process that serves it: the
Django one configures Django's settings on import.
"""

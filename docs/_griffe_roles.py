"""Griffe extension: Sphinx-style roles in condget's docstrings become API links.

condget's docstrings name other objects the way Sphinx does
(``:class:`condget.Validators```, ``:func:`parse_etag_list```), which
mkdocstrings would print as they stand. Before the docstrings are rendered,
each role becomes an autorefs cross-reference to the object's *public* path
(``condget._etag.ETag`` is documented as ``condget.ETag``), or plain code when
the object is not on the reference page (private, undocumented, or outside
condget), so ``mkdocs build --strict`` never meets a dangling link.

Loaded by ``mkdocs.yml`` (``plugins.mkdocstrings...extensions``).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj):`~?([\w.]+)`")


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`name``` in every docstring of the package."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Rewrite the roles once the whole package, with its aliases, is loaded."""
        # condget/__init__.py re-exports names from private modules: link to
        # the public name, the one the reference page renders.
        public = {
            member.target_path: member.path
            for name, member in pkg.members.items()
            if isinstance(member, griffe.Alias) and not name.startswith("_")
        }
        for obj in _walk(pkg):
            if obj.docstring is not None:
                obj.docstring.value = _ROLE.sub(
                    functools.partial(_link, obj, public=public, loader=loader),
                    obj.docstring.value,
                )


def _walk(obj: griffe.Object) -> list[griffe.Object]:
    found = [obj]
    for member in obj.members.values():
        if isinstance(member, griffe.Object):  # aliases are documented where they point
            found.extend(_walk(member))
    return found


def _link(
    obj: griffe.Object,
    role: re.Match[str],
    *,
    public: dict[str, str],
    loader: griffe.GriffeLoader,
) -> str:
    name = role[1]
    code = f"`{name}`"
    try:
        path = name if name.split(".")[0] == "condget" else obj.resolve(name)
    except griffe.NameResolutionError:
        return code
    for canonical, exported in public.items():
        if path == canonical or path.startswith(canonical + "."):
            path = exported + path[len(canonical) :]
            break
    if any(part.startswith("_") for part in path.split(".")):
        return code  # not rendered: private
    try:
        target = loader.modules_collection[path]
    except KeyError:
        return code  # outside condget, or not a real object
    if not target.has_docstring:
        return code  # not rendered: mkdocstrings skips undocumented members
    return f"[{code}][{path}]"

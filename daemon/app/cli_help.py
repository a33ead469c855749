"""The command's help in the admin's language.

Typer takes a command's help from its function's docstring and an option's from its
``help=``; both stay English in the code, where they read as documentation. The catalog
gets them from :func:`extract`, the Babel extractor ``daemon/locale/babel.cfg`` names for the
CLI's modules (Babel's own extractor reads the docstrings of no function), and
:func:`translate` puts each in the language spoken now into the command tree, just before
the help is shown: from ``cli.main`` for ``facturier --help`` (the environment's language),
from the main callback for a command's (the settings' language, read by then). The titles
and marks that Typer writes itself (Options, Commands, [default: …]) are translated too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any

from typer import rich_utils

from daemon.domain.i18n import N_, _

_TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "DEPRECATED_STRING": N_("(deprecated) "),
}
"""Typer's own words on a help page (module constants of ``typer.rich_utils``)."""

HELP_OPTION = N_("Show this message and exit.")
"""The help of ``--help``, which Typer adds to every command."""

_ENGLISH = "_facturier_english_help"
_ENGLISH_METAVAR = "_facturier_english_metavar"


def translate(command: Any, ctx: Any) -> None:
    """Every help text of ``command`` and the commands under it (a Typer command tree, as
    ``typer.main.get_command`` makes it) in the language spoken now; the English text each
    came with is kept on it, so that a later call in another language starts from it."""
    say_typer_words()
    seen: set[int] = set()
    stack = [command]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        _translate_one(current)
        params = list(current.params)
        helper = current.get_help_option(ctx)
        if helper is not None:
            params.append(helper)
        for param in params:
            _translate_one(param)
        if hasattr(current, "list_commands"):
            stack += [current.get_command(ctx, n) for n in current.list_commands(ctx)]


def say_typer_words() -> None:
    """Typer's own words on a help page in the language spoken now."""
    for name, english in _TYPER_WORDS.items():
        setattr(rich_utils, name, _(english))


def _translate_one(item: Any) -> None:
    english = item.__dict__.setdefault(_ENGLISH, getattr(item, "help", None))
    if english:
        item.help = _(english)
    metavar = item.__dict__.setdefault(_ENGLISH_METAVAR, getattr(item, "metavar", None))
    if isinstance(metavar, str) and metavar:
        item.metavar = _(metavar)


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    """The Babel extractor for the CLI's modules: what Babel's Python extractor finds, then
    the docstring of each function decorated as a command or a callback, and each literal
    ``help=`` text."""
    from babel.messages.extract import extract_python  # the catalog's tooling, not the CLI's

    yield from extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_command(node):
            doc = ast.get_docstring(node, clean=True)
            if doc and node.body:
                yield node.body[0].lineno, "", doc, []
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if (
                    keyword.arg == "help"
                    and isinstance(keyword.value, ast.Constant)
                    and isinstance(keyword.value.value, str)
                ):
                    yield keyword.value.lineno, "", keyword.value.value, []


def _is_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ("command", "callback"):
            return True
    return False

"""A command line `facturier` cannot take (an unknown option or command, a missing argument,
a value of the wrong kind), said as every other failure is: one line in the operator's
language naming what is wrong and where the help is, instead of Typer's English panel.

Typer raises click's exceptions (from its own copy of click since Typer 0.20, from click
before): they are told apart by their class's name and read by the attributes click
documents for them (``option_name``, ``possibilities``, ``param``, ``message``, ``ctx``), so
either source reads the same. A kind this does not know keeps click's own words, in the same
line.
"""

from __future__ import annotations

import re
from typing import Any

from daemon.domain.i18n import N_, _

_NO_SUCH_COMMAND = re.compile(r"No such command '(.+?)'\.")
_SUGGESTED = re.compile(r"Did you mean (.+?)\?")
_EXTRA = re.compile(r"Got unexpected extra arguments?(?:\(s\))? \((.*)\)")
# what the value's check says (Typer checks values with pydantic: pydantic-core's messages),
# in our words; a message of our own (a callback's) comes after pydantic's "Value error, "
_CHECKS = (
    (re.compile(r"Input should be a valid integer\b"), N_("a whole number is expected")),
    (re.compile(r"Input should be a valid number\b"), N_("a number is expected")),
    (re.compile(r"Input should be greater than or equal to (?P<n>\S+)"), N_("at least {n}")),
    (re.compile(r"Input should be less than or equal to (?P<n>\S+)"), N_("at most {n}")),
    (re.compile(r"Input should be greater than (?P<n>\S+)"), N_("more than {n}")),
    (re.compile(r"Input should be less than (?P<n>\S+)"), N_("less than {n}")),
    # Typer's own check of a date (``formats=["%Y-%m-%d"]``)
    (
        re.compile(r"'(?P<value>.*)' does not match the formats? '%Y-%m-%d'\.?$"),
        N_("{value} is not a YYYY-MM-DD date"),
    ),
    # Typer's own check of a choice
    (
        re.compile(r"(?P<value>.+?) is not one of (?P<choices>.+?)\.?$"),
        N_("{value} is not one of {choices}"),
    ),
)


def _names(exc: BaseException) -> set[str]:
    return {kind.__name__ for kind in type(exc).__mro__}


def is_usage_error(exc: BaseException) -> bool:
    """Whether ``exc`` is click's refusal of a command line (a usage error)."""
    return "UsageError" in _names(exc) and hasattr(exc, "exit_code")


def _param_name(param: Any) -> str:
    if param is None:
        return "?"
    if getattr(param, "param_type_name", "") == "option" and getattr(param, "opts", None):
        return str(param.opts[0])
    return str(getattr(param, "name", None) or "?").upper()


def _why(message: str) -> str:
    """Why a value is refused, in the operator's language where the words are known."""
    message = message.removeprefix("Value error, ")
    for pattern, said in _CHECKS:
        m = pattern.match(message)
        if m:
            return _(said).format(**m.groupdict())
    return message


def _did_you_mean(names: list[str]) -> str:
    return " " + _("(did you mean {names}?)").format(names=", ".join(names)) if names else ""


def what_is_wrong(exc: BaseException) -> str:
    """What is wrong with the command line, in the operator's language."""
    kinds = _names(exc)
    message = str(getattr(exc, "message", "") or exc)
    if "NoSuchOption" in kinds:
        option = str(getattr(exc, "option_name", "") or "?")
        return _("no such option {option}").format(option=option) + _did_you_mean(
            sorted(getattr(exc, "possibilities", None) or [])
        )
    if "MissingParameter" in kinds:
        param = getattr(exc, "param", None)
        name = _param_name(param)
        if getattr(param, "param_type_name", "") == "option":
            return _("the option {name} is missing").format(name=name)
        return _("the argument {name} is missing").format(name=name)
    if "BadParameter" in kinds:
        param = getattr(exc, "param", None)
        name = _param_name(param) if param is not None else getattr(exc, "param_hint", "?")
        return _("{name}: {why}").format(name=name, why=_why(message))
    if "BadOptionUsage" in kinds and "requires an argument" in message:
        option = str(getattr(exc, "option_name", "") or "?")
        return _("the option {option} needs a value").format(option=option)
    unknown = _NO_SUCH_COMMAND.search(message)
    if unknown:
        suggested = _SUGGESTED.search(message)
        names = [n.strip() for n in suggested[1].split(",")] if suggested else []
        return _("no such command {name}").format(name=unknown[1]) + _did_you_mean(names)
    extra = _EXTRA.search(message)
    if extra:
        return _("unexpected argument(s): {arguments}").format(arguments=extra[1])
    return message


def usage_line(exc: BaseException) -> str:
    """The one line that says what is wrong with the command line and where the help is."""
    ctx = getattr(exc, "ctx", None)
    command = str(getattr(ctx, "command_path", "") or "facturier")
    return _("error: {message}").format(
        message=_("{command}: {wrong} (see {command} --help)").format(
            command=command, wrong=what_is_wrong(exc)
        )
    )

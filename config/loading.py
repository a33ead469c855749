"""Reading the settings: the TOML file (or ``./facturier.toml``), the environment over it, paths
made absolute against the file's folder, each mistake said in the admin's words; and the
settings shown with their secrets masked."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    SecretStr,
    ValidationError,
)

from config.errors import N_, ConfigError
from config.fields import SQLITE_PREFIX
from config.settings import Settings

DEFAULT_CONFIG_PATH = Path("facturier.toml")


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():  # a pipe waits for ever for a writer, /dev/zero never ends
        raise ConfigError(N_("not a regular file (a pipe, a socket or a device)"), source=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(N_("cannot read: {why}"), source=path, why=exc.strerror) from exc
    try:
        # TOML 1.0 is UTF-8; the byte-order mark some Windows editors put first is no content
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        raise ConfigError(
            N_("line {line}: not UTF-8 (byte 0x{byte:02X} at column {column}): save it as UTF-8"),
            source=path,
            line=before.count(b"\n") + 1,
            byte=data[exc.start],
            column=exc.start - (before.rfind(b"\n") + 1) + 1,
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(N_("not valid TOML: {error}"), source=path, error=exc) from exc


def settings_file(path: Path | None) -> Path | None:
    """The file :func:`load_settings` reads for ``path``: the one named, else
    ``./facturier.toml`` where there is one; None when defaults and the environment alone
    apply."""
    if path is not None:
        return path
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


# what pydantic found wrong with a setting, by its error type (pydantic-core's documented
# types), in our words: said in the admin's language, its values (a bound, the choices) kept
_CHECKS = {
    "greater_than": N_("must be more than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "int_parsing": N_("a whole number is expected"),
    "int_type": N_("a whole number is expected"),
    "int_from_float": N_("a whole number is expected"),
    "float_parsing": N_("a number is expected"),
    "float_type": N_("a number is expected"),
    "decimal_parsing": N_("a number is expected"),
    "decimal_type": N_("a number is expected"),
    "decimal_max_digits": N_("at most {max_digits} digits"),
    "decimal_max_places": N_("at most {decimal_places} decimals"),
    "decimal_whole_digits": N_("at most {whole_digits} digits before the point"),
    "time_parsing": N_("a time as HH:MM is expected"),
    "time_type": N_("a time as HH:MM is expected"),
    "string_too_long": N_("at most {max_length} characters"),
    "string_too_short": N_("at least {min_length} characters"),
    "path_type": N_("a path in quotes is expected"),
    "list_type": N_("a list in brackets is expected"),
    "dict_type": N_("a table is expected"),
    "model_type": N_("a table is expected"),
    "bool_parsing": N_("true or false is expected"),
    "bool_type": N_("true or false is expected"),
    "string_type": N_("a text in quotes is expected"),
    "literal_error": N_("must be one of {expected}"),
    "enum": N_("must be one of {expected}"),
    "extra_forbidden": N_("no such setting: check its name and its [section]"),
    "missing": N_("must be set"),
}


def load_settings(path: Path | None = None, *, required: bool = False) -> Settings:
    """Load the settings from ``path`` (default ``./facturier.toml``) and the environment.

    A missing default file is not an error (defaults plus environment apply) unless
    ``required``; a missing explicitly named file is. Relative paths in the file are
    resolved against the file's folder.
    """
    explicit = path is not None
    path = path if path is not None else DEFAULT_CONFIG_PATH
    data: dict[str, Any] = {}
    if path.exists():
        data = _read_toml(path)
    elif explicit or required:
        raise ConfigError(N_("file not found"), source=path)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        first, *rest = [_config_error(e, path) for e in exc.errors()[:MAX_SAID]]
        first.also = tuple(rest)
        raise first from exc
    return _resolve_paths(settings, (path.parent if path.exists() else Path.cwd()).resolve())


MAX_SAID = 5
"""The most problems one refusal names (a file with more has them told five at a time)."""


def _config_error(found: Any, path: Path) -> ConfigError:
    """One problem pydantic found, in the admin's words: the setting, what is wrong with it,
    and where it came from (the file, or the variable that overrides it)."""
    key = ".".join(str(p) for p in found["loc"])
    env_name = "FACTURIER_" + "__".join(str(p).upper() for p in found["loc"])
    error = (found.get("ctx") or {}).get("error")
    ours = found["type"] == "value_error" and isinstance(error, ValueError)
    known = _CHECKS.get(found["type"])
    detail: object = found["msg"]
    if ours:
        detail = str(error)
    elif known is not None:
        values = {k: str(v) for k, v in (found.get("ctx") or {}).items()}
        if "expected" in values:  # pydantic joins the choices with an English "or"
            values["expected"] = values["expected"].replace(" or ", ", ")
        detail = (known, values)
    return ConfigError(
        N_("{detail} (from {where} or ${variable})"),
        key=key,
        source=path,
        translated=("detail", "where") if ours or known else ("where",),
        detail=detail,
        where=str(path) if path.exists() else N_("defaults"),
        variable=env_name,
    )


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    def fix(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else (base / p)

    updates: list[tuple[BaseModel, str]] = [
        (settings.archive, "path"),
        (settings.archive, "inbound_path"),
        (settings.archive, "signing_key_file"),
        (settings.archive, "head_export"),
        (settings.ingest, "watch"),
        (settings.ingest, "rejected"),
        (settings.ingest, "store"),
        (settings.imap, "maildir"),
        (settings.imap, "sent_maildir"),
        (settings.imap, "password_file"),
        (settings.smtp, "password_file"),
        (settings.sender, "verp_secret_file"),
        (settings.sender, "verp_key_file"),
        (settings.campaign, "secret_file"),
        (settings.dkim, "key_file"),
        (settings.templates, "directory"),
    ]
    updates.append((settings.compliance, "artifacts"))
    extra_base = settings.compliance.artifacts or base
    settings.compliance.extra = {
        prefix: [p if p.is_absolute() else extra_base / p for p in paths]
        for prefix, paths in settings.compliance.extra.items()
    }
    for section, name in updates:
        value = getattr(section, name)
        fixed = fix(value)
        if fixed is not None:
            setattr(section, name, fixed)
    url = settings.database.url
    prefix = SQLITE_PREFIX
    if url.startswith(prefix) and not url[len(prefix) :].startswith("/") and ":memory:" not in url:
        settings.database.url = prefix + str(base / url[len(prefix) :])
    return settings


def masked_dump(settings: Settings) -> str:
    """The resolved settings as JSON, secrets shown as ``**********``."""
    data = settings.model_dump(mode="json")

    def mask(obj: Any, model: Any) -> Any:
        if isinstance(model, BaseModel):
            out = {}
            for key, value in obj.items():
                attr = getattr(model, key)
                if isinstance(attr, SecretStr):
                    out[key] = "**********"
                else:
                    out[key] = mask(value, attr)
            return out
        return obj

    masked = mask(data, settings)
    url = masked["database"]["url"]
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            masked["database"]["url"] = f"{scheme}://{creds.split(':', 1)[0]}:**********@{host}"
    return json.dumps(masked, indent=2, ensure_ascii=False)

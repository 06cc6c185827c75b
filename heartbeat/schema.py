"""How a config section is declared: a dataclass whose fields say type, default, help and allowed values.

Each section (data, train, run in config.py; model in model.py) is one such dataclass. Its fields are the
only declaration of a key: loading, `--set` overrides, validation, docs/config.md and the code that uses
the value all read them.
"""
import math
import types
import typing
from dataclasses import MISSING, field, fields


def option(default, help, choices=None, minimum=None):
    """A config key: its default, a help line, and optionally the allowed values or the smallest one."""
    factory = (lambda: list(default)) if isinstance(default, list) else None
    meta = {"help": help, "choices": choices, "minimum": minimum}
    return field(default_factory=factory, metadata=meta) if factory else field(default=default, metadata=meta)


def default_of(f):
    return f.default_factory() if f.default is MISSING else f.default


def check_fields(obj, section):
    """Check (and normalise: an int where a float is declared becomes a float) every field of a section
    instance against its declaration; ValueError naming section.key otherwise."""
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        name, value = f"{section}.{f.name}", getattr(obj, f.name)
        value = _typed(name, value, hints[f.name])
        setattr(obj, f.name, value)
        choices, minimum = f.metadata.get("choices"), f.metadata.get("minimum")
        if choices and value not in choices:
            raise ValueError(f"{name} = {value!r}: must be one of {', '.join(map(str, choices))}")
        if minimum is not None and value is not None and value < minimum:
            raise ValueError(f"{name} must be at least {minimum}")


def type_name(hint):
    """'int', 'str or null', 'list of float': how the docs and errors name a declared type."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in args if a is not type(None)) + (" or null" if type(None) in args
                                                                                else "")
    if typing.get_origin(hint) is list:
        return f"list of {type_name(args[0])}"
    return hint.__name__


def _typed(name, value, hint):
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):  # e.g. int | None, str | list[str]
        if value is None and type(None) in args:
            return None
        for alternative in (a for a in args if a is not type(None)):
            try:
                return _typed(name, value, alternative)
            except ValueError:
                pass
        raise ValueError(f"{name} = {value!r}: expected {type_name(hint)}")
    if typing.get_origin(hint) is list:
        if not isinstance(value, list):
            raise ValueError(f"{name} = {value!r}: expected {type_name(hint)}")
        return [_typed(name, v, typing.get_args(hint)[0]) for v in value]
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"{name} = {value!r}: expected a finite number")
        return float(value)
    if not isinstance(value, hint) or (isinstance(value, bool) and hint is not bool):
        raise ValueError(f"{name} = {value!r}: expected {type_name(hint)}")
    return value

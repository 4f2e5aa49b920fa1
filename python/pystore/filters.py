"""PyStore/pyarrow DNF filters -> the normalised form the C extension turns
into a ps_expr tree with ps_expr_* constructors (never through text, so
values with quotes are safe).

    [(col, op, value), ...]            AND
    [[(...), ...], [(...), ...]]       OR of ANDs
    ops: == = != < <= > >= in "not in"

Values: int/float/bool/str pass through (NumPy scalars are unwrapped);
datetime/date/pd.Timestamp/np.datetime64 become ISO-8601 text with full
nanosecond precision (aware values in UTC with 'Z'), which libpystore parses
against timestamp columns. ``(col, "==", None)`` is "is null" and
``(col, "!=", None)`` "is not null".
"""
import datetime as _dt
import numbers

import numpy as np
import pandas as pd

from .exceptions import ValidationError

OPS = ("==", "=", "!=", "<", "<=", ">", ">=", "in", "not in")


def _iso(ts):
    ts = pd.Timestamp(ts)
    z = ""
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
        z = "Z"
    s = ts.strftime("%Y-%m-%dT%H:%M:%S")
    frac = ts.microsecond * 1000 + ts.nanosecond
    if frac:
        s += ".%09d" % frac
    return s + z


def normalize_value(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (pd.Timestamp, _dt.datetime, np.datetime64, _dt.date)):
        if isinstance(v, np.datetime64) and np.isnat(v):
            raise ValidationError("NaT is not a filter value; use (col, '==', None) for nulls")
        return _iso(v)
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        return v
    raise ValidationError("unsupported filter value %r (%s)" % (v, type(v).__name__))


def _term(t, rename):
    if not isinstance(t, (tuple, list)) or len(t) != 3:
        raise ValidationError("a filter term is (column, op, value), got %r" % (t,))
    col, op, val = t
    if not isinstance(op, str) or op.lower() not in OPS:
        raise ValidationError("unsupported filter operator %r (use one of %s)" % (op, ", ".join(OPS)))
    op = op.lower()
    col = rename(str(col))
    if op in ("in", "not in"):
        if isinstance(val, (str, bytes)) or not hasattr(val, "__iter__"):
            raise ValidationError("%r needs a list of values" % op)
        return (col, op, [normalize_value(x) for x in val])
    if val is None:
        if op in ("==", "="):
            return (col, "is null", None)
        if op == "!=":
            return (col, "is not null", None)
        raise ValidationError("None only works with == and !=")
    return (col, op, normalize_value(val))


def normalize(filters, rename=lambda c: c):
    """-> list of lists of (col, op, value), or None."""
    if filters is None:
        return None
    if isinstance(filters, tuple) and len(filters) == 3 and isinstance(filters[1], str):
        filters = [filters]
    filters = list(filters)
    if not filters:
        return None
    if all(isinstance(t, tuple) for t in filters):
        groups = [filters]
    elif all(isinstance(g, list) for g in filters):
        groups = filters
    else:
        raise ValidationError("filters must be a list of (col, op, value) tuples or a list of such lists")
    out = [[_term(t, rename) for t in g] for g in groups if g]
    return out or None

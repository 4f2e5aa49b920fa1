"""pandas <-> the column description the C extension takes and returns.

To C:   (columns, index_name), columns = [(name, kind, values, mask, unit, tz)]
        kind "num" (NumPy bool/int/uint/float array, passed as is: the C side
        copies it in one memcpy), "ts" (int64 view of datetime64 + unit +
        zone name), "str"/"bin" (object arrays). mask: bool array, True = null.
From C: (columns, index_name, nrows), columns = [(name, type, values, mask, unit, tz)]
        fixed-width values are zero-copy views of the C frame.

NaN policy: NaN in a float64/float32 column is stored as the float value NaN
(not as null); None/pd.NA/NaN in object columns and pd.NA in nullable
(Int64, Float64, boolean, string) columns are nulls; NaT is a null.
Reading: a float null comes back as NaN (or pd.NA in a Float64 column).

pandas dtypes that the Parquet types do not determine (nullable dtypes
without nulls, StringDtype, categorical, object-of-str, int column labels,
RangeIndex) are recorded in the item metadata under ``_pystore_pandas``
(hidden from ``Item.metadata``) and restored on read.
"""
import datetime as _dt

import numpy as np
import pandas as pd

from .exceptions import SchemaError

UNNAMED_INDEX = "__null_dask_index__"  # dask's name for an unnamed index (as PyStore)
PANDAS_META_KEY = "_pystore_pandas"

_UNIT_OK = ("ns", "us", "ms", "s")


def tz_name(tz):
    """A zone name libpystore and pandas both understand."""
    if tz is None:
        return None
    for attr in ("zone", "key"):  # pytz, zoneinfo
        v = getattr(tz, attr, None)
        if isinstance(v, str):
            return v
    if tz is _dt.timezone.utc or str(tz) == "UTC":
        return "UTC"
    off = tz.utcoffset(None) if hasattr(tz, "utcoffset") else None
    if off is not None:  # fixed offset
        secs = int(off.total_seconds())
        sign = "+" if secs >= 0 else "-"
        secs = abs(secs)
        return "%s%02d:%02d" % (sign, secs // 3600, (secs % 3600) // 60)
    return str(tz)


def _ts_column(name, values_dt64, tz):
    """values_dt64: numpy datetime64 array (naive wall clock or UTC instants)."""
    unit, _ = np.datetime_data(values_dt64.dtype)
    if unit not in _UNIT_OK:
        values_dt64 = values_dt64.astype("M8[s]" if unit in ("D", "h", "m", "W", "M", "Y") else "M8[ns]")
        unit = np.datetime_data(values_dt64.dtype)[0]
    return (name, "ts", np.ascontiguousarray(values_dt64).view("i8"), None, unit, tz)


def _object_column(name, values, info):
    """An object array: strings (the usual case), bytes, or Python scalars."""
    values = np.asarray(values, dtype=object)
    mask = pd.isna(values)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return (name, "str", values, mask if mask.any() else None, None, None)
    if kind == "bytes":
        return (name, "bin", values, mask if mask.any() else None, None, None)
    if kind == "boolean":
        info["object_as"] = "bool"
        return (name, "num", np.where(mask, False, values).astype(bool), mask, None, None)
    if kind == "integer":
        info["object_as"] = "int"
        return (name, "num", np.where(mask, 0, values).astype(np.int64), mask, None, None)
    if kind in ("floating", "mixed-integer-float", "decimal"):
        info["object_as"] = "float"
        return (name, "num", np.where(mask, np.nan, values).astype(np.float64), mask, None, None)
    if kind in ("datetime", "datetime64", "date"):
        info["object_as"] = kind
        idx = pd.DatetimeIndex(pd.to_datetime(values))
        if idx.tz is not None:
            return _ts_column(name, idx.tz_convert("UTC").tz_localize(None).values, tz_name(idx.tz))
        return _ts_column(name, idx.values, None)
    raise SchemaError(
        "column %r: object column of %s values cannot be stored (use str, bytes, numbers, "
        "bools or datetimes)" % (name, kind))


def column_to_spec(name, obj, info):
    """A pandas Series/Index -> one column description; records pandas
    dtype details needed to restore it in ``info``."""
    dtype = obj.dtype
    info["dtype"] = str(dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        info["categories"] = [c if not isinstance(c, (np.generic,)) else c.item() for c in cats] \
            if cats.dtype == object or cats.dtype.kind in "iufb" else None
        info["ordered"] = bool(dtype.ordered)
        info["categories_dtype"] = str(cats.dtype)
        dense = np.asarray(obj.astype(cats.dtype) if cats.dtype != object else obj.astype(object))
        sub = {}
        spec = column_to_spec(name, pd.Series(dense, dtype=cats.dtype if cats.dtype != object else object), sub)
        if "object_as" in sub:
            info["object_as"] = sub["object_as"]
        return spec
    if isinstance(dtype, pd.DatetimeTZDtype):
        arr = obj.array if hasattr(obj, "array") else obj
        utc = np.asarray(pd.DatetimeIndex(arr).tz_convert("UTC").tz_localize(None).values)
        return _ts_column(name, utc, tz_name(dtype.tz))
    if isinstance(dtype, pd.StringDtype):
        values = np.asarray(obj.to_numpy(dtype=object, na_value=None))
        mask = np.asarray(pd.isna(obj))
        return (name, "str", values, mask if mask.any() else None, None, None)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and hasattr(obj.array, "_mask"):
        arr = obj.array  # IntegerArray / FloatingArray / BooleanArray: data + mask, zero copy
        mask = np.asarray(arr._mask)
        return (name, "num", np.asarray(arr._data), mask if mask.any() else None, None, None)
    if dtype.kind == "M":
        return _ts_column(name, np.asarray(obj), None)
    if dtype.kind == "m":
        v = np.asarray(obj).astype("m8[ns]")
        mask = np.isnat(v)
        return (name, "num", v.view("i8"), mask if mask.any() else None, None, None)
    if dtype.kind in "biuf":
        return (name, "num", np.asarray(obj), None, None, None)
    if dtype == object:
        return _object_column(name, np.asarray(obj), info)
    raise SchemaError("column %r: dtype %s cannot be stored" % (name, dtype))


def index_storage_name(index):
    name = index.name
    if name is None:
        return UNNAMED_INDEX
    if name == "":
        return "index"  # as PyStore
    return str(name)


def to_spec(df):
    """DataFrame/Series -> (spec, pandas_meta)."""
    if isinstance(df, pd.Series):
        df = df.to_frame()
    if not isinstance(df, pd.DataFrame):
        raise TypeError("expected a pandas DataFrame or Series, got %s" % type(df).__name__)
    if isinstance(df.index, pd.MultiIndex):
        raise SchemaError("MultiIndex is not supported; reset_index() to columns first")
    if isinstance(df.columns, pd.MultiIndex):
        raise SchemaError("MultiIndex columns are not supported")
    if df.columns.has_duplicates:
        raise SchemaError("duplicate column names: %s" % list(df.columns[df.columns.duplicated()]))
    ix_name = index_storage_name(df.index)
    names = [str(c) for c in df.columns]
    if ix_name in names:
        raise SchemaError("the index name %r is also a column name" % ix_name)
    meta = {"index": {}, "columns": {}, "labels": {}}
    cols = []
    ix = df.index
    meta["index"]["name"] = None if ix.name is None else ix_name
    if isinstance(ix, pd.RangeIndex):
        meta["index"]["range"] = [int(ix.start), int(ix.step)]
    freq = getattr(ix, "freqstr", None)
    if freq:
        meta["index"]["freq"] = freq
    cols.append(column_to_spec(ix_name, ix, meta["index"]))
    for i, (label, name) in enumerate(zip(df.columns, names)):
        info = {}
        s = df.iloc[:, i]
        cols.append(column_to_spec(name, s, info))
        if not isinstance(label, str):
            meta["labels"][name] = type(label).__name__
        meta["columns"][name] = info
    return (cols, ix_name), meta


# ---- from C ----

def _restore(values, mask, ctype, tz, info):
    """One C column -> a pandas-ready array."""
    dtype = (info or {}).get("dtype")
    if ctype == "timestamp":
        if values.dtype != np.dtype("M8[ns]"):
            values = values.astype("M8[ns]")
        if tz:
            return pd.arrays.DatetimeArray(values, dtype=pd.DatetimeTZDtype(tz=tz))
        return values
    if ctype == "date":
        return values.astype("i8").astype("M8[D]").astype("M8[ns]")
    if ctype in ("string", "binary"):
        if dtype == "string" or (dtype and dtype.startswith("string[")):
            return pd.array(values, dtype=dtype)
        return values
    # fixed width numbers / bools
    if info and info.get("object_as"):
        out = values.astype(object)
        if mask is not None:
            out[mask] = None
        return out
    if dtype and dtype.startswith("timedelta64"):
        v = values.view("m8[ns]").copy() if mask is not None else values.view("m8[ns]")
        if mask is not None:
            v[mask] = np.timedelta64("NaT")
        return v
    nullable = dtype in ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64",
                         "Float32", "Float64", "boolean")
    if mask is not None or nullable:
        m = mask if mask is not None else np.zeros(len(values), dtype=bool)
        if values.dtype.kind == "b":
            return pd.arrays.BooleanArray(values, m)
        if values.dtype.kind == "f":
            if nullable:
                return pd.arrays.FloatingArray(values, m)
            return values  # NaN already in the null slots
        return pd.arrays.IntegerArray(values, m)
    return values


def _finish_column(arr, info):
    if info and isinstance(info.get("dtype"), str) and info["dtype"] == "category":
        cats = info.get("categories")
        cd = pd.CategoricalDtype(cats, ordered=info.get("ordered", False)) if cats is not None else "category"
        return pd.Series(arr).astype(cd).array
    return arr


def _label(name, meta):
    kind = meta.get("labels", {}).get(name) if meta else None
    if kind == "int":
        try:
            return int(name)
        except ValueError:
            return name
    if kind == "float":
        return float(name)
    return name


def _make_frame(arrays, labels, index):
    """Build the DataFrame without consolidating same-dtype columns into one
    2-D block (which would copy every zero-copy column once more)."""
    try:
        from pandas.core.internals.construction import arrays_to_mgr  # noqa: F401
        from pandas.core.internals.managers import create_block_manager_from_column_arrays
        from pandas.core.indexes.api import ensure_index
        from pandas.core.construction import extract_array
        arrs = [extract_array(a, extract_numpy=True) for a in arrays]
        axes = [ensure_index(list(labels)) if labels else pd.Index([], dtype=object), index]
        try:
            mgr = create_block_manager_from_column_arrays(arrs, axes, consolidate=False)
        except TypeError:  # pandas 2.x signature
            mgr = create_block_manager_from_column_arrays(arrs, axes, consolidate=False, refs=[None] * len(arrs))
        return pd.DataFrame(mgr)
    except Exception:  # pragma: no cover - other pandas versions
        return pd.DataFrame(dict(zip(labels, arrays)), index=index, columns=list(labels), copy=False)


def from_result(result, meta=None, columns=None):
    """C read result -> DataFrame. ``meta``: the _pystore_pandas dict (may be None)."""
    cols, ix_name, nrows = result
    meta = meta or {}
    cmeta = meta.get("columns", {})
    imeta = meta.get("index", {})
    index = None
    arrays, labels = [], []
    for (name, ctype, values, mask, unit, tz) in cols:
        if name == ix_name:
            arr = _finish_column(_restore(values, mask, ctype, tz, imeta), imeta)
            if "range" in imeta and ctype.startswith("int") and mask is None:
                start, step = imeta["range"]
                if nrows == 0 or (values[0] == start and (nrows == 1 or (np.diff(values) == step).all())):
                    index = pd.RangeIndex(start, start + step * nrows, step) if step else None
            if index is None:
                if (isinstance(arr, np.ndarray) and arr.dtype.kind == "M") or \
                        isinstance(arr, pd.arrays.DatetimeArray):
                    index = pd.DatetimeIndex(arr)
                    if imeta.get("freq") and len(index) > 0:
                        try:
                            index = pd.DatetimeIndex(arr, freq=imeta["freq"])
                        except ValueError:
                            pass  # rows no longer follow the frequency
                else:
                    index = pd.Index(arr)
            if ix_name == UNNAMED_INDEX or ("name" in imeta and imeta["name"] is None):
                index.name = None
            else:
                index.name = imeta.get("name", name) if imeta else name
            continue
        info = cmeta.get(name)
        arrays.append(_finish_column(_restore(values, mask, ctype, tz, info), info))
        labels.append(_label(name, meta))
    if index is None:
        index = pd.RangeIndex(nrows)
    df = _make_frame(arrays, labels, index)
    if columns is not None:
        wanted = [c for c in columns if c in df.columns or _label(c, meta) in df.columns]
        df = df[[_label(c, meta) if _label(c, meta) in df.columns else c for c in wanted]]
    return df

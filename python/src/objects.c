/* _pystore.Store and _pystore.Collection: thin handles over ps_store /
 * ps_collection. Every call that does I/O releases the GIL. Filters arrive
 * in normalised DNF from the Python layer and are built with ps_expr_*. */
#include "pyps.h"

#include <string.h>

/* ---- small helpers ---- */

PyObject *pyps_names_to_list(char **names) {
  PyObject *l = PyList_New(0);
  if (!l) { ps_names_free(names); return NULL; }
  for (char **p = names; p && *p; p++) {
    PyObject *s = PyUnicode_FromString(*p);
    if (!s || PyList_Append(l, s) < 0) {
      Py_XDECREF(s);
      Py_DECREF(l);
      ps_names_free(names);
      return NULL;
    }
    Py_DECREF(s);
  }
  ps_names_free(names);
  return l;
}

static PyObject *owned_str(char *s) {
  PyObject *o = PyUnicode_FromString(s ? s : "");
  ps_free(s);
  return o;
}

/* ---- filters: [[(col, op, value), ...], ...] (OR of ANDs) ---- */

static int value_from_py(PyObject *o, ps_value *v, PyObject **keep) {
  memset(v, 0, sizeof *v);
  if (PyBool_Check(o)) {
    v->kind = PS_VALUE_BOOL;
    v->i = o == Py_True;
  } else if (PyLong_Check(o)) {
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow > 0) {
      unsigned long long u = PyLong_AsUnsignedLongLong(o);
      if (PyErr_Occurred()) return -1;
      v->kind = PS_VALUE_UINT;
      v->u = u;
    } else if (overflow < 0) {
      PyErr_SetString(PyExc_OverflowError, "filter value out of int64 range");
      return -1;
    } else {
      if (x == -1 && PyErr_Occurred()) return -1;
      v->kind = PS_VALUE_INT;
      v->i = x;
    }
  } else if (PyFloat_Check(o)) {
    v->kind = PS_VALUE_DOUBLE;
    v->d = PyFloat_AS_DOUBLE(o);
  } else if (PyUnicode_Check(o)) {
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(o, &len);
    if (!s) return -1;
    v->kind = PS_VALUE_STRING;
    v->s = s;
    v->len = (size_t)len;
    (void)keep;
  } else {
    PyErr_Format(PyExc_TypeError, "unsupported filter value of type %s (normalise it in Python first)",
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  return 0;
}

static int op_from_name(const char *s, ps_op *op) {
  static const struct { const char *name; ps_op op; } ops[] = {
      {"==", PS_OP_EQ}, {"=", PS_OP_EQ}, {"!=", PS_OP_NE}, {"<", PS_OP_LT}, {"<=", PS_OP_LE},
      {">", PS_OP_GT}, {">=", PS_OP_GE}, {"in", PS_OP_IN}, {"not in", PS_OP_NOT_IN},
      {"is null", PS_OP_IS_NULL}, {"is not null", PS_OP_IS_NOT_NULL}};
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (!strcmp(s, ops[i].name)) { *op = ops[i].op; return 0; }
  return -1;
}

static int term_from_py(PyObject *t, ps_expr **out) {
  const char *col, *ops;
  PyObject *val;
  if (!PyArg_ParseTuple(t, "ssO:filter term", &col, &ops, &val)) return -1;
  ps_op op;
  if (op_from_name(ops, &op) < 0) {
    PyErr_Format(PyExc_ValueError, "unsupported filter operator '%s'", ops);
    return -1;
  }
  int rc;
  if (op == PS_OP_IS_NULL || op == PS_OP_IS_NOT_NULL) {
    rc = ps_expr_is_null(col, op == PS_OP_IS_NOT_NULL, out);
  } else if (op == PS_OP_IN || op == PS_OP_NOT_IN) {
    PyObject *seq = PySequence_Fast(val, "'in' needs a sequence of values");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    ps_value *vals = PyMem_Calloc((size_t)n + 1, sizeof(ps_value));
    if (!vals) { Py_DECREF(seq); PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < n; i++) {
      if (value_from_py(PySequence_Fast_GET_ITEM(seq, i), &vals[i], NULL) < 0) {
        PyMem_Free(vals);
        Py_DECREF(seq);
        return -1;
      }
    }
    rc = ps_expr_in(col, op == PS_OP_NOT_IN, vals, (size_t)n, out); /* copies */
    PyMem_Free(vals);
    Py_DECREF(seq);
  } else {
    ps_value v;
    if (value_from_py(val, &v, NULL) < 0) return -1;
    rc = ps_expr_compare(col, op, &v, out);
  }
  if (rc != PS_OK) { pyps_raise(rc); return -1; }
  return 0;
}

/* combine a list of items with ps_expr_and / ps_expr_or */
static int combine(PyObject *list, int is_or, ps_expr **out) {
  PyObject *seq = PySequence_Fast(list, "filters must be a list");
  if (!seq) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  ps_expr *acc = NULL;
  for (Py_ssize_t i = 0; i < n; i++) {
    ps_expr *e = NULL;
    int r = is_or ? combine(PySequence_Fast_GET_ITEM(seq, i), 0, &e) : term_from_py(PySequence_Fast_GET_ITEM(seq, i), &e);
    if (r < 0) { ps_expr_free(acc); Py_DECREF(seq); return -1; }
    if (!acc) { acc = e; continue; }
    ps_expr *c = NULL;
    int rc = is_or ? ps_expr_or(acc, e, &c) : ps_expr_and(acc, e, &c); /* owns operands */
    if (rc != PS_OK) { Py_DECREF(seq); pyps_raise(rc); return -1; }
    acc = c;
  }
  Py_DECREF(seq);
  if (!acc) {
    PyErr_SetString(PyExc_ValueError, "empty filter group");
    return -1;
  }
  *out = acc;
  return 0;
}

int pyps_build_filter(PyObject *spec, ps_expr **out) {
  *out = NULL;
  if (spec == Py_None) return 0;
  return combine(spec, 1, out);
}

PyObject *pyps_mod_build_filter_text(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *spec;
  if (!PyArg_ParseTuple(args, "O:filter_text", &spec)) return NULL;
  ps_expr *e = NULL;
  if (pyps_build_filter(spec, &e) < 0) return NULL;
  if (!e) Py_RETURN_NONE;
  char *txt = NULL;
  int rc = ps_expr_to_string(e, &txt);
  ps_expr_free(e);
  if (rc != PS_OK) return pyps_raise(rc);
  return owned_str(txt);
}

int pyps_columns_from_py(PyObject *columns, const char ***names, size_t *n, PyObject **keep) {
  *names = NULL;
  *n = 0;
  *keep = NULL;
  if (columns == Py_None) return 0;
  PyObject *seq = PySequence_Fast(columns, "columns must be a list of names");
  if (!seq) return -1;
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  const char **v = PyMem_Calloc((size_t)k + 1, sizeof(char *));
  if (!v) { Py_DECREF(seq); PyErr_NoMemory(); return -1; }
  for (Py_ssize_t i = 0; i < k; i++) {
    v[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i));
    if (!v[i]) { PyMem_Free(v); Py_DECREF(seq); return -1; }
  }
  *names = v;
  *n = (size_t)k;
  *keep = seq;
  return 0;
}

/* ========================================================================
 * Store
 * ---------------------------------------------------------------------- */

static int Store_init(PypsStore *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"name", "base_path", "create", "no_fsync", "lock_timeout_ms", "codec", NULL};
  const char *name, *base = NULL, *codec = NULL;
  int create = 1, no_fsync = 0, lock_timeout = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "s|zpiiz:Store", kwlist, &name, &base, &create, &no_fsync,
                                   &lock_timeout, &codec))
    return -1;
  ps_store_options opt;
  memset(&opt, 0, sizeof opt);
  opt.base_path = base;
  opt.no_fsync = no_fsync;
  opt.lock_timeout_ms = lock_timeout;
  if (codec) {
    int rc = ps_codec_from_name(codec, &opt.codec);
    if (rc != PS_OK) { pyps_raise(rc); return -1; }
  }
  ps_store *s = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_store_open(name, &opt, create, &s);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) { pyps_raise(rc); return -1; }
  ps_store_close(self->store);
  self->store = s;
  return 0;
}

static void Store_dealloc(PypsStore *self) {
  ps_store_close(self->store);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

#define STORE_OK(self)                                                       \
  do {                                                                       \
    if (!(self)->store) {                                                    \
      PyErr_SetString(PyExc_ValueError, "store handle is not open");         \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static PyObject *Store_path(PypsStore *self, PyObject *unused) {
  (void)unused;
  STORE_OK(self);
  return PyUnicode_FromString(ps_store_path(self->store));
}

static PyObject *Store_name(PypsStore *self, PyObject *unused) {
  (void)unused;
  STORE_OK(self);
  return PyUnicode_FromString(ps_store_name(self->store));
}

static PyObject *Store_metadata(PypsStore *self, PyObject *unused) {
  (void)unused;
  STORE_OK(self);
  char *json = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_store_metadata(self->store, &json);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return owned_str(json);
}

static PyObject *Store_list_collections(PypsStore *self, PyObject *unused) {
  (void)unused;
  STORE_OK(self);
  char **names = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_store_list_collections(self->store, &names);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return pyps_names_to_list(names);
}

static PyObject *Store_delete_collection(PypsStore *self, PyObject *args) {
  const char *name;
  if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
  STORE_OK(self);
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_store_delete_collection(self->store, name);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  Py_RETURN_NONE;
}

static PyMethodDef Store_methods[] = {
    {"path", (PyCFunction)Store_path, METH_NOARGS, "<base>/<store>"},
    {"name", (PyCFunction)Store_name, METH_NOARGS, "store name"},
    {"metadata", (PyCFunction)Store_metadata, METH_NOARGS, "store JSON text"},
    {"list_collections", (PyCFunction)Store_list_collections, METH_NOARGS, "collection names"},
    {"delete_collection", (PyCFunction)Store_delete_collection, METH_VARARGS, "remove a collection"},
    {NULL, NULL, 0, NULL}};

PyTypeObject PypsStoreType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pystore._pystore.Store",
    .tp_basicsize = sizeof(PypsStore),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Store(name, base_path=None, create=True, no_fsync=False, lock_timeout_ms=0, codec=None)",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Store_init,
    .tp_dealloc = (destructor)Store_dealloc,
    .tp_methods = Store_methods,
};

/* ========================================================================
 * Collection
 * ---------------------------------------------------------------------- */

static int Collection_init(PypsCollection *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"store", "name", "create", NULL};
  PyObject *st;
  const char *name;
  int create = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O!s|p:Collection", kwlist, &PypsStoreType, &st, &name, &create))
    return -1;
  PypsStore *store = (PypsStore *)st;
  if (!store->store) {
    PyErr_SetString(PyExc_ValueError, "store handle is not open");
    return -1;
  }
  ps_collection *c = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_collection_open(store->store, name, create, &c);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) { pyps_raise(rc); return -1; }
  ps_collection_close(self->coll);
  self->coll = c;
  Py_INCREF(store);
  Py_XSETREF(self->store, store);
  return 0;
}

static void Collection_dealloc(PypsCollection *self) {
  ps_collection_close(self->coll);
  Py_XDECREF(self->store);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

#define COLL_OK(self)                                                        \
  do {                                                                       \
    if (!(self)->coll) {                                                     \
      PyErr_SetString(PyExc_ValueError, "collection handle is not open");    \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static PyObject *Collection_path(PypsCollection *self, PyObject *unused) {
  (void)unused;
  COLL_OK(self);
  return PyUnicode_FromString(ps_collection_path(self->coll));
}

static PyObject *Collection_list_items(PypsCollection *self, PyObject *args) {
  const char *filter = NULL;
  if (!PyArg_ParseTuple(args, "|z", &filter)) return NULL;
  COLL_OK(self);
  char **names = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_collection_list_items(self->coll, filter, &names);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return pyps_names_to_list(names);
}

static PyObject *Collection_exists(PypsCollection *self, PyObject *args) {
  const char *item;
  if (!PyArg_ParseTuple(args, "s", &item)) return NULL;
  COLL_OK(self);
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_exists(self->coll, item);
  Py_END_ALLOW_THREADS
  if (rc < 0) return pyps_raise(rc);
  return PyBool_FromLong(rc);
}

static int dup_from(const char *name, ps_duplicates *out) {
  if (!name) return 0;
  int rc = ps_duplicates_from_name(name, out);
  if (rc != PS_OK) { pyps_raise(rc); return -1; }
  return 0;
}

static PyObject *Collection_write(PypsCollection *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"item", "frame", "metadata", "overwrite", "duplicates", "part_rows", NULL};
  const char *item, *meta = NULL, *dups = NULL;
  PyObject *spec;
  int overwrite = 0;
  long long part_rows = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "sO|zpzL:write", kwlist, &item, &spec, &meta, &overwrite, &dups,
                                   &part_rows))
    return NULL;
  COLL_OK(self);
  ps_item_write_options opt;
  memset(&opt, 0, sizeof opt);
  opt.overwrite = overwrite;
  opt.metadata = meta;
  opt.part_rows = part_rows;
  opt.duplicates = PS_DUP_KEEP_ALL;
  if (dup_from(dups, &opt.duplicates) < 0) return NULL;
  ps_frame *f = NULL;
  if (pyps_frame_from_py(spec, &f) < 0) return NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_write(self->coll, item, f, &opt);
  ps_frame_free(f);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  Py_RETURN_NONE;
}

static PyObject *Collection_append(PypsCollection *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"item", "frame", "duplicates", "create", "widen", "part_rows", NULL};
  const char *item, *dups = NULL;
  PyObject *spec;
  int create = 0, widen = 0;
  long long part_rows = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "sO|zppL:append", kwlist, &item, &spec, &dups, &create, &widen,
                                   &part_rows))
    return NULL;
  COLL_OK(self);
  ps_append_options opt;
  memset(&opt, 0, sizeof opt);
  opt.create = create;
  opt.widen = widen;
  opt.part_rows = part_rows;
  if (dup_from(dups, &opt.duplicates) < 0) return NULL;
  ps_frame *f = NULL;
  if (pyps_frame_from_py(spec, &f) < 0) return NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_append(self->coll, item, f, &opt);
  ps_frame_free(f);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  Py_RETURN_NONE;
}

static PyObject *Collection_read(PypsCollection *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"item", "columns", "filters", "start", "end", "limit", "snapshot", "threads", NULL};
  const char *item, *start = NULL, *end = NULL, *snap = NULL;
  PyObject *columns = Py_None, *filters = Py_None;
  long long limit = 0;
  int threads = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "s|OOzzLzi:read", kwlist, &item, &columns, &filters, &start, &end,
                                   &limit, &snap, &threads))
    return NULL;
  COLL_OK(self);
  ps_item_read_options opt;
  memset(&opt, 0, sizeof opt);
  opt.start = start;
  opt.end = end;
  opt.limit = limit;
  opt.snapshot = snap;
  opt.threads = threads;
  const char **names = NULL;
  PyObject *seq = NULL;
  ps_expr *expr = NULL;
  PyObject *result = NULL;
  if (pyps_columns_from_py(columns, &names, &opt.num_columns, &seq) < 0) return NULL;
  opt.columns = names;
  if (pyps_build_filter(filters, &expr) < 0) goto done;
  opt.filter = expr;
  ps_frame *f = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_read(self->coll, item, &opt, &f);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) { pyps_raise(rc); goto done; }
  result = pyps_frame_to_py(f);
done:
  ps_expr_free(expr);
  PyMem_Free(names);
  Py_XDECREF(seq);
  return result;
}

static PyObject *head_tail(PypsCollection *self, PyObject *args, int tail) {
  const char *item, *snap = NULL;
  long long n = 5;
  if (!PyArg_ParseTuple(args, "s|Lz", &item, &n, &snap)) return NULL;
  COLL_OK(self);
  ps_frame *f = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = tail ? ps_item_tail(self->coll, item, n, snap, &f) : ps_item_head(self->coll, item, n, snap, &f);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return pyps_frame_to_py(f);
}
static PyObject *Collection_head(PypsCollection *self, PyObject *args) { return head_tail(self, args, 0); }
static PyObject *Collection_tail(PypsCollection *self, PyObject *args) { return head_tail(self, args, 1); }

static PyObject *Collection_info(PypsCollection *self, PyObject *args) {
  const char *item, *snap = NULL;
  if (!PyArg_ParseTuple(args, "s|z", &item, &snap)) return NULL;
  COLL_OK(self);
  ps_item_info info;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_info_get(self->coll, item, snap, &info);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return Py_BuildValue("{s:L,s:L,s:L,s:O}", "num_rows", (long long)info.num_rows, "num_parts",
                       (long long)info.num_parts, "version", (long long)info.version, "has_manifest",
                       info.has_manifest ? Py_True : Py_False);
}

static PyObject *Collection_schema(PypsCollection *self, PyObject *args) {
  const char *item, *snap = NULL;
  if (!PyArg_ParseTuple(args, "s|z", &item, &snap)) return NULL;
  COLL_OK(self);
  ps_frame *f = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_schema(self->coll, item, snap, &f);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  PyObject *r = pyps_schema_to_py(f);
  ps_frame_free(f);
  return r;
}

static PyObject *Collection_metadata(PypsCollection *self, PyObject *args) {
  const char *item, *snap = NULL;
  if (!PyArg_ParseTuple(args, "s|z", &item, &snap)) return NULL;
  COLL_OK(self);
  char *json = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_metadata(self->coll, item, snap, &json);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return owned_str(json);
}

static PyObject *Collection_set_metadata(PypsCollection *self, PyObject *args) {
  const char *item, *json;
  if (!PyArg_ParseTuple(args, "ss", &item, &json)) return NULL;
  COLL_OK(self);
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_set_metadata(self->coll, item, json);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  Py_RETURN_NONE;
}

/* one-string-argument calls returning None */
#define ITEM_CALL(fname, call)                                               \
  static PyObject *fname(PypsCollection *self, PyObject *args) {             \
    const char *name;                                                        \
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;                    \
    COLL_OK(self);                                                           \
    int rc;                                                                  \
    Py_BEGIN_ALLOW_THREADS rc = call(self->coll, name);                      \
    Py_END_ALLOW_THREADS if (rc != PS_OK) return pyps_raise(rc);             \
    Py_RETURN_NONE;                                                          \
  }
ITEM_CALL(Collection_delete_item, ps_item_delete)
ITEM_CALL(Collection_snapshot_delete, ps_snapshot_delete)

static PyObject *Collection_compact(PypsCollection *self, PyObject *args) {
  const char *item;
  long long part_rows = 0;
  if (!PyArg_ParseTuple(args, "s|L", &item, &part_rows)) return NULL;
  COLL_OK(self);
  int64_t parts = 0;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_compact(self->coll, item, part_rows, &parts);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return PyLong_FromLongLong(parts);
}

static PyObject *Collection_snapshot_create(PypsCollection *self, PyObject *args) {
  const char *name = NULL;
  if (!PyArg_ParseTuple(args, "|z", &name)) return NULL;
  COLL_OK(self);
  char *used = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_snapshot_create(self->coll, name, &used);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return owned_str(used);
}

static PyObject *Collection_snapshot_list(PypsCollection *self, PyObject *unused) {
  (void)unused;
  COLL_OK(self);
  char **names = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_snapshot_list(self->coll, &names);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return pyps_names_to_list(names);
}

static PyObject *Collection_snapshot_delete_all(PypsCollection *self, PyObject *unused) {
  (void)unused;
  COLL_OK(self);
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_snapshot_delete_all(self->coll);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  Py_RETURN_NONE;
}

static PyObject *Collection_snapshot_restore(PypsCollection *self, PyObject *args) {
  const char *snap, *item;
  if (!PyArg_ParseTuple(args, "ss", &snap, &item)) return NULL;
  COLL_OK(self);
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_snapshot_restore(self->coll, snap, item);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  Py_RETURN_NONE;
}

static PyMethodDef Collection_methods[] = {
    {"path", (PyCFunction)Collection_path, METH_NOARGS, "<base>/<store>/<collection>"},
    {"list_items", (PyCFunction)Collection_list_items, METH_VARARGS, "list_items(metadata_filter_json=None)"},
    {"exists", (PyCFunction)Collection_exists, METH_VARARGS, "exists(item)"},
    {"write", (PyCFunction)(void (*)(void))Collection_write, METH_VARARGS | METH_KEYWORDS,
     "write(item, frame, metadata=None, overwrite=False, duplicates='keep_all', part_rows=0)"},
    {"append", (PyCFunction)(void (*)(void))Collection_append, METH_VARARGS | METH_KEYWORDS,
     "append(item, frame, duplicates=None, create=False, widen=False, part_rows=0)"},
    {"read", (PyCFunction)(void (*)(void))Collection_read, METH_VARARGS | METH_KEYWORDS,
     "read(item, columns=None, filters=None, start=None, end=None, limit=0, snapshot=None, threads=0)"},
    {"head", (PyCFunction)Collection_head, METH_VARARGS, "head(item, n=5, snapshot=None)"},
    {"tail", (PyCFunction)Collection_tail, METH_VARARGS, "tail(item, n=5, snapshot=None)"},
    {"info", (PyCFunction)Collection_info, METH_VARARGS, "info(item, snapshot=None) -> dict"},
    {"schema", (PyCFunction)Collection_schema, METH_VARARGS, "schema(item, snapshot=None)"},
    {"metadata", (PyCFunction)Collection_metadata, METH_VARARGS, "metadata(item, snapshot=None) -> JSON text"},
    {"set_metadata", (PyCFunction)Collection_set_metadata, METH_VARARGS, "set_metadata(item, json)"},
    {"delete_item", (PyCFunction)Collection_delete_item, METH_VARARGS, "delete_item(item)"},
    {"compact", (PyCFunction)Collection_compact, METH_VARARGS, "compact(item, part_rows=0) -> parts"},
    {"snapshot_create", (PyCFunction)Collection_snapshot_create, METH_VARARGS, "snapshot_create(name=None) -> name"},
    {"snapshot_list", (PyCFunction)Collection_snapshot_list, METH_NOARGS, "snapshot names"},
    {"snapshot_delete", (PyCFunction)Collection_snapshot_delete, METH_VARARGS, "snapshot_delete(name)"},
    {"snapshot_delete_all", (PyCFunction)Collection_snapshot_delete_all, METH_NOARGS, "remove all snapshots"},
    {"snapshot_restore", (PyCFunction)Collection_snapshot_restore, METH_VARARGS, "snapshot_restore(snapshot, item)"},
    {NULL, NULL, 0, NULL}};

PyTypeObject PypsCollectionType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pystore._pystore.Collection",
    .tp_basicsize = sizeof(PypsCollection),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Collection(store, name, create=True)",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Collection_init,
    .tp_dealloc = (destructor)Collection_dealloc,
    .tp_methods = Collection_methods,
};

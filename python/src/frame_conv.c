/* NumPy arrays <-> ps_frame columns.
 *
 * In:  fixed-width columns are appended with one bulk copy each
 *      (ps_column_append_values); a bool mask becomes the validity bitmap;
 *      NaT in a timestamp column is a null. Strings: UTF-8 of each str is
 *      gathered into one offsets + bytes buffer (the only per-element work).
 * Out: fixed-width columns are NumPy arrays over the frame's own buffers
 *      (zero copy); a capsule that owns the frame is the base of every such
 *      array, so the frame lives until the last array dies. Null slots are
 *      set to NaN (floats) / NaT (timestamps) in place; the mask is returned
 *      too so the Python layer can build nullable pandas arrays.
 */
#include "pyps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static const char *unit_name(ps_time_unit u) {
  switch (u) {
    case PS_UNIT_NS: return "ns";
    case PS_UNIT_US: return "us";
    case PS_UNIT_MS: return "ms";
    case PS_UNIT_S: return "s";
  }
  return "ns";
}

static int unit_from_name(const char *s, ps_time_unit *out) {
  if (!strcmp(s, "ns")) *out = PS_UNIT_NS;
  else if (!strcmp(s, "us")) *out = PS_UNIT_US;
  else if (!strcmp(s, "ms")) *out = PS_UNIT_MS;
  else if (!strcmp(s, "s")) *out = PS_UNIT_S;
  else return -1;
  return 0;
}

/* numpy dtype of a fixed-width ps_type column; new reference or NULL */
static PyArray_Descr *descr_for(const ps_column *col) {
  int t;
  switch (ps_column_type(col)) {
    case PS_TYPE_BOOL: t = NPY_BOOL; break;
    case PS_TYPE_INT8: t = NPY_INT8; break;
    case PS_TYPE_INT16: t = NPY_INT16; break;
    case PS_TYPE_INT32: case PS_TYPE_DATE: t = NPY_INT32; break;
    case PS_TYPE_INT64: t = NPY_INT64; break;
    case PS_TYPE_UINT8: t = NPY_UINT8; break;
    case PS_TYPE_UINT16: t = NPY_UINT16; break;
    case PS_TYPE_UINT32: t = NPY_UINT32; break;
    case PS_TYPE_UINT64: t = NPY_UINT64; break;
    case PS_TYPE_FLOAT32: t = NPY_FLOAT32; break;
    case PS_TYPE_FLOAT64: t = NPY_FLOAT64; break;
    case PS_TYPE_TIMESTAMP: {
      char spec[16];
      snprintf(spec, sizeof spec, "M8[%s]", unit_name(ps_column_unit(col)));
      PyObject *s = PyUnicode_FromString(spec);
      if (!s) return NULL;
      PyArray_Descr *d = NULL;
      int ok = PyArray_DescrConverter(s, &d);
      Py_DECREF(s);
      return ok ? d : NULL;
    }
    default:
      PyErr_SetString(PyExc_TypeError, "not a fixed-width column");
      return NULL;
  }
  return PyArray_DescrFromType(t);
}

/* ps_type of a numeric numpy array ("num" columns) */
static int type_of_array(PyArrayObject *a, const char *name, ps_type *out) {
  PyArray_Descr *d = PyArray_DESCR(a);
  int sz = (int)d->elsize;
  switch (d->kind) {
    case 'b': *out = PS_TYPE_BOOL; return 0;
    case 'i':
      *out = sz == 1 ? PS_TYPE_INT8 : sz == 2 ? PS_TYPE_INT16 : sz == 4 ? PS_TYPE_INT32 : PS_TYPE_INT64;
      if (sz == 1 || sz == 2 || sz == 4 || sz == 8) return 0;
      break;
    case 'u':
      *out = sz == 1 ? PS_TYPE_UINT8 : sz == 2 ? PS_TYPE_UINT16 : sz == 4 ? PS_TYPE_UINT32 : PS_TYPE_UINT64;
      if (sz == 1 || sz == 2 || sz == 4 || sz == 8) return 0;
      break;
    case 'f':
      if (sz == 4) { *out = PS_TYPE_FLOAT32; return 0; }
      if (sz == 8) { *out = PS_TYPE_FLOAT64; return 0; }
      break;
    default: break;
  }
  PyErr_Format(PyExc_TypeError, "column '%s': unsupported array dtype (kind '%c', %d bytes)", name, d->kind, sz);
  return -1;
}

/* mask (bool array, True = null) -> LSB-first validity bitmap; *out NULL when no nulls */
static int validity_from_mask(PyObject *mask, npy_intp n, const char *name, uint8_t **out) {
  *out = NULL;
  if (mask == Py_None || mask == NULL) return 0;
  PyArrayObject *m = (PyArrayObject *)PyArray_FROM_OTF(mask, NPY_BOOL, NPY_ARRAY_CARRAY_RO);
  if (!m) return -1;
  if (PyArray_NDIM(m) != 1 || PyArray_DIM(m, 0) != n) {
    Py_DECREF(m);
    PyErr_Format(PyExc_ValueError, "column '%s': mask length differs from values", name);
    return -1;
  }
  const npy_bool *mv = (const npy_bool *)PyArray_DATA(m);
  npy_intp nulls = 0;
  for (npy_intp i = 0; i < n; i++) nulls += mv[i] != 0;
  if (nulls == 0) { Py_DECREF(m); return 0; }
  uint8_t *bits = calloc((size_t)(n + 7) / 8 + 1, 1);
  if (!bits) { Py_DECREF(m); PyErr_NoMemory(); return -1; }
  for (npy_intp i = 0; i < n; i++)
    if (!mv[i]) bits[i >> 3] |= (uint8_t)(1u << (i & 7));
  Py_DECREF(m);
  *out = bits;
  return 0;
}

static int fail_ps(int rc) {
  pyps_raise(rc);
  return -1;
}

/* ---- Python -> frame ---- */

static int add_fixed(ps_frame *f, const char *name, PyObject *values, PyObject *mask, int is_ts,
                     const char *unit_s, PyObject *tz) {
  PyArrayObject *a = (PyArrayObject *)PyArray_FROM_OF(values, NPY_ARRAY_CARRAY_RO);
  if (!a) return -1;
  int rc = -1;
  uint8_t *bits = NULL;
  if (PyArray_NDIM(a) != 1) {
    PyErr_Format(PyExc_ValueError, "column '%s': values must be one-dimensional", name);
    goto done;
  }
  if (!PyArray_ISNOTSWAPPED(a)) {
    PyErr_Format(PyExc_ValueError, "column '%s': values must be in native byte order", name);
    goto done;
  }
  npy_intp n = PyArray_DIM(a, 0);
  ps_type type;
  ps_time_unit unit = PS_UNIT_NS;
  const char *tzs = NULL;
  if (is_ts) {
    if (PyArray_DESCR(a)->elsize != 8 || (PyArray_DESCR(a)->kind != 'i' && PyArray_DESCR(a)->kind != 'M')) {
      PyErr_Format(PyExc_TypeError, "column '%s': timestamp values must be int64 or datetime64", name);
      goto done;
    }
    if (unit_from_name(unit_s ? unit_s : "ns", &unit) < 0) {
      PyErr_Format(PyExc_ValueError, "column '%s': unsupported time unit '%s'", name, unit_s);
      goto done;
    }
    if (tz && tz != Py_None) {
      tzs = PyUnicode_AsUTF8(tz);
      if (!tzs) goto done;
    }
    type = PS_TYPE_TIMESTAMP;
  } else if (type_of_array(a, name, &type) < 0) {
    goto done;
  }
  if (validity_from_mask(mask, n, name, &bits) < 0) goto done;
  if (is_ts) { /* NaT is a null */
    const int64_t *v = (const int64_t *)PyArray_DATA(a);
    for (npy_intp i = 0; i < n; i++) {
      if (v[i] != INT64_MIN) continue;
      if (!bits) {
        bits = malloc((size_t)(n + 7) / 8 + 1);
        if (!bits) { PyErr_NoMemory(); goto done; }
        memset(bits, 0xff, (size_t)(n + 7) / 8 + 1);
      }
      bits[i >> 3] &= (uint8_t)~(1u << (i & 7));
    }
  }
  ps_column *col = NULL;
  int prc = ps_frame_add_column(f, name, type, unit, tzs, &col);
  if (prc == PS_OK) prc = ps_column_append_values(col, PyArray_DATA(a), NULL, bits, (int64_t)n);
  if (prc != PS_OK) { fail_ps(prc); goto done; }
  rc = 0;
done:
  free(bits);
  Py_DECREF(a);
  return rc;
}

static int add_varlen(ps_frame *f, const char *name, PyObject *values, PyObject *mask, int binary) {
  PyArrayObject *a = (PyArrayObject *)PyArray_FROM_OTF(values, NPY_OBJECT, NPY_ARRAY_CARRAY_RO);
  if (!a) return -1;
  int rc = -1;
  uint8_t *bits = NULL;
  int64_t *offsets = NULL;
  char *bytes = NULL;
  const npy_bool *mv = NULL;
  PyArrayObject *m = NULL;
  if (PyArray_NDIM(a) != 1) {
    PyErr_Format(PyExc_ValueError, "column '%s': values must be one-dimensional", name);
    goto done;
  }
  npy_intp n = PyArray_DIM(a, 0);
  if (mask && mask != Py_None) {
    m = (PyArrayObject *)PyArray_FROM_OTF(mask, NPY_BOOL, NPY_ARRAY_CARRAY_RO);
    if (!m) goto done;
    if (PyArray_NDIM(m) != 1 || PyArray_DIM(m, 0) != n) {
      PyErr_Format(PyExc_ValueError, "column '%s': mask length differs from values", name);
      goto done;
    }
    mv = (const npy_bool *)PyArray_DATA(m);
  }
  PyObject **items = (PyObject **)PyArray_DATA(a);
  offsets = malloc(sizeof(int64_t) * (size_t)(n + 1));
  if (!offsets) { PyErr_NoMemory(); goto done; }
  /* pass 1: validate, lengths */
  int64_t total = 0;
  offsets[0] = 0;
  for (npy_intp i = 0; i < n; i++) {
    PyObject *o = items[i];
    Py_ssize_t len = 0;
    int is_null = (mv && mv[i]) || o == Py_None || (PyFloat_Check(o) && isnan(PyFloat_AS_DOUBLE(o)));
    if (is_null) {
      if (!bits) {
        bits = malloc((size_t)(n + 7) / 8 + 1);
        if (!bits) { PyErr_NoMemory(); goto done; }
        memset(bits, 0xff, (size_t)(n + 7) / 8 + 1);
      }
      bits[i >> 3] &= (uint8_t)~(1u << (i & 7));
    } else if (!binary && PyUnicode_Check(o)) {
      if (!PyUnicode_AsUTF8AndSize(o, &len)) goto done;
    } else if (binary && PyBytes_Check(o)) {
      len = PyBytes_GET_SIZE(o);
    } else {
      PyErr_Format(PyExc_TypeError, "column '%s' row %zd: expected %s or None, got %s", name, (Py_ssize_t)i,
                   binary ? "bytes" : "str", Py_TYPE(o)->tp_name);
      goto done;
    }
    total += len;
    offsets[i + 1] = total;
  }
  bytes = malloc((size_t)total + 1);
  if (!bytes) { PyErr_NoMemory(); goto done; }
  /* pass 2: gather */
  for (npy_intp i = 0; i < n; i++) {
    int64_t len = offsets[i + 1] - offsets[i];
    if (len == 0) continue;
    PyObject *o = items[i];
    const char *src = binary ? PyBytes_AS_STRING(o) : PyUnicode_AsUTF8AndSize(o, NULL); /* cached by pass 1 */
    memcpy(bytes + offsets[i], src, (size_t)len);
  }
  ps_column *col = NULL;
  int prc = ps_frame_add_column(f, name, binary ? PS_TYPE_BINARY : PS_TYPE_STRING, PS_UNIT_NS, NULL, &col);
  if (prc == PS_OK) prc = ps_column_append_values(col, offsets, bytes, bits, (int64_t)n);
  if (prc != PS_OK) { fail_ps(prc); goto done; }
  rc = 0;
done:
  free(bits);
  free(offsets);
  free(bytes);
  Py_XDECREF(m);
  Py_DECREF(a);
  return rc;
}

int pyps_frame_from_py(PyObject *spec, ps_frame **out) {
  *out = NULL;
  PyObject *columns, *index_name;
  if (!PyArg_ParseTuple(spec, "OO:frame", &columns, &index_name)) return -1;
  PyObject *seq = PySequence_Fast(columns, "columns must be a sequence");
  if (!seq) return -1;
  ps_frame *f = NULL;
  int prc = ps_frame_new(&f);
  if (prc != PS_OK) { Py_DECREF(seq); return fail_ps(prc); }
  Py_ssize_t nc = PySequence_Fast_GET_SIZE(seq);
  for (Py_ssize_t i = 0; i < nc; i++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
    const char *name, *kind, *unit = NULL;
    PyObject *values, *mask, *tz;
    if (!PyArg_ParseTuple(t, "ssOOzO:column", &name, &kind, &values, &mask, &unit, &tz)) goto fail;
    int r;
    if (!strcmp(kind, "num")) r = add_fixed(f, name, values, mask, 0, NULL, NULL);
    else if (!strcmp(kind, "ts")) r = add_fixed(f, name, values, mask, 1, unit, tz);
    else if (!strcmp(kind, "str")) r = add_varlen(f, name, values, mask, 0);
    else if (!strcmp(kind, "bin")) r = add_varlen(f, name, values, mask, 1);
    else {
      PyErr_Format(PyExc_ValueError, "column '%s': unknown kind '%s'", name, kind);
      r = -1;
    }
    if (r < 0) goto fail;
  }
  if (index_name != Py_None) {
    const char *ix = PyUnicode_AsUTF8(index_name);
    if (!ix) goto fail;
    prc = ps_frame_set_index(f, ix);
    if (prc != PS_OK) { fail_ps(prc); goto fail; }
  }
  prc = ps_frame_validate(f);
  if (prc != PS_OK) { fail_ps(prc); goto fail; }
  Py_DECREF(seq);
  *out = f;
  return 0;
fail:
  Py_DECREF(seq);
  ps_frame_free(f);
  return -1;
}

/* ---- frame -> Python ---- */

static void frame_capsule_free(PyObject *cap) {
  ps_frame *f = PyCapsule_GetPointer(cap, "pystore.frame");
  ps_frame_free(f);
}

static PyObject *mask_array(const ps_column *col, npy_intp n) {
  const uint8_t *v = ps_column_validity(col);
  if (!v || ps_column_null_count(col) == 0) Py_RETURN_NONE;
  PyArrayObject *m = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_BOOL);
  if (!m) return NULL;
  npy_bool *mv = (npy_bool *)PyArray_DATA(m);
  for (npy_intp i = 0; i < n; i++) mv[i] = !((v[i >> 3] >> (i & 7)) & 1);
  return (PyObject *)m;
}

static PyObject *fixed_array(PyObject *capsule, ps_column *col, npy_intp n) {
  PyArray_Descr *d = descr_for(col);
  if (!d) return NULL;
  void *data = (void *)ps_column_values(col);
  if (n == 0 || !data) return PyArray_Zeros(1, &n, d, 0); /* steals d */
  /* null slots: NaN / NaT in place, so the array alone is meaningful */
  const uint8_t *valid = ps_column_validity(col);
  if (valid && ps_column_null_count(col) > 0) {
    ps_type t = ps_column_type(col);
    for (npy_intp i = 0; i < n; i++) {
      if ((valid[i >> 3] >> (i & 7)) & 1) continue;
      if (t == PS_TYPE_FLOAT64) ((double *)data)[i] = NAN;
      else if (t == PS_TYPE_FLOAT32) ((float *)data)[i] = NAN;
      else if (t == PS_TYPE_TIMESTAMP) ((int64_t *)data)[i] = INT64_MIN;
    }
  }
  PyObject *arr = PyArray_NewFromDescr(&PyArray_Type, d, 1, &n, NULL, data, NPY_ARRAY_CARRAY, NULL);
  if (!arr) return NULL;
  Py_INCREF(capsule);
  if (PyArray_SetBaseObject((PyArrayObject *)arr, capsule) < 0) {
    Py_DECREF(arr);
    return NULL;
  }
  return arr;
}

static PyObject *varlen_array(const ps_column *col, npy_intp n, int binary) {
  PyArrayObject *a = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_OBJECT);
  if (!a) return NULL;
  PyObject **items = (PyObject **)PyArray_DATA(a);
  const int64_t *off = (const int64_t *)ps_column_values(col);
  const char *bytes = ps_column_bytes(col);
  const uint8_t *valid = ps_column_validity(col);
  PyObject *prev = NULL;
  const char *prev_s = NULL;
  int64_t prev_len = -1;
  for (npy_intp i = 0; i < n; i++) {
    PyObject *o;
    if (valid && !((valid[i >> 3] >> (i & 7)) & 1)) {
      o = Py_None;
      Py_INCREF(o);
    } else {
      const char *s = bytes + off[i];
      int64_t len = off[i + 1] - off[i];
      if (prev && len == prev_len && memcmp(s, prev_s, (size_t)len) == 0) {
        o = prev; /* runs of equal values share one object */
        Py_INCREF(o);
      } else {
        o = binary ? PyBytes_FromStringAndSize(s, (Py_ssize_t)len)
                   : PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "strict");
        if (!o) {
          Py_DECREF(a); /* remaining slots are NULL: numpy handles that */
          return NULL;
        }
        prev = o;
        prev_s = s;
        prev_len = len;
      }
    }
    Py_XSETREF(items[i], o); /* PyArray_SimpleNew(NPY_OBJECT) filled with None */
  }
  return (PyObject *)a;
}

static PyObject *tz_obj(const ps_column *col) {
  const char *tz = ps_column_tz(col);
  if (tz) return PyUnicode_FromString(tz);
  Py_RETURN_NONE;
}

static PyObject *index_name_obj(const ps_frame *f) {
  int ix = ps_frame_index(f);
  if (ix < 0) Py_RETURN_NONE;
  return PyUnicode_FromString(ps_column_name(ps_frame_column(f, ix)));
}

PyObject *pyps_frame_to_py(ps_frame *f) {
  PyObject *capsule = PyCapsule_New(f, "pystore.frame", frame_capsule_free);
  if (!capsule) {
    ps_frame_free(f);
    return NULL;
  }
  int nc = ps_frame_num_columns(f);
  npy_intp n = (npy_intp)ps_frame_num_rows(f);
  PyObject *cols = PyList_New(nc), *result = NULL;
  if (!cols) goto done;
  for (int i = 0; i < nc; i++) {
    ps_column *col = ps_frame_column(f, i);
    ps_type t = ps_column_type(col);
    PyObject *values;
    if (t == PS_TYPE_STRING || t == PS_TYPE_BINARY) values = varlen_array(col, n, t == PS_TYPE_BINARY);
    else values = fixed_array(capsule, col, n);
    if (!values) goto done;
    PyObject *mask = mask_array(col, n);
    if (!mask) { Py_DECREF(values); goto done; }
    PyObject *tz = tz_obj(col);
    PyObject *tup = Py_BuildValue("(ssNNsN)", ps_column_name(col), ps_type_name(t), values, mask,
                                  unit_name(ps_column_unit(col)), tz);
    if (!tup) goto done;
    PyList_SET_ITEM(cols, i, tup);
  }
  result = Py_BuildValue("(ONn)", cols, index_name_obj(f), (Py_ssize_t)n);
done:
  Py_XDECREF(cols);
  Py_DECREF(capsule); /* the arrays hold their own references */
  return result;
}

PyObject *pyps_schema_to_py(const ps_frame *f) {
  int nc = ps_frame_num_columns(f);
  PyObject *cols = PyList_New(nc);
  if (!cols) return NULL;
  for (int i = 0; i < nc; i++) {
    ps_column *col = ps_frame_column(f, i);
    PyObject *tup = Py_BuildValue("(sssN)", ps_column_name(col), ps_type_name(ps_column_type(col)),
                                  unit_name(ps_column_unit(col)), tz_obj(col));
    if (!tup) { Py_DECREF(cols); return NULL; }
    PyList_SET_ITEM(cols, i, tup);
  }
  return Py_BuildValue("(NN)", cols, index_name_obj(f));
}

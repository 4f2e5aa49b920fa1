/* Status codes -> Python exceptions.
 *
 * pystore/exceptions.py registers its classes with _set_exceptions({key: class}).
 * Keys are status names ("PS_ERR_NOT_FOUND", ...), refined keys for the
 * not-found / exists cases chosen from the subject the C message names
 * ("item_not_found", "collection_not_found", "store_not_found",
 * "snapshot_not_found", "item_exists", "collection_exists",
 * "snapshot_exists", "store_exists"), and "default". Without a
 * registration a RuntimeError is raised. The exception gets attributes
 * `code` (int) and `status` (the status name). */
#include "pyps.h"

#include <string.h>

static PyObject *registry; /* dict or NULL */

PyObject *pyps_set_exceptions(PyObject *self, PyObject *mapping) {
  (void)self;
  if (!PyDict_Check(mapping)) {
    PyErr_SetString(PyExc_TypeError, "_set_exceptions expects a dict");
    return NULL;
  }
  Py_INCREF(mapping);
  Py_XSETREF(registry, mapping);
  Py_RETURN_NONE;
}

void pyps_errors_clear(void) { Py_CLEAR(registry); }

static const char *subject_of(const char *msg) {
  /* the subject named first: "write c/it: item 'it' already exists ..." */
  static const char *const pats[] = {"item '", "collection '", "store '", "snapshot '"};
  static const char *const subjects[] = {"item", "collection", "store", "snapshot"};
  const char *best = NULL, *subject = NULL;
  for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
    const char *p = strstr(msg, pats[i]);
    if (p && (p == msg || p[-1] == ' ') && (!best || p < best)) {
      best = p;
      subject = subjects[i];
    }
  }
  if (subject) return subject;
  if (strstr(msg, "no such item") || strstr(msg, "no item here")) return "item";
  return NULL;
}

static PyObject *lookup(const char *key) {
  if (!registry || !key) return NULL;
  return PyDict_GetItemString(registry, key); /* borrowed */
}

PyObject *pyps_error_object(int rc, const char *detail) {
  const char *status = ps_status_name(rc);
  PyObject *cls = NULL;
  char key[64];
  const char *subject = detail ? subject_of(detail) : NULL;
  if (subject && (rc == PS_ERR_NOT_FOUND || rc == PS_ERR_EXISTS)) {
    snprintf(key, sizeof key, "%s_%s", subject, rc == PS_ERR_NOT_FOUND ? "not_found" : "exists");
    cls = lookup(key);
  }
  if (!cls) cls = lookup(status);
  if (!cls) cls = lookup("default");
  if (!cls) cls = PyExc_RuntimeError;
  if (rc == PS_ERR_NOMEM && !lookup(status)) cls = PyExc_MemoryError;

  PyObject *msg = (detail && *detail) ? PyUnicode_FromFormat("%s", detail)
                                      : PyUnicode_FromFormat("%s", ps_strerror(rc));
  if (!msg) return NULL;
  PyObject *exc = PyObject_CallOneArg(cls, msg);
  Py_DECREF(msg);
  if (!exc) return NULL;
  PyObject *code = PyLong_FromLong(rc);
  PyObject *st = PyUnicode_FromString(status);
  if (code && st) {
    /* best effort: exception classes normally accept attributes */
    if (PyObject_SetAttrString(exc, "code", code) < 0 || PyObject_SetAttrString(exc, "status", st) < 0)
      PyErr_Clear();
  }
  Py_XDECREF(code);
  Py_XDECREF(st);
  return exc;
}

PyObject *pyps_raise(int rc) {
  PyObject *exc = pyps_error_object(rc, ps_errmsg());
  if (!exc) return NULL;
  PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
  Py_DECREF(exc);
  return NULL;
}

/* _pystore.error(code, message) -> the exception instance pyps_raise would raise */
PyObject *pyps_mod_error(PyObject *self, PyObject *args) {
  (void)self;
  int rc;
  const char *msg;
  if (!PyArg_ParseTuple(args, "is:error", &rc, &msg)) return NULL;
  return pyps_error_object(rc, msg);
}

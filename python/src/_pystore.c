/* _pystore: the C extension under the pystore Python package.
 * Module-level functions (base path, stores) and type registration; see
 * pyps.h for how the files divide the work. */
#define PYPS_MAIN_FILE
#include "pyps.h"

#include <string.h>

static int opts_from(const char *base, ps_store_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->base_path = base;
  return 0;
}

static PyObject *mod_base_path(PyObject *self, PyObject *args) {
  (void)self;
  const char *base = NULL;
  if (!PyArg_ParseTuple(args, "|z", &base)) return NULL;
  ps_store_options opt;
  opts_from(base, &opt);
  char *out = NULL;
  int rc = ps_base_path(&opt, &out);
  if (rc != PS_OK) return pyps_raise(rc);
  PyObject *r = PyUnicode_FromString(out);
  ps_free(out);
  return r;
}

static PyObject *mod_list_stores(PyObject *self, PyObject *args) {
  (void)self;
  const char *base = NULL;
  if (!PyArg_ParseTuple(args, "|z", &base)) return NULL;
  ps_store_options opt;
  opts_from(base, &opt);
  char **names = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_list_stores(&opt, &names);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return pyps_names_to_list(names);
}

static PyObject *mod_delete_store(PyObject *self, PyObject *args) {
  (void)self;
  const char *base = NULL, *name;
  if (!PyArg_ParseTuple(args, "zs", &base, &name)) return NULL;
  ps_store_options opt;
  opts_from(base, &opt);
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_delete_store(&opt, name);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  Py_RETURN_NONE;
}

static PyObject *mod_version(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  return PyUnicode_FromString(ps_version_string());
}

static PyObject *mod_strerror(PyObject *self, PyObject *args) {
  (void)self;
  int code;
  if (!PyArg_ParseTuple(args, "i", &code)) return NULL;
  return Py_BuildValue("(ss)", ps_status_name(code), ps_strerror(code));
}

/* ps_verify findings gathered without the GIL, turned into Python objects after. */
typedef struct verify_finding {
  char *path, *message;
  int status;
} verify_finding;

typedef struct verify_list {
  verify_finding *v;
  size_t n, cap;
  int nomem;
} verify_list;

static void verify_collect(void *ctx, const char *path, int status, const char *message) {
  verify_list *l = ctx;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    verify_finding *v = realloc(l->v, cap * sizeof *v);
    if (!v) {
      l->nomem = 1;
      return;
    }
    l->v = v;
    l->cap = cap;
  }
  verify_finding *f = &l->v[l->n];
  f->path = strdup(path);
  f->message = strdup(message);
  f->status = status;
  if (!f->path || !f->message) {
    free(f->path);
    free(f->message);
    l->nomem = 1;
    return;
  }
  l->n++;
}

static PyObject *mod_verify(PyObject *self, PyObject *args) {
  (void)self;
  const char *path;
  if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
  verify_list l = {0};
  ps_verify_stats st;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_verify(path, verify_collect, &l, &st);
  Py_END_ALLOW_THREADS
  PyObject *r = NULL, *findings = NULL;
  if (l.nomem) {
    PyErr_NoMemory();
    goto done;
  }
  if (rc < 0 && rc != PS_ERR_CORRUPT) {
    pyps_raise(rc);
    goto done;
  }
  findings = PyList_New(0);
  for (size_t i = 0; findings && i < l.n; i++) {
    PyObject *t = Py_BuildValue("(sss)", l.v[i].path, l.v[i].status < 0 ? ps_status_name(l.v[i].status) : "note",
                                l.v[i].message);
    if (!t || PyList_Append(findings, t) < 0) Py_CLEAR(findings);
    Py_XDECREF(t);
  }
  if (findings)
    r = Py_BuildValue("{s:O, s:L, s:L, s:L, s:L, s:L, s:L, s:L, s:O}", "ok", rc == PS_OK ? Py_True : Py_False,
                      "items", (long long)st.items, "files", (long long)st.files, "row_groups",
                      (long long)st.row_groups, "pages", (long long)st.pages, "pages_crc", (long long)st.pages_crc,
                      "bytes", (long long)st.bytes, "problems", (long long)st.problems, "findings", findings);
done:
  Py_XDECREF(findings);
  for (size_t i = 0; i < l.n; i++) {
    free(l.v[i].path);
    free(l.v[i].message);
  }
  free(l.v);
  return r;
}

static PyMethodDef module_methods[] = {
    {"base_path", mod_base_path, METH_VARARGS, "base_path(base=None) -> resolved base path"},
    {"list_stores", mod_list_stores, METH_VARARGS, "list_stores(base=None) -> [names]"},
    {"delete_store", mod_delete_store, METH_VARARGS, "delete_store(base, name)"},
    {"version", mod_version, METH_NOARGS, "libpystore version string"},
    {"verify", mod_verify, METH_VARARGS,
     "verify(path) -> {ok, items, files, row_groups, pages, pages_crc, bytes, problems, findings}"},
    {"strerror", mod_strerror, METH_VARARGS, "strerror(code) -> (name, text)"},
    {"filter_text", pyps_mod_build_filter_text, METH_VARARGS,
     "filter_text(dnf) -> text of the expression built with ps_expr_* (for tests/logs)"},
    {"error", pyps_mod_error, METH_VARARGS, "error(code, message) -> the exception instance for a status"},
    {"_set_exceptions", pyps_set_exceptions, METH_O, "register exception classes {key: class}"},
    {NULL, NULL, 0, NULL}};

static void module_free(void *m) {
  (void)m;
  pyps_phase3_module_free();
  pyps_errors_clear();
}

static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT, "_pystore",
                                       "C extension of the pystore package (libpystore bindings)", -1,
                                       module_methods, NULL, NULL, NULL, module_free};

PyMODINIT_FUNC PyInit__pystore(void) {
  import_array();
  if (PyType_Ready(&PypsStoreType) < 0 || PyType_Ready(&PypsCollectionType) < 0 ||
      PyType_Ready(&PypsChunkReaderType) < 0)
    return NULL;
  /* Phase-3 methods of Collection live in phase3.c */
  for (PyMethodDef *d = pyps_phase3_collection_methods; d->ml_name; d++) {
    PyObject *f = PyDescr_NewMethod(&PypsCollectionType, d);
    if (!f || PyDict_SetItemString(PypsCollectionType.tp_dict, d->ml_name, f) < 0) {
      Py_XDECREF(f);
      return NULL;
    }
    Py_DECREF(f);
  }
  PyType_Modified(&PypsCollectionType);
  PyObject *m = PyModule_Create(&moduledef);
  if (!m) return NULL;
  if (PyModule_AddFunctions(m, pyps_phase3_module_methods) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  Py_INCREF(&PypsChunkReaderType);
  if (PyModule_AddObject(m, "ChunkReader", (PyObject *)&PypsChunkReaderType) < 0) {
    Py_DECREF(&PypsChunkReaderType);
    Py_DECREF(m);
    return NULL;
  }
  Py_INCREF(&PypsStoreType);
  Py_INCREF(&PypsCollectionType);
  if (PyModule_AddObject(m, "Store", (PyObject *)&PypsStoreType) < 0 ||
      PyModule_AddObject(m, "Collection", (PyObject *)&PypsCollectionType) < 0 ||
      PyModule_AddStringConstant(m, "__version__", ps_version_string()) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}

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

static PyMethodDef module_methods[] = {
    {"base_path", mod_base_path, METH_VARARGS, "base_path(base=None) -> resolved base path"},
    {"list_stores", mod_list_stores, METH_VARARGS, "list_stores(base=None) -> [names]"},
    {"delete_store", mod_delete_store, METH_VARARGS, "delete_store(base, name)"},
    {"version", mod_version, METH_NOARGS, "libpystore version string"},
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

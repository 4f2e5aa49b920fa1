/* Shared declarations of the _pystore extension (CPython + NumPy C API).
 *
 *  errors.c      status codes -> Python exceptions (classes registered by
 *                pystore/exceptions.py through _pystore._set_exceptions)
 *  frame_conv.c  NumPy arrays <-> ps_frame columns (bulk copies in, zero-copy out)
 *  objects.c     Store and Collection types, filters built with ps_expr_*
 *  phase3.c      Phase-3 API: streaming append, batches, ChunkReader,
 *                partitioning, memory, metadata cache, log sink bridge
 *  _pystore.c    module definition
 */
#ifndef PYPS_H
#define PYPS_H

#ifndef PY_SSIZE_T_CLEAN
#define PY_SSIZE_T_CLEAN
#endif
#include <Python.h>

#define PY_ARRAY_UNIQUE_SYMBOL pyps_ARRAY_API
#ifndef PYPS_MAIN_FILE
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include "pystore.h"

/* errors.c */
/* Raise the exception registered for `rc` with ps_errmsg() (or `fallback`
 * context) as the message; returns NULL. */
PyObject *pyps_raise(int rc);
/* The exception instance (new reference) for `rc` with message `detail`. */
PyObject *pyps_error_object(int rc, const char *detail);
PyObject *pyps_mod_error(PyObject *self, PyObject *args);
PyObject *pyps_set_exceptions(PyObject *self, PyObject *mapping);
void pyps_errors_clear(void);

/* frame_conv.c */
/* Build a frame from the Python description
 *   (columns, index_name)  columns = [(name, kind, values, mask, tz), ...]
 * kind: "num" (a NumPy array of bool/int/uint/float/datetime64), "str"
 * (object array of str), "bin" (object array of bytes). mask: None or a
 * bool array, True = null. tz: None or a zone name (datetime64 only).
 * Returns 0, or -1 with a Python exception set. */
int pyps_frame_from_py(PyObject *spec, ps_frame **out);
/* Convert a frame (ownership taken, also on failure) to
 *   (columns, index_name, num_rows)  columns = [(name, type, values, mask, unit, tz), ...]
 * Fixed-width values are zero-copy views of the frame's buffers (a capsule
 * owning the frame is their base); nulls: NaN in floats, NaT in timestamps,
 * otherwise `mask` (bool array, True = null). */
PyObject *pyps_frame_to_py(ps_frame *frame);
/* Schema only: [(name, type, unit, tz), ...], index_name */
PyObject *pyps_schema_to_py(const ps_frame *frame);

/* objects.c */
typedef struct {
  PyObject_HEAD
  ps_store *store;
} PypsStore;

typedef struct {
  PyObject_HEAD
  PypsStore *store; /* strong reference: the ps_collection borrows its ps_store */
  ps_collection *coll;
} PypsCollection;

extern PyTypeObject PypsStoreType;
extern PyTypeObject PypsCollectionType;
int pyps_build_filter(PyObject *spec, ps_expr **out);
PyObject *pyps_mod_build_filter_text(PyObject *self, PyObject *args);
/* columns (None or a sequence of str) -> PyMem array of borrowed UTF-8
 * pointers (kept alive by *keep); 0 or -1 with an exception. */
int pyps_columns_from_py(PyObject *columns, const char ***names, size_t *n, PyObject **keep);
/* A NULL-terminated name list (freed here with ps_names_free) as a Python list. */
PyObject *pyps_names_to_list(char **names);

/* phase3.c: streaming append, batches, chunked reads, partitioning, memory,
 * optimize, metadata cache, logging */
extern PyTypeObject PypsChunkReaderType;
extern PyMethodDef pyps_phase3_collection_methods[];
extern PyMethodDef pyps_phase3_module_methods[];
void pyps_phase3_module_free(void);

#endif

/* Phase-3 bindings: streaming append, batch write/read, chunked reads,
 * partitioning/rebalance, memory info/budgets, the metadata cache and the
 * logging bridge (see the "Phase 3" section of include/pystore.h).
 *
 * GIL rules: every library call that does I/O or runs a thread pool is made
 * with the GIL released. Library code may call back into Python (the batch
 * source of a streaming append, the log sink); those callbacks take the GIL
 * with PyGILState_Ensure (they may run on a C worker thread) and hold it only
 * while Python code runs. The log sink is serialized by the library's
 * mutex, so the calls that take that mutex (ps_log_set_sink, ps_log_message)
 * are made without the GIL too (else a worker holding the mutex and waiting
 * for the GIL would deadlock against us); so are the small getters/setters
 * that can log at first use (reading the environment) or that share a mutex
 * with code that logs (the cache's TTL). */
#include "pyps.h"

#include <string.h>

#define COLL_OK(self)                                                        \
  do {                                                                       \
    if (!(self)->coll) {                                                     \
      PyErr_SetString(PyExc_ValueError, "collection handle is not open");    \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static int dup_opt(const char *name, ps_duplicates *out) {
  if (!name) return 0;
  int rc = ps_duplicates_from_name(name, out);
  if (rc != PS_OK) { pyps_raise(rc); return -1; }
  return 0;
}

static int partition_opt(const char *name, long long target, ps_partition_options *out) {
  memset(out, 0, sizeof *out);
  out->target_bytes = target;
  if (!name) return 0;
  int rc = ps_partition_strategy_from_name(name, &out->strategy);
  if (rc != PS_OK) { pyps_raise(rc); return -1; }
  return 0;
}

/* ========================================================================
 * Streaming append
 * ---------------------------------------------------------------------- */
typedef struct {
  PyObject *iter;      /* yields frame specs (see pyps_frame_from_py) */
  PyObject *exc;       /* exception raised by the iterator / conversion, or NULL */
} stream_src;

/* ps_batch_fn: called by the library on the thread running the stream
 * (which released the GIL); takes the GIL only for the Python part. */
static int stream_next(void *user, ps_frame **out) {
  stream_src *s = user;
  *out = NULL;
  PyGILState_STATE g = PyGILState_Ensure();
  int rc = PS_OK;
  PyObject *spec = PyIter_Next(s->iter);
  if (!spec) {
    if (PyErr_Occurred()) rc = PS_ERR_INVALID; /* else: the end */
  } else {
    ps_frame *f = NULL;
    if (pyps_frame_from_py(spec, &f) < 0) rc = PS_ERR_INVALID;
    else *out = f;
    Py_DECREF(spec);
  }
  if (rc != PS_OK) {
    /* keep the Python exception; re-raised once the stream has been undone */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && tb) PyException_SetTraceback(value, tb);
    Py_XSETREF(s->exc, value ? value : Py_NewRef(PyExc_RuntimeError));
    Py_XDECREF(type);
    Py_XDECREF(tb);
  }
  PyGILState_Release(g);
  return rc;
}

static PyObject *Collection_append_stream(PypsCollection *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"item", "batches", "duplicates", "create", "widen", "chunk_rows", "metadata",
                           "partition", "target_bytes", NULL};
  const char *item, *dups = NULL, *meta = NULL, *part = NULL;
  PyObject *batches;
  int create = 0, widen = 0;
  long long chunk_rows = 0, target = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "sO|zppLzzL:append_stream", kwlist, &item, &batches, &dups, &create,
                                   &widen, &chunk_rows, &meta, &part, &target))
    return NULL;
  COLL_OK(self);
  ps_stream_options opt;
  memset(&opt, 0, sizeof opt);
  opt.duplicates = PS_DUP_KEEP_LAST;
  if (dup_opt(dups, &opt.duplicates) < 0) return NULL;
  if (partition_opt(part, target, &opt.partition) < 0) return NULL;
  opt.create = create;
  opt.widen = widen;
  opt.chunk_rows = chunk_rows;
  opt.metadata = meta;
  int64_t rows = 0, runs = 0;
  opt.out_rows = &rows;
  opt.out_spilled_runs = &runs;
  stream_src src = {PyObject_GetIter(batches), NULL};
  if (!src.iter) return NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_append_stream(self->coll, item, stream_next, &src, &opt);
  Py_END_ALLOW_THREADS
  Py_DECREF(src.iter);
  if (src.exc) {
    /* the iterator failed: the stream was aborted (nothing committed) */
    PyErr_SetObject((PyObject *)Py_TYPE(src.exc), src.exc);
    Py_DECREF(src.exc);
    return NULL;
  }
  if (rc != PS_OK) return pyps_raise(rc);
  return Py_BuildValue("(LL)", (long long)rows, (long long)runs);
}

/* ========================================================================
 * Batch write / read
 * ---------------------------------------------------------------------- */

/* per-item result: (status, message or None) */
static PyObject *status_tuple(int status, const char *msg) {
  if (status == PS_OK || !msg) return Py_BuildValue("(iO)", status, Py_None);
  return Py_BuildValue("(is)", status, msg);
}

/* write_batch(entries, overwrite=False, duplicates=None, threads=0,
 *             partition=None, target_bytes=0)
 * entries: [(item, spec, metadata_json or None), ...]
 * -> [(status, message or None) | exception instance (conversion failed)] */
static PyObject *Collection_write_batch(PypsCollection *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"entries", "overwrite", "duplicates", "threads", "partition", "target_bytes", NULL};
  PyObject *entries;
  int overwrite = 0, threads = 0;
  const char *dups = NULL, *part = NULL;
  long long target = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|pzizL:write_batch", kwlist, &entries, &overwrite, &dups, &threads,
                                   &part, &target))
    return NULL;
  COLL_OK(self);
  ps_batch_options opt;
  memset(&opt, 0, sizeof opt);
  opt.threads = threads;
  opt.overwrite = overwrite;
  opt.duplicates = PS_DUP_KEEP_ALL;
  if (dup_opt(dups, &opt.duplicates) < 0) return NULL;
  if (partition_opt(part, target, &opt.partition) < 0) return NULL;

  PyObject *seq = PySequence_Fast(entries, "write_batch: entries must be a sequence");
  if (!seq) return NULL;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  ps_batch_write_item *items = PyMem_Calloc((size_t)n + 1, sizeof *items);
  ps_frame **frames = PyMem_Calloc((size_t)n + 1, sizeof *frames);
  Py_ssize_t *slot = PyMem_Calloc((size_t)n + 1, sizeof *slot); /* entry -> items[] index, -1 = failed */
  PyObject *result = PyList_New(n);
  size_t m = 0;
  if (!items || !frames || !slot || !result) {
    if (!PyErr_Occurred()) PyErr_NoMemory();
    goto done;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    const char *name, *meta = NULL;
    PyObject *spec;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "sO|z:write_batch entry", &name, &spec, &meta))
      goto done; /* a malformed entry is a caller bug: fail the call */
    ps_frame *f = NULL;
    if (pyps_frame_from_py(spec, &f) < 0) {
      /* this item cannot be converted: report it, write the others */
      PyObject *type, *value, *tb;
      PyErr_Fetch(&type, &value, &tb);
      PyErr_NormalizeException(&type, &value, &tb);
      Py_XDECREF(type);
      Py_XDECREF(tb);
      PyList_SET_ITEM(result, i, value ? value : Py_NewRef(Py_None));
      slot[i] = -1;
      continue;
    }
    frames[m] = f;
    items[m].item = name; /* borrowed from the entry tuple, alive while seq is */
    items[m].data = f;
    items[m].metadata = meta;
    slot[i] = (Py_ssize_t)m++;
  }
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = m ? ps_write_batch(self->coll, items, m, &opt) : PS_OK;
  Py_END_ALLOW_THREADS
  (void)rc; /* per-item statuses below carry every failure */
  for (Py_ssize_t i = 0; i < n; i++) {
    if (slot[i] < 0) continue;
    ps_batch_write_item *it = &items[slot[i]];
    PyObject *t = status_tuple(it->status, it->errmsg);
    if (!t) goto done;
    PyList_SET_ITEM(result, i, t);
  }
  ps_batch_write_clear(items, m);
  for (size_t k = 0; k < m; k++) ps_frame_free(frames[k]);
  PyMem_Free(items);
  PyMem_Free(frames);
  PyMem_Free(slot);
  Py_DECREF(seq);
  return result;
done:
  if (items) ps_batch_write_clear(items, m);
  for (size_t k = 0; frames && k < m; k++) ps_frame_free(frames[k]);
  PyMem_Free(items);
  PyMem_Free(frames);
  PyMem_Free(slot);
  Py_XDECREF(result);
  Py_DECREF(seq);
  return NULL;
}

/* read_batch(entries, threads=0)
 * entries: [(item, columns or None, filters (DNF) or None, start, end, limit), ...]
 * -> [(status, message or None, result or None, metadata_json or None), ...] */
static PyObject *Collection_read_batch(PypsCollection *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"entries", "threads", NULL};
  PyObject *entries;
  int threads = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|i:read_batch", kwlist, &entries, &threads)) return NULL;
  COLL_OK(self);
  ps_batch_options opt;
  memset(&opt, 0, sizeof opt);
  opt.threads = threads;
  PyObject *seq = PySequence_Fast(entries, "read_batch: entries must be a sequence");
  if (!seq) return NULL;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  ps_batch_read_item *items = PyMem_Calloc((size_t)n + 1, sizeof *items);
  PyObject **keep = PyMem_Calloc((size_t)n + 1, sizeof *keep); /* column name sequences */
  PyObject *result = NULL;
  if (!items || !keep) {
    PyErr_NoMemory();
    goto done;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    const char *name, *start = NULL, *end = NULL;
    PyObject *columns = Py_None, *filters = Py_None;
    long long limit = 0;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "s|OOzzL:read_batch entry", &name, &columns, &filters,
                          &start, &end, &limit))
      goto done;
    items[i].item = name;
    items[i].options.start = start;
    items[i].options.end = end;
    items[i].options.limit = limit;
    items[i].options.threads = 1; /* the batch pool provides the parallelism */
    const char **names = NULL;
    if (pyps_columns_from_py(columns, &names, &items[i].options.num_columns, &keep[i]) < 0) goto done;
    items[i].options.columns = names;
    ps_expr *e = NULL;
    if (pyps_build_filter(filters, &e) < 0) goto done;
    items[i].options.filter = e;
  }
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = n ? ps_read_batch(self->coll, items, (size_t)n, &opt) : PS_OK;
  Py_END_ALLOW_THREADS
  (void)rc;
  result = PyList_New(n);
  if (!result) goto done;
  for (Py_ssize_t i = 0; i < n; i++) {
    ps_batch_read_item *it = &items[i];
    PyObject *frame = Py_None, *meta = Py_None;
    Py_INCREF(frame);
    Py_INCREF(meta);
    if (it->status == PS_OK && it->frame) {
      Py_DECREF(frame);
      frame = pyps_frame_to_py(it->frame); /* takes ownership */
      it->frame = NULL;
      if (!frame) { Py_DECREF(meta); Py_CLEAR(result); goto done; }
    }
    if (it->metadata_json) {
      Py_DECREF(meta);
      meta = PyUnicode_FromString(it->metadata_json);
      if (!meta) { Py_DECREF(frame); Py_CLEAR(result); goto done; }
    }
    PyObject *t = Py_BuildValue("(iONN)", it->status, Py_None, frame, meta);
    if (t && it->status != PS_OK && it->errmsg) {
      PyObject *msg = PyUnicode_FromString(it->errmsg);
      if (!msg) Py_CLEAR(t);
      else PyTuple_SET_ITEM(t, 1, msg), Py_DECREF(Py_None);
    }
    if (!t) { Py_CLEAR(result); goto done; }
    PyList_SET_ITEM(result, i, t);
  }
done:
  if (items) {
    for (Py_ssize_t i = 0; i < n; i++) {
      ps_expr_free((ps_expr *)items[i].options.filter);
      PyMem_Free((void *)items[i].options.columns);
      items[i].options.filter = NULL;
      items[i].options.columns = NULL;
    }
    ps_batch_read_clear(items, (size_t)n);
  }
  for (Py_ssize_t i = 0; keep && i < n; i++) Py_XDECREF(keep[i]);
  PyMem_Free(keep);
  PyMem_Free(items);
  Py_DECREF(seq);
  return result;
}

/* ========================================================================
 * Chunked reading: _pystore.ChunkReader (an iterator of frame results)
 * ---------------------------------------------------------------------- */
typedef struct {
  PyObject_HEAD
  PypsCollection *coll; /* strong: the reader borrows its ps_collection */
  ps_chunk_reader *r;
  ps_expr *expr;        /* the filter: the reader borrows it */
  int busy;             /* a next() is running without the GIL */
} PypsChunkReader;

static void reader_release(PypsChunkReader *self) {
  if (self->r) ps_chunk_reader_close(self->r);
  self->r = NULL;
  ps_expr_free(self->expr);
  self->expr = NULL;
}

static void ChunkReader_dealloc(PypsChunkReader *self) {
  reader_release(self);
  Py_XDECREF(self->coll);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *ChunkReader_next(PypsChunkReader *self) {
  if (!self->r) return NULL; /* closed or exhausted: StopIteration */
  if (self->busy) {
    PyErr_SetString(PyExc_RuntimeError, "ChunkReader is being read by another thread");
    return NULL;
  }
  self->busy = 1;
  ps_frame *f = NULL;
  int rc;
  ps_chunk_reader *r = self->r;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_chunk_reader_next(r, &f);
  Py_END_ALLOW_THREADS
  self->busy = 0;
  if (rc != PS_OK) return pyps_raise(rc);
  if (!f) {
    reader_release(self);
    return NULL;
  }
  return pyps_frame_to_py(f);
}

static PyObject *ChunkReader_close(PypsChunkReader *self, PyObject *unused) {
  (void)unused;
  if (self->busy) {
    PyErr_SetString(PyExc_RuntimeError, "ChunkReader is being read by another thread");
    return NULL;
  }
  reader_release(self);
  Py_RETURN_NONE;
}

static PyObject *ChunkReader_rows(PypsChunkReader *self, PyObject *unused) {
  (void)unused;
  return PyLong_FromLongLong(self->r ? (long long)ps_chunk_reader_rows(self->r) : -1);
}

static PyMethodDef ChunkReader_methods[] = {
    {"close", (PyCFunction)ChunkReader_close, METH_NOARGS, "release the reader (idempotent)"},
    {"rows", (PyCFunction)ChunkReader_rows, METH_NOARGS, "rows returned so far (-1 once closed)"},
    {NULL, NULL, 0, NULL}};

PyTypeObject PypsChunkReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pystore._pystore.ChunkReader",
    .tp_basicsize = sizeof(PypsChunkReader),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "iterator of chunks of an item (Collection.chunks(...)); each chunk is a frame result",
    .tp_dealloc = (destructor)ChunkReader_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)ChunkReader_next,
    .tp_methods = ChunkReader_methods,
};

static PyObject *Collection_chunks(PypsCollection *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"item", "columns", "filters", "start", "end", "chunk_rows", "snapshot", "threads",
                           "memory_budget", NULL};
  const char *item, *start = NULL, *end = NULL, *snap = NULL;
  PyObject *columns = Py_None, *filters = Py_None, *keep = NULL;
  long long chunk_rows = 0, budget = 0;
  int threads = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "s|OOzzLziL:chunks", kwlist, &item, &columns, &filters, &start, &end,
                                   &chunk_rows, &snap, &threads, &budget))
    return NULL;
  COLL_OK(self);
  ps_chunk_options opt;
  memset(&opt, 0, sizeof opt);
  opt.start = start;
  opt.end = end;
  opt.chunk_rows = chunk_rows;
  opt.snapshot = snap;
  opt.threads = threads;
  opt.memory_budget = budget;
  const char **names = NULL;
  ps_expr *expr = NULL;
  PyObject *result = NULL;
  if (pyps_columns_from_py(columns, &names, &opt.num_columns, &keep) < 0) return NULL;
  opt.columns = names;
  if (pyps_build_filter(filters, &expr) < 0) goto done;
  opt.filter = expr;
  ps_chunk_reader *r = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_chunks_open(self->coll, item, &opt, &r);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) { pyps_raise(rc); goto done; }
  PypsChunkReader *cr = PyObject_New(PypsChunkReader, &PypsChunkReaderType);
  if (!cr) { ps_chunk_reader_close(r); goto done; }
  cr->r = r;
  cr->expr = expr; /* borrowed by the reader: freed after it */
  expr = NULL;
  cr->busy = 0;
  Py_INCREF(self);
  cr->coll = self;
  result = (PyObject *)cr;
done:
  ps_expr_free(expr);
  PyMem_Free(names);
  Py_XDECREF(keep);
  return result;
}

/* ========================================================================
 * Partitioning
 * ---------------------------------------------------------------------- */
static PyObject *Collection_rebalance(PypsCollection *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"item", "strategy", "target_bytes", NULL};
  const char *item, *strategy;
  long long target = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "ss|L:rebalance", kwlist, &item, &strategy, &target)) return NULL;
  COLL_OK(self);
  ps_partition_options p;
  if (partition_opt(strategy, target, &p) < 0) return NULL;
  int64_t parts = 0;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_rebalance(self->coll, item, &p, &parts);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return PyLong_FromLongLong(parts);
}

static PyObject *Collection_partitioning(PypsCollection *self, PyObject *args) {
  const char *item;
  if (!PyArg_ParseTuple(args, "s:partitioning", &item)) return NULL;
  COLL_OK(self);
  ps_partition_options p;
  memset(&p, 0, sizeof p);
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_partitioning(self->coll, item, &p);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return Py_BuildValue("(sL)", ps_partition_strategy_name(p.strategy), (long long)p.target_bytes);
}

static PyObject *Collection_parts(PypsCollection *self, PyObject *args) {
  const char *item;
  if (!PyArg_ParseTuple(args, "s:parts", &item)) return NULL;
  COLL_OK(self);
  ps_part_info *parts = NULL;
  int64_t n = 0;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_item_parts(self->coll, item, &parts, &n);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (int64_t i = 0; l && i < n; i++) {
    PyObject *d = Py_BuildValue("{s:s,s:L,s:L,s:z,s:z}", "file", parts[i].file, "rows", (long long)parts[i].rows,
                                "bytes", (long long)parts[i].bytes, "min", parts[i].min, "max", parts[i].max);
    if (!d) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, d);
  }
  ps_part_info_free(parts, n);
  return l;
}

/* ========================================================================
 * Metadata cache (per collection calls)
 * ---------------------------------------------------------------------- */
static PyObject *Collection_cached_list_items(PypsCollection *self, PyObject *unused) {
  (void)unused;
  COLL_OK(self);
  char **names = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_cached_list_items(self->coll, &names);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return pyps_names_to_list(names);
}

static PyObject *Collection_cached_info(PypsCollection *self, PyObject *args) {
  const char *item;
  if (!PyArg_ParseTuple(args, "s:cached_info", &item)) return NULL;
  COLL_OK(self);
  ps_item_info info;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_cached_item_info(self->coll, item, &info);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return Py_BuildValue("{s:L,s:L,s:L,s:O}", "num_rows", (long long)info.num_rows, "num_parts",
                       (long long)info.num_parts, "version", (long long)info.version, "has_manifest",
                       info.has_manifest ? Py_True : Py_False);
}

static PyObject *Collection_cached_metadata(PypsCollection *self, PyObject *args) {
  const char *item;
  if (!PyArg_ParseTuple(args, "s:cached_metadata", &item)) return NULL;
  COLL_OK(self);
  char *json = NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_cached_item_metadata(self->coll, item, &json);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  PyObject *o = PyUnicode_FromString(json ? json : "{}");
  ps_free(json);
  return o;
}

PyMethodDef pyps_phase3_collection_methods[] = {
    {"append_stream", (PyCFunction)(void (*)(void))Collection_append_stream, METH_VARARGS | METH_KEYWORDS,
     "append_stream(item, batches, duplicates='keep_last', create=False, widen=False, chunk_rows=0, metadata=None, "
     "partition=None, target_bytes=0) -> (rows, spilled_runs); batches yields frame specs"},
    {"write_batch", (PyCFunction)(void (*)(void))Collection_write_batch, METH_VARARGS | METH_KEYWORDS,
     "write_batch([(item, spec, metadata_json)], overwrite=False, duplicates=None, threads=0, partition=None, "
     "target_bytes=0) -> [(status, message) | exception]"},
    {"read_batch", (PyCFunction)(void (*)(void))Collection_read_batch, METH_VARARGS | METH_KEYWORDS,
     "read_batch([(item, columns, filters, start, end, limit)], threads=0) -> [(status, message, result, metadata)]"},
    {"chunks", (PyCFunction)(void (*)(void))Collection_chunks, METH_VARARGS | METH_KEYWORDS,
     "chunks(item, columns=None, filters=None, start=None, end=None, chunk_rows=0, snapshot=None, threads=0, "
     "memory_budget=0) -> ChunkReader"},
    {"rebalance", (PyCFunction)(void (*)(void))Collection_rebalance, METH_VARARGS | METH_KEYWORDS,
     "rebalance(item, strategy, target_bytes=0) -> parts (one atomic commit)"},
    {"partitioning", (PyCFunction)Collection_partitioning, METH_VARARGS, "partitioning(item) -> (strategy, target_bytes)"},
    {"parts", (PyCFunction)Collection_parts, METH_VARARGS, "parts(item) -> [{file, rows, bytes, min, max}] (cached)"},
    {"cached_list_items", (PyCFunction)Collection_cached_list_items, METH_NOARGS, "item names (metadata cache)"},
    {"cached_info", (PyCFunction)Collection_cached_info, METH_VARARGS, "cached_info(item) -> dict (metadata cache)"},
    {"cached_metadata", (PyCFunction)Collection_cached_metadata, METH_VARARGS,
     "cached_metadata(item) -> JSON text (metadata cache)"},
    {NULL, NULL, 0, NULL}};

/* ========================================================================
 * Module functions: memory, cache, logging
 * ---------------------------------------------------------------------- */
static PyObject *mod_memory_info(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  ps_memory_info m;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_memory_info_get(&m);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  return Py_BuildValue("{s:L,s:L,s:L,s:L,s:d}", "rss_bytes", (long long)m.rss_bytes, "peak_rss_bytes",
                       (long long)m.peak_rss_bytes, "system_total_bytes", (long long)m.system_total_bytes,
                       "system_available_bytes", (long long)m.system_available_bytes, "system_used_fraction",
                       m.system_used_fraction);
}

static PyObject *mod_memory_set_warning(PyObject *self, PyObject *args) {
  (void)self;
  double f;
  if (!PyArg_ParseTuple(args, "d", &f)) return NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = ps_memory_set_warning(f);
  Py_END_ALLOW_THREADS
  if (rc != PS_OK) return pyps_raise(rc);
  Py_RETURN_NONE;
}

static PyObject *mod_memory_warning(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  double w;
  Py_BEGIN_ALLOW_THREADS
  w = ps_memory_warning();
  Py_END_ALLOW_THREADS
  return PyFloat_FromDouble(w);
}

static PyObject *mod_memory_check(PyObject *self, PyObject *args) {
  (void)self;
  const char *what = NULL;
  if (!PyArg_ParseTuple(args, "|z", &what)) return NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS /* may log through the sink */
  rc = ps_memory_check(what);
  Py_END_ALLOW_THREADS
  if (rc < 0) return pyps_raise(rc);
  return PyBool_FromLong(rc);
}

static PyObject *mod_memory_set_budget(PyObject *self, PyObject *args) {
  (void)self;
  long long b;
  if (!PyArg_ParseTuple(args, "L", &b)) return NULL;
  Py_BEGIN_ALLOW_THREADS
  ps_memory_set_budget(b);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyObject *mod_memory_budget(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  int64_t b;
  Py_BEGIN_ALLOW_THREADS
  b = ps_memory_budget();
  Py_END_ALLOW_THREADS
  return PyLong_FromLongLong(b);
}

static PyObject *mod_cache_set_ttl(PyObject *self, PyObject *args) {
  (void)self;
  double s;
  if (!PyArg_ParseTuple(args, "d", &s)) return NULL;
  Py_BEGIN_ALLOW_THREADS
  ps_cache_set_ttl(s);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyObject *mod_cache_ttl(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  double t;
  Py_BEGIN_ALLOW_THREADS /* may log (a bad $PYSTORE_CACHE_TTL) under the cache mutex */
  t = ps_cache_ttl();
  Py_END_ALLOW_THREADS
  return PyFloat_FromDouble(t);
}

static PyObject *mod_cache_clear(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  Py_BEGIN_ALLOW_THREADS
  ps_cache_clear();
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyObject *mod_cache_stats(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  ps_cache_stats st;
  Py_BEGIN_ALLOW_THREADS
  ps_cache_stats_get(&st);
  Py_END_ALLOW_THREADS
  return Py_BuildValue("{s:L,s:L,s:L,s:L}", "hits", (long long)st.hits, "misses", (long long)st.misses,
                       "invalidations", (long long)st.invalidations, "entries", (long long)st.entries);
}

/* ---- logging bridge ---- */
static PyObject *log_callback; /* callable(level:int, message:str) or NULL; read/written under the GIL */

static int finalizing(void) {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();
#endif
}

/* ps_log_fn: any thread (serialized by the library). */
static void py_log_sink(void *user, ps_log_level level, const char *message) {
  (void)user;
  if (!Py_IsInitialized() || finalizing()) return;
  PyGILState_STATE g = PyGILState_Ensure();
  PyObject *cb = log_callback;
  if (cb) {
    Py_INCREF(cb);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb); /* never disturb an exception being raised */
    PyObject *r = PyObject_CallFunction(cb, "is", (int)level, message);
    if (!r) PyErr_WriteUnraisable(cb);
    Py_XDECREF(r);
    PyErr_Restore(type, value, tb);
    Py_DECREF(cb);
  }
  PyGILState_Release(g);
}

static PyObject *mod_log_set_sink(PyObject *self, PyObject *cb) {
  (void)self;
  if (cb != Py_None && !PyCallable_Check(cb)) {
    PyErr_SetString(PyExc_TypeError, "log_set_sink expects a callable(level, message) or None");
    return NULL;
  }
  if (cb == Py_None) {
    Py_BEGIN_ALLOW_THREADS
    ps_log_set_sink(NULL, NULL); /* waits for a sink call in progress */
    Py_END_ALLOW_THREADS
    Py_CLEAR(log_callback);
  } else {
    Py_INCREF(cb);
    Py_XSETREF(log_callback, cb);
    Py_BEGIN_ALLOW_THREADS
    ps_log_set_sink(py_log_sink, NULL);
    Py_END_ALLOW_THREADS
  }
  Py_RETURN_NONE;
}

static int level_arg(PyObject *o, ps_log_level *out) {
  if (PyLong_Check(o)) {
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    *out = (ps_log_level)v;
    return 0;
  }
  const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
  if (!s) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "log level must be an int or a name");
    return -1;
  }
  int rc = ps_log_level_from_name(s, out);
  if (rc != PS_OK) { pyps_raise(rc); return -1; }
  return 0;
}

static PyObject *mod_log_set_level(PyObject *self, PyObject *arg) {
  (void)self;
  ps_log_level l;
  if (level_arg(arg, &l) < 0) return NULL;
  Py_BEGIN_ALLOW_THREADS
  ps_log_set_level(l);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyObject *mod_log_get_level(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  ps_log_level l;
  Py_BEGIN_ALLOW_THREADS /* the first call reads the environment and may log */
  l = ps_log_get_level();
  Py_END_ALLOW_THREADS
  return PyLong_FromLong((long)l);
}

static PyObject *mod_log_message(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *lv;
  const char *msg;
  if (!PyArg_ParseTuple(args, "Os:log_message", &lv, &msg)) return NULL;
  ps_log_level l;
  if (level_arg(lv, &l) < 0) return NULL;
  Py_BEGIN_ALLOW_THREADS
  ps_log_message(l, msg);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyObject *mod_config_reload_env(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  Py_BEGIN_ALLOW_THREADS
  ps_config_reload_env();
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

void pyps_phase3_module_free(void) {
  if (log_callback) {
    ps_log_set_sink(NULL, NULL);
    Py_CLEAR(log_callback);
  }
}

PyMethodDef pyps_phase3_module_methods[] = {
    {"memory_info", mod_memory_info, METH_NOARGS,
     "ps_memory_info_get -> {rss_bytes, peak_rss_bytes, system_total_bytes, system_available_bytes, "
     "system_used_fraction}"},
    {"memory_set_warning", mod_memory_set_warning, METH_VARARGS, "memory_set_warning(fraction in (0, 1])"},
    {"memory_warning", mod_memory_warning, METH_NOARGS, "the warning threshold"},
    {"memory_check", mod_memory_check, METH_VARARGS, "memory_check(what=None) -> True if it logged a warning"},
    {"memory_set_budget", mod_memory_set_budget, METH_VARARGS, "memory_set_budget(bytes) (0 = none)"},
    {"memory_budget", mod_memory_budget, METH_NOARGS, "process default memory budget in bytes"},
    {"cache_set_ttl", mod_cache_set_ttl, METH_VARARGS, "cache_set_ttl(seconds) (<= 0 disables)"},
    {"cache_ttl", mod_cache_ttl, METH_NOARGS, "metadata cache TTL in seconds"},
    {"cache_clear", mod_cache_clear, METH_NOARGS, "drop every metadata cache entry"},
    {"cache_stats", mod_cache_stats, METH_NOARGS, "{hits, misses, invalidations, entries}"},
    {"log_set_sink", mod_log_set_sink, METH_O, "log_set_sink(callable(level, message) or None = stderr)"},
    {"log_set_level", mod_log_set_level, METH_O, "log_set_level(int or name)"},
    {"log_get_level", mod_log_get_level, METH_NOARGS, "the library's log level (int, as logging's)"},
    {"log_message", mod_log_message, METH_VARARGS, "log_message(level, message) through the sink"},
    {"config_reload_env", mod_config_reload_env, METH_NOARGS,
     "re-read $PYSTORE_LOG_LEVEL and $PYSTORE_MEMORY_WARNING"},
    {NULL, NULL, 0, NULL}};

/*
 * pystore.h — the one public header of libpystore.
 *
 * libpystore stores time-series tables ("frames") as Apache Parquet files.
 * This header is the contract: what is not declared here is not API.
 *
 * Conventions
 *  - Every symbol is prefixed ps_ (functions, types) or PS_ (macros, enums).
 *  - Functions that can fail return int: PS_OK (0) or a negative ps_status.
 *    ps_strerror(code) names the code; ps_errmsg() gives the detail of the
 *    last failure on the calling thread (which file, column, row, why).
 *  - Handles are opaque. Every constructor has a destructor; destructors
 *    accept NULL and never fail.
 *  - Ownership: a pointer returned through an out-parameter named out* is
 *    owned by the caller and freed with the destructor named in its doc.
 *    A const pointer returned by an accessor is BORROWED: valid until the
 *    object it came from is modified or destroyed; never free it.
 *  - Options structs: zero-initialised means "all defaults".
 *  - Thread safety: distinct handles may be used from distinct threads at
 *    once; one handle must not be used by two threads at once.
 */
#ifndef PYSTORE_H
#define PYSTORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PS_EXTERN __attribute__((visibility("default")))
#else
#define PS_EXTERN
#endif

#define PS_VERSION_MAJOR 0
#define PS_VERSION_MINOR 1
#define PS_VERSION_PATCH 0
#define PS_VERSION_STRING "0.1.0"
#define PS_VERSION_NUMBER (PS_VERSION_MAJOR * 1000000 + PS_VERSION_MINOR * 1000 + PS_VERSION_PATCH)

/* Runtime version, to check that header and library agree. */
PS_EXTERN int ps_version_number(void);
PS_EXTERN const char *ps_version_string(void);

/* ------------------------------------------------------------------------
 * Status codes (one table; names and messages are generated from it)
 * ---------------------------------------------------------------------- */
#define PS_STATUS_MAP(X)                                                    \
  X(PS_OK, 0, "success")                                                    \
  X(PS_ERR_NOMEM, -1, "out of memory")                                      \
  X(PS_ERR_IO, -2, "input/output error")                                    \
  X(PS_ERR_CORRUPT, -3, "corrupt or truncated data")                        \
  X(PS_ERR_UNSUPPORTED, -4, "unsupported feature")                          \
  X(PS_ERR_INVALID, -5, "invalid argument")                                 \
  X(PS_ERR_CODEC, -6, "compression codec failure")                          \
  X(PS_ERR_NOT_FOUND, -7, "not found")                                      \
  X(PS_ERR_EXISTS, -8, "already exists")                                    \
  X(PS_ERR_SCHEMA, -9, "schema or type mismatch")                           \
  X(PS_ERR_PARSE, -10, "parse error")                                       \
  X(PS_ERR_DUPLICATE, -11, "duplicate index value")                         \
  X(PS_ERR_NAME, -12, "invalid name")                                       \
  X(PS_ERR_LOCKED, -13, "resource is locked")                               \
  X(PS_ERR_NOSPACE, -14, "no space left on device")                         \
  X(PS_ERR_LIMIT, -15, "limit exceeded")                                    \
  X(PS_ERR_INTERNAL, -16, "internal error")                                 \
  X(PS_ERR_PERMISSION, -17, "permission denied")

typedef enum ps_status {
#define PS__STATUS_ENUM(name, value, text) name = value,
  PS_STATUS_MAP(PS__STATUS_ENUM)
#undef PS__STATUS_ENUM
} ps_status;

/* Static text for a status code ("corrupt or truncated data"). Never NULL. */
PS_EXTERN const char *ps_strerror(int code);
/* Symbolic name of a status code ("PS_ERR_CORRUPT"). Never NULL. */
PS_EXTERN const char *ps_status_name(int code);
/* Detail of the last failed call made on this thread, e.g.
 * "data.parquet: column 'price': page 3: snappy: corrupt input".
 * Borrowed, thread-local; valid until the next failing call on this thread.
 * Empty string if nothing failed yet. */
PS_EXTERN const char *ps_errmsg(void);

/* ------------------------------------------------------------------------
 * Types
 * ---------------------------------------------------------------------- */
typedef enum ps_type {
  PS_TYPE_BOOL = 1,
  PS_TYPE_INT8,
  PS_TYPE_INT16,
  PS_TYPE_INT32,
  PS_TYPE_INT64,
  PS_TYPE_UINT8,
  PS_TYPE_UINT16,
  PS_TYPE_UINT32,
  PS_TYPE_UINT64,
  PS_TYPE_FLOAT32,
  PS_TYPE_FLOAT64,
  PS_TYPE_TIMESTAMP, /* int64 count of `unit` since 1970-01-01T00:00:00 */
  PS_TYPE_DATE,      /* int32 days since 1970-01-01 */
  PS_TYPE_STRING,    /* UTF-8 bytes */
  PS_TYPE_BINARY     /* arbitrary bytes */
} ps_type;

typedef enum ps_time_unit {
  PS_UNIT_NS = 0, /* the default: pandas' datetime64[ns] */
  PS_UNIT_US,
  PS_UNIT_MS,
  PS_UNIT_S
} ps_time_unit;

/* "int64", "timestamp", ... Never NULL. */
PS_EXTERN const char *ps_type_name(ps_type type);
/* Bytes per value in memory: 1 for BOOL, 8 for TIMESTAMP, 0 for STRING/BINARY. */
PS_EXTERN size_t ps_type_width(ps_type type);

/* ------------------------------------------------------------------------
 * Frames: in-memory columnar tables
 *
 * Memory layout of a column (what ps_column_values returns):
 *  - BOOL: one uint8_t per row, 0 or 1.
 *  - integers, floats, DATE, TIMESTAMP: a C array of the native type
 *    (int8_t..uint64_t, float, double, int32_t, int64_t).
 *  - STRING/BINARY: int64_t offsets[length + 1]; row i is
 *    bytes[offsets[i] .. offsets[i+1]).
 *  - Validity: a bitmap, bit i (LSB first) set = row i is present; NULL
 *    when the column has no nulls. A null row's value slot holds 0 (or an
 *    empty string) and must not be interpreted.
 * A timestamp column carries a unit and an optional time zone. With a zone
 * ("UTC", "America/New_York") values are UTC instants and the zone is how
 * they are displayed (pandas datetimetz); with no zone they are naive
 * wall-clock times.
 * ---------------------------------------------------------------------- */
typedef struct ps_frame ps_frame;
typedef struct ps_column ps_column;

/* New empty frame. Free with ps_frame_free. */
PS_EXTERN int ps_frame_new(ps_frame **out);
PS_EXTERN void ps_frame_free(ps_frame *frame);
/* Deep copy. Free with ps_frame_free. */
PS_EXTERN int ps_frame_clone(const ps_frame *frame, ps_frame **out);

PS_EXTERN int64_t ps_frame_num_rows(const ps_frame *frame);
PS_EXTERN int ps_frame_num_columns(const ps_frame *frame);
/* Borrowed; NULL if out of range / not found. */
PS_EXTERN ps_column *ps_frame_column(const ps_frame *frame, int i);
PS_EXTERN ps_column *ps_frame_column_by_name(const ps_frame *frame, const char *name);
PS_EXTERN int ps_frame_column_index(const ps_frame *frame, const char *name); /* -1 if absent */

/* Add an empty column at the end. `tz` only for TIMESTAMP (NULL = naive).
 * The column is nullable. Fails with PS_ERR_EXISTS on a duplicate name,
 * PS_ERR_SCHEMA if the frame already has rows (append rows to all columns
 * instead). *out_col (may be NULL) receives a borrowed pointer. */
PS_EXTERN int ps_frame_add_column(ps_frame *frame, const char *name, ps_type type,
                                  ps_time_unit unit, const char *tz, ps_column **out_col);
/* Remove a column (and the index mark if it was the index). */
PS_EXTERN int ps_frame_drop_column(ps_frame *frame, const char *name);

/* The index: which column is the DataFrame index (pandas). -1 / NULL when none.
 * A column named "__index_level_0__" or "__null_dask_index__" is an unnamed
 * index, as in pandas/pyarrow/dask. */
PS_EXTERN int ps_frame_set_index(ps_frame *frame, const char *column_name);
PS_EXTERN int ps_frame_index(const ps_frame *frame);

/* Check that every column has the same length; sets the frame's row count.
 * Call after filling columns with the ps_column_append_* functions. */
PS_EXTERN int ps_frame_validate(ps_frame *frame);

/* Column accessors (all borrowed). */
PS_EXTERN const char *ps_column_name(const ps_column *col);
PS_EXTERN ps_type ps_column_type(const ps_column *col);
PS_EXTERN ps_time_unit ps_column_unit(const ps_column *col);
PS_EXTERN const char *ps_column_tz(const ps_column *col); /* NULL = naive */
PS_EXTERN int64_t ps_column_length(const ps_column *col);
PS_EXTERN int64_t ps_column_null_count(const ps_column *col);
PS_EXTERN const void *ps_column_values(const ps_column *col);
PS_EXTERN const uint8_t *ps_column_validity(const ps_column *col);
PS_EXTERN const char *ps_column_bytes(const ps_column *col); /* STRING/BINARY data */
PS_EXTERN int ps_column_is_null(const ps_column *col, int64_t row);
/* Row `row` of a STRING/BINARY column: pointer (not NUL-terminated) and length. */
PS_EXTERN const char *ps_column_string(const ps_column *col, int64_t row, size_t *len);
/* 1 = may hold nulls (Parquet OPTIONAL, the default), 0 = REQUIRED. */
PS_EXTERN int ps_column_nullable(const ps_column *col);
PS_EXTERN int ps_column_set_nullable(ps_column *col, int nullable);

/* Appending rows to a column. The value type must match the column:
 * _int for every signed/unsigned integer type, DATE and TIMESTAMP (range
 * checked: PS_ERR_SCHEMA if it does not fit), _uint for UINT64 values above
 * INT64_MAX, _double for FLOAT32/FLOAT64, _bool for BOOL, _string for STRING
 * and BINARY (bytes are copied). */
PS_EXTERN int ps_column_append_int(ps_column *col, int64_t v);
PS_EXTERN int ps_column_append_uint(ps_column *col, uint64_t v);
PS_EXTERN int ps_column_append_double(ps_column *col, double v);
PS_EXTERN int ps_column_append_bool(ps_column *col, int v);
PS_EXTERN int ps_column_append_string(ps_column *col, const char *s, size_t len);
PS_EXTERN int ps_column_append_null(ps_column *col);
/* Bulk append of n rows in the in-memory layout above. `validity` may be
 * NULL (all present). For STRING/BINARY `values` is int64_t offsets[n + 1]
 * (offsets[0] may be non-zero) and `bytes` the data; otherwise `bytes` is
 * ignored. Data is copied. */
PS_EXTERN int ps_column_append_values(ps_column *col, const void *values, const char *bytes,
                                      const uint8_t *validity, int64_t n);

/* ------------------------------------------------------------------------
 * Predicates (row filters)
 * ---------------------------------------------------------------------- */
typedef struct ps_expr ps_expr;

typedef enum ps_op {
  PS_OP_EQ = 1,
  PS_OP_NE,
  PS_OP_LT,
  PS_OP_LE,
  PS_OP_GT,
  PS_OP_GE,
  PS_OP_IN,
  PS_OP_NOT_IN,
  PS_OP_IS_NULL,
  PS_OP_IS_NOT_NULL
} ps_op;

/* A literal. Literals are converted to the column's type when the filter
 * is applied: a string literal compared with a TIMESTAMP/DATE column is
 * parsed as ISO-8601 ("2024-01-02", "2024-01-02T09:30:00.123456789Z",
 * "2024-01-02 09:30:00+02:00"; a naive literal against a zoned column is
 * UTC); an integer literal compared with a TIMESTAMP/DATE column is a raw
 * count of the column's unit (days for DATE); an integer literal compares
 * exactly with integer columns and numerically with float columns (x > 2.5
 * on integers is x >= 3). A null never matches a comparison (SQL). */
typedef enum ps_value_kind { PS_VALUE_INT = 1, PS_VALUE_UINT, PS_VALUE_DOUBLE, PS_VALUE_BOOL, PS_VALUE_STRING } ps_value_kind;
typedef struct ps_value {
  ps_value_kind kind;
  int64_t i;      /* INT, BOOL (0/1) */
  uint64_t u;     /* UINT */
  double d;       /* DOUBLE */
  const char *s;  /* STRING (copied by the constructors) */
  size_t len;     /* STRING length in bytes */
} ps_value;

/* Constructors. All copy their inputs. Free the tree with ps_expr_free
 * (and/or/not take ownership of their operands, also on failure). */
PS_EXTERN int ps_expr_compare(const char *column, ps_op op, const ps_value *value, ps_expr **out);
PS_EXTERN int ps_expr_in(const char *column, int negate, const ps_value *values, size_t n, ps_expr **out);
PS_EXTERN int ps_expr_is_null(const char *column, int negate, ps_expr **out);
PS_EXTERN int ps_expr_and(ps_expr *a, ps_expr *b, ps_expr **out);
PS_EXTERN int ps_expr_or(ps_expr *a, ps_expr *b, ps_expr **out);
PS_EXTERN int ps_expr_not(ps_expr *a, ps_expr **out);
/* Parse a textual filter:
 *   c0 > 0.9 AND (sym == 'AAPL' OR sym in ('MSFT', 'IBM'))
 *   ts >= '2024-01-02' and ts < '2024-02-01' and note is not null
 * Operators: = == != <> < <= > >= in, not in, is null, is not null;
 * AND/OR/NOT (any case), parentheses; strings in single or double quotes
 * (doubled quote escapes); numbers; true/false. Column names may be
 * quoted with backticks. */
PS_EXTERN int ps_expr_parse(const char *text, ps_expr **out);
/* Text form of an expression (for logs). Caller frees with ps_free. */
PS_EXTERN int ps_expr_to_string(const ps_expr *expr, char **out);
PS_EXTERN void ps_expr_free(ps_expr *expr);

/* Rows of `frame` that satisfy `expr` (nulls never match a comparison).
 * *out is a new frame with the same columns; free with ps_frame_free. */
PS_EXTERN int ps_frame_filter(const ps_frame *frame, const ps_expr *expr, ps_frame **out);

/* Free memory returned by the library as char* (strings, JSON). */
PS_EXTERN void ps_free(void *p);

/* ------------------------------------------------------------------------
 * Parquet files
 * ---------------------------------------------------------------------- */
typedef enum ps_codec {
  PS_CODEC_DEFAULT = 0, /* snappy, as PyStore */
  PS_CODEC_NONE,
  PS_CODEC_SNAPPY,
  PS_CODEC_GZIP,
  PS_CODEC_ZSTD,
  PS_CODEC_LZ4_RAW,
  PS_CODEC_BROTLI
} ps_codec;

/* "snappy" -> PS_CODEC_SNAPPY etc. ("none"/"uncompressed", "lz4" = lz4_raw). */
PS_EXTERN int ps_codec_from_name(const char *name, ps_codec *out);
PS_EXTERN const char *ps_codec_name(ps_codec codec);

typedef enum ps_switch { PS_AUTO = 0, PS_ON = 1, PS_OFF = 2 } ps_switch;

typedef struct ps_write_options {
  ps_codec codec;            /* default snappy */
  int codec_level;           /* zstd/gzip/brotli level; 0 = library default */
  int64_t row_group_rows;    /* rows per row group; default 262144 */
  int64_t page_bytes;        /* target uncompressed data page size; default 1 MiB */
  int data_page_v2;          /* 1 = DATA_PAGE_V2, 0 = V1 (default, most compatible) */
  ps_switch dictionary;      /* AUTO: strings and low-cardinality columns, with
                                fallback to PLAIN past dictionary_bytes */
  int64_t dictionary_bytes;  /* dictionary size cap; default 1 MiB */
  ps_switch delta;           /* DELTA_BINARY_PACKED for int/timestamp columns.
                                AUTO: only for sorted (index-like) columns */
  ps_switch byte_stream_split; /* BYTE_STREAM_SPLIT for float columns. AUTO = off
                                  (older readers lack it); ON = for floats that
                                  are not dictionary encoded */
  ps_switch page_index;      /* ColumnIndex/OffsetIndex; AUTO = on */
  ps_switch page_checksum;   /* CRC-32 of every page (verified on read and by
                                ps_verify); AUTO = on */
  int threads;               /* encoder threads; 0 = number of cores */
  int timestamp_micros;      /* 1 = store ns timestamps as us (old readers);
                                a value with sub-microsecond digits fails */
  int fsync;                 /* 1 = fsync the file and its directory on close */
  const char *created_by;    /* default "pystore version X (build pystore)" */
  /* Extra key/value metadata written to the footer (pairs, NULL-terminated
   * list of keys and values: {"k1","v1","k2","v2",NULL}). The "pandas" key is
   * generated from the frame's index and types unless given here. */
  const char *const *metadata;
} ps_write_options;

/* Streaming writer: the schema is fixed by the first batch; every batch
 * must have the same column names and types. Memory stays bounded by one
 * row group. The file appears atomically: data goes to "<path>.tmp-<pid>-<n>"
 * and is renamed to `path` by ps_parquet_writer_close. */
typedef struct ps_parquet_writer ps_parquet_writer;
PS_EXTERN int ps_parquet_writer_open(const char *path, const ps_write_options *opt,
                                     ps_parquet_writer **out);
PS_EXTERN int ps_parquet_writer_write(ps_parquet_writer *w, const ps_frame *batch);
/* Finish the file (footer, fsync, rename). The writer is freed either way. */
PS_EXTERN int ps_parquet_writer_close(ps_parquet_writer *w);
/* Abandon the file (the temporary is removed) and free the writer. */
PS_EXTERN void ps_parquet_writer_abort(ps_parquet_writer *w);
/* Per-handle detail of the writer's last error. Borrowed. */
PS_EXTERN const char *ps_parquet_writer_errmsg(const ps_parquet_writer *w);
/* Bytes written so far (after close: the file size). */
PS_EXTERN int64_t ps_parquet_writer_bytes(const ps_parquet_writer *w);

/* One call: open, write `frame`, close. */
PS_EXTERN int ps_parquet_write(const char *path, const ps_frame *frame, const ps_write_options *opt);

/* Reading. Opening parses and validates the footer only. */
typedef struct ps_parquet_file ps_parquet_file;
PS_EXTERN int ps_parquet_open(const char *path, ps_parquet_file **out);
/* Open a Parquet file held in memory. The buffer is BORROWED: it must stay
 * unchanged until ps_parquet_close. `name` is used in error messages. */
PS_EXTERN int ps_parquet_open_buffer(const void *data, size_t size, const char *name, ps_parquet_file **out);
PS_EXTERN void ps_parquet_close(ps_parquet_file *f);
PS_EXTERN const char *ps_parquet_errmsg(const ps_parquet_file *f);
PS_EXTERN int64_t ps_parquet_num_rows(const ps_parquet_file *f);
PS_EXTERN int ps_parquet_num_row_groups(const ps_parquet_file *f);
/* The schema as an empty frame (names, types, units, zones, index).
 * Free with ps_frame_free. */
PS_EXTERN int ps_parquet_schema(ps_parquet_file *f, ps_frame **out);
/* Footer key/value metadata value for `key`, or NULL. Borrowed (lives as long as f). */
PS_EXTERN const char *ps_parquet_metadata_value(const ps_parquet_file *f, const char *key);
/* Everything the footer says, as JSON: schema, row groups, column chunks
 * (codec, encodings, sizes, offsets, statistics), key/value metadata.
 * Caller frees *out_json with ps_free. */
PS_EXTERN int ps_parquet_describe(ps_parquet_file *f, char **out_json);

typedef struct ps_read_stats {
  int64_t row_groups_total, row_groups_read;
  int64_t pages_total, pages_read;
  int64_t bytes_read;      /* bytes of column chunks/pages fetched from the file */
  int64_t pages_crc_checked; /* pages whose stored CRC-32 was verified */
} ps_read_stats;

typedef struct ps_read_options {
  const char *const *columns; /* names to read; NULL = all. The index column
                                 is always included unless no_index is set. */
  size_t num_columns;
  const ps_expr *filter;      /* NULL = all rows. Row groups and pages are pruned
                                 by statistics, then rows filtered exactly. */
  int64_t offset;             /* skip this many (filtered) rows */
  int64_t limit;              /* at most this many rows; 0 = no limit */
  int threads;                /* decoder threads; 0 = number of cores */
  int no_index;               /* 1 = do not add the index column implicitly */
  ps_read_stats *stats;       /* if non-NULL, filled with what was read */
  int no_crc_check;           /* 1 = skip verifying page CRC-32s (pages that
                                 carry one are checked by default; a mismatch
                                 is PS_ERR_CORRUPT naming file, column, page) */
} ps_read_options;

/* Read (part of) the file into a new frame; free with ps_frame_free. */
PS_EXTERN int ps_parquet_read(ps_parquet_file *f, const ps_read_options *opt, ps_frame **out);
/* Open, read, close. */
PS_EXTERN int ps_parquet_read_file(const char *path, const ps_read_options *opt, ps_frame **out);

/* ------------------------------------------------------------------------
 * CSV
 * ---------------------------------------------------------------------- */
typedef struct ps_csv_options {
  char delimiter;          /* default ',' */
  const char *index;       /* column to mark as the index; NULL = none */
  int no_header;           /* 1 = first line is data; columns named c0, c1, ... */
  /* Type inference over the whole file: int64, float64, bool (true/false),
   * timestamp (ISO-8601; every value with a zone offset or 'Z' makes it
   * UTC-adjusted with tz "UTC", none makes it naive, a mix is string; ns
   * unit), else string. An integer outside int64 keeps the column string
   * (never rounded). An empty unquoted field is null; any quoted field is
   * text, so "" is an empty string and "12" makes its column string.
   * Unquoted fields are not trimmed. An empty header name becomes
   * "Unnamed: N" (as pandas); duplicate names are PS_ERR_PARSE. Errors name
   * the file, line and column. */
} ps_csv_options;

PS_EXTERN int ps_csv_read_file(const char *path, const ps_csv_options *opt, ps_frame **out);
/* Write `frame` as CSV (header line, then rows); `path` "-" is standard
 * output. Nulls are empty fields; every string value is quoted (so "" is an
 * empty string and "12" stays text on reading back). Timestamps are
 * ISO-8601 with the digits the value needs; zoned columns are written in
 * UTC with a 'Z' (the zone name itself does not survive CSV). Floats use the
 * shortest text that reads back exactly (nan, inf, -inf, -0.0); binary is
 * "\x<hex>". A file is written to a temporary name and renamed into place. */
PS_EXTERN int ps_csv_write_file(const char *path, const ps_frame *frame);


/* ========================================================================
 * Stores: base path -> store -> collection -> item (as PyStore)
 *
 * On disk (see docs/store.md):
 *   <base>/<store>/pystore_metadata.json
 *   <base>/<store>/<collection>/_snapshots/<snapshot>/<item>/...
 *   <base>/<store>/<collection>/<item>/part.<N>.parquet     immutable parts
 *   <base>/<store>/<collection>/<item>/_pystore_manifest.json  the committed set
 *   <base>/<store>/<collection>/<item>/pystore_metadata.json   user keys + _updated
 * An item directory is a plain Parquet dataset (DuckDB/Polars/dask read
 * '<item>/<glob>.parquet', glob = '*'). Writers commit by atomically replacing the manifest
 * and serialize on an advisory lock; readers never lock and only ever see
 * committed data. An item without a manifest (written by Python PyStore) is
 * read from its Parquet files.
 *
 * Names of stores, collections, items and snapshots: any UTF-8 string that
 * is one safe path component (e.g. "AAPL", "^GSPC", "BRK.B", "日経225").
 * Rejected with PS_ERR_NAME: empty, ".", "..", containing '/', NUL or
 * control characters, invalid UTF-8, longer than 255 bytes, "_snapshots", or starting with "."
 * or "__" (reserved for temporary files).
 *
 * Name lists (char **) are NULL-terminated, sorted bytewise, owned by the
 * caller and freed with ps_names_free.
 * ---------------------------------------------------------------------- */
typedef struct ps_store ps_store;
typedef struct ps_collection ps_collection;

typedef struct ps_store_options {
  const char *base_path; /* NULL = $PYSTORE_PATH, else ~/pystore. A leading
                            "~/" is expanded; trailing '/' are ignored. */
  int no_fsync;          /* 1 = do not fsync files/directories on commit
                            (faster; a power loss may lose recent commits,
                            a process crash still cannot corrupt an item) */
  int lock_timeout_ms;   /* how long a writer waits for another writer of
                            the same item: 0 = forever (default), > 0 = that
                            many ms, then PS_ERR_LOCKED; < 0 = do not wait */
  ps_codec codec;        /* codec of new parts; default snappy (as PyStore) */
} ps_store_options;

PS_EXTERN void ps_names_free(char **names);

/* The base path that `opt` resolves to (see base_path). Caller frees with ps_free. */
PS_EXTERN int ps_base_path(const ps_store_options *opt, char **out);
/* Stores under the base path (directories; none if the base does not exist). */
PS_EXTERN int ps_list_stores(const ps_store_options *opt, char ***out_names);
/* Remove a store and everything in it. PS_ERR_NOT_FOUND if missing. */
PS_EXTERN int ps_delete_store(const ps_store_options *opt, const char *name);

/* Open store `name`. With create = 1 the base path and store are created
 * when missing (with a pystore_metadata.json {"engine":"pyarrow",
 * "_updated":...}); with create = 0 a missing store is PS_ERR_NOT_FOUND.
 * `opt` is copied. Free with ps_store_close. */
PS_EXTERN int ps_store_open(const char *name, const ps_store_options *opt, int create, ps_store **out);
PS_EXTERN void ps_store_close(ps_store *store);
/* "<base>/<store>". Borrowed, lives as long as the store handle. */
PS_EXTERN const char *ps_store_path(const ps_store *store);
PS_EXTERN const char *ps_store_name(const ps_store *store);
/* The store's pystore_metadata.json as JSON text ("{}" if absent). Caller frees with ps_free. */
PS_EXTERN int ps_store_metadata(ps_store *store, char **out_json);

PS_EXTERN int ps_store_list_collections(ps_store *store, char ***out_names);
/* Remove a collection with its items and snapshots. PS_ERR_NOT_FOUND if missing. */
PS_EXTERN int ps_store_delete_collection(ps_store *store, const char *name);

/* Open collection `name` of `store`. create = 1 creates it (with its
 * _snapshots directory) when missing; create = 0 makes a missing collection
 * PS_ERR_NOT_FOUND. The handle borrows `store`, which must outlive it.
 * Free with ps_collection_close. */
PS_EXTERN int ps_collection_open(ps_store *store, const char *name, int create, ps_collection **out);
PS_EXTERN void ps_collection_close(ps_collection *coll);
/* "<base>/<store>/<collection>". Borrowed. */
PS_EXTERN const char *ps_collection_path(const ps_collection *coll);
PS_EXTERN const char *ps_collection_name(const ps_collection *coll);

/* Items of the collection (always a fresh directory scan; temporary and
 * hidden directories are never listed). With `metadata_filter` (a JSON
 * object, may be NULL) only items whose metadata has every key of the
 * filter with an equal value (AND), as PyStore's list_items(**kw). Items
 * without metadata simply do not match. */
PS_EXTERN int ps_collection_list_items(ps_collection *coll, const char *metadata_filter, char ***out_names);
/* 1 if the item exists (live, committed), 0 if not. */
PS_EXTERN int ps_item_exists(ps_collection *coll, const char *item);

/* How appends and writes treat rows whose index value is already present
 * (stored, or earlier in the same batch). Rows with equal values at
 * different index values are never merged. */
typedef enum ps_duplicates {
  PS_DUP_KEEP_LAST = 0, /* default: upsert, the newest row wins */
  PS_DUP_KEEP_FIRST,    /* the stored (or earlier) row wins; the new one is dropped */
  PS_DUP_ERROR,         /* fail with PS_ERR_DUPLICATE naming the value; nothing is written */
  PS_DUP_KEEP_ALL       /* keep every row (stable: stored rows first) */
} ps_duplicates;

/* "keep_last" ... -> enum; PS_ERR_INVALID for an unknown name. */
PS_EXTERN int ps_duplicates_from_name(const char *name, ps_duplicates *out);

typedef struct ps_item_write_options {
  int overwrite;             /* 1 = replace an existing item atomically
                                (its metadata too); 0 = PS_ERR_EXISTS */
  const char *metadata;      /* JSON object of user metadata; NULL = {} */
  ps_duplicates duplicates;  /* duplicate index values inside `data` */
  int64_t part_rows;         /* rows per part file; 0 = about 99 MB of
                                in-memory data per part (as PyStore) */
} ps_item_write_options;

/* Write `data` as item `item`. `data` must have an index column (see
 * ps_frame_set_index) without nulls; rows are stored sorted by the index
 * (stable). Integer, float, string, date and timestamp indexes work;
 * timestamps keep their unit and zone. Creating an item is atomic (it
 * appears complete or not at all). */
PS_EXTERN int ps_item_write(ps_collection *coll, const char *item, const ps_frame *data,
                            const ps_item_write_options *opt);

typedef struct ps_append_options {
  ps_duplicates duplicates; /* default keep_last (upsert) */
  int create;               /* 1 = a missing item is created (as write);
                               0 = PS_ERR_NOT_FOUND */
  int widen;                /* 1 = accept int8/16/32 -> int64 and float32 ->
                                float64 columns in `data` where the item is
                                wider (values converted losslessly) */
  int64_t part_rows;        /* as in ps_item_write_options */
} ps_append_options;

/* Merge the rows of `data` into the item by index: the item stays sorted
 * whatever order rows arrive in. Columns must match the item's (names,
 * types, units, zones; order may differ) else PS_ERR_SCHEMA naming the
 * column and both types. Rows after the stored range only add a part;
 * rows that overlap stored parts rewrite only those parts. All-or-nothing:
 * on any error the item is unchanged. User metadata is kept, _updated is
 * refreshed. An empty `data` is a no-op. */
PS_EXTERN int ps_item_append(ps_collection *coll, const char *item, const ps_frame *data,
                             const ps_append_options *opt);

typedef struct ps_item_read_options {
  const char *const *columns; /* NULL = all; the index is always included */
  size_t num_columns;
  const ps_expr *filter;      /* row filter (NULL = all rows) */
  const char *start;          /* inclusive lower bound on the index: ISO-8601
                                 for date/timestamp indexes, a number for
                                 numeric ones, text for string ones; NULL = none */
  const char *end;            /* inclusive upper bound; NULL = none */
  int64_t limit;              /* at most this many rows (the first ones); 0 = all */
  const char *snapshot;       /* read the item as of this snapshot; NULL = live */
  int threads;                /* decoder threads per part; 0 = number of cores */
  ps_read_stats *stats;       /* if non-NULL: totals over the parts read */
  int64_t *parts_read;        /* if non-NULL: number of part files opened */
  int no_crc_check;           /* 1 = skip page CRC-32 verification (see ps_read_options) */
} ps_item_read_options;

/* Read the committed item. Only parts whose index range can match the
 * start/end/filter are opened; inside them row groups and pages are pruned.
 * Free *out with ps_frame_free. */
PS_EXTERN int ps_item_read(ps_collection *coll, const char *item, const ps_item_read_options *opt, ps_frame **out);
/* First / last n rows (n <= 0: 5, as PyStore); only the parts that hold
 * them are read. `snapshot` may be NULL. Free *out with ps_frame_free. */
PS_EXTERN int ps_item_head(ps_collection *coll, const char *item, int64_t n, const char *snapshot, ps_frame **out);
PS_EXTERN int ps_item_tail(ps_collection *coll, const char *item, int64_t n, const char *snapshot, ps_frame **out);

typedef struct ps_item_info {
  int64_t num_rows;
  int64_t num_parts;
  int64_t version;   /* commit number (0 for an item without manifest) */
  int has_manifest;  /* 0 = legacy (Python PyStore) item */
} ps_item_info;
/* Row count etc. from the manifest, without reading data. */
PS_EXTERN int ps_item_info_get(ps_collection *coll, const char *item, const char *snapshot, ps_item_info *out);
/* The item's columns as an empty frame (index marked). Free with ps_frame_free. */
PS_EXTERN int ps_item_schema(ps_collection *coll, const char *item, const char *snapshot, ps_frame **out);

/* The item's metadata (user keys + "_updated") as JSON text; "{}" if none.
 * Caller frees with ps_free. */
PS_EXTERN int ps_item_metadata(ps_collection *coll, const char *item, const char *snapshot, char **out_json);
/* Replace the item's user metadata with `json` (an object); _updated is set. */
PS_EXTERN int ps_item_set_metadata(ps_collection *coll, const char *item, const char *json);
/* Remove an item (atomically disappears, then its files are removed). */
PS_EXTERN int ps_item_delete(ps_collection *coll, const char *item);

/* Merge runs of adjacent small parts (under half of part_rows rows each)
 * into parts of about part_rows rows (0 = about 99 MB of in-memory data),
 * in one atomic commit; other parts are not touched. Appends after the
 * stored range add one part each without reading old data, so an item fed
 * by many small appends should be compacted now and then. A PyStore item
 * without a manifest is brought under one. *out_parts (may be NULL) gets
 * the part count afterwards. */
PS_EXTERN int ps_item_compact(ps_collection *coll, const char *item, int64_t part_rows, int64_t *out_parts);

/* Snapshots of a whole collection (hard links of the committed parts; O(files)).
 * `name` is sanitised as PyStore does (only ASCII letters/digits, non-ASCII
 * UTF-8, '.', '_' are kept); NULL = microseconds since the epoch. The name
 * used is returned in *out_name (may be NULL; caller frees with ps_free).
 * PS_ERR_EXISTS if a snapshot of that name exists. */
PS_EXTERN int ps_snapshot_create(ps_collection *coll, const char *name, char **out_name);
PS_EXTERN int ps_snapshot_list(ps_collection *coll, char ***out_names);
/* PS_ERR_NOT_FOUND if missing. */
PS_EXTERN int ps_snapshot_delete(ps_collection *coll, const char *name);
PS_EXTERN int ps_snapshot_delete_all(ps_collection *coll);
/* Make live item `item` equal to its state in `snapshot` (data and
 * metadata), atomically; creates the item if it was deleted since. */
PS_EXTERN int ps_snapshot_restore(ps_collection *coll, const char *snapshot, const char *item);

/* Integrity check of everything committed under `path`: a base path (all
 * its stores), a store, a collection, an item directory or one Parquet file
 * (the kind is found from the directory's contents). For every published file: the footer and page
 * indexes parse, every page's CRC-32 matches (where the writer stored one;
 * ours always do), every page decompresses and decodes to the row counts
 * the footer declares, and the column statistics bound the decoded data
 * (which catches damage in files written without CRCs). For every item: the
 * manifest parses, every listed part exists with the listed row count,
 * schema and index bounds, the index is sorted and parts do not overlap;
 * metadata JSON parses. Snapshots are checked as items. Symbolic links
 * inside a store are problems and are not followed. Files left by an
 * interrupted commit (temporaries, unlisted parts: the item's next writer
 * removes them) are reported as notes with status PS_OK, not problems.
 * Reads only and takes no locks; an item committed to during the check is
 * re-checked.
 *
 * Each finding is passed to `on_problem` (may be NULL) with the path of the
 * file it concerns, a status (< 0 problem, PS_OK note) and a message; both
 * strings live until the callback returns. `stats` (may be NULL) receives
 * counts of what was checked. Returns PS_OK if no problem was found,
 * PS_ERR_CORRUPT if any was (ps_errmsg() names the first), or the error
 * that stopped the walk (PS_ERR_NOT_FOUND for a missing path, PS_ERR_NOMEM). */
typedef struct ps_verify_stats {
  int64_t items;      /* item directories checked (snapshots included) */
  int64_t files;      /* Parquet files checked */
  int64_t row_groups;
  int64_t pages;      /* data pages decoded */
  int64_t pages_crc;  /* data and dictionary pages whose CRC-32 matched */
  int64_t bytes;      /* bytes of Parquet read */
  int64_t problems;
} ps_verify_stats;
typedef void (*ps_verify_problem_fn)(void *ctx, const char *path, int status, const char *message);
PS_EXTERN int ps_verify(const char *path, ps_verify_problem_fn on_problem, void *ctx, ps_verify_stats *stats);

/* ========================================================================
 * Phase 3: performance — logging, memory, optimize, partitioning, streaming
 * append, batch write/read, chunked reading, metadata cache.
 * (Design notes: docs/phase3.md.)
 *
 * Errors follow the conventions above: a negative ps_status, and
 * ps_errmsg() naming the store/collection/item ("append_stream
 * mystore/coll/AAPL: ...").
 * ---------------------------------------------------------------------- */

/* ---- Logging ------------------------------------------------------------
 * One process-wide log level and sink. At first use the level is read from
 * $PYSTORE_LOG_LEVEL (DEBUG, INFO, WARNING, ERROR, OFF; any case; default
 * WARNING). The default sink writes "pystore: LEVEL: message\n" to stderr.
 * DEBUG messages say which parts, row groups and pages were pruned and why. */
typedef enum ps_log_level {
  PS_LOG_DEBUG = 10,
  PS_LOG_INFO = 20,
  PS_LOG_WARNING = 30,
  PS_LOG_ERROR = 40,
  PS_LOG_OFF = 100
} ps_log_level;

/* A sink receives every message at or above the level. `message` is
 * borrowed (valid during the call). May be called from any thread, but
 * never concurrently (calls are serialized). */
typedef void (*ps_log_fn)(void *user, ps_log_level level, const char *message);

/* "debug"/"DEBUG"/"warn"... -> level; PS_ERR_INVALID for anything else. */
PS_EXTERN int ps_log_level_from_name(const char *name, ps_log_level *out);
/* "DEBUG", "INFO", "WARNING", "ERROR", "OFF". Never NULL. */
PS_EXTERN const char *ps_log_level_name(ps_log_level level);
PS_EXTERN void ps_log_set_level(ps_log_level level);
PS_EXTERN ps_log_level ps_log_get_level(void);
/* Install a sink (NULL = back to stderr). `user` is passed through. */
PS_EXTERN void ps_log_set_sink(ps_log_fn fn, void *user);
/* Re-read $PYSTORE_LOG_LEVEL and $PYSTORE_MEMORY_WARNING (done once
 * automatically at first use). */
PS_EXTERN void ps_config_reload_env(void);
/* Emit a message through the sink (for bindings that log in the same stream). */
PS_EXTERN void ps_log_message(ps_log_level level, const char *message);

/* ---- Memory -------------------------------------------------------------
 * Figures come from /proc (Linux): the process RSS and its peak (VmHWM),
 * the system's MemTotal and MemAvailable. */
typedef struct ps_memory_info {
  int64_t rss_bytes;              /* resident set size now */
  int64_t peak_rss_bytes;         /* high-water mark of the RSS */
  int64_t system_total_bytes;     /* MemTotal */
  int64_t system_available_bytes; /* MemAvailable */
  double system_used_fraction;    /* 1 - available / total */
} ps_memory_info;

PS_EXTERN int ps_memory_info_get(ps_memory_info *out);
/* Warning threshold on system_used_fraction (default 0.8, or
 * $PYSTORE_MEMORY_WARNING). Values outside (0, 1] are PS_ERR_INVALID. */
PS_EXTERN int ps_memory_set_warning(double fraction);
PS_EXTERN double ps_memory_warning(void);
/* Check the usage now; logs a WARNING naming `what` (may be NULL) when the
 * threshold is passed. Returns 1 if it warned, 0 if not, < 0 on error.
 * Streaming append, batch operations and chunked reads call it as they go. */
PS_EXTERN int ps_memory_check(const char *what);
/* Process-wide default memory budget in bytes for reads and writes that
 * take a `memory_budget` option (0 = none, the default; a per-call budget
 * overrides it). See ps_item_read_budget / ps_item_append_budget. */
PS_EXTERN void ps_memory_set_budget(int64_t bytes);
PS_EXTERN int64_t ps_memory_budget(void);
/* Estimated in-memory size of a frame (values, offsets, string bytes, bitmaps). */
PS_EXTERN int64_t ps_frame_memory_bytes(const ps_frame *frame);

/* ---- Optimize (type downcasting) ----------------------------------------
 * Lossless by default: integer columns become the smallest type that holds
 * their range (unsigned when no value is negative), float64 columns become
 * float32 only when every value round-trips exactly, and string columns
 * with few distinct values are reported as dictionary candidates (Parquet
 * writes them dictionary-encoded; the in-memory layout is unchanged). The
 * index column is never changed. */
typedef struct ps_optimize_options {
  int lossy_floats;          /* 1 = narrow float64 to float32 even when values
                                change (rounded to nearest float32) */
  double dictionary_ratio;   /* distinct/rows below which a string column is a
                                dictionary candidate; default 0.5 */
  int skip_integers;         /* 1 = leave integer columns alone */
} ps_optimize_options;

typedef struct ps_optimize_report {
  int64_t bytes_before, bytes_after; /* ps_frame_memory_bytes of input/output */
  int columns_changed;       /* columns whose type changed */
  int dictionary_columns;    /* string columns flagged for dictionary */
  int lossy;                 /* 1 if a lossy conversion happened */
  char *details_json;        /* [{"column":..,"from":..,"to":..,"dictionary":..}]
                                owned: free with ps_optimize_report_clear */
} ps_optimize_report;

/* *out = a new optimized frame (free with ps_frame_free); `report` may be NULL. */
PS_EXTERN int ps_frame_optimize(const ps_frame *frame, const ps_optimize_options *opt, ps_frame **out,
                                ps_optimize_report *report);
/* Frees report->details_json and zeroes the report. NULL is fine. */
PS_EXTERN void ps_optimize_report_clear(ps_optimize_report *report);

/* ---- Partitioning ---------------------------------------------------------
 * How an item's rows are cut into part files. Parts are always time/index
 * ordered and non-overlapping, so a range read opens only the parts it needs.
 * Time strategies cut at calendar month/quarter/year boundaries of the index
 * (timestamp or date index only). For a zoned timestamp index the boundaries
 * are local midnights in the index's zone (read from the system tz database,
 * /usr/share/zoneinfo); naive timestamps and dates use their wall clock; an
 * unknown zone falls back to UTC with a WARNING. A period larger than the
 * size target is further split by size. AUTO: size-based for non-time
 * indexes, else the coarsest of yearly/quarterly/monthly whose average part
 * stays under the size target. The strategy is remembered in the item's
 * manifest, and later appends, stream appends and compactions follow it
 * (an append into a period that already has a part rewrites that part). */
typedef enum ps_partition_strategy {
  PS_PARTITION_NONE = 0,  /* in options: keep the item's remembered strategy
                             (new items: PyStore's ~99 MB parts) */
  PS_PARTITION_SIZE,
  PS_PARTITION_MONTHLY,
  PS_PARTITION_QUARTERLY,
  PS_PARTITION_YEARLY,
  PS_PARTITION_AUTO
} ps_partition_strategy;

typedef struct ps_partition_options {
  ps_partition_strategy strategy;
  int64_t target_bytes; /* size target per part, in estimated in-memory bytes
                           of the rows; default 128 MiB */
} ps_partition_options;

/* "size", "monthly", "quarterly", "yearly", "auto", "none" -> enum. */
PS_EXTERN int ps_partition_strategy_from_name(const char *name, ps_partition_strategy *out);
PS_EXTERN const char *ps_partition_strategy_name(ps_partition_strategy s);

/* ps_item_write with a partition strategy (remembered for later appends).
 * AUTO is resolved against `data` and the resolved strategy is stored. */
PS_EXTERN int ps_item_write_partitioned(ps_collection *coll, const char *item, const ps_frame *data,
                                        const ps_item_write_options *wopt, const ps_partition_options *popt);
/* Rewrite an existing item's parts under `popt` in one atomic commit,
 * streaming part by part (memory: about one input part's row group plus one
 * output row group). Rows, their order, the schema and the user metadata are
 * kept. *out_parts (may be NULL) gets the new part count. */
PS_EXTERN int ps_item_rebalance(ps_collection *coll, const char *item, const ps_partition_options *popt,
                                int64_t *out_parts);
/* The item's remembered strategy (NONE if none). */
PS_EXTERN int ps_item_partitioning(ps_collection *coll, const char *item, ps_partition_options *out);

/* Partition statistics of an item (served by the metadata cache). */
typedef struct ps_part_info {
  char *file;     /* "part.3.parquet" */
  int64_t rows;
  int64_t bytes;  /* file size */
  char *min, *max; /* index bounds as text (ISO-8601 for timestamps); NULL if unknown */
} ps_part_info;
/* *out = array of *n entries; free with ps_part_info_free(*out, *n). */
PS_EXTERN int ps_item_parts(ps_collection *coll, const char *item, ps_part_info **out, int64_t *n);
PS_EXTERN void ps_part_info_free(ps_part_info *parts, int64_t n);

/* ---- Streaming append -----------------------------------------------------
 * The caller hands batches through `next`: it stores a new frame in *out
 * (ownership passes to the library) and returns PS_OK; *out = NULL means
 * the end; a negative return aborts the stream (nothing is committed).
 * Batches are cut into chunks of chunk_rows rows. The schema is checked once,
 * against the first batch (and the item); later batches must have the same
 * columns and types. Result = ps_item_append of all batches concatenated
 * (same sort and duplicate guarantees, duplicates resolved in batch order),
 * committed once at the end: all or nothing. Memory: about one chunk plus
 * one row group, whatever the total; rows that arrive out of order or
 * overlap stored parts are spilled as sorted runs to hidden temporary files
 * in the item directory and merged at the end (bounded fan-in). The item
 * lock is held for the whole stream; creating an item holds the collection
 * lock too. */
typedef int (*ps_batch_fn)(void *user, ps_frame **out);

typedef struct ps_stream_options {
  ps_duplicates duplicates;       /* as ps_append_options */
  int create;                     /* 1 = create a missing item */
  int widen;                      /* as ps_append_options */
  int64_t chunk_rows;             /* default 10,000 */
  ps_partition_options partition; /* NONE = the item's remembered strategy */
  const char *metadata;           /* JSON user metadata for a created item */
  int64_t *out_rows;              /* if non-NULL: rows received */
  int64_t *out_spilled_runs;      /* if non-NULL: sorted runs spilled to disk */
} ps_stream_options;

PS_EXTERN int ps_item_append_stream(ps_collection *coll, const char *item, ps_batch_fn next, void *user,
                                    const ps_stream_options *opt);

/* ---- Memory budgets on reads and writes -----------------------------------
 * budget 0 = the process default (ps_memory_set_budget); still 0 = none. */
/* ps_item_read that first estimates the result size from the manifest; if
 * it exceeds the budget: PS_ERR_LIMIT (nothing read; use chunked reading). */
PS_EXTERN int ps_item_read_budget(ps_collection *coll, const char *item, const ps_item_read_options *opt,
                                  int64_t budget, ps_frame **out);
/* ps_item_append that switches to the streaming path (chunks of data) when
 * the in-memory append would exceed the budget; PS_ERR_LIMIT if even one
 * chunk would. */
PS_EXTERN int ps_item_append_budget(ps_collection *coll, const char *item, const ps_frame *data,
                                    const ps_append_options *opt, int64_t budget);

/* ---- Chunked reading ------------------------------------------------------ */
typedef struct ps_chunk_options {
  const char *const *columns; /* NULL = all; the index is always included */
  size_t num_columns;
  const ps_expr *filter;      /* NULL = all rows */
  const char *start, *end;    /* inclusive index bounds, as ps_item_read_options */
  int64_t chunk_rows;         /* rows per chunk (the last may be shorter); default 10,000 */
  const char *snapshot;       /* NULL = live */
  int threads;                /* decoder threads; 0 = cores */
  int64_t memory_budget;      /* > 0: PS_ERR_LIMIT at open if one chunk (or one
                                 row group) would exceed it; 0 = process default */
} ps_chunk_options;

typedef struct ps_chunk_reader ps_chunk_reader;
/* Fixes the item version at open (the chosen parts stay readable even if a
 * writer replaces them). Free with ps_chunk_reader_close. */
PS_EXTERN int ps_item_chunks_open(ps_collection *coll, const char *item, const ps_chunk_options *opt,
                                  ps_chunk_reader **out);
/* Next chunk: *out = new frame (free with ps_frame_free), or NULL at the end.
 * Row groups are read lazily; memory is about one chunk plus one row group. */
PS_EXTERN int ps_chunk_reader_next(ps_chunk_reader *r, ps_frame **out);
/* Rows returned so far. */
PS_EXTERN int64_t ps_chunk_reader_rows(const ps_chunk_reader *r);
PS_EXTERN void ps_chunk_reader_close(ps_chunk_reader *r);

/* ---- Batch write / read ------------------------------------------------------
 * Many items in one call, on a pool of `threads` threads (0 = cores). Every
 * item gets its own status and message (no error is lost); one failing item
 * does not stop the others. The metadata cache is refreshed once at the end.
 * The call returns PS_OK if every item succeeded, else the first failing
 * item's status (look at the per-item results). */
typedef struct ps_batch_write_item {
  const char *item;
  const ps_frame *data;
  const char *metadata;       /* JSON object or NULL */
  /* results */
  int status;
  char *errmsg;               /* NULL on success; free with ps_batch_results_clear */
} ps_batch_write_item;

typedef struct ps_batch_options {
  int threads;                /* 0 = cores */
  int overwrite;              /* write: replace existing items */
  ps_duplicates duplicates;
  ps_partition_options partition;
  /* progress callback (may be NULL): called after each item completes with
   * the number done and the total; serialized. */
  void (*progress)(void *user, int64_t done, int64_t total);
  void *progress_user;
} ps_batch_options;

PS_EXTERN int ps_write_batch(ps_collection *coll, ps_batch_write_item *items, size_t n, const ps_batch_options *opt);
/* Frees every errmsg of a write batch (items stay the caller's). */
PS_EXTERN void ps_batch_write_clear(ps_batch_write_item *items, size_t n);

typedef struct ps_batch_read_item {
  const char *item;
  ps_item_read_options options; /* per item: columns, filter, start/end, ... */
  /* results */
  ps_frame *frame;            /* owned by the caller after the call */
  char *metadata_json;        /* the item's metadata (owned) */
  int status;
  char *errmsg;               /* NULL on success */
} ps_batch_read_item;

PS_EXTERN int ps_read_batch(ps_collection *coll, ps_batch_read_item *items, size_t n, const ps_batch_options *opt);
/* Frees frame, metadata_json and errmsg of every entry. */
PS_EXTERN void ps_batch_read_clear(ps_batch_read_item *items, size_t n);

/* ---- Metadata cache -----------------------------------------------------------
 * Item lists, item info/metadata and partition statistics are cached per
 * process with a TTL (default 300 s; $PYSTORE_CACHE_TTL). Never stale: every
 * write by this process invalidates the entries it touches, and every hit is
 * revalidated against a cheap change stamp (the collection's generation file
 * <collection>/.pystore_generation, bumped after each commit by any process,
 * plus stat() of the manifest, metadata file and collection directory). */
PS_EXTERN void ps_cache_set_ttl(double seconds); /* <= 0 disables the cache */
PS_EXTERN double ps_cache_ttl(void);
PS_EXTERN void ps_cache_clear(void);
typedef struct ps_cache_stats {
  int64_t hits, misses, invalidations, entries;
} ps_cache_stats;
PS_EXTERN void ps_cache_stats_get(ps_cache_stats *out);
/* Cached equivalents of ps_collection_list_items (no metadata filter),
 * ps_item_info_get and ps_item_metadata (live items). Same ownership. */
PS_EXTERN int ps_cached_list_items(ps_collection *coll, char ***out_names);
PS_EXTERN int ps_cached_item_info(ps_collection *coll, const char *item, ps_item_info *out);
PS_EXTERN int ps_cached_item_metadata(ps_collection *coll, const char *item, char **out_json);

/* ---- Streaming CSV reader --------------------------------------------------------
 * Reads a CSV file (or standard input for path "-") in chunks of rows.
 * Types are inferred from the first chunk with the rules of ps_csv_read_file
 * (int64, float64, bool, timestamp, string, null-only -> string); later
 * chunks must parse as those types, else PS_ERR_PARSE naming the line and
 * column (make chunk_rows large enough for the first chunk to be
 * representative). Memory: one chunk plus a read buffer. */
typedef struct ps_csv_reader ps_csv_reader;
PS_EXTERN int ps_csv_reader_open(const char *path, const ps_csv_options *opt, int64_t chunk_rows,
                                 ps_csv_reader **out);
/* *out = next chunk (free with ps_frame_free), NULL at the end. */
PS_EXTERN int ps_csv_reader_next(ps_csv_reader *r, ps_frame **out);
PS_EXTERN void ps_csv_reader_close(ps_csv_reader *r);

#ifdef __cplusplus
}
#endif
#endif /* PYSTORE_H */

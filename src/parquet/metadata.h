/* Parquet footer and page-header structures, with Thrift (de)serialisation.
 * Only what a flat-schema reader/writer needs is kept; everything else is
 * skipped on read. Field comments give the Thrift field ids. */
#ifndef PS_PARQUET_METADATA_H
#define PS_PARQUET_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Physical types */
enum { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_INT96 = 3, PQ_FLOAT = 4, PQ_DOUBLE = 5, PQ_BYTE_ARRAY = 6, PQ_FIXED = 7 };
/* Repetition */
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
/* Converted types (legacy) */
enum {
  PQ_CT_NONE = -1,
  PQ_CT_UTF8 = 0, PQ_CT_MAP = 1, PQ_CT_MAP_KEY_VALUE = 2, PQ_CT_LIST = 3, PQ_CT_ENUM = 4, PQ_CT_DECIMAL = 5,
  PQ_CT_DATE = 6, PQ_CT_TIME_MILLIS = 7, PQ_CT_TIME_MICROS = 8, PQ_CT_TIMESTAMP_MILLIS = 9, PQ_CT_TIMESTAMP_MICROS = 10,
  PQ_CT_UINT_8 = 11, PQ_CT_UINT_16 = 12, PQ_CT_UINT_32 = 13, PQ_CT_UINT_64 = 14,
  PQ_CT_INT_8 = 15, PQ_CT_INT_16 = 16, PQ_CT_INT_32 = 17, PQ_CT_INT_64 = 18,
  PQ_CT_JSON = 19, PQ_CT_BSON = 20, PQ_CT_INTERVAL = 21
};
/* Logical type kinds (LogicalType union member ids) */
enum {
  PQ_LT_NONE = 0, PQ_LT_STRING = 1, PQ_LT_MAP = 2, PQ_LT_LIST = 3, PQ_LT_ENUM = 4, PQ_LT_DECIMAL = 5, PQ_LT_DATE = 6,
  PQ_LT_TIME = 7, PQ_LT_TIMESTAMP = 8, PQ_LT_INTEGER = 10, PQ_LT_UNKNOWN = 11, PQ_LT_JSON = 12, PQ_LT_BSON = 13,
  PQ_LT_UUID = 14, PQ_LT_FLOAT16 = 15
};
/* Time units (TimeUnit union member ids) */
enum { PQ_MILLIS = 1, PQ_MICROS = 2, PQ_NANOS = 3 };
/* Encodings */
enum {
  PQ_ENC_PLAIN = 0, PQ_ENC_PLAIN_DICTIONARY = 2, PQ_ENC_RLE = 3, PQ_ENC_BIT_PACKED = 4,
  PQ_ENC_DELTA_BINARY_PACKED = 5, PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6, PQ_ENC_DELTA_BYTE_ARRAY = 7,
  PQ_ENC_RLE_DICTIONARY = 8, PQ_ENC_BYTE_STREAM_SPLIT = 9
};
/* Page types */
enum { PQ_PAGE_DATA = 0, PQ_PAGE_INDEX = 1, PQ_PAGE_DICTIONARY = 2, PQ_PAGE_DATA_V2 = 3 };
/* Boundary order */
enum { PQ_ORDER_UNORDERED = 0, PQ_ORDER_ASCENDING = 1, PQ_ORDER_DESCENDING = 2 };

/* Byte strings in parsed metadata point into the footer buffer (which the
 * owner keeps alive); in metadata we build they point at our own memory.
 * `len` is the byte length; strings are NOT NUL-terminated. */
typedef struct pq_bytes {
  const uint8_t *ptr;
  uint32_t len;
} pq_bytes;

typedef struct pq_logical_type {
  int kind;             /* PQ_LT_*; NONE when absent or unknown */
  int ts_utc;           /* TIMESTAMP/TIME: isAdjustedToUTC */
  int unit;             /* TIMESTAMP/TIME: PQ_MILLIS/MICROS/NANOS */
  int int_bits;         /* INTEGER: 8/16/32/64 */
  int int_signed;       /* INTEGER */
  int dec_scale, dec_precision; /* DECIMAL */
} pq_logical_type;

typedef struct pq_schema_element {
  int has_type;
  int type;             /* 1 */
  int32_t type_length;  /* 2 */
  int has_repetition;
  int repetition;       /* 3 */
  pq_bytes name;        /* 4 */
  int32_t num_children; /* 5 (0 if absent) */
  int converted_type;   /* 6 (PQ_CT_NONE if absent) */
  int32_t scale, precision; /* 7, 8 */
  pq_logical_type logical; /* 10 */
} pq_schema_element;

typedef struct pq_statistics {
  int has_max, has_min, has_null_count, has_distinct_count, has_max_value, has_min_value;
  pq_bytes max;        /* 1 (deprecated, signed order) */
  pq_bytes min;        /* 2 */
  int64_t null_count;  /* 3 */
  int64_t distinct_count; /* 4 */
  pq_bytes max_value;  /* 5 */
  pq_bytes min_value;  /* 6 */
  int has_is_max_value_exact, is_max_value_exact; /* 7 */
  int has_is_min_value_exact, is_min_value_exact; /* 8 */
  int has_nan_count;
  int64_t nan_count;   /* 9 */
} pq_statistics;

typedef struct pq_kv {
  pq_bytes key;        /* 1 */
  int has_value;
  pq_bytes value;      /* 2 */
} pq_kv;

typedef struct pq_page_encoding_stats {
  int page_type, encoding;
  int32_t count;
} pq_page_encoding_stats;

typedef struct pq_column_meta {
  int type;                 /* 1 */
  int *encodings;           /* 2 */
  uint32_t num_encodings;
  pq_bytes *path;           /* 3 */
  uint32_t path_len;
  int codec;                /* 4 */
  int64_t num_values;       /* 5 */
  int64_t total_uncompressed_size; /* 6 */
  int64_t total_compressed_size;   /* 7 */
  int64_t data_page_offset; /* 9 */
  int has_dictionary_page_offset;
  int64_t dictionary_page_offset; /* 11 */
  int has_statistics;
  pq_statistics statistics; /* 12 */
  pq_page_encoding_stats *encoding_stats; /* 13 */
  uint32_t num_encoding_stats;
} pq_column_meta;

typedef struct pq_column_chunk {
  int has_file_path;
  pq_bytes file_path;       /* 1 */
  int64_t file_offset;      /* 2 */
  int has_meta_data;
  pq_column_meta meta_data; /* 3 */
  int has_offset_index;
  int64_t offset_index_offset; /* 4 */
  int32_t offset_index_length; /* 5 */
  int has_column_index;
  int64_t column_index_offset; /* 6 */
  int32_t column_index_length; /* 7 */
} pq_column_chunk;

typedef struct pq_sorting_column {
  int32_t column_idx;
  int descending, nulls_first;
} pq_sorting_column;

typedef struct pq_row_group {
  pq_column_chunk *columns; /* 1 */
  uint32_t num_columns;
  int64_t total_byte_size;  /* 2 */
  int64_t num_rows;         /* 3 */
  pq_sorting_column *sorting_columns; /* 4 */
  uint32_t num_sorting_columns;
  int has_file_offset;
  int64_t file_offset;      /* 5 */
  int has_total_compressed_size;
  int64_t total_compressed_size; /* 6 */
  int has_ordinal;
  int16_t ordinal;          /* 7 */
} pq_row_group;

typedef struct pq_file_meta {
  int32_t version;          /* 1 */
  pq_schema_element *schema; /* 2 */
  uint32_t num_schema;
  int64_t num_rows;         /* 3 */
  pq_row_group *row_groups; /* 4 */
  uint32_t num_row_groups;
  pq_kv *kv;                /* 5 */
  uint32_t num_kv;
  int has_created_by;
  pq_bytes created_by;      /* 6 */
  int *column_orders;       /* 7: per leaf, the ColumnOrder union member id (1 = TYPE_ORDER) */
  uint32_t num_column_orders;
  void *arena;              /* parse allocations (freed by pq_file_meta_free) */
} pq_file_meta;

typedef struct pq_data_page_header {
  int32_t num_values;       /* 1 */
  int encoding;             /* 2 */
  int def_encoding;         /* 3 */
  int rep_encoding;         /* 4 */
  int has_statistics;
  pq_statistics statistics; /* 5 */
} pq_data_page_header;

typedef struct pq_dict_page_header {
  int32_t num_values;       /* 1 */
  int encoding;             /* 2 */
  int has_is_sorted, is_sorted; /* 3 */
} pq_dict_page_header;

typedef struct pq_data_page_header_v2 {
  int32_t num_values;       /* 1 */
  int32_t num_nulls;        /* 2 */
  int32_t num_rows;         /* 3 */
  int encoding;             /* 4 */
  int32_t def_levels_byte_length; /* 5 */
  int32_t rep_levels_byte_length; /* 6 */
  int is_compressed;        /* 7 (default 1 when absent) */
  int has_statistics;
  pq_statistics statistics; /* 8 */
} pq_data_page_header_v2;

typedef struct pq_page_header {
  int type;                 /* 1 */
  int32_t uncompressed_page_size; /* 2 */
  int32_t compressed_page_size;   /* 3 */
  int has_crc;
  int32_t crc;              /* 4 */
  int has_data_page_header;
  pq_data_page_header data_page_header; /* 5 */
  int has_dict_page_header;
  pq_dict_page_header dict_page_header; /* 7 */
  int has_data_page_header_v2;
  pq_data_page_header_v2 data_page_header_v2; /* 8 */
} pq_page_header;

typedef struct pq_column_index {
  uint8_t *null_pages;      /* 1 */
  pq_bytes *min_values;     /* 2 */
  pq_bytes *max_values;     /* 3 */
  uint32_t num_pages;
  int boundary_order;       /* 4 */
  int has_null_counts;
  int64_t *null_counts;     /* 5 */
  void *arena;
} pq_column_index;

typedef struct pq_page_location {
  int64_t offset;           /* 1 */
  int32_t compressed_page_size; /* 2 (header included) */
  int64_t first_row_index;  /* 3 */
} pq_page_location;

typedef struct pq_offset_index {
  pq_page_location *page_locations; /* 1 */
  uint32_t num_pages;
  void *arena;
} pq_offset_index;

/* ---- parsing (untrusted input) ----
 * All return PS_OK, PS_ERR_CORRUPT (with a ps__error message saying which
 * structure/field is wrong), or PS_ERR_NOMEM. Parsed pq_bytes point into
 * `data`, which must outlive the parsed struct. Required fields that are
 * missing are PS_ERR_CORRUPT. Allocation is bounded by the input size. */
int pq_parse_file_meta(const uint8_t *data, size_t len, pq_file_meta *out);
void pq_file_meta_free(pq_file_meta *m);
/* Parses a page header at data; *header_len receives its encoded size. */
int pq_parse_page_header(const uint8_t *data, size_t len, pq_page_header *out, size_t *header_len);
int pq_parse_column_index(const uint8_t *data, size_t len, pq_column_index *out);
void pq_column_index_free(pq_column_index *ci);
int pq_parse_offset_index(const uint8_t *data, size_t len, pq_offset_index *out);
void pq_offset_index_free(pq_offset_index *oi);

/* ---- serialising (our own, trusted structs) ----
 * Append the compact encoding to `out`. Optional fields are written when
 * their has_* flag is set (for the statistics: each has_* flag). */
int pq_write_file_meta(ps_buf *out, const pq_file_meta *m);
int pq_write_page_header(ps_buf *out, const pq_page_header *h);
int pq_write_column_index(ps_buf *out, const pq_column_index *ci);
int pq_write_offset_index(ps_buf *out, const pq_offset_index *oi);

#endif

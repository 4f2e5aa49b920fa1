/* libFuzzer target: every place where jansson parses text we did not write
 * ourselves in this process.
 *
 *  1. item user metadata given by the caller (ps__parse_user_metadata:
 *     ps_item_write / ps_item_set_metadata / partitioned writes);
 *  2. the "pandas" key/value of a Parquet footer (pq_pandas_metadata_apply,
 *     called by ps_parquet_open), against leaves of every kind;
 *  3. pystore_metadata.json files of a store and of an item (and PyStore's
 *     older metadata.json name) read back by ps_store_metadata,
 *     ps_item_metadata and the metadata filter of ps_collection_list_items,
 *     whose filter text is the input too; ps_item_set_metadata then must
 *     store exactly the object parsed (plus "_updated").
 * (The manifest, _pystore_manifest.json, has its own target: fuzz_manifest.)
 *
 * Invariants (abort on violation): parsed user metadata is an object
 * without "_updated" and equal to what jansson itself parses; the pandas
 * metadata only marks an existing leaf as the index, only gives zones to
 * UTC-adjusted (or INT96) timestamps, only turns ms into s; every JSON text
 * the store hands back parses and equals the file's object. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "parquet/schema.h"
#include "store/store_internal.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- 1. user metadata text ---- */
static void user_metadata(const char *text) {
  json_t *meta = NULL;
  int rc = ps__parse_user_metadata(text, &meta);
  json_error_t err;
  json_t *ref = json_loads(text, 0, &err);
  if (rc == PS_OK) {
    FZ_CHECK(json_is_object(meta) && json_object_get(meta, "_updated") == NULL);
    FZ_CHECK(json_is_object(ref));
    json_object_del(ref, "_updated");
    FZ_CHECK(json_equal(meta, ref));
  } else {
    FZ_CHECK(rc == PS_ERR_PARSE || rc == PS_ERR_INVALID);
    FZ_CHECK(meta == NULL && !json_is_object(ref));
  }
  json_decref(ref);
  json_decref(meta);
}

/* ---- 2. the pandas footer metadata ---- */
static const struct {
  const char *name;
  ps_type type;
  ps_time_unit unit;
  int utc, int96;
} LEAVES[] = {
    {"ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, 1, 0},   {"naive", PS_TYPE_TIMESTAMP, PS_UNIT_US, 0, 0},
    {"ms", PS_TYPE_TIMESTAMP, PS_UNIT_MS, 1, 0},   {"old", PS_TYPE_TIMESTAMP, PS_UNIT_NS, 0, 1},
    {"price", PS_TYPE_FLOAT64, PS_UNIT_NS, 0, 0},  {"sym", PS_TYPE_STRING, PS_UNIT_NS, 0, 0},
    {"__index_level_0__", PS_TYPE_INT64, PS_UNIT_NS, 0, 0}, {"", PS_TYPE_BOOL, PS_UNIT_NS, 0, 0},
    {"ts", PS_TYPE_TIMESTAMP, PS_UNIT_MS, 0, 0}, /* a duplicate name */
};
#define NLEAVES ((int)(sizeof LEAVES / sizeof LEAVES[0]))

static void pandas_metadata(const uint8_t *data, size_t size) {
  pq_leaf lv[NLEAVES];
  memset(lv, 0, sizeof lv);
  for (int i = 0; i < NLEAVES; i++) {
    lv[i].name = ps__strdup(LEAVES[i].name);
    if (!lv[i].name) goto done;
    lv[i].type = LEAVES[i].type;
    lv[i].unit = lv[i].frame_unit = LEAVES[i].unit;
    lv[i].utc = LEAVES[i].utc;
    lv[i].int96 = LEAVES[i].int96;
    lv[i].decimal_scale = -1;
  }
  /* an exact-size copy, not NUL-terminated, as the footer holds it */
  char *json = fz_malloc(size);
  if (size) memcpy(json, data, size);
  int index = 7777;
  pq_pandas_metadata_apply(json, size, lv, NLEAVES, &index);
  free(json);
  FZ_CHECK(index >= -1 && index < NLEAVES);
  for (int i = 0; i < NLEAVES; i++) {
    FZ_CHECK(lv[i].unit == LEAVES[i].unit && lv[i].type == LEAVES[i].type);
    if (lv[i].frame_unit != lv[i].unit) FZ_CHECK(lv[i].unit == PS_UNIT_MS && lv[i].frame_unit == PS_UNIT_S);
    if (lv[i].tz) {
      FZ_CHECK(lv[i].type == PS_TYPE_TIMESTAMP && (lv[i].utc || lv[i].int96));
      FZ_CHECK(lv[i].tz[0] != 0 && strlen(lv[i].tz) < size);
    }
  }
done:
  for (int i = 0; i < NLEAVES; i++) pq_leaf_clear(&lv[i]);
}

/* ---- 3. metadata files of a store and an item ---- */
static char base[96];
static ps_store *st;
static ps_collection *coll;
static char *store_meta, *item_meta, *item_meta_old;

static void cleanup(void) {
  ps_collection_close(coll);
  ps_store_close(st);
  ps_store_options o = {.base_path = base, .no_fsync = 1};
  ps_delete_store(&o, "s");
  rmdir(base);
  ps__free_mem(store_meta);
  ps__free_mem(item_meta);
  ps__free_mem(item_meta_old);
}

static int setup(void) {
  fz_temp_path(base, sizeof base, "metadata_json", "");
  ps_store_options o = {.base_path = base, .no_fsync = 1};
  if (ps_store_open("s", &o, 1, &st) != PS_OK || ps_collection_open(st, "c", 1, &coll) != PS_OK) return -1;
  /* one real item: a tiny frame */
  ps_frame *f;
  ps_column *ix;
  if (ps_frame_new(&f) != PS_OK) return -1;
  ps_frame_add_column(f, "i", PS_TYPE_INT64, PS_UNIT_NS, NULL, &ix);
  ps_column_append_int(ix, 1);
  ps_frame_set_index(f, "i");
  ps_frame_validate(f);
  ps_item_write_options wo = {.overwrite = 1};
  int rc = ps_item_write(coll, "item", f, &wo);
  ps_frame_free(f);
  if (rc != PS_OK) return -1;
  store_meta = ps__path_join(ps_store_path(st), PS_METADATA_FILE);
  char *dir = ps__path_join(ps_collection_path(coll), "item");
  item_meta = dir ? ps__path_join(dir, PS_METADATA_FILE) : NULL;
  item_meta_old = dir ? ps__path_join(dir, "metadata.json") : NULL;
  ps__free_mem(dir);
  atexit(cleanup);
  return store_meta && item_meta && item_meta_old ? 0 : -1;
}

static void put(const char *path, const uint8_t *data, size_t size) {
  FILE *fp = fopen(path, "wb");
  FZ_CHECK(fp != NULL);
  if (size) FZ_CHECK(fwrite(data, 1, size, fp) == size);
  fclose(fp);
}

/* `got` (text the store returned) must parse to the same value as the file. */
static void same_json(const char *got, const uint8_t *data, size_t size) {
  json_error_t e;
  json_t *a = json_loads(got, 0, &e), *b = json_loadb((const char *)data, size, 0, &e);
  FZ_CHECK(a != NULL && b != NULL && json_equal(a, b));
  json_decref(a);
  json_decref(b);
}

static void metadata_files(const uint8_t *data, size_t size, const char *text) {
  /* the store's file */
  put(store_meta, data, size);
  char *out = NULL;
  int rc = ps_store_metadata(st, &out);
  if (rc == PS_OK) same_json(out, data, size);
  else FZ_CHECK(rc == PS_ERR_PARSE && out == NULL);
  ps_free(out);

  /* the item's file, under its current name and PyStore's old one */
  for (int old = 0; old < 2; old++) {
    unlink(item_meta);
    unlink(item_meta_old);
    put(old ? item_meta_old : item_meta, data, size);
    out = NULL;
    rc = ps_item_metadata(coll, "item", NULL, &out);
    if (rc == PS_OK) same_json(out, data, size);
    else FZ_CHECK(rc == PS_ERR_PARSE && out == NULL);
    ps_free(out);
    /* the input as a filter over the input as metadata */
    char **names = NULL;
    rc = ps_collection_list_items(coll, text, &names);
    if (rc == PS_OK) {
      json_error_t e;
      json_t *filter = json_loads(text, 0, &e), *file = json_loadb((const char *)data, size, 0, &e);
      int match = names[0] != NULL;
      FZ_CHECK(json_is_object(filter));
      /* PyStore's rule: the item's metadata is an object holding every key
       * of the filter with an equal value */
      int want = json_is_object(file);
      const char *key;
      json_t *v;
      json_object_foreach(filter, key, v) {
        json_t *have = want ? json_object_get(file, key) : NULL;
        if (!have || !json_equal(have, v)) want = 0;
      }
      FZ_CHECK(match == want);
      if (match) FZ_CHECK(strcmp(names[0], "item") == 0 && names[1] == NULL);
      json_decref(filter);
      json_decref(file);
      ps_names_free(names);
    } else {
      FZ_CHECK(rc == PS_ERR_PARSE || rc == PS_ERR_INVALID);
    }
  }

  /* setting it as the item's metadata stores exactly that object + _updated */
  rc = ps_item_set_metadata(coll, "item", text);
  if (rc == PS_OK) {
    out = NULL;
    FZ_CHECK(ps_item_metadata(coll, "item", NULL, &out) == PS_OK);
    json_error_t e;
    json_t *a = json_loads(out, 0, &e), *b = json_loads(text, 0, &e);
    FZ_CHECK(json_is_object(a) && json_is_string(json_object_get(a, "_updated")) && json_is_object(b));
    json_object_del(a, "_updated");
    json_object_del(b, "_updated");
    FZ_CHECK(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    ps_free(out);
  } else {
    FZ_CHECK(rc == PS_ERR_PARSE || rc == PS_ERR_INVALID);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return 0;
  static int ready = -2;
  if (ready == -2) ready = setup();
  char *text = fz_strndup(data, size);
  user_metadata(text);
  pandas_metadata(data, size);
  if (ready == 0) metadata_files(data, size, text);
  free(text);
  return 0;
}

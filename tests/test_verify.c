/* ps_verify: a clean store passes with real counts; each kind of damage is
 * found and reported with the path it concerns; leftovers are notes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "test_store_util.h"

static char base[256];

typedef struct findings {
  int problems, notes;
  char last_path[1024];
  char last_msg[1024];
  int last_status;
} findings;

static void collect(void *ctx, const char *path, int status, const char *message) {
  findings *f = ctx;
  if (status < 0) f->problems++;
  else f->notes++;
  snprintf(f->last_path, sizeof f->last_path, "%s", path);
  snprintf(f->last_msg, sizeof f->last_msg, "%s", message);
  f->last_status = status;
}

static int verify(const char *path, findings *f, ps_verify_stats *st) {
  memset(f, 0, sizeof *f);
  return ps_verify(path, collect, f, st);
}

/* A store with collection "c", items "A" (3 parts) and "B", a snapshot "s1". */
static ps_store *setup(const char *name, ps_collection **c) {
  ps_store_options so = {0};
  so.base_path = base;
  so.no_fsync = 1;
  ps_store *st = NULL;
  if (ps_store_open(name, &so, 1, &st) || ps_collection_open(st, "c", 1, c)) return NULL;
  ps_frame *f = mk_range(0, 30);
  ps_item_write_options wo = {0};
  wo.part_rows = 10;
  if (ps_item_write(*c, "A", f, &wo)) return NULL;
  ps_frame_free(f);
  f = mk_range(100, 5);
  if (ps_item_write(*c, "B", f, NULL)) return NULL;
  ps_frame_free(f);
  if (ps_snapshot_create(*c, "s1", NULL)) return NULL;
  return st;
}

static void path_of(char *buf, size_t n, const char *store, const char *rel) {
  snprintf(buf, n, "%s/%s/%s", base, store, rel);
}

static void flip_byte(const char *path, long off) {
  int fd = open(path, O_RDWR);
  unsigned char b;
  if (pread(fd, &b, 1, off) == 1) {
    b ^= 0x40;
    if (pwrite(fd, &b, 1, off) != 1) perror("pwrite");
  }
  close(fd);
}

static void test_clean_store(void) {
  ps_collection *c;
  ps_store *st = setup("clean", &c);
  ASSERT(st);
  char p[600];
  path_of(p, sizeof p, "clean", "");
  findings f;
  ps_verify_stats vs;
  ASSERT_OK(verify(p, &f, &vs));
  ASSERT_EQ_INT(f.problems, 0);
  ASSERT_EQ_INT(vs.items, 4); /* A, B and their snapshot copies */
  ASSERT_EQ_INT(vs.files, 8);
  ASSERT_EQ_INT(vs.row_groups, 8);
  ASSERT(vs.pages >= 8 * 4); /* 4 columns per row group */
  ASSERT(vs.pages_crc >= vs.pages);
  ASSERT(vs.bytes > 0);
  /* item, collection and single-file paths work too */
  path_of(p, sizeof p, "clean", "c/A");
  ASSERT_OK(verify(p, &f, &vs));
  ASSERT_EQ_INT(vs.items, 1);
  ASSERT_EQ_INT(vs.files, 3);
  path_of(p, sizeof p, "clean", "c");
  ASSERT_OK(verify(p, &f, &vs));
  ASSERT_EQ_INT(vs.items, 4);
  path_of(p, sizeof p, "clean", "c/B/part.0.parquet");
  ASSERT_OK(verify(p, &f, &vs));
  ASSERT_EQ_INT(vs.files, 1);
  /* the base path: every store under it */
  ASSERT_OK(verify(base, &f, &vs));
  ASSERT(vs.items >= 4);
  path_of(p, sizeof p, "clean", "c/missing");
  ASSERT_RC(verify(p, &f, NULL), PS_ERR_NOT_FOUND);
  ps_collection_close(c);
  ps_store_close(st);
}

static void test_damaged_page(void) {
  ps_collection *c;
  ps_store *st = setup("crc", &c);
  ASSERT(st);
  char part[600], p[600];
  path_of(part, sizeof part, "crc", "c/B/part.0.parquet");
  flip_byte(part, 30); /* inside the first column chunk's first page */
  path_of(p, sizeof p, "crc", "c/B");
  findings f;
  ASSERT_RC(verify(p, &f, NULL), PS_ERR_CORRUPT);
  ASSERT_EQ_INT(f.problems, 1);
  ASSERT(strstr(f.last_path, "c/B/part.0.parquet"));
  ASSERT(strstr(ps_errmsg(), "part.0.parquet"));
  /* the snapshot shares the file (hard link): the collection check reports both */
  path_of(p, sizeof p, "crc", "c");
  ASSERT_RC(verify(p, &f, NULL), PS_ERR_CORRUPT);
  ASSERT_EQ_INT(f.problems, 2);
  ps_collection_close(c);
  ps_store_close(st);
}

/* Files written without CRCs (by other tools) are still checked: damage
 * that moves a value outside the footer statistics is found. */
static void test_stats_without_crc(void) {
  char p[600];
  snprintf(p, sizeof p, "%s/nocrc.parquet", base);
  ps_frame *f;
  ASSERT_OK(ps_frame_new(&f));
  ps_column *x;
  ASSERT_OK(ps_frame_add_column(f, "x", PS_TYPE_INT64, 0, NULL, &x));
  for (int i = 0; i < 64; i++) ps_column_append_int(x, 1000 + i);
  ps_write_options wo = {0};
  wo.codec = PS_CODEC_NONE;
  wo.dictionary = PS_OFF;
  wo.delta = PS_OFF;
  wo.page_checksum = PS_OFF;
  ASSERT_OK(ps_parquet_write(p, f, &wo));
  ps_frame_free(f);
  findings fd;
  ps_verify_stats vs;
  ASSERT_OK(verify(p, &fd, &vs));
  ASSERT_EQ_INT(vs.pages_crc, 0);
  ASSERT(vs.pages >= 1);
  /* find the PLAIN value 1000 + 10 and set a high byte */
  FILE *fp = fopen(p, "rb");
  ASSERT(fp);
  unsigned char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, fp);
  fclose(fp);
  long at = -1;
  for (size_t i = 0; i + 8 <= n; i++) {
    int64_t v;
    memcpy(&v, buf + i, 8);
    if (v == 1010) {
      at = (long)i;
      break;
    }
  }
  ASSERT(at > 0);
  flip_byte(p, at + 6);
  ASSERT_RC(verify(p, &fd, NULL), PS_ERR_CORRUPT);
  ASSERT(strstr(fd.last_msg, "outside the statistics"));
  ASSERT(strstr(fd.last_msg, "column 'x'"));
}

static void test_manifest_problems(void) {
  ps_collection *c;
  ps_store *st = setup("man", &c);
  ASSERT(st);
  char item[600], p[700];
  path_of(item, sizeof item, "man", "c/A");
  findings f;
  /* an unlisted part and a temp file are notes, not problems */
  snprintf(p, sizeof p, "%s/part.77.parquet", item);
  FILE *fp = fopen(p, "w");
  fputs("junk", fp);
  fclose(fp);
  snprintf(p, sizeof p, "%s/part.78.parquet.tmp-1-1", item);
  fp = fopen(p, "w");
  fclose(fp);
  ASSERT_OK(verify(item, &f, NULL));
  ASSERT_EQ_INT(f.notes, 2);
  ASSERT_EQ_INT(f.problems, 0);
  /* the next writer removes them, so the notes go away */
  ps_frame *g = mk_range(30, 2);
  ASSERT_OK(ps_item_append(c, "A", g, NULL));
  ps_frame_free(g);
  ASSERT_OK(verify(item, &f, NULL));
  ASSERT_EQ_INT(f.notes, 0);
  /* a listed part that is missing */
  ps_part_info *parts = NULL;
  int64_t np = 0;
  ASSERT_OK(ps_item_parts(c, "A", &parts, &np));
  ASSERT(np >= 3);
  snprintf(p, sizeof p, "%s/%s", item, parts[1].file);
  ps_part_info_free(parts, np);
  char moved[800];
  snprintf(moved, sizeof moved, "%s/../moved.bin", item);
  ASSERT(rename(p, moved) == 0);
  ASSERT_RC(verify(item, &f, NULL), PS_ERR_CORRUPT);
  ASSERT_EQ_INT(f.last_status, PS_ERR_NOT_FOUND);
  ASSERT(strstr(f.last_msg, "missing"));
  ASSERT(rename(moved, p) == 0);
  ASSERT_OK(verify(item, &f, NULL));
  /* a manifest entry whose row count lies */
  char man[800];
  snprintf(man, sizeof man, "%s/_pystore_manifest.json", item);
  char *text;
  fp = fopen(man, "rb");
  ASSERT(fp);
  fseek(fp, 0, SEEK_END);
  long sz = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  text = calloc(1, (size_t)sz + 16);
  ASSERT(fread(text, 1, (size_t)sz, fp) == (size_t)sz);
  fclose(fp);
  char *r = strstr(text, "\"rows\": 10"); /* the first part's entry (the total is 32) */
  ASSERT(r);
  r[strlen("\"rows\": 1")] = '1';
  fp = fopen(man, "wb");
  fwrite(text, 1, strlen(text), fp);
  fclose(fp);
  ASSERT_RC(verify(item, &f, NULL), PS_ERR_CORRUPT);
  ASSERT(strstr(f.last_path, ".parquet"));
  ASSERT(strstr(f.last_msg, "holds 10 rows, the manifest says 11"));
  /* unparsable manifest */
  fp = fopen(man, "wb");
  fputs("{\"format\": ", fp);
  fclose(fp);
  ASSERT_RC(verify(item, &f, NULL), PS_ERR_CORRUPT);
  ASSERT(strstr(f.last_path, "_pystore_manifest.json"));
  free(text);
  ps_collection_close(c);
  ps_store_close(st);
}

static void test_metadata_and_symlinks(void) {
  ps_collection *c;
  ps_store *st = setup("meta", &c);
  ASSERT(st);
  char p[700];
  /* damage the live item's metadata only (the snapshot holds a hard link of the old file) */
  char tmp[700];
  path_of(tmp, sizeof tmp, "meta", "c/B/new.json");
  path_of(p, sizeof p, "meta", "c/B/pystore_metadata.json");
  FILE *fp = fopen(tmp, "w");
  fputs("[1, 2", fp);
  fclose(fp);
  ASSERT(rename(tmp, p) == 0);
  findings f;
  path_of(p, sizeof p, "meta", "");
  ASSERT_RC(verify(p, &f, NULL), PS_ERR_CORRUPT);
  ASSERT_EQ_INT(f.problems, 1);
  ASSERT(strstr(f.last_path, "pystore_metadata.json"));
  ASSERT_OK(ps_item_set_metadata(c, "B", "{\"ok\": 1}"));
  ASSERT_OK(verify(p, &f, NULL));
  /* a symlink planted in the collection is reported and not followed */
  char link[700];
  path_of(link, sizeof link, "meta", "c/planted");
  ASSERT(symlink("/", link) == 0);
  ps_verify_stats vs;
  ASSERT_RC(verify(p, &f, &vs), PS_ERR_CORRUPT);
  ASSERT(strstr(f.last_msg, "symbolic link"));
  ASSERT_EQ_INT(vs.items, 4);
  ps_collection_close(c);
  ps_store_close(st);
}

/* The CLI: exit 0 when clean, 1 with each problem's path on stdout, JSON report. */
static int run_cli(const char *args, const char *out) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "./pystore --path '%s' verify %s > '%s' 2>&1", base, args, out);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli(void) {
  ps_collection *c;
  ps_store *st = setup("cli", &c);
  ASSERT(st);
  char out[600], text[8192];
  snprintf(out, sizeof out, "%s/cli-out.txt", base);
  ASSERT_EQ_INT(run_cli("cli", out), 0);
  FILE *fp = fopen(out, "r");
  size_t n = fread(text, 1, sizeof text - 1, fp);
  fclose(fp);
  text[n] = 0;
  ASSERT(strstr(text, "4 items, 8 files") && strstr(text, "OK"));
  char part[600];
  path_of(part, sizeof part, "cli", "c/A/part.0.parquet");
  flip_byte(part, 30);
  ASSERT_EQ_INT(run_cli("cli/c/A --format json", out), 1);
  fp = fopen(out, "r");
  n = fread(text, 1, sizeof text - 1, fp);
  fclose(fp);
  text[n] = 0;
  ASSERT(strstr(text, "\"ok\": false"));
  ASSERT(strstr(text, "part.0.parquet"));
  ASSERT(strstr(text, "CRC-32 mismatch"));
  ASSERT_EQ_INT(run_cli("cli/nope", out), 1);
  ASSERT_EQ_INT(run_cli("--bogus", out), 2);
  ps_collection_close(c);
  ps_store_close(st);
}

int main(void) {
  mk_base(base, sizeof base, "verify");
  RUN(test_clean_store);
  RUN(test_damaged_page);
  RUN(test_stats_without_crc);
  RUN(test_manifest_problems);
  RUN(test_metadata_and_symlinks);
  RUN(test_cli);
  if (!test__failures) rm_base(base);
  TEST_MAIN_END();
}

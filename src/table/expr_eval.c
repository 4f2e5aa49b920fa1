/* Filter expressions: binding literals to column types, exact evaluation
 * with SQL three-valued logic, and pruning against column statistics.
 *
 * Evaluation model. A predicate is first "bound" to the column it names: the
 * literal is converted once into the column's own domain so that the per-row
 * work is a single typed comparison. For every integer-like column (ints,
 * bool, DATE, TIMESTAMP) any comparison with any literal reduces exactly to
 * one of  NONE | ALL | v == k | v != k | v <= k | v >= k  with k of the
 * column's C type (e.g. `i8 < 1000` -> ALL, `x > 2.5` -> x >= 3,
 * `ts_ms < '...00.0015'` -> ts_ms <= ...001). Floats compare in double
 * (exact for float32 too); an integer literal that is not a double becomes
 * the neighbouring doubles. Strings compare bytewise (memcmp, then length).
 *
 * Rows are evaluated in blocks of BLOCK rows into byte vectors holding a
 * Kleene truth value: 0 = false, 1 = unknown (NULL), 2 = true. AND is min,
 * OR is max, NOT is 2 - v; a row is selected when its value is 2. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/expr_internal.h"
#include "table/frame.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/timefmt.h"

#define BLOCK 8192 /* rows per evaluation block (multiple of 8) */

/* ======================================================================
 * Binding literals to column types
 * ==================================================================== */

/* Operations after binding. Integer-like columns only use NONE/ALL/EQ/NE/LE/GE. */
typedef enum kop { K_NONE, K_ALL, K_EQ, K_NE, K_LT, K_LE, K_GT, K_GE } kop;

typedef struct strref {
  const char *s;
  size_t len;
} strref;

typedef union kval {
  int64_t i;
  uint64_t u;
  double d;
  strref s;
} kval;

typedef enum dom { DOM_INT, DOM_UINT64, DOM_FLOAT, DOM_STRING } dom;

typedef struct leaf {
  dom d;
  kop op;       /* E_CMP */
  kval k;
  int negate;   /* E_IN */
  kval *set;    /* E_IN: sorted, exact members only */
  size_t nset;
} leaf;

static dom type_domain(ps_type t) {
  switch (t) {
    case PS_TYPE_UINT64: return DOM_UINT64;
    case PS_TYPE_FLOAT32:
    case PS_TYPE_FLOAT64: return DOM_FLOAT;
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY: return DOM_STRING;
    default: return DOM_INT;
  }
}

static void int_range(ps_type t, int64_t *lo, int64_t *hi) {
  switch (t) {
    case PS_TYPE_BOOL: *lo = 0; *hi = 1; return;
    case PS_TYPE_INT8: *lo = INT8_MIN; *hi = INT8_MAX; return;
    case PS_TYPE_INT16: *lo = INT16_MIN; *hi = INT16_MAX; return;
    case PS_TYPE_INT32:
    case PS_TYPE_DATE: *lo = INT32_MIN; *hi = INT32_MAX; return;
    case PS_TYPE_UINT8: *lo = 0; *hi = UINT8_MAX; return;
    case PS_TYPE_UINT16: *lo = 0; *hi = UINT16_MAX; return;
    case PS_TYPE_UINT32: *lo = 0; *hi = UINT32_MAX; return;
    default: *lo = INT64_MIN; *hi = INT64_MAX; return;
  }
}

/* floor(x) of a literal x, in a wide integer line:
 * cls -2: x < INT64_MIN; 0: floor in int64 (i); 1: floor in (INT64_MAX, UINT64_MAX] (u);
 * 2: x > UINT64_MAX. exact: x is that integer. nan: x is NaN. */
typedef struct wfloor {
  int cls, exact, nan;
  int64_t i;
  uint64_t u;
} wfloor;

static wfloor floor_of_double(double x) {
  wfloor w = {0, 0, 0, 0, 0};
  if (x != x) {
    w.nan = 1;
    return w;
  }
  double f = floor(x);
  w.exact = f == x;
  if (f < -9223372036854775808.0) w.cls = -2;
  else if (f < 9223372036854775808.0) w.i = (int64_t)f;
  else if (f < 18446744073709551616.0) {
    w.cls = 1;
    w.u = (uint64_t)f;
  } else w.cls = 2;
  return w;
}

/* ISO-8601 literal -> seconds since the epoch (UTC if a zone is given, else
 * naive) and nanoseconds [0, 1e9). Same syntax as ps_parse_timestamp_ns but
 * without its ns range limit (so seconds columns work for any year). */
static int parse_iso(const char *s, size_t len, int64_t *secs, int64_t *nanos) {
  size_t p = 0;
  int neg = 0;
  int v[6] = {0, 0, 0, 0, 0, 0};
  if (p < len && (s[p] == '-' || s[p] == '+')) neg = s[p++] == '-';
  static const int width[] = {4, 2, 2};
  for (int k = 0; k < 3; k++) {
    if (k && (p >= len || s[p++] != '-')) return -1;
    for (int d = 0; d < width[k]; d++) {
      if (p >= len || s[p] < '0' || s[p] > '9') return -1;
      v[k] = v[k] * 10 + (s[p++] - '0');
    }
  }
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t y = neg ? -(int64_t)v[0] : v[0];
  if (v[1] < 1 || v[1] > 12 || v[2] < 1) return -1;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (v[2] > dm[v[1] - 1] + (v[1] == 2 && leap)) return -1;
  int64_t frac = 0, off = 0;
  if (p < len && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    p++;
    for (int k = 3; k < 6; k++) {
      if (k > 3) {
        if (k == 5 && (p >= len || s[p] != ':')) break; /* seconds optional */
        if (p >= len || s[p++] != ':') return -1;
      }
      for (int d = 0; d < 2; d++) {
        if (p >= len || s[p] < '0' || s[p] > '9') return -1;
        v[k] = v[k] * 10 + (s[p++] - '0');
      }
      if (k == 5 && p < len && (s[p] == '.' || s[p] == ',')) {
        p++;
        int nd = 0;
        while (p < len && s[p] >= '0' && s[p] <= '9') {
          if (nd < 9) frac = frac * 10 + (s[p] - '0');
          else if (s[p] != '0') return -1; /* below a nanosecond */
          nd++;
          p++;
        }
        if (nd == 0) return -1;
        for (; nd < 9; nd++) frac *= 10;
      }
    }
    if (v[3] > 23 || v[4] > 59 || v[5] > 59) return -1;
    if (p < len) {
      if (s[p] == 'Z' || s[p] == 'z') {
        p++;
      } else if (s[p] == '+' || s[p] == '-') {
        int sign = s[p++] == '-' ? -1 : 1, oh = 0, om = 0;
        for (int d = 0; d < 2; d++) {
          if (p >= len || s[p] < '0' || s[p] > '9') return -1;
          oh = oh * 10 + (s[p++] - '0');
        }
        if (p < len && s[p] == ':') p++;
        if (p < len) {
          for (int d = 0; d < 2; d++) {
            if (p >= len || s[p] < '0' || s[p] > '9') return -1;
            om = om * 10 + (s[p++] - '0');
          }
        }
        if (oh > 23 || om > 59) return -1;
        off = sign * (oh * 3600 + om * 60);
      }
    }
  }
  if (p != len) return -1;
  int64_t days = ps_days_from_civil(y, (unsigned)v[1], (unsigned)v[2]);
  *secs = days * 86400 + v[3] * 3600 + v[4] * 60 + v[5] - off;
  *nanos = frac;
  return 0;
}

typedef struct bind_ctx {
  const char *column;
  ps_type type;
  ps_time_unit unit;
  const char *type_desc; /* "timestamp[ms, UTC]" */
} bind_ctx;

static const char *value_kind_name(ps_value_kind k) {
  switch (k) {
    case PS_VALUE_INT:
    case PS_VALUE_UINT: return "integer";
    case PS_VALUE_DOUBLE: return "float";
    case PS_VALUE_BOOL: return "boolean";
    default: return "string";
  }
}

static int bind_error(const bind_ctx *c, const ps_value *v, const char *why) {
  ps_buf b;
  memset(&b, 0, sizeof b);
  const char *lit = "?";
  if (ps__expr_print_value(&b, v) == PS_OK && ps_buf_terminate(&b) == PS_OK) lit = (const char *)b.data;
  int rc = ps__error(PS_ERR_SCHEMA, "filter: column '%s' (%s) cannot be compared with %s literal %.200s%s%s", c->column,
                     c->type_desc, value_kind_name(v->kind), lit, why ? ": " : "", why ? why : "");
  ps_buf_free(&b);
  return rc;
}

/* Literal -> floor in the integer line of an integer-like column. */
static int int_literal(const bind_ctx *c, const ps_value *v, wfloor *w) {
  memset(w, 0, sizeof *w);
  w->exact = 1;
  ps_type t = c->type;
  if (t == PS_TYPE_BOOL) {
    if (v->kind != PS_VALUE_BOOL) return bind_error(c, v, "use true or false");
    w->i = v->i != 0;
    return PS_OK;
  }
  /* An integer literal is a raw count in the column's own unit (days for
   * DATE), which is what C callers holding int64 timestamps have. */
  if ((t == PS_TYPE_DATE || t == PS_TYPE_TIMESTAMP) && v->kind != PS_VALUE_INT && v->kind != PS_VALUE_UINT) {
    if (v->kind != PS_VALUE_STRING)
      return bind_error(c, v, "use an ISO-8601 string such as '2024-01-02T09:30:00' or an integer in the column's unit");
    int64_t secs, nanos;
    if (parse_iso(v->s, v->len, &secs, &nanos) < 0) return bind_error(c, v, "not a valid ISO-8601 date/timestamp");
    if (t == PS_TYPE_DATE) {
      int64_t q = secs / 86400, r = secs % 86400;
      if (r < 0) {
        r += 86400;
        q--;
      }
      w->i = q;
      w->exact = r == 0 && nanos == 0;
      return PS_OK;
    }
    int64_t per = ps_unit_per_second(c->unit);
    int64_t sub = nanos / (1000000000 / per);
    w->exact = nanos % (1000000000 / per) == 0;
    int64_t q = INT64_MIN / per; /* q * per >= INT64_MIN > (q - 1) * per */
    if (secs > INT64_MAX / per || (secs == INT64_MAX / per && secs * per > INT64_MAX - sub)) w->cls = 2;
    else if (secs >= q) w->i = secs * per + sub;
    else if (secs == q - 1 && q * per - INT64_MIN >= per - sub) w->i = q * per - (per - sub);
    else w->cls = -2;
    return PS_OK;
  }
  switch (v->kind) {
    case PS_VALUE_INT: w->i = v->i; return PS_OK;
    case PS_VALUE_UINT:
      if (v->u <= (uint64_t)INT64_MAX) w->i = (int64_t)v->u;
      else {
        w->cls = 1;
        w->u = v->u;
      }
      return PS_OK;
    case PS_VALUE_DOUBLE: *w = floor_of_double(v->d); return PS_OK;
    default: return bind_error(c, v, NULL);
  }
}

/* Position of a floor relative to the column's integer domain. */
enum { POS_BELOW = -1, POS_IN = 0, POS_ABOVE = 1 };

/* Integer domain: `k` receives the floor within the domain (as i, or u for
 * UINT64). Returns POS_*. A non-exact floor equal to the domain max means
 * the literal lies above every representable value. */
static int locate(ps_type t, const wfloor *w, kval *k) {
  if (t == PS_TYPE_UINT64) {
    if (w->cls == -2 || (w->cls == 0 && w->i < 0)) return POS_BELOW;
    if (w->cls == 2) return POS_ABOVE;
    k->u = w->cls == 0 ? (uint64_t)w->i : w->u;
    if (k->u == UINT64_MAX && !w->exact) return POS_ABOVE;
    return POS_IN;
  }
  int64_t lo, hi;
  int_range(t, &lo, &hi);
  if (w->cls == -2 || (w->cls == 0 && w->i < lo)) return POS_BELOW;
  if (w->cls > 0 || w->i > hi || (w->i == hi && !w->exact)) return POS_ABOVE;
  k->i = w->i;
  return POS_IN;
}

static int bind_int_cmp(const bind_ctx *c, ps_op op, const ps_value *v, leaf *L) {
  wfloor w;
  PS_TRY(int_literal(c, v, &w));
  if (w.nan) {
    L->op = op == PS_OP_NE ? K_ALL : K_NONE;
    return PS_OK;
  }
  kval k = {0};
  int pos = locate(c->type, &w, &k);
  int u64 = c->type == PS_TYPE_UINT64;
  int64_t lo, hi;
  int_range(c->type, &lo, &hi);
  /* is k the domain minimum / maximum? */
  int at_min = u64 ? k.u == 0 : k.i == lo;
  int at_max = u64 ? k.u == UINT64_MAX : k.i == hi;
  L->k = k;
  switch (op) {
    case PS_OP_EQ: L->op = pos == POS_IN && w.exact ? K_EQ : K_NONE; break;
    case PS_OP_NE: L->op = pos == POS_IN && w.exact ? K_NE : K_ALL; break;
    case PS_OP_LT:
      if (pos != POS_IN) L->op = pos == POS_BELOW ? K_NONE : K_ALL;
      else if (!w.exact) L->op = K_LE;
      else if (at_min) L->op = K_NONE;
      else {
        L->op = K_LE;
        if (u64) L->k.u--; else L->k.i--;
      }
      break;
    case PS_OP_LE:
      L->op = pos == POS_BELOW ? K_NONE : pos == POS_ABOVE ? K_ALL : K_LE;
      break;
    case PS_OP_GT:
      if (pos != POS_IN) L->op = pos == POS_BELOW ? K_ALL : K_NONE;
      else if (at_max) L->op = K_NONE;
      else {
        L->op = K_GE;
        if (u64) L->k.u++; else L->k.i++;
      }
      break;
    case PS_OP_GE:
      if (pos != POS_IN) L->op = pos == POS_BELOW ? K_ALL : K_NONE;
      else if (w.exact) L->op = K_GE;
      else if (at_max) L->op = K_NONE;
      else {
        L->op = K_GE;
        if (u64) L->k.u++; else L->k.i++;
      }
      break;
    default: return ps__error(PS_ERR_INTERNAL, "filter: bad operator");
  }
  /* v <= max and v >= min hold for every row */
  if (L->op == K_LE && (u64 ? L->k.u == UINT64_MAX : L->k.i == hi)) L->op = K_ALL;
  if (L->op == K_GE && (u64 ? L->k.u == 0 : L->k.i == lo)) L->op = K_ALL;
  return PS_OK;
}

/* An integer literal as a double: exact (lo == hi == the value), or the two
 * neighbouring doubles lo < value < hi. */
static void int_to_double_bounds(const ps_value *v, double *lo, double *hi) {
  if (v->kind == PS_VALUE_INT) {
    double d = (double)v->i;
    if (d >= 9223372036854775808.0) { /* rounded up past INT64_MAX */
      *hi = d;
      *lo = nextafter(d, -INFINITY);
      return;
    }
    int64_t back = (int64_t)d;
    if (back == v->i) *lo = *hi = d;
    else if (back < v->i) {
      *lo = d;
      *hi = nextafter(d, INFINITY);
    } else {
      *hi = d;
      *lo = nextafter(d, -INFINITY);
    }
  } else {
    double d = (double)v->u;
    if (d >= 18446744073709551616.0) {
      *hi = d;
      *lo = nextafter(d, -INFINITY);
      return;
    }
    uint64_t back = (uint64_t)d;
    if (back == v->u) *lo = *hi = d;
    else if (back < v->u) {
      *lo = d;
      *hi = nextafter(d, INFINITY);
    } else {
      *hi = d;
      *lo = nextafter(d, -INFINITY);
    }
  }
}

static int bind_float_cmp(const bind_ctx *c, ps_op op, const ps_value *v, leaf *L) {
  static const kop direct[] = {K_NONE, K_EQ, K_NE, K_LT, K_LE, K_GT, K_GE};
  if (v->kind == PS_VALUE_DOUBLE) {
    L->op = direct[op];
    L->k.d = v->d;
    return PS_OK;
  }
  if (v->kind != PS_VALUE_INT && v->kind != PS_VALUE_UINT) return bind_error(c, v, NULL);
  double lo, hi;
  int_to_double_bounds(v, &lo, &hi);
  if (lo == hi) {
    L->op = direct[op];
    L->k.d = lo;
    return PS_OK;
  }
  switch (op) {
    case PS_OP_EQ: L->op = K_NONE; break;
    case PS_OP_NE: L->op = K_ALL; break;
    case PS_OP_LT:
    case PS_OP_LE: L->op = K_LE; L->k.d = lo; break;
    default: L->op = K_GE; L->k.d = hi; break;
  }
  return PS_OK;
}

static int cmp_str(const char *a, size_t an, const char *b, size_t bn) {
  size_t m = an < bn ? an : bn;
  int r = m ? memcmp(a, b, m) : 0;
  if (r) return r < 0 ? -1 : 1;
  return an < bn ? -1 : an > bn;
}

static int bind_cmp(const bind_ctx *c, ps_op op, const ps_value *v, leaf *L) {
  L->d = type_domain(c->type);
  switch (L->d) {
    case DOM_FLOAT: return bind_float_cmp(c, op, v, L);
    case DOM_STRING: {
      static const kop direct[] = {K_NONE, K_EQ, K_NE, K_LT, K_LE, K_GT, K_GE};
      if (v->kind != PS_VALUE_STRING) return bind_error(c, v, "quote the value");
      L->op = direct[op];
      L->k.s.s = v->s;
      L->k.s.len = v->len;
      return PS_OK;
    }
    default: return bind_int_cmp(c, op, v, L);
  }
}

static int kcmp_i(const void *a, const void *b) {
  int64_t x = ((const kval *)a)->i, y = ((const kval *)b)->i;
  return x < y ? -1 : x > y;
}
static int kcmp_u(const void *a, const void *b) {
  uint64_t x = ((const kval *)a)->u, y = ((const kval *)b)->u;
  return x < y ? -1 : x > y;
}
static int kcmp_d(const void *a, const void *b) {
  double x = ((const kval *)a)->d, y = ((const kval *)b)->d;
  return x < y ? -1 : x > y;
}
static int kcmp_s(const void *a, const void *b) {
  const strref *x = &((const kval *)a)->s, *y = &((const kval *)b)->s;
  return cmp_str(x->s, x->len, y->s, y->len);
}

static int bind_in(const bind_ctx *c, const ps_expr *e, leaf *L) {
  L->d = type_domain(c->type);
  L->negate = e->negate;
  L->set = ps__calloc(e->nvals ? e->nvals : 1, sizeof *L->set);
  if (!L->set) return PS_NOMEM();
  size_t n = 0;
  for (size_t i = 0; i < e->nvals; i++) {
    const ps_value *v = &e->vals[i];
    switch (L->d) {
      case DOM_STRING:
        if (v->kind != PS_VALUE_STRING) return bind_error(c, v, "quote the value");
        L->set[n].s.s = v->s;
        L->set[n++].s.len = v->len;
        break;
      case DOM_FLOAT:
        if (v->kind == PS_VALUE_DOUBLE) {
          if (v->d == v->d) L->set[n++].d = v->d; /* NaN equals nothing */
        } else if (v->kind == PS_VALUE_INT || v->kind == PS_VALUE_UINT) {
          double lo, hi;
          int_to_double_bounds(v, &lo, &hi);
          if (lo == hi) L->set[n++].d = lo;
        } else {
          return bind_error(c, v, NULL);
        }
        break;
      default: {
        wfloor w;
        PS_TRY(int_literal(c, v, &w));
        kval k;
        if (!w.nan && w.exact && locate(c->type, &w, &k) == POS_IN) L->set[n++] = k;
        break;
      }
    }
  }
  int (*cmp)(const void *, const void *) =
      L->d == DOM_STRING ? kcmp_s : L->d == DOM_FLOAT ? kcmp_d : L->d == DOM_UINT64 ? kcmp_u : kcmp_i;
  if (n > 1) qsort(L->set, n, sizeof *L->set, cmp);
  /* dedupe */
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (m == 0 || cmp(&L->set[m - 1], &L->set[i]) != 0) L->set[m++] = L->set[i];
  L->nset = m;
  return PS_OK;
}

static int bind_leaf(const ps_expr *e, const bind_ctx *c, leaf *L) {
  memset(L, 0, sizeof *L);
  if (e->kind == E_CMP) return bind_cmp(c, e->op, &e->vals[0], L);
  if (e->kind == E_IN) return bind_in(c, e, L);
  L->negate = e->negate;
  return PS_OK;
}

/* ======================================================================
 * Statistics pruning
 * ==================================================================== */

/* Lower-bound search helpers over a sorted set: any member in [lo, hi]? */
static int set_any_in_range(const leaf *L, const kval *lo, const kval *hi) {
  size_t a = 0, b = L->nset;
  while (a < b) { /* first member >= lo */
    size_t m = (a + b) / 2;
    int less;
    switch (L->d) {
      case DOM_UINT64: less = L->set[m].u < lo->u; break;
      case DOM_FLOAT: less = L->set[m].d < lo->d; break;
      case DOM_STRING: less = kcmp_s(&L->set[m], lo) < 0; break;
      default: less = L->set[m].i < lo->i; break;
    }
    if (less) a = m + 1;
    else b = m;
  }
  if (a == L->nset) return 0;
  switch (L->d) {
    case DOM_UINT64: return L->set[a].u <= hi->u;
    case DOM_FLOAT: return L->set[a].d <= hi->d;
    case DOM_STRING: return kcmp_s(&L->set[a], hi) <= 0;
    default: return L->set[a].i <= hi->i;
  }
}

/* Three-way compare of a statistics bound with a bound constant. */
static int cmp_k(dom d, const kval *a, const kval *b) {
  switch (d) {
    case DOM_UINT64: return a->u < b->u ? -1 : a->u > b->u;
    case DOM_STRING: return kcmp_s(a, b);
    default: return a->i < b->i ? -1 : a->i > b->i;
  }
}

/* Leaf: can some row be TRUE (*t), can some row be FALSE (*f)? Overestimates
 * are always safe: AND/OR/NOT are monotone in these flags. */
static int leaf_stats(const ps_expr *e, ps_stats_fn stats, void *ctx, int *t, int *f) {
  ps_col_stats st;
  memset(&st, 0, sizeof st);
  *t = *f = 1;
  int r = stats(ctx, e->column, &st);
  if (r < 0) return r;
  if (r == 0) return PS_OK;
  int some_null = st.null_count < 0 || st.null_count > 0;
  int all_null = st.null_count >= 0 && st.null_count >= st.num_values;
  if (e->kind == E_NULL) {
    int is_t = some_null, is_f = !all_null;
    *t = e->negate ? is_f : is_t;
    *f = e->negate ? is_t : is_f;
    return PS_OK;
  }
  if (all_null) { /* every comparison is unknown */
    *t = *f = 0;
    return PS_OK;
  }
  char desc[96];
  snprintf(desc, sizeof desc, "%s", ps_type_name(st.type));
  bind_ctx c = {e->column, st.type, st.unit, desc};
  leaf L;
  int rc = bind_leaf(e, &c, &L);
  if (rc < 0) {
    ps__free_mem(L.set);
    return rc;
  }
  if (!st.has_min_max) {
    if (e->kind == E_CMP && L.op == K_NONE) *t = 0;
    if (e->kind == E_CMP && L.op == K_ALL) *f = 0;
    ps__free_mem(L.set);
    return PS_OK;
  }
  kval mn, mx;
  memset(&mn, 0, sizeof mn);
  memset(&mx, 0, sizeof mx);
  switch (L.d) {
    case DOM_UINT64: mn.u = st.min.u; mx.u = st.max.u; break;
    case DOM_FLOAT: mn.d = st.min.d; mx.d = st.max.d; break;
    case DOM_STRING:
      mn.s.s = st.min_s; mn.s.len = st.min_len;
      mx.s.s = st.max_s; mx.s.len = st.max_len;
      break;
    default: mn.i = st.min.i; mx.i = st.max.i; break;
  }
  if (L.d == DOM_FLOAT) {
    /* stats exclude NaN: a NaN row makes EQ/LT/.. false and NE true */
    double lo = mn.d, hi = mx.d, k = L.k.d;
    if (e->kind == E_IN) {
      int any = set_any_in_range(&L, &mn, &mx);
      *t = L.negate ? 1 : any;
      *f = L.negate ? any : 1;
    } else {
      switch (L.op) {
        case K_NONE: *t = 0; break;
        case K_ALL: *f = 0; break;
        case K_EQ: *t = lo <= k && k <= hi; break;
        case K_NE: *f = lo <= k && k <= hi; break;
        case K_LT: *t = lo < k; break;
        case K_LE: *t = lo <= k; break;
        case K_GT: *t = hi > k; break;
        case K_GE: *t = hi >= k; break;
      }
    }
  } else {
    if (e->kind == E_IN) {
      int any = set_any_in_range(&L, &mn, &mx);
      int single = 0;
      if (cmp_k(L.d, &mn, &mx) == 0 && L.nset) single = set_any_in_range(&L, &mn, &mn);
      *t = L.negate ? !single : any;
      *f = L.negate ? any : !single;
    } else {
      int lo_k = cmp_k(L.d, &mn, &L.k), hi_k = cmp_k(L.d, &mx, &L.k);
      int all_eq = lo_k == 0 && hi_k == 0;
      switch (L.op) {
        case K_NONE: *t = 0; break;
        case K_ALL: *f = 0; break;
        case K_EQ: *t = lo_k <= 0 && hi_k >= 0; *f = !all_eq; break;
        case K_NE: *t = !all_eq; *f = lo_k <= 0 && hi_k >= 0; break;
        case K_LT: *t = lo_k < 0; *f = hi_k >= 0; break;
        case K_LE: *t = lo_k <= 0; *f = hi_k > 0; break;
        case K_GT: *t = hi_k > 0; *f = lo_k <= 0; break;
        case K_GE: *t = hi_k >= 0; *f = lo_k < 0; break;
      }
    }
  }
  ps__free_mem(L.set);
  return PS_OK;
}

static int may(const ps_expr *e, ps_stats_fn stats, void *ctx, int *t, int *f) {
  switch (e->kind) {
    case E_AND:
    case E_OR: {
      int and = e->kind == E_AND;
      int tt = and, ff = !and;
      for (size_t i = 0; i < e->nkids; i++) {
        int a, b;
        PS_TRY(may(e->kids[i], stats, ctx, &a, &b));
        if (and) {
          tt = tt && a;
          ff = ff || b;
        } else {
          tt = tt || a;
          ff = ff && b;
        }
      }
      *t = tt;
      *f = ff;
      return PS_OK;
    }
    case E_NOT: {
      int a, b;
      PS_TRY(may(e->kids[0], stats, ctx, &a, &b));
      *t = b;
      *f = a;
      return PS_OK;
    }
    default: return leaf_stats(e, stats, ctx, t, f);
  }
}

int ps__expr_may_match(const ps_expr *e, ps_stats_fn stats, void *ctx) {
  if (!e || !stats) return ps__error(PS_ERR_INVALID, "ps__expr_may_match: NULL argument");
  int t, f;
  PS_TRY(may(e, stats, ctx, &t, &f));
  return t;
}

/* ======================================================================
 * Evaluation
 * ==================================================================== */

typedef struct bnode {
  int kind;
  const ps_column *col;
  leaf L;
  struct bnode *kids;
  size_t nkids;
} bnode;

static void bnode_free(bnode *b) {
  for (size_t i = 0; i < b->nkids; i++) bnode_free(&b->kids[i]);
  ps__free_mem(b->kids);
  ps__free_mem(b->L.set);
}

static int bind_tree(const ps_expr *e, const ps_frame *f, int check_rows, bnode *b) {
  memset(b, 0, sizeof *b);
  b->kind = e->kind;
  if (e->kind == E_AND || e->kind == E_OR || e->kind == E_NOT) {
    b->kids = ps__calloc(e->nkids, sizeof *b->kids);
    if (!b->kids) return PS_NOMEM();
    for (size_t i = 0; i < e->nkids; i++) {
      b->nkids = i + 1;
      PS_TRY(bind_tree(e->kids[i], f, check_rows, &b->kids[i]));
    }
    return PS_OK;
  }
  const ps_column *col = ps_frame_column_by_name(f, e->column);
  if (!col) return ps__error(PS_ERR_NOT_FOUND, "filter: no column named '%s'", e->column);
  if (check_rows && col->length != f->nrows)
    return ps__error(PS_ERR_INVALID, "filter: column '%s' has %lld rows, the frame %lld (call ps_frame_validate)",
                     e->column, (long long)col->length, (long long)f->nrows);
  b->col = col;
  char desc[160];
  ps__column_type_string(col, desc, sizeof desc);
  bind_ctx c = {e->column, col->type, col->unit, desc};
  return bind_leaf(e, &c, &b->L);
}

/* --- kernels: out[i] = 2 (true) or 0 (false); nulls patched afterwards --- */

#define LOOP(COND)                                           \
  for (int64_t i = 0; i < n; i++) out[i] = (uint8_t)((uint8_t)(COND) << 1)

#define DEF_INT_CMP(NAME, T)                                                                 \
  static void NAME(const void *vals, int64_t n, kop op, T k, uint8_t *out) {                 \
    const T *v = (const T *)vals;                                                            \
    switch (op) {                                                                            \
      case K_EQ: LOOP(v[i] == k); break;                                                     \
      case K_NE: LOOP(v[i] != k); break;                                                     \
      case K_LE: LOOP(v[i] <= k); break;                                                     \
      case K_GE: LOOP(v[i] >= k); break;                                                     \
      case K_ALL: memset(out, 2, (size_t)n); break;                                          \
      default: memset(out, 0, (size_t)n); break;                                             \
    }                                                                                        \
  }
DEF_INT_CMP(cmp_i8, int8_t)
DEF_INT_CMP(cmp_i16, int16_t)
DEF_INT_CMP(cmp_i32, int32_t)
DEF_INT_CMP(cmp_i64, int64_t)
DEF_INT_CMP(cmp_u8, uint8_t)
DEF_INT_CMP(cmp_u16, uint16_t)
DEF_INT_CMP(cmp_u32, uint32_t)
DEF_INT_CMP(cmp_u64, uint64_t)

#define DEF_FLOAT_CMP(NAME, T)                                                               \
  static void NAME(const void *vals, int64_t n, kop op, double k, uint8_t *out) {            \
    const T *v = (const T *)vals;                                                            \
    switch (op) {                                                                            \
      case K_EQ: LOOP((double)v[i] == k); break;                                             \
      case K_NE: LOOP((double)v[i] != k); break;                                             \
      case K_LT: LOOP((double)v[i] < k); break;                                              \
      case K_LE: LOOP((double)v[i] <= k); break;                                             \
      case K_GT: LOOP((double)v[i] > k); break;                                              \
      case K_GE: LOOP((double)v[i] >= k); break;                                             \
      case K_ALL: memset(out, 2, (size_t)n); break;                                          \
      default: memset(out, 0, (size_t)n); break;                                             \
    }                                                                                        \
  }
DEF_FLOAT_CMP(cmp_f32, float)
DEF_FLOAT_CMP(cmp_f64, double)

static void cmp_string(const ps_column *c, int64_t start, int64_t n, kop op, strref k, uint8_t *out) {
  const int64_t *off = (const int64_t *)c->values + start;
  const char *bytes = c->bytes ? c->bytes : ""; /* no buffer when every value is null or empty */
  switch (op) {
    case K_EQ:
      LOOP((size_t)(off[i + 1] - off[i]) == k.len && (k.len == 0 || memcmp(bytes + off[i], k.s, k.len) == 0));
      break;
    case K_NE:
      LOOP(!((size_t)(off[i + 1] - off[i]) == k.len && (k.len == 0 || memcmp(bytes + off[i], k.s, k.len) == 0)));
      break;
    case K_ALL: memset(out, 2, (size_t)n); break;
    case K_NONE: memset(out, 0, (size_t)n); break;
    default:
      for (int64_t i = 0; i < n; i++) {
        int r = cmp_str(bytes + off[i], (size_t)(off[i + 1] - off[i]), k.s, k.len);
        int m = op == K_LT ? r < 0 : op == K_LE ? r <= 0 : op == K_GT ? r > 0 : r >= 0;
        out[i] = (uint8_t)(m ? 2 : 0);
      }
      break;
  }
}

/* IN over a sorted set: linear scan for small sets, binary search otherwise. */
#define DEF_INT_IN(NAME, T, FIELD, KT)                                                       \
  static void NAME(const void *vals, int64_t n, const kval *set, size_t ns, uint8_t hit,    \
                   uint8_t *out) {                                                           \
    const T *v = (const T *)vals;                                                            \
    uint8_t miss = (uint8_t)(2 - hit);                                                       \
    if (ns <= 16) { /* small sets: branchless scan */                                        \
      KT s_[16];                                                                             \
      for (size_t j = 0; j < ns; j++) s_[j] = set[j].FIELD;                                  \
      for (int64_t i = 0; i < n; i++) {                                                      \
        KT x = (KT)v[i];                                                                     \
        int f_ = 0;                                                                          \
        for (size_t j = 0; j < ns; j++) f_ |= s_[j] == x;                                    \
        out[i] = f_ ? hit : miss;                                                            \
      }                                                                                      \
      return;                                                                                \
    }                                                                                        \
    for (int64_t i = 0; i < n; i++) {                                                        \
      KT x = (KT)v[i];                                                                       \
      size_t a = 0, b = ns;                                                                  \
      while (a < b) {                                                                        \
        size_t m = (a + b) >> 1;                                                             \
        if (set[m].FIELD < x) a = m + 1;                                                     \
        else b = m;                                                                          \
      }                                                                                      \
      out[i] = a < ns && set[a].FIELD == x ? hit : miss;                                     \
    }                                                                                        \
  }
DEF_INT_IN(in_i8, int8_t, i, int64_t)
DEF_INT_IN(in_i16, int16_t, i, int64_t)
DEF_INT_IN(in_i32, int32_t, i, int64_t)
DEF_INT_IN(in_i64, int64_t, i, int64_t)
DEF_INT_IN(in_u8, uint8_t, i, int64_t)
DEF_INT_IN(in_u16, uint16_t, i, int64_t)
DEF_INT_IN(in_u32, uint32_t, i, int64_t)
DEF_INT_IN(in_u64, uint64_t, u, uint64_t)
DEF_INT_IN(in_f32, float, d, double)
DEF_INT_IN(in_f64, double, d, double)

static void in_string(const ps_column *c, int64_t start, int64_t n, const kval *set, size_t ns, uint8_t hit,
                      uint8_t *out) {
  const int64_t *off = (const int64_t *)c->values + start;
  uint8_t miss = (uint8_t)(2 - hit);
  const char *bytes = c->bytes ? c->bytes : ""; /* no buffer when every value is null or empty */
  for (int64_t i = 0; i < n; i++) {
    const char *s = bytes + off[i];
    size_t len = (size_t)(off[i + 1] - off[i]);
    size_t a = 0, b = ns;
    while (a < b) {
      size_t m = (a + b) >> 1;
      if (cmp_str(set[m].s.s, set[m].s.len, s, len) < 0) a = m + 1;
      else b = m;
    }
    out[i] = a < ns && cmp_str(set[a].s.s, set[a].s.len, s, len) == 0 ? hit : miss;
  }
}

/* Set out[i] = v for null rows in [start, start+n); start is a multiple of 8. */
static void patch_nulls(const ps_column *c, int64_t start, int64_t n, uint8_t v, uint8_t *out) {
  if (!c->validity || c->null_count == 0) return;
  const uint8_t *bm = c->validity + (start >> 3);
  for (int64_t j = 0; j * 8 < n; j++) {
    uint8_t byte = bm[j];
    if (byte == 0xFF) continue;
    int64_t lim = n - j * 8 < 8 ? n - j * 8 : 8;
    for (int64_t b = 0; b < lim; b++)
      if (!((byte >> b) & 1)) out[j * 8 + b] = v;
  }
}

static void eval_leaf(const bnode *b, int64_t start, int64_t n, uint8_t *out) {
  const ps_column *c = b->col;
  const leaf *L = &b->L;
  if (b->kind == E_NULL) {
    memset(out, L->negate ? 2 : 0, (size_t)n);
    patch_nulls(c, start, n, L->negate ? 0 : 2, out);
    return;
  }
  if (b->kind == E_IN) {
    uint8_t hit = L->negate ? 0 : 2;
    if (L->nset == 0) {
      memset(out, 2 - hit, (size_t)n);
    } else {
      switch (c->type) {
        case PS_TYPE_BOOL:
        case PS_TYPE_UINT8: in_u8((const uint8_t *)c->values + start, n, L->set, L->nset, hit, out); break;
        case PS_TYPE_INT8: in_i8((const int8_t *)c->values + start, n, L->set, L->nset, hit, out); break;
        case PS_TYPE_INT16: in_i16((const int16_t *)c->values + start, n, L->set, L->nset, hit, out); break;
        case PS_TYPE_UINT16: in_u16((const uint16_t *)c->values + start, n, L->set, L->nset, hit, out); break;
        case PS_TYPE_INT32:
        case PS_TYPE_DATE: in_i32((const int32_t *)c->values + start, n, L->set, L->nset, hit, out); break;
        case PS_TYPE_UINT32: in_u32((const uint32_t *)c->values + start, n, L->set, L->nset, hit, out); break;
        case PS_TYPE_INT64:
        case PS_TYPE_TIMESTAMP: in_i64((const int64_t *)c->values + start, n, L->set, L->nset, hit, out); break;
        case PS_TYPE_UINT64: in_u64((const uint64_t *)c->values + start, n, L->set, L->nset, hit, out); break;
        case PS_TYPE_FLOAT32: in_f32((const float *)c->values + start, n, L->set, L->nset, hit, out); break;
        case PS_TYPE_FLOAT64: in_f64((const double *)c->values + start, n, L->set, L->nset, hit, out); break;
        default: in_string(c, start, n, L->set, L->nset, hit, out); break;
      }
    }
    patch_nulls(c, start, n, 1, out);
    return;
  }
  int64_t k = L->k.i;
  switch (c->type) {
    case PS_TYPE_BOOL:
    case PS_TYPE_UINT8: cmp_u8((const uint8_t *)c->values + start, n, L->op, (uint8_t)k, out); break;
    case PS_TYPE_INT8: cmp_i8((const int8_t *)c->values + start, n, L->op, (int8_t)k, out); break;
    case PS_TYPE_INT16: cmp_i16((const int16_t *)c->values + start, n, L->op, (int16_t)k, out); break;
    case PS_TYPE_UINT16: cmp_u16((const uint16_t *)c->values + start, n, L->op, (uint16_t)k, out); break;
    case PS_TYPE_INT32:
    case PS_TYPE_DATE: cmp_i32((const int32_t *)c->values + start, n, L->op, (int32_t)k, out); break;
    case PS_TYPE_UINT32: cmp_u32((const uint32_t *)c->values + start, n, L->op, (uint32_t)k, out); break;
    case PS_TYPE_INT64:
    case PS_TYPE_TIMESTAMP: cmp_i64((const int64_t *)c->values + start, n, L->op, k, out); break;
    case PS_TYPE_UINT64: cmp_u64((const uint64_t *)c->values + start, n, L->op, L->k.u, out); break;
    case PS_TYPE_FLOAT32: cmp_f32((const float *)c->values + start, n, L->op, L->k.d, out); break;
    case PS_TYPE_FLOAT64: cmp_f64((const double *)c->values + start, n, L->op, L->k.d, out); break;
    default: cmp_string(c, start, n, L->op, L->k.s, out); break;
  }
  patch_nulls(c, start, n, 1, out);
}

static int all_equal(const uint8_t *v, int64_t n, uint8_t x) {
  uint8_t acc = 0;
  for (int64_t i = 0; i < n; i++) acc |= (uint8_t)(v[i] ^ x);
  return acc == 0;
}

/* scratch: one BLOCK-sized buffer per tree level */
static void eval_node(const bnode *b, int64_t start, int64_t n, uint8_t *out, uint8_t *scratch) {
  switch (b->kind) {
    case E_AND:
    case E_OR: {
      int and = b->kind == E_AND;
      uint8_t stop = and ? 0 : 2;
      eval_node(&b->kids[0], start, n, out, scratch + BLOCK);
      for (size_t k = 1; k < b->nkids; k++) {
        if (all_equal(out, n, stop)) break; /* the rest cannot change the block */
        eval_node(&b->kids[k], start, n, scratch, scratch + BLOCK);
        if (and)
          for (int64_t i = 0; i < n; i++) out[i] = out[i] < scratch[i] ? out[i] : scratch[i];
        else
          for (int64_t i = 0; i < n; i++) out[i] = out[i] > scratch[i] ? out[i] : scratch[i];
      }
      return;
    }
    case E_NOT:
      eval_node(&b->kids[0], start, n, out, scratch);
      for (int64_t i = 0; i < n; i++) out[i] = (uint8_t)(2 - out[i]);
      return;
    default: eval_leaf(b, start, n, out); return;
  }
}

static int tree_depth(const ps_expr *e) { return e->depth; }

int ps__expr_eval(const ps_expr *e, const ps_frame *f, uint8_t *sel) {
  if (!e || !f || (!sel && f->nrows)) return ps__error(PS_ERR_INVALID, "ps__expr_eval: NULL argument");
  bnode root;
  int rc = bind_tree(e, f, 1, &root);
  if (rc < 0) {
    bnode_free(&root);
    return rc;
  }
  int64_t nrows = f->nrows;
  uint8_t *scratch = NULL;
  if (nrows > 0) {
    scratch = ps__malloc((size_t)(tree_depth(e) + 1) * BLOCK);
    if (!scratch) {
      bnode_free(&root);
      return PS_NOMEM();
    }
  }
  for (int64_t start = 0; start < nrows; start += BLOCK) {
    int64_t n = nrows - start < BLOCK ? nrows - start : BLOCK;
    uint8_t *out = sel + start;
    eval_node(&root, start, n, out, scratch);
    for (int64_t i = 0; i < n; i++) out[i] = (uint8_t)(out[i] >> 1);
  }
  ps__free_mem(scratch);
  bnode_free(&root);
  return PS_OK;
}

int ps__expr_bind_check(const ps_expr *e, const ps_frame *schema) {
  if (!e || !schema) return ps__error(PS_ERR_INVALID, "ps__expr_bind_check: NULL argument");
  bnode root;
  int rc = bind_tree(e, schema, 0, &root);
  bnode_free(&root);
  return rc;
}


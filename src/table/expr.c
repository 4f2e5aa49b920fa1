/* Filter expressions: construction of the tree (public constructors),
 * the columns an expression uses, and ps_frame_filter. Text form:
 * expr_text.c; binding, evaluation and pruning: expr_eval.c. */
#include <stdlib.h>
#include <string.h>

#include "table/expr_internal.h"
#include "table/frame.h"
#include "util/alloc.h"
#include "util/error.h"

/* ======================================================================
 * Construction
 * ==================================================================== */

static void free_values(ps_value *v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++)
    if (v[i].kind == PS_VALUE_STRING) ps__free_mem((void *)v[i].s);
  ps__free_mem(v);
}

void ps_expr_free(ps_expr *e) {
  if (!e) return;
  for (size_t i = 0; i < e->nkids; i++) ps_expr_free(e->kids[i]);
  ps__free_mem(e->kids);
  ps__free_mem(e->column);
  free_values(e->vals, e->nvals);
  ps__free_mem(e);
}

static int copy_value(ps_value *dst, const ps_value *src) {
  memset(dst, 0, sizeof *dst);
  dst->kind = src->kind;
  switch (src->kind) {
    case PS_VALUE_INT: dst->i = src->i; return PS_OK;
    case PS_VALUE_UINT: dst->u = src->u; return PS_OK;
    case PS_VALUE_DOUBLE: dst->d = src->d; return PS_OK;
    case PS_VALUE_BOOL: dst->i = src->i != 0; return PS_OK;
    case PS_VALUE_STRING: {
      if (!src->s && src->len) return ps__error(PS_ERR_INVALID, "filter: string literal is NULL");
      char *s = ps__strndup(src->s ? src->s : "", src->len);
      if (!s) return PS_NOMEM();
      dst->s = s;
      dst->len = src->len;
      return PS_OK;
    }
    default:
      dst->kind = 0;
      return ps__error(PS_ERR_INVALID, "filter: invalid literal kind %d", (int)src->kind);
  }
}

static int new_leaf(int kind, const char *column, ps_expr **out) {
  *out = NULL;
  if (!column || !*column) return ps__error(PS_ERR_INVALID, "filter: empty or NULL column name");
  ps_expr *e = ps__calloc(1, sizeof *e);
  if (!e) return PS_NOMEM();
  e->kind = kind;
  e->depth = 1;
  e->column = ps__strdup(column);
  if (!e->column) {
    ps__free_mem(e);
    return PS_NOMEM();
  }
  *out = e;
  return PS_OK;
}

int ps_expr_in(const char *column, int negate, const ps_value *values, size_t n, ps_expr **out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_expr_in: NULL out");
  *out = NULL;
  if (n && !values) return ps__error(PS_ERR_INVALID, "ps_expr_in: NULL values");
  ps_expr *e;
  PS_TRY(new_leaf(E_IN, column, &e));
  e->negate = negate != 0;
  e->vals = ps__calloc(n ? n : 1, sizeof *e->vals);
  if (!e->vals) {
    ps_expr_free(e);
    return PS_NOMEM();
  }
  for (size_t i = 0; i < n; i++) {
    int rc = copy_value(&e->vals[i], &values[i]);
    if (rc < 0) {
      e->nvals = i;
      ps_expr_free(e);
      return rc;
    }
  }
  e->nvals = n;
  *out = e;
  return PS_OK;
}

int ps_expr_is_null(const char *column, int negate, ps_expr **out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_expr_is_null: NULL out");
  ps_expr *e;
  PS_TRY(new_leaf(E_NULL, column, &e));
  e->negate = negate != 0;
  *out = e;
  return PS_OK;
}

int ps_expr_compare(const char *column, ps_op op, const ps_value *value, ps_expr **out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_expr_compare: NULL out");
  *out = NULL;
  if (op == PS_OP_IS_NULL || op == PS_OP_IS_NOT_NULL) return ps_expr_is_null(column, op == PS_OP_IS_NOT_NULL, out);
  if (!value) return ps__error(PS_ERR_INVALID, "ps_expr_compare: NULL value");
  if (op == PS_OP_IN || op == PS_OP_NOT_IN) return ps_expr_in(column, op == PS_OP_NOT_IN, value, 1, out);
  if (op < PS_OP_EQ || op > PS_OP_GE) return ps__error(PS_ERR_INVALID, "ps_expr_compare: invalid operator %d", (int)op);
  ps_expr *e;
  PS_TRY(new_leaf(E_CMP, column, &e));
  e->op = op;
  e->vals = ps__calloc(1, sizeof *e->vals);
  if (!e->vals) {
    ps_expr_free(e);
    return PS_NOMEM();
  }
  int rc = copy_value(&e->vals[0], value);
  e->nvals = 1;
  if (rc < 0) {
    ps_expr_free(e);
    return rc;
  }
  *out = e;
  return PS_OK;
}

/* AND/OR are n-ary: nested nodes of the same kind are flattened, so long
 * chains (a OR b OR c ...) stay shallow. */
static int combine(int kind, ps_expr *a, ps_expr *b, ps_expr **out) {
  if (!out) {
    ps_expr_free(a);
    ps_expr_free(b);
    return ps__error(PS_ERR_INVALID, "ps_expr_%s: NULL out", kind == E_AND ? "and" : "or");
  }
  *out = NULL;
  if (!a || !b) {
    ps_expr_free(a);
    ps_expr_free(b);
    return ps__error(PS_ERR_INVALID, "ps_expr_%s: NULL operand", kind == E_AND ? "and" : "or");
  }
  ps_expr *ops[2] = {a, b};
  size_t n = 0;
  int depth = 0;
  for (int k = 0; k < 2; k++) {
    if (ops[k]->kind == kind) {
      n += ops[k]->nkids;
      for (size_t i = 0; i < ops[k]->nkids; i++)
        if (ops[k]->kids[i]->depth > depth) depth = ops[k]->kids[i]->depth;
    } else {
      n++;
      if (ops[k]->depth > depth) depth = ops[k]->depth;
    }
  }
  if (depth + 1 > EXPR_MAX_DEPTH) {
    ps_expr_free(a);
    ps_expr_free(b);
    return ps__error(PS_ERR_LIMIT, "filter: expression nested deeper than %d levels", EXPR_MAX_DEPTH);
  }
  ps_expr *e = ps__calloc(1, sizeof *e);
  ps_expr **kids = ps__calloc(n, sizeof *kids);
  if (!e || !kids) {
    ps__free_mem(e);
    ps__free_mem(kids);
    ps_expr_free(a);
    ps_expr_free(b);
    return PS_NOMEM();
  }
  size_t m = 0;
  for (int k = 0; k < 2; k++) {
    if (ops[k]->kind == kind) {
      for (size_t i = 0; i < ops[k]->nkids; i++) kids[m++] = ops[k]->kids[i];
      ops[k]->nkids = 0;
      ps_expr_free(ops[k]);
    } else {
      kids[m++] = ops[k];
    }
  }
  e->kind = kind;
  e->kids = kids;
  e->nkids = n;
  e->depth = depth + 1;
  *out = e;
  return PS_OK;
}

int ps_expr_and(ps_expr *a, ps_expr *b, ps_expr **out) { return combine(E_AND, a, b, out); }
int ps_expr_or(ps_expr *a, ps_expr *b, ps_expr **out) { return combine(E_OR, a, b, out); }

int ps_expr_not(ps_expr *a, ps_expr **out) {
  if (!out) {
    ps_expr_free(a);
    return ps__error(PS_ERR_INVALID, "ps_expr_not: NULL out");
  }
  *out = NULL;
  if (!a) return ps__error(PS_ERR_INVALID, "ps_expr_not: NULL operand");
  if (a->depth + 1 > EXPR_MAX_DEPTH) {
    ps_expr_free(a);
    return ps__error(PS_ERR_LIMIT, "filter: expression nested deeper than %d levels", EXPR_MAX_DEPTH);
  }
  ps_expr *e = ps__calloc(1, sizeof *e);
  ps_expr **kids = ps__calloc(1, sizeof *kids);
  if (!e || !kids) {
    ps__free_mem(e);
    ps__free_mem(kids);
    ps_expr_free(a);
    return PS_NOMEM();
  }
  kids[0] = a;
  e->kind = E_NOT;
  e->kids = kids;
  e->nkids = 1;
  e->depth = a->depth + 1;
  *out = e;
  return PS_OK;
}


static int collect_columns(const ps_expr *e, const char ***names, size_t *n, size_t *cap) {
  if (e->kind == E_AND || e->kind == E_OR || e->kind == E_NOT) {
    for (size_t i = 0; i < e->nkids; i++) PS_TRY(collect_columns(e->kids[i], names, n, cap));
    return PS_OK;
  }
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*names)[i], e->column) == 0) return PS_OK;
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 8;
    const char **nn = ps__realloc((void *)*names, nc * sizeof *nn);
    if (!nn) return PS_NOMEM();
    *names = nn;
    *cap = nc;
  }
  (*names)[(*n)++] = e->column;
  return PS_OK;
}

int ps__expr_columns(const ps_expr *e, const char ***names, size_t *n) {
  if (!e || !names || !n) return ps__error(PS_ERR_INVALID, "ps__expr_columns: NULL argument");
  *names = NULL;
  *n = 0;
  size_t cap = 0;
  int rc = collect_columns(e, names, n, &cap);
  if (rc == PS_OK && !*names) {
    *names = ps__malloc(sizeof **names);
    if (!*names) rc = PS_NOMEM();
  }
  if (rc < 0) {
    ps__free_mem((void *)*names);
    *names = NULL;
    *n = 0;
  }
  return rc;
}

/* ======================================================================
 * Frame filter
 * ==================================================================== */

int ps_frame_filter(const ps_frame *frame, const ps_expr *expr, ps_frame **out) {
  if (!frame || !expr || !out) return ps__error(PS_ERR_INVALID, "ps_frame_filter: NULL argument");
  *out = NULL;
  uint8_t *sel = ps__malloc((size_t)frame->nrows + 1);
  if (!sel) return PS_NOMEM();
  int rc = ps__expr_eval(expr, frame, sel);
  ps_frame *f = NULL;
  if (rc == PS_OK) rc = ps__frame_clone_empty(frame, &f);
  for (int i = 0; rc == PS_OK && i < frame->ncols; i++)
    rc = ps__column_append_selected(f->cols[i], frame->cols[i], sel, frame->nrows);
  ps__free_mem(sel);
  if (rc < 0) {
    ps_frame_free(f);
    return rc;
  }
  f->nrows = f->ncols ? f->cols[0]->length : 0;
  *out = f;
  return PS_OK;
}

/* Filter expressions: the tree shared by construction (expr.c), text
 * (expr_text.c) and binding/evaluation/pruning (expr_eval.c). */
#ifndef PS_TABLE_EXPR_INTERNAL_H
#define PS_TABLE_EXPR_INTERNAL_H

#include <stddef.h>

#include "table/expr.h"
#include "util/buf.h"

#define EXPR_MAX_DEPTH 256 /* tree depth (AND/OR/NOT nesting) */

enum { E_CMP = 1, E_IN, E_NULL, E_AND, E_OR, E_NOT };

struct ps_expr {
  int kind;
  int depth;       /* 1 for leaves */
  char *column;    /* leaves */
  ps_op op;        /* E_CMP: EQ..GE */
  int negate;      /* E_IN: NOT IN; E_NULL: IS NOT NULL */
  ps_value *vals;  /* E_CMP: 1; E_IN: nvals */
  size_t nvals;
  ps_expr **kids;  /* E_AND/E_OR: nkids >= 2; E_NOT: 1 */
  size_t nkids;
};

/* A literal as filter text ('quoted', 12, 1.5, true) appended to b. */
int ps__expr_print_value(ps_buf *b, const ps_value *v);

#endif

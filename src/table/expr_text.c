/* Filter expressions as text: the printer (ps_expr_to_string) and the
 * lexer/parser (ps_expr_parse), whose output the printer reads back. */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/expr_internal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/numfmt.h"

#define PARSE_MAX_NEST 1024 /* parentheses + NOT nesting while parsing */

/* ======================================================================
 * Printing
 * ==================================================================== */

static int is_ident_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
static int is_ident_char(unsigned char c) { return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.'; }

static const char *const keywords[] = {"and", "or", "not", "in", "is", "null", "true", "false", "inf", "infinity", "nan"};
enum { KW_AND, KW_OR, KW_NOT, KW_IN, KW_IS, KW_NULL, KW_TRUE, KW_FALSE, KW_INF, KW_INFINITY, KW_NAN, KW_COUNT };

static int keyword_id(const char *s, size_t n) {
  for (int k = 0; k < KW_COUNT; k++)
    if (strlen(keywords[k]) == n && strncasecmp(s, keywords[k], n) == 0) return k;
  return -1;
}

static int print_name(ps_buf *b, const char *name) {
  size_t n = strlen(name);
  int bare = n > 0 && is_ident_start((unsigned char)name[0]) && keyword_id(name, n) < 0;
  for (size_t i = 0; bare && i < n; i++)
    if (!(is_ident_char((unsigned char)name[i]) && (unsigned char)name[i] < 0x80)) bare = 0;
  if (bare) return ps_buf_append(b, name, n);
  PS_TRY(ps_buf_append_byte(b, '`'));
  for (size_t i = 0; i < n; i++) {
    if (name[i] == '`') PS_TRY(ps_buf_append_byte(b, '`'));
    PS_TRY(ps_buf_append_byte(b, (uint8_t)name[i]));
  }
  return ps_buf_append_byte(b, '`');
}

int ps__expr_print_value(ps_buf *b, const ps_value *v) {
  char tmp[48];
  switch (v->kind) {
    case PS_VALUE_INT: return ps_buf_printf(b, "%lld", (long long)v->i);
    case PS_VALUE_UINT: return ps_buf_printf(b, "%llu", (unsigned long long)v->u);
    case PS_VALUE_BOOL: return ps_buf_printf(b, "%s", v->i ? "true" : "false");
    case PS_VALUE_DOUBLE: {
      size_t n = ps_format_double(tmp, v->d);
      for (size_t i = 0; i < n; i++)
        if (tmp[i] == ',') tmp[i] = '.'; /* a locale with a decimal comma */
      return ps_buf_append(b, tmp, n);
    }
    case PS_VALUE_STRING:
      PS_TRY(ps_buf_append_byte(b, '\''));
      for (size_t i = 0; i < v->len; i++) {
        if (v->s[i] == '\'') PS_TRY(ps_buf_append_byte(b, '\''));
        PS_TRY(ps_buf_append_byte(b, (uint8_t)v->s[i]));
      }
      return ps_buf_append_byte(b, '\'');
    default: return ps_buf_printf(b, "?");
  }
}

static const char *op_text(ps_op op) {
  switch (op) {
    case PS_OP_EQ: return "=";
    case PS_OP_NE: return "!=";
    case PS_OP_LT: return "<";
    case PS_OP_LE: return "<=";
    case PS_OP_GT: return ">";
    case PS_OP_GE: return ">=";
    default: return "?";
  }
}

static int print_expr(ps_buf *b, const ps_expr *e) {
  switch (e->kind) {
    case E_CMP:
      PS_TRY(print_name(b, e->column));
      PS_TRY(ps_buf_printf(b, " %s ", op_text(e->op)));
      return ps__expr_print_value(b, &e->vals[0]);
    case E_IN:
      PS_TRY(print_name(b, e->column));
      PS_TRY(ps_buf_printf(b, "%s (", e->negate ? " NOT IN" : " IN"));
      for (size_t i = 0; i < e->nvals; i++) {
        if (i) PS_TRY(ps_buf_append(b, ", ", 2));
        PS_TRY(ps__expr_print_value(b, &e->vals[i]));
      }
      return ps_buf_append_byte(b, ')');
    case E_NULL:
      PS_TRY(print_name(b, e->column));
      return ps_buf_printf(b, "%s", e->negate ? " IS NOT NULL" : " IS NULL");
    case E_NOT:
      PS_TRY(ps_buf_printf(b, "NOT ("));
      PS_TRY(print_expr(b, e->kids[0]));
      return ps_buf_append_byte(b, ')');
    default:
      for (size_t i = 0; i < e->nkids; i++) {
        if (i) PS_TRY(ps_buf_printf(b, "%s", e->kind == E_AND ? " AND " : " OR "));
        /* OR inside AND needs parentheses; AND inside OR does not, but
         * parenthesise every compound child for readability */
        int paren = e->kids[i]->kind == E_AND || e->kids[i]->kind == E_OR;
        if (paren) PS_TRY(ps_buf_append_byte(b, '('));
        PS_TRY(print_expr(b, e->kids[i]));
        if (paren) PS_TRY(ps_buf_append_byte(b, ')'));
      }
      return PS_OK;
  }
}

int ps_expr_to_string(const ps_expr *expr, char **out) {
  if (!expr || !out) return ps__error(PS_ERR_INVALID, "ps_expr_to_string: NULL argument");
  *out = NULL;
  ps_buf b;
  memset(&b, 0, sizeof b);
  int rc = print_expr(&b, expr);
  if (rc == PS_OK) rc = ps_buf_terminate(&b);
  if (rc < 0) {
    ps_buf_free(&b);
    return rc;
  }
  *out = (char *)ps_buf_detach(&b);
  return PS_OK;
}

/* ======================================================================
 * Parsing
 * ==================================================================== */

enum { T_EOF, T_LP, T_RP, T_COMMA, T_OP, T_IDENT, T_QIDENT, T_KW, T_STRING, T_INT, T_UINT, T_DOUBLE, T_BOOL };

typedef struct token {
  int type;
  size_t pos, end; /* byte offsets in the text */
  ps_op op;        /* T_OP */
  int kw;          /* T_KW */
  int64_t i;       /* T_INT, T_BOOL */
  uint64_t u;      /* T_UINT */
  double d;        /* T_DOUBLE */
} token;

typedef struct parser {
  const char *s;
  size_t len, pos;
  token tok;
  ps_buf text; /* decoded text of the current T_IDENT/T_QIDENT/T_STRING token */
  int nest;
} parser;

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;
static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* strtod that ignores the process locale (a decimal comma must not change
 * what "0.9" means). */
static double strtod_c(const char *s, char **end) {
  pthread_once(&c_locale_once, make_c_locale);
  if (c_locale) return strtod_l(s, end, c_locale);
  return strtod(s, end);
}

static void describe_token(const parser *p, char *buf, size_t size) {
  if (p->tok.type == T_EOF) {
    snprintf(buf, size, "end of input");
    return;
  }
  size_t n = p->tok.end - p->tok.pos;
  if (n > 24) n = 24;
  snprintf(buf, size, "'%.*s%s'", (int)n, p->s + p->tok.pos, p->tok.end - p->tok.pos > 24 ? "..." : "");
}

static int expected(parser *p, const char *what) {
  char near[64];
  describe_token(p, near, sizeof near);
  return ps__error(PS_ERR_PARSE, "filter: at byte %zu: expected %s, found %s", p->tok.pos, what, near);
}

static int lex_error(parser *p, size_t at, const char *what) {
  size_t n = p->len - at < 16 ? p->len - at : 16;
  return ps__error(PS_ERR_PARSE, "filter: at byte %zu: %s (near '%.*s')", at, what, (int)n, p->s + at);
}

static int lex_number(parser *p, size_t start) {
  const char *s = p->s;
  size_t i = start;
  int neg = 0;
  if (s[i] == '-' || s[i] == '+') {
    neg = s[i] == '-';
    i++;
  }
  if (is_ident_start((unsigned char)s[i])) { /* -inf, +nan */
    size_t j = i;
    while (j < p->len && is_ident_char((unsigned char)s[j])) j++;
    int kw = keyword_id(s + i, j - i);
    if (kw != KW_INF && kw != KW_INFINITY && kw != KW_NAN) return lex_error(p, start, "expected a number after the sign");
    p->tok.type = T_DOUBLE;
    p->tok.d = kw == KW_NAN ? (neg ? -NAN : NAN) : (neg ? -INFINITY : INFINITY);
    p->pos = p->tok.end = j;
    return PS_OK;
  }
  size_t ds = i;
  int is_float = 0, nd = 0;
  while (s[i] >= '0' && s[i] <= '9') i++, nd++;
  if (s[i] == '.') {
    is_float = 1;
    i++;
    while (s[i] >= '0' && s[i] <= '9') i++, nd++;
  }
  if (nd == 0) return lex_error(p, start, "malformed number");
  if (s[i] == 'e' || s[i] == 'E') {
    is_float = 1;
    i++;
    if (s[i] == '+' || s[i] == '-') i++;
    if (!(s[i] >= '0' && s[i] <= '9')) return lex_error(p, start, "malformed number (exponent without digits)");
    while (s[i] >= '0' && s[i] <= '9') i++;
  }
  if (is_ident_char((unsigned char)s[i])) return lex_error(p, start, "malformed number (letters after the digits)");
  p->tok.end = p->pos = i;
  if (is_float) {
    char tmp[128];
    size_t n = i - start;
    char *heap = NULL, *t = tmp;
    if (n >= sizeof tmp) {
      heap = ps__malloc(n + 1);
      if (!heap) return PS_NOMEM();
      t = heap;
    }
    memcpy(t, s + start, n);
    t[n] = 0;
    p->tok.type = T_DOUBLE;
    p->tok.d = strtod_c(t, NULL);
    ps__free_mem(heap);
    /* 1e400 is not infinity: refuse rather than compare with a value nobody wrote
     * (write inf for infinity; underflow to 0 or a subnormal is kept) */
    if (isinf(p->tok.d)) return lex_error(p, start, "number out of range of a double (write inf for infinity)");
    return PS_OK;
  }
  uint64_t mag = 0;
  for (size_t k = ds; k < i; k++) {
    unsigned dgt = (unsigned)(s[k] - '0');
    if (mag > (UINT64_MAX - dgt) / 10) return lex_error(p, start, "integer literal out of range (use a float such as 1e20)");
    mag = mag * 10 + dgt;
  }
  if (neg) {
    if (mag > (uint64_t)INT64_MAX + 1) return lex_error(p, start, "integer literal out of range (use a float such as -1e20)");
    p->tok.type = T_INT;
    p->tok.i = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
  } else if (mag > (uint64_t)INT64_MAX) {
    p->tok.type = T_UINT;
    p->tok.u = mag;
  } else {
    p->tok.type = T_INT;
    p->tok.i = (int64_t)mag;
  }
  return PS_OK;
}

static int lex_quoted(parser *p, char q, int type) {
  size_t start = p->pos, i = p->pos + 1;
  ps_buf_clear(&p->text);
  for (;;) {
    if (i >= p->len) {
      return lex_error(p, start, type == T_QIDENT ? "unterminated `quoted` column name" : "unterminated string literal");
    }
    if (p->s[i] == q) {
      if (i + 1 < p->len && p->s[i + 1] == q) {
        PS_TRY(ps_buf_append_byte(&p->text, (uint8_t)q));
        i += 2;
        continue;
      }
      i++;
      break;
    }
    PS_TRY(ps_buf_append_byte(&p->text, (uint8_t)p->s[i]));
    i++;
  }
  if (type == T_QIDENT && p->text.len == 0) return lex_error(p, start, "empty column name ``");
  PS_TRY(ps_buf_terminate(&p->text));
  p->tok.type = type;
  p->tok.end = p->pos = i;
  return PS_OK;
}

static int next_token(parser *p) {
  const char *s = p->s;
  while (p->pos < p->len && (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r'))
    p->pos++;
  token *t = &p->tok;
  memset(t, 0, sizeof *t);
  t->pos = p->pos;
  if (p->pos >= p->len) {
    t->type = T_EOF;
    t->end = p->pos;
    return PS_OK;
  }
  char c = s[p->pos], c2 = p->pos + 1 < p->len ? s[p->pos + 1] : 0;
  int n = 1;
  switch (c) {
    case '(': t->type = T_LP; break;
    case ')': t->type = T_RP; break;
    case ',': t->type = T_COMMA; break;
    case '=': t->type = T_OP; t->op = PS_OP_EQ; n = c2 == '=' ? 2 : 1; break;
    case '!':
      if (c2 != '=') return lex_error(p, p->pos, "expected '!=' (use NOT for negation)");
      t->type = T_OP; t->op = PS_OP_NE; n = 2;
      break;
    case '<':
      t->type = T_OP;
      if (c2 == '=') { t->op = PS_OP_LE; n = 2; }
      else if (c2 == '>') { t->op = PS_OP_NE; n = 2; }
      else t->op = PS_OP_LT;
      break;
    case '>':
      t->type = T_OP;
      if (c2 == '=') { t->op = PS_OP_GE; n = 2; }
      else t->op = PS_OP_GT;
      break;
    case '\'': case '"': return lex_quoted(p, c, T_STRING);
    case '`': return lex_quoted(p, '`', T_QIDENT);
    default:
      if ((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+') return lex_number(p, p->pos);
      if (is_ident_start((unsigned char)c)) {
        size_t j = p->pos;
        while (j < p->len && is_ident_char((unsigned char)s[j])) j++;
        int kw = keyword_id(s + p->pos, j - p->pos);
        if (kw == KW_TRUE || kw == KW_FALSE) {
          t->type = T_BOOL;
          t->i = kw == KW_TRUE;
        } else if (kw == KW_INF || kw == KW_INFINITY || kw == KW_NAN) {
          t->type = T_DOUBLE;
          t->d = kw == KW_NAN ? NAN : INFINITY;
        } else if (kw >= 0) {
          t->type = T_KW;
          t->kw = kw;
        } else {
          t->type = T_IDENT;
          ps_buf_clear(&p->text);
          PS_TRY(ps_buf_append(&p->text, s + p->pos, j - p->pos));
          PS_TRY(ps_buf_terminate(&p->text));
        }
        t->end = p->pos = j;
        return PS_OK;
      }
      return lex_error(p, p->pos, "unexpected character");
  }
  p->pos += (size_t)n;
  t->end = p->pos;
  return PS_OK;
}

static int is_literal_tok(int type) {
  return type == T_STRING || type == T_INT || type == T_UINT || type == T_DOUBLE || type == T_BOOL;
}

/* The current token as a value; strings are copied (caller frees v->s). */
static int token_value(parser *p, ps_value *v) {
  memset(v, 0, sizeof *v);
  switch (p->tok.type) {
    case T_INT: v->kind = PS_VALUE_INT; v->i = p->tok.i; return PS_OK;
    case T_UINT: v->kind = PS_VALUE_UINT; v->u = p->tok.u; return PS_OK;
    case T_DOUBLE: v->kind = PS_VALUE_DOUBLE; v->d = p->tok.d; return PS_OK;
    case T_BOOL: v->kind = PS_VALUE_BOOL; v->i = p->tok.i; return PS_OK;
    case T_STRING: {
      char *s = ps__strndup((const char *)p->text.data, p->text.len);
      if (!s) return PS_NOMEM();
      v->kind = PS_VALUE_STRING;
      v->s = s;
      v->len = p->text.len;
      return PS_OK;
    }
    default: return expected(p, "a literal (number, 'string', true, false)");
  }
}

static ps_op flip_op(ps_op op) {
  switch (op) {
    case PS_OP_LT: return PS_OP_GT;
    case PS_OP_LE: return PS_OP_GE;
    case PS_OP_GT: return PS_OP_LT;
    case PS_OP_GE: return PS_OP_LE;
    default: return op;
  }
}

static int parse_or(parser *p, ps_expr **out);

static int parse_in_list(parser *p, const char *col, int negate, ps_expr **out) {
  if (p->tok.type != T_LP) return expected(p, "'(' after IN");
  PS_TRY(next_token(p));
  ps_value *vals = NULL;
  size_t n = 0, cap = 0;
  int rc = PS_OK;
  if (p->tok.type != T_RP) {
    for (;;) {
      if (n == cap) {
        size_t nc = cap ? cap * 2 : 8;
        ps_value *nv = ps__realloc(vals, nc * sizeof *nv);
        if (!nv) {
          rc = PS_NOMEM();
          goto done;
        }
        vals = nv;
        cap = nc;
      }
      if (!is_literal_tok(p->tok.type)) {
        rc = expected(p, "a literal in the IN list");
        goto done;
      }
      if ((rc = token_value(p, &vals[n])) < 0) goto done;
      n++;
      if ((rc = next_token(p)) < 0) goto done;
      if (p->tok.type == T_COMMA) {
        if ((rc = next_token(p)) < 0) goto done;
        continue;
      }
      if (p->tok.type == T_RP) break;
      rc = expected(p, "',' or ')' in the IN list");
      goto done;
    }
  }
  rc = next_token(p);
  if (rc == PS_OK) rc = ps_expr_in(col, negate, vals, n, out);
done:
  for (size_t i = 0; i < n; i++)
    if (vals[i].kind == PS_VALUE_STRING) ps__free_mem((void *)vals[i].s);
  ps__free_mem(vals);
  return rc;
}

static int parse_predicate(parser *p, ps_expr **out) {
  int rc;
  if (is_literal_tok(p->tok.type)) {
    /* literal op column */
    ps_value v;
    PS_TRY(token_value(p, &v));
    char *col = NULL;
    if ((rc = next_token(p)) < 0) goto lit_done;
    if (p->tok.type != T_OP) {
      rc = expected(p, "a comparison operator after the literal");
      goto lit_done;
    }
    ps_op op = p->tok.op;
    if ((rc = next_token(p)) < 0) goto lit_done;
    if (p->tok.type != T_IDENT && p->tok.type != T_QIDENT) {
      rc = expected(p, is_literal_tok(p->tok.type) ? "a column name (comparing two literals is not supported)"
                                                     : "a column name");
      goto lit_done;
    }
    col = ps__strndup((const char *)p->text.data, p->text.len);
    if (!col) {
      rc = PS_NOMEM();
      goto lit_done;
    }
    if ((rc = next_token(p)) < 0) goto lit_done;
    rc = ps_expr_compare(col, flip_op(op), &v, out);
  lit_done:
    ps__free_mem(col);
    if (v.kind == PS_VALUE_STRING) ps__free_mem((void *)v.s);
    return rc;
  }
  if (p->tok.type != T_IDENT && p->tok.type != T_QIDENT) return expected(p, "a column name, a literal, NOT or '('");
  char *col = ps__strndup((const char *)p->text.data, p->text.len);
  if (!col) return PS_NOMEM();
  size_t colpos = p->tok.pos;
  if ((rc = next_token(p)) < 0) goto done;
  if (p->tok.type == T_OP) {
    ps_op op = p->tok.op;
    if ((rc = next_token(p)) < 0) goto done;
    if (p->tok.type == T_IDENT || p->tok.type == T_QIDENT) {
      rc = expected(p, "a literal (comparing two columns is not supported)");
      goto done;
    }
    ps_value v;
    if ((rc = token_value(p, &v)) < 0) goto done;
    rc = next_token(p);
    if (rc == PS_OK) rc = ps_expr_compare(col, op, &v, out);
    if (v.kind == PS_VALUE_STRING) ps__free_mem((void *)v.s);
  } else if (p->tok.type == T_KW && p->tok.kw == KW_IS) {
    if ((rc = next_token(p)) < 0) goto done;
    int neg = 0;
    if (p->tok.type == T_KW && p->tok.kw == KW_NOT) {
      neg = 1;
      if ((rc = next_token(p)) < 0) goto done;
    }
    if (!(p->tok.type == T_KW && p->tok.kw == KW_NULL)) {
      rc = expected(p, neg ? "NULL after IS NOT" : "NULL or NOT NULL after IS");
      goto done;
    }
    if ((rc = next_token(p)) < 0) goto done;
    rc = ps_expr_is_null(col, neg, out);
  } else if (p->tok.type == T_KW && (p->tok.kw == KW_IN || p->tok.kw == KW_NOT)) {
    int neg = p->tok.kw == KW_NOT;
    if (neg) {
      if ((rc = next_token(p)) < 0) goto done;
      if (!(p->tok.type == T_KW && p->tok.kw == KW_IN)) {
        rc = expected(p, "IN after NOT");
        goto done;
      }
    }
    if ((rc = next_token(p)) < 0) goto done;
    rc = parse_in_list(p, col, neg, out);
  } else {
    char near[64];
    describe_token(p, near, sizeof near);
    rc = ps__error(PS_ERR_PARSE,
                   "filter: at byte %zu: expected an operator (=, ==, !=, <>, <, <=, >, >=, IN, NOT IN, IS [NOT] NULL) "
                   "after column '%s' (byte %zu), found %s",
                   p->tok.pos, col, colpos, near);
  }
done:
  ps__free_mem(col);
  return rc;
}

static int parse_not(parser *p, ps_expr **out) {
  if (++p->nest > PARSE_MAX_NEST) {
    return ps__error(PS_ERR_LIMIT, "filter: at byte %zu: nesting deeper than %d levels", p->tok.pos, PARSE_MAX_NEST);
  }
  int rc;
  if (p->tok.type == T_KW && p->tok.kw == KW_NOT) {
    PS_TRY(next_token(p));
    ps_expr *a = NULL;
    PS_TRY(parse_not(p, &a));
    rc = ps_expr_not(a, out);
  } else if (p->tok.type == T_LP) {
    size_t at = p->tok.pos;
    PS_TRY(next_token(p));
    ps_expr *a = NULL;
    PS_TRY(parse_or(p, &a));
    if (p->tok.type != T_RP) {
      char what[64];
      snprintf(what, sizeof what, "')' to close the '(' at byte %zu", at);
      rc = expected(p, what);
      ps_expr_free(a);
      return rc;
    }
    rc = next_token(p);
    if (rc < 0) ps_expr_free(a);
    else *out = a;
  } else {
    rc = parse_predicate(p, out);
  }
  p->nest--;
  return rc;
}

static int parse_and(parser *p, ps_expr **out) {
  ps_expr *a = NULL;
  PS_TRY(parse_not(p, &a));
  while (p->tok.type == T_KW && p->tok.kw == KW_AND) {
    int rc = next_token(p);
    ps_expr *b = NULL;
    if (rc == PS_OK) rc = parse_not(p, &b);
    if (rc < 0) {
      ps_expr_free(a);
      return rc;
    }
    PS_TRY(ps_expr_and(a, b, &a));
  }
  *out = a;
  return PS_OK;
}

static int parse_or(parser *p, ps_expr **out) {
  ps_expr *a = NULL;
  PS_TRY(parse_and(p, &a));
  while (p->tok.type == T_KW && p->tok.kw == KW_OR) {
    int rc = next_token(p);
    ps_expr *b = NULL;
    if (rc == PS_OK) rc = parse_and(p, &b);
    if (rc < 0) {
      ps_expr_free(a);
      return rc;
    }
    PS_TRY(ps_expr_or(a, b, &a));
  }
  *out = a;
  return PS_OK;
}

int ps_expr_parse(const char *text, ps_expr **out) {
  if (!text || !out) return ps__error(PS_ERR_INVALID, "ps_expr_parse: NULL argument");
  *out = NULL;
  parser p;
  memset(&p, 0, sizeof p);
  p.s = text;
  p.len = strlen(text);
  ps_expr *e = NULL;
  int rc = next_token(&p);
  if (rc == PS_OK && p.tok.type == T_EOF) rc = expected(&p, "a filter expression");
  if (rc == PS_OK) rc = parse_or(&p, &e);
  if (rc == PS_OK && p.tok.type != T_EOF) {
    rc = expected(&p, p.tok.type == T_RP ? "end of input (unbalanced ')')" : "AND, OR or end of input");
  }
  ps_buf_free(&p.text);
  if (rc < 0) {
    ps_expr_free(e);
    return rc;
  }
  *out = e;
  return PS_OK;
}


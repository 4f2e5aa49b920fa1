// Shared helpers of the interop tests: running interop_tool, reading files
// with DuckDB (@duckdb/node-api) and Polars (nodejs-polars), and putting
// every value into one canonical text form so that they compare exactly:
//   null            -> null
//   bool            -> 'true' / 'false'
//   integers, dates (days), timestamps (count of the unit) -> decimal text
//   floats          -> 'NaN', 'Infinity', '-Infinity', '-0', '0', or JS's
//                      shortest round-trip text of the double
//   strings         -> the string itself
//   binary          -> lowercase hex
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';

export { pl };

export const TOOL = process.env.PYSTORE_INTEROP_TOOL;
if (!TOOL) throw new Error('PYSTORE_INTEROP_TOOL is not set (run tests/interop/run.sh TOOL)');

// ------------------------------------------------------------ interop_tool

export function runTool(args) {
  const r = spawnSync(TOOL, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`interop_tool ${args.map((a) => JSON.stringify(a)).join(' ')} exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  }
  if (r.stderr) process.stderr.write(r.stderr);
  return r.stdout;
}

/** Our reader's view of FILE (canonical columns). */
export function dumpOurs(file, { columns, where } = {}) {
  const args = ['dump', file];
  if (columns) args.push('--columns', columns.join(','));
  if (where) args.push('--where', where);
  return normalizeDump(JSON.parse(runTool(args)));
}

export function normalizeDump(d) {
  for (const c of d.columns) c.values = c.values.map((v) => normOurValue(c.type, v));
  return d;
}

function normOurValue(type, v) {
  if (v === null) return null;
  if (type === 'bool') return String(v);
  if (type === 'float32' || type === 'float64') return canonFloat(Number(v));
  if (typeof v === 'object') return `INVALID_UTF8:${v.invalid_utf8}`;
  return v;
}

export function tempDir(tag) {
  const d = mkdtempSync(path.join(tmpdir(), `pystore-interop-${tag}-`));
  return { dir: d, cleanup: () => rmSync(d, { recursive: true, force: true }) };
}

// ------------------------------------------------------------ canonical values

export function canonFloat(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return String(x);
}

export const hex = (bytes) => Buffer.from(bytes).toString('hex');

export const PER_SECOND = { s: 1n, ms: 1000n, us: 1000000n, ns: 1000000000n };

/** Convert a count of `from` units to `to` units; coarsening truncates toward
 * zero (what DuckDB does when it reads NANOS into a microsecond type). With
 * exact=true a lossy conversion gives 'INEXACT:<v><unit>' so it can never compare equal. */
export function convertUnit(text, from, to, exact = false) {
  if (text === null) return null;
  const v = BigInt(text);
  const a = PER_SECOND[from];
  const b = PER_SECOND[to];
  if (b >= a) return String(v * (b / a));
  if (exact && v % (a / b) !== 0n) return `INEXACT:${text}${from}`;
  return String(v / (a / b));
}

// ------------------------------------------------------------ DuckDB

let duckPromise;
export function duck() {
  duckPromise ??= (async () => {
    const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
    const con = await inst.connect();
    await con.run("SET TimeZone = 'UTC'");
    return con;
  })();
  return duckPromise;
}

export const sqlStr = (s) => `'${String(s).replaceAll("'", "''")}'`;

export async function duckQuery(sql) {
  const con = await duck();
  const reader = await con.runAndReadAll(sql);
  const names = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const cols = reader.getColumns();
  return {
    names,
    types,
    columns: names.map((name, i) => ({ name, type: types[i], values: (cols[i] ?? []).map((v) => duckValue(v, types[i])) })),
    rows: reader.getRowObjects(),
  };
}

export function duckUnit(type) {
  switch (type) {
    case 'TIMESTAMP_NS': return 'ns';
    case 'TIMESTAMP_MS': return 'ms';
    case 'TIMESTAMP_S': return 's';
    case 'TIMESTAMP':
    case 'TIMESTAMP WITH TIME ZONE': return 'us';
    default: return null;
  }
}

export function duckValue(v, type) {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean': return String(v);
    case 'bigint': return String(v);
    case 'string': return v;
    case 'number':
      return type === 'FLOAT' || type === 'DOUBLE' ? canonFloat(v) : String(v);
    default: break;
  }
  if ('nanos' in v) return String(v.nanos);
  if ('millis' in v) return String(v.millis);
  if ('seconds' in v) return String(v.seconds);
  if ('micros' in v) return String(v.micros);
  if ('days' in v) return String(v.days);
  if ('bytes' in v) return hex(v.bytes);
  throw new Error(`unexpected DuckDB value ${v?.constructor?.name} for type ${type}`);
}

/** DuckDB's reading of a Parquet file: [{name, type, values}]. */
export async function duckRead(file, { columns = '*', where = null } = {}) {
  const q = `SELECT ${columns} FROM read_parquet(${sqlStr(file)})${where ? ` WHERE ${where}` : ''}`;
  return (await duckQuery(q)).columns;
}

// ------------------------------------------------------------ Polars

/** Polars' dtype name for column `name` of DataFrame df, e.g. 'Int64',
 * 'Datetime(ns,UTC)', 'Datetime(us,)'. nodejs-polars cannot convert a Binary
 * dtype to JS and throws "DataType Binary is not supported for JS conversion":
 * that error names the dtype. */
export function polarsDtype(df, name) {
  try {
    return String(df.getColumn(name).dtype).replace(/^DataType\((.*)\)$/, '$1');
  } catch (e) {
    if (/DataType Binary is not supported/.test(e.message)) return 'Binary';
    throw e;
  }
}

/** Canonical values of one Polars column. */
export function polarsValues(df, name, dtype = polarsDtype(df, name)) {
  const s = () => df.getColumn(name);
  if (dtype === 'Bool' || dtype === 'Boolean') return s().toArray().map((v) => (v === null ? null : String(v)));
  if (/^U?Int(8|16|32|64)$/.test(dtype)) return s().cast(pl.Utf8).toArray();
  if (dtype === 'Float32' || dtype === 'Float64') return s().toArray().map((v) => (v === null ? null : canonFloat(v)));
  if (dtype.startsWith('Datetime')) return s().cast(pl.Int64).cast(pl.Utf8).toArray();
  if (dtype === 'Date') return s().cast(pl.Int32).cast(pl.Utf8).toArray();
  if (dtype === 'String' || dtype === 'Categorical') return s().cast(pl.Utf8).toArray();
  if (dtype === 'Binary') {
    return df.select(pl.col(name).cast(pl.List(pl.UInt8))).getColumn(name).toArray()
      .map((v) => (v === null ? null : hex(v)));
  }
  throw new Error(`no canonical form for Polars dtype ${dtype} (column ${name})`);
}

export function polarsUnit(dtype) {
  const m = /^Datetime\((\w+),(.*)\)$/.exec(dtype);
  return m ? { unit: m[1], tz: m[2] === '' ? null : m[2] } : null;
}

export function polarsRead(file) {
  const df = pl.readParquet(file);
  return df.columns.map((name) => {
    const dtype = polarsDtype(df, name);
    return { name, type: dtype, values: polarsValues(df, name, dtype) };
  });
}

// ------------------------------------------------------------ comparing

/** Compare two value arrays; on mismatch fail with the first differing rows. */
export function diffValues(actual, expected, what) {
  const problems = [];
  if (actual.length !== expected.length) problems.push(`length ${actual.length}, expected ${expected.length}`);
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n && problems.length < 6; i++) {
    if (actual[i] !== expected[i]) problems.push(`row ${i}: got ${JSON.stringify(actual[i])}, expected ${JSON.stringify(expected[i])}`);
  }
  return problems.length ? `${what}: ${problems.join('; ')}` : null;
}

/** Collects problems so that one test reports every broken column at once. */
export class Problems {
  constructor() { this.list = []; }
  add(p) { if (p) this.list.push(p); }
  check(cond, msg) { if (!cond) this.list.push(msg); }
  throwIfAny(title) {
    if (this.list.length) {
      const err = new Error(`${title}:\n  - ${this.list.join('\n  - ')}`);
      throw err;
    }
  }
}

// ------------------------------------------------------------ their files vs our reader

const OUR_TYPE_OF_DUCK = {
  BOOLEAN: 'bool', TINYINT: 'int8', SMALLINT: 'int16', INTEGER: 'int32', BIGINT: 'int64',
  UTINYINT: 'uint8', USMALLINT: 'uint16', UINTEGER: 'uint32', UBIGINT: 'uint64',
  FLOAT: 'float32', DOUBLE: 'float64', VARCHAR: 'string', BLOB: 'binary', DATE: 'date',
};

/** What the file declares for each column (unit and UTC-adjustment of timestamps). */
export async function fileSchema(file) {
  const { rows } = await duckQuery(`SELECT name, logical_type, converted_type FROM parquet_schema(${sqlStr(file)}) WHERE num_children IS NULL`);
  const out = {};
  for (const r of rows) {
    const lt = r.logical_type ?? '';
    let unit = null;
    let utc = false;
    if (lt.startsWith('TimestampType')) {
      unit = /MILLIS=MilliSeconds/.test(lt) ? 'ms' : /MICROS=MicroSeconds/.test(lt) ? 'us' : 'ns';
      utc = /isAdjustedToUTC=1/.test(lt);
    } else if (r.converted_type === 'TIMESTAMP_MILLIS' || r.converted_type === 'TIMESTAMP_MICROS') {
      unit = r.converted_type === 'TIMESTAMP_MILLIS' ? 'ms' : 'us';
      utc = true;
    }
    out[r.name] = { unit, utc };
  }
  return out;
}

/** Compare our dump with DuckDB's columns (values in DuckDB's units). */
export function compareWithDuck(p, ours, duckCols, schema) {
  p.check(JSON.stringify(ours.columns.map((c) => c.name)) === JSON.stringify(duckCols.map((c) => c.name)),
    `pystore columns ${JSON.stringify(ours.columns.map((c) => c.name))}, DuckDB ${JSON.stringify(duckCols.map((c) => c.name))}`);
  p.check(ours.num_rows === (duckCols[0]?.values.length ?? 0), `pystore num_rows ${ours.num_rows}, DuckDB ${duckCols[0]?.values.length}`);
  for (const dc of duckCols) {
    const oc = ours.columns.find((c) => c.name === dc.name);
    if (!oc) continue;
    const du = duckUnit(dc.type);
    let want = dc.values;
    if (du) {
      const fs = schema[dc.name];
      p.check(oc.type === 'timestamp', `column ${dc.name}: pystore type ${oc.type}, expected timestamp (DuckDB ${dc.type})`);
      p.check(oc.unit === fs.unit, `column ${dc.name}: pystore unit ${oc.unit}, the file declares ${fs.unit}`);
      p.check(oc.tz === (fs.utc ? 'UTC' : null), `column ${dc.name}: pystore tz ${oc.tz}, expected ${fs.utc ? 'UTC' : null}`);
      if (oc.unit in PER_SECOND) want = dc.values.map((v) => convertUnit(v, du, oc.unit, true));
    } else {
      p.check(oc.type === OUR_TYPE_OF_DUCK[dc.type], `column ${dc.name}: pystore type ${oc.type}, expected ${OUR_TYPE_OF_DUCK[dc.type]} (DuckDB ${dc.type})`);
    }
    p.add(diffValues(oc.values, want, `column ${dc.name} (DuckDB ${dc.type}, pystore ${oc.type}${oc.unit ? ` ${oc.unit}` : ''})`));
  }
}


// Files pystore writes, read by DuckDB and Polars.
//
// `interop_tool write DIR` writes a matrix of files (every type, with and
// without nulls, each codec, data page V1/V2, one/many row groups, small
// pages, zero rows, dictionary on/off, delta, byte_stream_split) and, for each,
// the frame it wrote dumped from memory (the expected values). Every file must
// read back in DuckDB and in Polars with identical values and the right types,
// DuckDB's parquet_schema() must show the logical types and parquet_metadata()
// our statistics.
import { describe, test, after } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  runTool, dumpOurs, normalizeDump, tempDir, duckQuery, duckRead, duckUnit, sqlStr, convertUnit,
  polarsRead, polarsUnit, diffValues, Problems,
} from './common.mjs';

const { dir, cleanup } = tempDir('ours');
after(cleanup);

// The matrix comes from the tool; each case is written by its own process
// so that a crash (or a sanitizer report) fails that case only.
let manifest = null;
let listError = null;
try {
  manifest = JSON.parse(runTool(['cases']));
} catch (e) {
  listError = e;
}

const writes = new Map();
function writeCase(name) {
  if (!writes.has(name)) {
    let r;
    try {
      r = { entry: JSON.parse(runTool(['write', dir, name])).cases[0] };
    } catch (e) {
      r = { error: e };
    }
    writes.set(name, r);
  }
  const r = writes.get(name);
  if (r.error) throw r.error;
  if (r.entry.write_status !== 'PS_OK') {
    throw new Error(`pystore failed to write ${r.entry.file}: ${r.entry.write_status}: ${r.entry.write_error}`);
  }
  return normalizeDump(JSON.parse(readFileSync(path.join(dir, r.entry.expected), 'utf8')));
}

// ------------------------------------------------------------ expectations

const INT_BITS = { int8: 8, int16: 16, int32: 32, int64: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64 };

const DUCK_TYPE = {
  bool: 'BOOLEAN', int8: 'TINYINT', int16: 'SMALLINT', int32: 'INTEGER', int64: 'BIGINT',
  uint8: 'UTINYINT', uint16: 'USMALLINT', uint32: 'UINTEGER', uint64: 'UBIGINT',
  float32: 'FLOAT', float64: 'DOUBLE', date: 'DATE', string: 'VARCHAR', binary: 'BLOB',
};

function duckTypeFor(c) {
  if (c.type !== 'timestamp') return DUCK_TYPE[c.type];
  if (c.tz) return 'TIMESTAMP WITH TIME ZONE'; // DuckDB reads every UTC-adjusted unit as TIMESTAMPTZ (us)
  return c.unit === 'ns' ? 'TIMESTAMP_NS' : 'TIMESTAMP'; // MILLIS and MICROS -> TIMESTAMP (us)
}

const POLARS_TYPE = {
  bool: 'Bool', int8: 'Int8', int16: 'Int16', int32: 'Int32', int64: 'Int64',
  uint8: 'UInt8', uint16: 'UInt16', uint32: 'UInt32', uint64: 'UInt64',
  float32: 'Float32', float64: 'Float64', date: 'Date', string: 'String', binary: 'Binary',
};

// Parquet has no seconds unit: seconds are stored as milliseconds (as pyarrow does).
const storedUnit = (c) => (c.unit === 's' ? 'ms' : c.unit);

function polarsTypeFor(c) {
  if (c.type !== 'timestamp') return POLARS_TYPE[c.type];
  return `Datetime(${storedUnit(c)},${c.tz ?? ''})`;
}

/** Expected parquet_schema() row: each field is a list of acceptable values. */
function schemaFor(c) {
  const phys = {
    bool: 'BOOLEAN', int8: 'INT32', int16: 'INT32', int32: 'INT32', uint8: 'INT32', uint16: 'INT32', uint32: 'INT32',
    date: 'INT32', int64: 'INT64', uint64: 'INT64', timestamp: 'INT64', float32: 'FLOAT', float64: 'DOUBLE',
    string: 'BYTE_ARRAY', binary: 'BYTE_ARRAY',
  }[c.type];
  let converted = [null];
  let logical = [null];
  if (c.type in INT_BITS) {
    const bits = INT_BITS[c.type];
    const signed = !c.type.startsWith('u');
    // DuckDB prints bitWidth (an int8) as a character.
    const lt = `IntType(bitWidth=${String.fromCharCode(bits)}, isSigned=${signed ? 1 : 0})`;
    const ct = `${signed ? 'INT' : 'UINT'}_${bits}`;
    if (signed && bits >= 32) { // plain INT32/INT64 may go without annotation
      converted = [null, ct];
      logical = [null, lt];
    } else {
      converted = [ct];
      logical = [lt];
    }
  } else if (c.type === 'date') {
    converted = ['DATE'];
    logical = ['DateType()'];
  } else if (c.type === 'string') {
    converted = ['UTF8'];
    logical = ['StringType()'];
  } else if (c.type === 'timestamp') {
    const u = storedUnit(c);
    const f = (x, name, cls) => `${name}=${u === x ? `${cls}()` : '<null>'}`;
    logical = [`TimestampType(isAdjustedToUTC=${c.tz ? 1 : 0}, unit=TimeUnit(${f('ms', 'MILLIS', 'MilliSeconds')}, ${f('us', 'MICROS', 'MicroSeconds')}, ${f('ns', 'NANOS', 'NanoSeconds')}))`];
    // The legacy converted types exist for MILLIS and MICROS only (DuckDB and
    // Arrow also set them on naive columns); NANOS has none.
    converted = u === 'ms' ? ['TIMESTAMP_MILLIS', null] : u === 'us' ? ['TIMESTAMP_MICROS', null] : [null];
  }
  return { type: [phys], converted_type: converted, logical_type: logical, duckdb_type: [duckTypeFor(c)],
    repetition_type: [c.nullable ? 'OPTIONAL' : 'REQUIRED'] };
}

/** Expected values as DuckDB shows them (timestamps in DuckDB's unit). */
function duckValuesFor(c) {
  if (c.type !== 'timestamp') return c.values;
  const to = duckUnit(duckTypeFor(c));
  return c.values.map((v) => convertUnit(v, c.unit, to));
}

function polarsValuesFor(c) {
  if (c.type !== 'timestamp') return c.values;
  return c.values.map((v) => convertUnit(v, c.unit, storedUnit(c)));
}

// ------------------------------------------------------------ statistics

function cmpFor(type) {
  if (type in INT_BITS || type === 'date' || type === 'timestamp') return (a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
  if (type === 'float32' || type === 'float64') return (a, b) => Number(a) - Number(b);
  if (type === 'bool') return (a, b) => (a === b ? 0 : a === 'false' ? -1 : 1);
  if (type === 'string') return (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  if (type === 'binary') return (a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
  throw new Error(type);
}

/** Expected {nulls, min, max} of rows [lo, hi) of column c, min/max as DuckDB shows them. */
function expectedStats(c, lo, hi) {
  const vals = c.values.slice(lo, hi);
  const nulls = vals.filter((v) => v === null).length;
  const isFloat = c.type === 'float32' || c.type === 'float64';
  const present = vals.filter((v) => v !== null && !(isFloat && v === 'NaN')); // NaN never in min/max
  // Chunks holding NaN: writing no min/max at all is also valid (parquet-mr does so).
  const nanOk = isFloat && vals.includes('NaN');
  if (!present.length) return { nulls: String(nulls), min: null, max: null, nanOk };
  const cmp = cmpFor(c.type);
  let min = present[0];
  let max = present[0];
  for (const v of present) {
    if (cmp(v, min) < 0) min = v;
    if (cmp(v, max) > 0) max = v;
  }
  if (isFloat) { // a zero min is written as -0.0, a zero max as +0.0
    if (Number(min) === 0) min = '-0';
    if (Number(max) === 0) max = '0';
  }
  if (c.type === 'timestamp') {
    const to = duckUnit(duckTypeFor(c));
    min = convertUnit(min, c.unit, to);
    max = convertUnit(max, c.unit, to);
  }
  return { nulls: String(nulls), min, max, nanOk };
}

// ------------------------------------------------------------ the tests

function checkColumns(p, who, actualCols, expected, typeFor, valuesFor) {
  p.check(JSON.stringify(actualCols.map((c) => c.name)) === JSON.stringify(expected.columns.map((c) => c.name)),
    `${who} column names ${JSON.stringify(actualCols.map((c) => c.name))}, expected ${JSON.stringify(expected.columns.map((c) => c.name))}`);
  for (const ec of expected.columns) {
    const ac = actualCols.find((c) => c.name === ec.name);
    if (!ac) continue;
    p.check(ac.type === typeFor(ec), `${who} column ${ec.name}: type ${ac.type}, expected ${typeFor(ec)}`);
    p.add(diffValues(ac.values, valuesFor(ec), `${who} column ${ec.name} (${ac.type})`));
  }
}

if (listError) {
  test('interop_tool cases', () => { throw listError; });
} else {
  for (const cs of manifest.cases) {
    const file = path.join(dir, cs.file);
    let expected = null;
    const requireWritten = () => { expected = writeCase(cs.name); };
    const label = `${cs.name} [${cs.rows} rows, ${cs.codec}, ${cs.data_page_v2 ? 'V2' : 'V1'} pages, `
      + `row groups of ${cs.row_group_rows}, dictionary ${cs.dictionary}, delta ${cs.delta}, bss ${cs.byte_stream_split}]`;

    describe(label, () => {
      test('pystore writes it', requireWritten);

      test('pystore reads it back', () => {
        requireWritten();
        const ours = dumpOurs(file);
        const p = new Problems();
        p.check(ours.num_rows === expected.num_rows, `num_rows ${ours.num_rows}, expected ${expected.num_rows}`);
        p.check(ours.index === expected.index, `index ${ours.index}, expected ${expected.index}`);
        for (const ec of expected.columns) {
          const oc = ours.columns.find((c) => c.name === ec.name);
          if (!oc) { p.add(`column ${ec.name} missing`); continue; }
          for (const k of ['type', 'unit', 'tz', 'nullable']) {
            p.check(oc[k] === ec[k], `column ${ec.name}: ${k} ${JSON.stringify(oc[k])}, expected ${JSON.stringify(ec[k])}`);
          }
          p.add(diffValues(oc.values, ec.values, `column ${ec.name}`));
        }
        p.throwIfAny(`${cs.file} read back by pystore`);
      });

      test('DuckDB reads identical values and types', async () => {
        requireWritten();
        const cols = await duckRead(file);
        const p = new Problems();
        checkColumns(p, 'DuckDB', cols, expected, duckTypeFor, duckValuesFor);
        p.throwIfAny(`${cs.file} read by DuckDB`);
      });

      test('Polars reads identical values and types', () => {
        requireWritten();
        const cols = polarsRead(file);
        const p = new Problems();
        checkColumns(p, 'Polars', cols, expected, polarsTypeFor, polarsValuesFor);
        for (const c of cols) {
          const u = polarsUnit(c.type);
          if (u && u.unit === 's') p.add(`Polars column ${c.name}: unexpected unit s`);
        }
        p.throwIfAny(`${cs.file} read by Polars`);
      });

      test('DuckDB parquet_schema() shows the logical types', async () => {
        requireWritten();
        const { rows } = await duckQuery(`SELECT name, type, converted_type, logical_type, duckdb_type, repetition_type, num_children
          FROM parquet_schema(${sqlStr(file)})`);
        const leaves = rows.filter((r) => r.num_children === null);
        const p = new Problems();
        p.check(leaves.length === expected.columns.length, `${leaves.length} leaves, expected ${expected.columns.length}`);
        for (const ec of expected.columns) {
          const r = leaves.find((x) => x.name === ec.name);
          if (!r) { p.add(`column ${ec.name} missing`); continue; }
          const want = schemaFor(ec);
          for (const [k, ok] of Object.entries(want)) {
            p.check(ok.includes(r[k]), `column ${ec.name} (${ec.type}${ec.unit ? ` ${ec.unit}` : ''}${ec.tz ? ` ${ec.tz}` : ''}): ${k} ${JSON.stringify(r[k])}, expected ${ok.map((x) => JSON.stringify(x)).join(' or ')}`);
          }
        }
        p.throwIfAny(`${cs.file} parquet_schema()`);
      });

      test('DuckDB parquet_metadata() shows our statistics', async () => {
        requireWritten();
        const { rows } = await duckQuery(`SELECT row_group_id, row_group_num_rows, path_in_schema, stats_null_count,
            stats_min_value, stats_max_value FROM parquet_metadata(${sqlStr(file)}) ORDER BY row_group_id, column_id`);
        const p = new Problems();
        const rg = cs.row_group_rows;
        const nrg = cs.rows === 0 ? null : Math.ceil(cs.rows / rg);
        const rgIds = [...new Set(rows.map((r) => Number(r.row_group_id)))];
        if (nrg === null) {
          p.check(rows.every((r) => r.row_group_num_rows === 0n), 'zero-row file has a non-empty row group');
        } else {
          p.check(rgIds.length === nrg, `${rgIds.length} row groups, expected ${nrg}`);
        }
        // DuckDB parses its own text of each statistic back into the column's type.
        const exprs = [];
        const checks = [];
        for (const r of rows) {
          const ec = expected.columns.find((c) => c.name === r.path_in_schema);
          if (!ec) { p.add(`unexpected column chunk ${r.path_in_schema}`); continue; }
          const g = Number(r.row_group_id);
          const lo = g * rg;
          const hi = Math.min(cs.rows, lo + rg);
          p.check(r.row_group_num_rows === BigInt(Math.max(0, hi - lo)), `row group ${g}: ${r.row_group_num_rows} rows, expected ${hi - lo}`);
          const t = duckTypeFor(ec);
          const k = exprs.length;
          exprs.push(`TRY_CAST(${r.stats_min_value === null ? 'NULL' : sqlStr(r.stats_min_value)} AS ${t}) AS mn${k}`,
            `TRY_CAST(${r.stats_max_value === null ? 'NULL' : sqlStr(r.stats_max_value)} AS ${t}) AS mx${k}`);
          checks.push({ k, r, g, ec, want: expectedStats(ec, lo, hi) });
        }
        const typed = exprs.length ? (await duckQuery(`SELECT ${exprs.join(', ')}`)).columns : [];
        const val = (name) => typed.find((c) => c.name === name).values[0];
        for (const { k, r, g, ec, want } of checks) {
          const got = {
            nulls: r.stats_null_count === null ? null : String(r.stats_null_count),
            min: val(`mn${k}`),
            max: val(`mx${k}`),
          };
          if (want.nanOk && got.min === null && got.max === null) { want.min = null; want.max = null; }
          // DuckDB's parquet_metadata() shows an infinite float bound as NULL (checked by hand:
          // the bytes are in the file, see test_parquet.c); accept exactly that case.
          for (const f of ['min', 'max']) {
            if (got[f] === null && (want[f] === 'Infinity' || want[f] === '-Infinity')) want[f] = null;
          }
          for (const f of ['nulls', 'min', 'max']) {
            if (got[f] !== want[f]) {
              const raw = f === 'min' ? r.stats_min_value : f === 'max' ? r.stats_max_value : r.stats_null_count;
              p.add(`row group ${g} column ${ec.name}: ${f} ${JSON.stringify(got[f])} (DuckDB text ${JSON.stringify(raw === null ? null : String(raw))}), expected ${JSON.stringify(want[f])}`);
            }
          }
        }
        p.throwIfAny(`${cs.file} parquet_metadata()`);
      });
    });
  }
}

// Files Polars writes (writeParquet with its default compression and each
// other codec; sinkParquet with statistics off/on and small row groups), read
// by our reader (`interop_tool dump`): values must equal the Polars frame
// that was written, types must match its dtypes (time zones included).
// Also our projection + filter against DuckDB's SELECT ... WHERE on the file.
import { describe, test, after } from 'node:test';
import path from 'node:path';
import { pl, dumpOurs, tempDir, polarsDtype, polarsValues, polarsUnit, convertUnit, duckQuery, sqlStr, diffValues, Problems, compareWithDuck, fileSchema } from './common.mjs';

const { dir, cleanup } = tempDir('polars');
after(cleanup);

const N = 2000;

// A deterministic generator (xorshift) so the frame is the same on every run.
function rng(seed) {
  let x = BigInt(seed) | 1n;
  const M = (1n << 64n) - 1n;
  return () => {
    x ^= (x << 13n) & M; x ^= x >> 7n; x ^= (x << 17n) & M;
    return x;
  };
}

function intColumn(name, bits, signed, seed, nullEvery) {
  const r = rng(seed);
  const span = 1n << BigInt(bits);
  const min = signed ? -(span / 2n) : 0n;
  const max = min + span - 1n;
  const vals = [];
  for (let i = 0; i < N; i++) {
    if (nullEvery && i % nullEvery === 3) vals.push(null);
    else if (i === 0) vals.push(String(min));
    else if (i === 1) vals.push(String(max));
    else if (i % 4 === 0) vals.push(String(BigInt(i % 9) - (signed ? 4n : 0n)));
    else vals.push(String(min + (r() % span)));
  }
  const dt = { 8: signed ? pl.Int8 : pl.UInt8, 16: signed ? pl.Int16 : pl.UInt16, 32: signed ? pl.Int32 : pl.UInt32, 64: signed ? pl.Int64 : pl.UInt64 }[bits];
  return pl.Series(name, vals, pl.Utf8).cast(dt);
}

function floatColumn(name, dtype, seed) {
  const r = rng(seed);
  const sp = [NaN, Infinity, -Infinity, -0, 0, 0.1, -1 / 3, dtype === pl.Float32 ? 3.4028234663852886e38 : Number.MAX_VALUE, 5e-324];
  const vals = [];
  for (let i = 0; i < N; i++) {
    if (i % 9 === 5) vals.push(null);
    else if (i < sp.length) vals.push(sp[i]);
    else vals.push((Number(r() % 2000001n) - 1000000) / 64 + (i % 3 === 0 ? 1e-7 * i : 0));
  }
  return pl.Series(name, vals, dtype);
}

function buildFrame() {
  const r = rng(7);
  const strs = [];
  const bins = [];
  const ts = [];
  const days = [];
  const bools = [];
  const cats = ['AAPL', 'MSFT', 'IBM', ''];
  const catv = [];
  for (let i = 0; i < N; i++) {
    const k = i % 10;
    strs.push(k === 5 ? null : k === 6 ? '' : k === 7 ? `é日本語 😀 ${i}` : k === 8 ? `quote's "x" \\ \n\t${i}` : `str-${r() % 1000n}`);
    bins.push(i % 9 === 0 ? null : i % 9 === 1 ? '' : i % 9 === 2 ? '00ff80' : Buffer.from(`b${i}`).toString('hex'));
    // nanoseconds within ±126 years of 1970, some before 1970
    ts.push(i % 6 === 2 ? null : i === 0 ? '-1' : String((r() % 8000000000000000000n) - 4000000000000000000n));
    days.push(i % 8 === 1 ? null : i === 0 ? -1 : Number(r() % 100000n) - 50000);
    bools.push(i % 7 === 3 ? null : (r() & 1n) === 1n);
    catv.push(i % 13 === 0 ? null : cats[i % 4]);
  }
  const tsNs = pl.Series('t', ts, pl.Utf8).cast(pl.Int64);
  const df = pl.DataFrame([
    pl.Series('seq', Array.from({ length: N }, (_, i) => i), pl.Int64),
    pl.Series('b', bools, pl.Bool),
    intColumn('i8', 8, true, 11, 11), intColumn('i16', 16, true, 12, 11), intColumn('i32', 32, true, 13, 11),
    intColumn('i64', 64, true, 14, 11), intColumn('u8', 8, false, 15, 13), intColumn('u16', 16, false, 16, 13),
    intColumn('u32', 32, false, 17, 13), intColumn('u64', 64, false, 18, 13),
    floatColumn('f32', pl.Float32, 19), floatColumn('f64', pl.Float64, 20),
    pl.Series('s', strs, pl.Utf8),
    pl.Series('cat', catv, pl.Utf8).cast(pl.Categorical),
    pl.Series('d', days, pl.Int32).cast(pl.Date),
    tsNs.rename('ts_ns').cast(pl.Datetime('ns')),
    tsNs.rename('ts_us').cast(pl.Datetime('ns')).cast(pl.Datetime('us')),
    tsNs.rename('ts_ms').cast(pl.Datetime('ns')).cast(pl.Datetime('ms')),
    tsNs.rename('ts_ns_utc').cast(pl.Datetime('ns')).dt.replaceTimeZone('UTC'),
    tsNs.rename('ts_us_ny').cast(pl.Datetime('ns')).cast(pl.Datetime('us')).dt.replaceTimeZone('America/New_York'),
    tsNs.rename('ts_ms_tokyo').cast(pl.Datetime('ns')).cast(pl.Datetime('ms')).dt.replaceTimeZone('Asia/Tokyo'),
  ]);
  // Binary: nodejs-polars builds it from hex text.
  return df.withColumns(pl.Series('bin_hex', bins, pl.Utf8)).withColumns(pl.col('bin_hex').str.decode('hex').alias('bin')).drop('bin_hex');
}

const OUR_TYPE = {
  Bool: 'bool', Boolean: 'bool', Int8: 'int8', Int16: 'int16', Int32: 'int32', Int64: 'int64', UInt8: 'uint8', UInt16: 'uint16',
  UInt32: 'uint32', UInt64: 'uint64', Float32: 'float32', Float64: 'float64', String: 'string', Categorical: 'string',
  Date: 'date', Binary: 'binary',
};

let setupPromise;
const VARIANTS = {
  'writeParquet default compression': (df, f) => df.writeParquet(f),
  'writeParquet uncompressed': (df, f) => df.writeParquet(f, { compression: 'uncompressed' }),
  'writeParquet snappy': (df, f) => df.writeParquet(f, { compression: 'snappy' }),
  'writeParquet gzip': (df, f) => df.writeParquet(f, { compression: 'gzip' }),
  'writeParquet lz4': (df, f) => df.writeParquet(f, { compression: 'lz4' }),
  'writeParquet brotli': (df, f) => df.writeParquet(f, { compression: 'brotli' }),
  'writeParquet zstd': (df, f) => df.writeParquet(f, { compression: 'zstd' }),
  'sinkParquet statistics off': (df, f) => df.lazy().sinkParquet(f, { statistics: false }).collectSync(),
  'sinkParquet statistics on, row groups of 128, small pages': (df, f) => df.lazy().sinkParquet(f, { statistics: true, rowGroupSize: 128, dataPagesizeLimit: 1024, compression: 'snappy' }).collectSync(),
};

function setup() {
  setupPromise ??= (() => {
    const df = buildFrame();
    const expected = df.columns.map((name) => {
      const dtype = polarsDtype(df, name);
      return { name, dtype, values: polarsValues(df, name, dtype) };
    });
    const files = {};
    let k = 0;
    for (const [name, write] of Object.entries(VARIANTS)) {
      const file = path.join(dir, `polars_${k++}.parquet`);
      write(df, file);
      files[name] = file;
    }
    return { expected, files };
  })();
  return setupPromise;
}

function ourTypeFor(dtype) {
  const u = polarsUnit(dtype);
  return u ? { type: 'timestamp', unit: u.unit, tz: u.tz } : { type: OUR_TYPE[dtype], unit: null, tz: null };
}

describe(`Polars-written files read by pystore (${N} rows)`, () => {
  for (const name of Object.keys(VARIANTS)) {
    describe(name, () => {
      test('identical values', () => {
        const { expected, files } = setup();
        const ours = dumpOurs(files[name]);
        const p = new Problems();
        p.check(JSON.stringify(ours.columns.map((c) => c.name)) === JSON.stringify(expected.map((c) => c.name)),
          `columns ${JSON.stringify(ours.columns.map((c) => c.name))}, expected ${JSON.stringify(expected.map((c) => c.name))}`);
        p.check(ours.num_rows === N, `num_rows ${ours.num_rows}, expected ${N}`);
        for (const ec of expected) {
          const oc = ours.columns.find((c) => c.name === ec.name);
          if (!oc) continue;
          const want = ourTypeFor(ec.dtype);
          let values = ec.values;
          if (want.type === 'timestamp' && oc.unit && oc.unit !== want.unit) values = values.map((v) => convertUnit(v, want.unit, oc.unit, true));
          p.add(diffValues(oc.values, values, `column ${ec.name} (Polars ${ec.dtype}, pystore ${oc.type}${oc.unit ? ` ${oc.unit}` : ''})`));
        }
        p.throwIfAny(`${name}: values read by pystore`);
      });

      test('types, units and time zones', () => {
        const { expected, files } = setup();
        const ours = dumpOurs(files[name]);
        const p = new Problems();
        for (const ec of expected) {
          const oc = ours.columns.find((c) => c.name === ec.name);
          if (!oc) { p.add(`column ${ec.name} missing`); continue; }
          const want = ourTypeFor(ec.dtype);
          for (const k of ['type', 'unit', 'tz']) {
            p.check(oc[k] === want[k], `column ${ec.name} (Polars ${ec.dtype}): pystore ${k} ${JSON.stringify(oc[k])}, expected ${JSON.stringify(want[k])}`);
          }
        }
        p.throwIfAny(`${name}: types read by pystore`);
      });
    });
  }
});

const FILTERS = [
  [['seq', 'i16'], 'i16 <= -100 or i16 is null', 'i16 <= -100 OR i16 IS NULL'],
  [['seq', 'cat'], "cat in ('IBM', '')", "cat IN ('IBM', '')"],
  [['seq', 'ts_ns'], "ts_ns >= '1970-01-01' and ts_ns < '2000-01-01T00:00:00.000000001'", "ts_ns >= TIMESTAMP_NS '1970-01-01' AND ts_ns < TIMESTAMP_NS '2000-01-01 00:00:00.000000001'"],
  [['seq', 'ts_us_ny'], "ts_us_ny < '1960-06-01T00:00:00Z'", "ts_us_ny < TIMESTAMPTZ '1960-06-01 00:00:00+00'"],
  [['seq', 'u32', 'f32'], 'u32 > 4000000000 and f32 > 0', 'u32 > 4000000000 AND f32 > 0'],
  [['seq', 's'], "s = 'str-1' or s = ''", "s = 'str-1' OR s = ''"],
];

describe('pystore projection and filter on a Polars-written file = DuckDB SELECT ... WHERE', () => {
  for (const variant of ['writeParquet default compression', 'sinkParquet statistics on, row groups of 128, small pages']) {
    for (const [cols, expr, sql] of FILTERS) {
      test(`${variant}: SELECT ${cols.join(', ')} WHERE ${expr}`, async () => {
        const { files } = setup();
        const file = files[variant];
        const duck = await duckQuery(`SELECT ${cols.join(', ')} FROM read_parquet(${sqlStr(file)}) WHERE ${sql} ORDER BY seq`);
        const ours = dumpOurs(file, { columns: cols, where: expr });
        const schema = await fileSchema(file);
        // zone names are checked above; here only the values and the UTC adjustment
        for (const c of ours.columns) if (c.tz) c.tz = 'UTC';
        const p = new Problems();
        compareWithDuck(p, ours, duck.columns, schema);
        p.throwIfAny(`${path.basename(file)}: --columns ${cols.join(',')} --where "${expr}"`);
      });
    }
  }
});

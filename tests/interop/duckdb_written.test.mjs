// Files DuckDB writes (COPY ... TO with its defaults, each codec, small row
// groups, PARQUET_VERSION V2), read by our reader (`interop_tool dump`): the
// values must equal DuckDB's source table, the types what the file declares.
// Also our projection + filter (`dump --columns --where`) against DuckDB's
// SELECT ... WHERE on the same file.
import { describe, test, after } from 'node:test';
import path from 'node:path';
import { dumpOurs, tempDir, duckQuery, sqlStr, fileSchema, compareWithDuck, Problems } from './common.mjs';

const { dir, cleanup } = tempDir('duckdb');
after(cleanup);

const N = 3000;
// Deterministic data with extremes and nulls; hash() is DuckDB's stable hash.
const SRC = `
CREATE OR REPLACE TABLE src AS
SELECT
  i::BIGINT AS seq,
  CASE WHEN i % 7 = 3 THEN NULL ELSE hash(i, 'b') % 2 = 0 END AS b,
  (CASE WHEN i % 11 = 4 THEN NULL WHEN i = 0 THEN -128 WHEN i = 1 THEN 127 ELSE (hash(i, 'i8') % 256)::INTEGER - 128 END)::TINYINT AS i8,
  (CASE WHEN i % 11 = 5 THEN NULL WHEN i = 0 THEN -32768 WHEN i = 1 THEN 32767 ELSE (hash(i, 'i16') % 65536)::INTEGER - 32768 END)::SMALLINT AS i16,
  (CASE WHEN i % 11 = 6 THEN NULL WHEN i = 0 THEN -2147483648 WHEN i = 1 THEN 2147483647 ELSE (hash(i, 'i32') % 4294967296)::BIGINT - 2147483648 END)::INTEGER AS i32,
  (CASE WHEN i % 11 = 7 THEN NULL WHEN i = 0 THEN -9223372036854775808 WHEN i = 1 THEN 9223372036854775807
        WHEN i % 5 = 0 THEN i ELSE hash(i, 'i64')::HUGEINT - 9223372036854775808 END)::BIGINT AS i64,
  (CASE WHEN i % 13 = 4 THEN NULL WHEN i = 1 THEN 255 ELSE hash(i, 'u8') % 256 END)::UTINYINT AS u8,
  (CASE WHEN i % 13 = 5 THEN NULL WHEN i = 1 THEN 65535 ELSE hash(i, 'u16') % 65536 END)::USMALLINT AS u16,
  (CASE WHEN i % 13 = 6 THEN NULL WHEN i = 1 THEN 4294967295 ELSE hash(i, 'u32') % 4294967296 END)::UINTEGER AS u32,
  (CASE WHEN i % 13 = 7 THEN NULL WHEN i = 1 THEN 18446744073709551615 ELSE hash(i, 'u64') END)::UBIGINT AS u64,
  (CASE WHEN i % 17 = 4 THEN NULL WHEN i = 0 THEN 'nan'::FLOAT WHEN i = 1 THEN 'inf'::FLOAT WHEN i = 2 THEN '-inf'::FLOAT
        WHEN i = 3 THEN '-0.0'::FLOAT WHEN i = 5 THEN 3.4028235e38::FLOAT
        ELSE ((hash(i, 'f32') % 2000001)::DOUBLE - 1000000) / 37 END)::FLOAT AS f32,
  (CASE WHEN i % 17 = 5 THEN NULL WHEN i = 0 THEN 'nan'::DOUBLE WHEN i = 1 THEN 'inf'::DOUBLE WHEN i = 2 THEN '-inf'::DOUBLE
        WHEN i = 3 THEN '-0.0'::DOUBLE WHEN i = 4 THEN 1.7976931348623157e308 WHEN i = 6 THEN 5e-324
        ELSE ((hash(i, 'f64') % 2000000001)::DOUBLE - 1000000000) / 7 END)::DOUBLE AS f64,
  CASE WHEN i % 10 = 5 THEN NULL WHEN i % 10 = 6 THEN '' WHEN i % 10 = 7 THEN 'é日本語 😀 ' || i
       WHEN i % 10 = 8 THEN 'quote''s "x" \\ ' || chr(10) || chr(9) ELSE 'str-' || (hash(i, 's') % 1000) END AS s,
  CASE WHEN i % 13 = 0 THEN NULL ELSE ['AAPL', 'MSFT', 'IBM', 'GOOG', ''][i % 5 + 1] END AS s_dict,
  CASE WHEN i % 9 = 0 THEN NULL WHEN i % 9 = 1 THEN ''::BLOB WHEN i % 9 = 2 THEN '\\x00\\xFF\\x80'::BLOB ELSE ('b' || i)::BLOB END AS bl,
  CASE WHEN i % 8 = 1 THEN NULL WHEN i = 0 THEN DATE '1969-12-31' ELSE DATE '1970-01-01' + ((hash(i, 'd') % 100000)::INTEGER - 50000) END AS d,
  CASE WHEN i % 6 = 2 THEN NULL WHEN i = 0 THEN make_timestamp(-1::BIGINT)
       ELSE make_timestamp(((hash(i, 'ts') % 8000000000000000)::BIGINT - 4000000000000000)) END AS ts,
  CASE WHEN i % 6 = 3 THEN NULL WHEN i = 0 THEN make_timestamp_ns(-1::BIGINT)
       ELSE make_timestamp_ns(((hash(i, 'tsns') % 8000000000000000000)::BIGINT - 4000000000000000000)) END AS ts_ns,
  CASE WHEN i % 6 = 4 THEN NULL
       ELSE make_timestamp(((hash(i, 'tsms') % 8000000000000000)::BIGINT - 4000000000000000))::TIMESTAMP_MS END AS ts_ms,
  CASE WHEN i % 6 = 5 THEN NULL
       ELSE make_timestamp(((hash(i, 'tss') % 8000000000000000)::BIGINT - 4000000000000000))::TIMESTAMP_S END AS ts_s,
  CASE WHEN i % 6 = 0 THEN NULL WHEN i = 1 THEN make_timestamp(-1::BIGINT)::TIMESTAMPTZ
       ELSE make_timestamp(((hash(i, 'tstz') % 8000000000000000)::BIGINT - 4000000000000000))::TIMESTAMPTZ END AS tstz
FROM range(${N}) t(i)`;

const VARIANTS = {
  default: '(FORMAT parquet)',
  uncompressed: '(FORMAT parquet, COMPRESSION uncompressed)',
  snappy: '(FORMAT parquet, COMPRESSION snappy)',
  gzip: '(FORMAT parquet, COMPRESSION gzip)',
  zstd: '(FORMAT parquet, COMPRESSION zstd)',
  lz4_raw: '(FORMAT parquet, COMPRESSION lz4_raw)',
  brotli: '(FORMAT parquet, COMPRESSION brotli)',
  small_row_groups: '(FORMAT parquet, ROW_GROUP_SIZE 100)',
  v2: '(FORMAT parquet, PARQUET_VERSION V2)',
  v2_zstd_small_row_groups: '(FORMAT parquet, PARQUET_VERSION V2, COMPRESSION zstd, ROW_GROUP_SIZE 100)',
};


let setupPromise;
function setup() {
  setupPromise ??= (async () => {
    await duckQuery(SRC);
    const src = await duckQuery('SELECT * FROM src ORDER BY seq');
    const files = {};
    for (const [name, opts] of Object.entries(VARIANTS)) {
      const file = path.join(dir, `duckdb_${name}.parquet`);
      await duckQuery(`COPY (SELECT * FROM src ORDER BY seq) TO ${sqlStr(file)} ${opts}`);
      files[name] = file;
    }
    return { src, files };
  })();
  return setupPromise;
}

describe(`DuckDB-written files read by pystore (${N} rows)`, () => {
  for (const name of Object.keys(VARIANTS)) {
    test(`COPY TO ${VARIANTS[name]}`, async () => {
      const { src, files } = await setup();
      const file = files[name];
      const meta = await duckQuery(`SELECT DISTINCT compression, encodings FROM parquet_metadata(${sqlStr(file)})`);
      const ours = dumpOurs(file);
      const p = new Problems();
      compareWithDuck(p, ours, src.columns, await fileSchema(file));
      p.throwIfAny(`${path.basename(file)} (codecs/encodings: ${JSON.stringify(meta.rows.map((r) => `${r.compression}:${r.encodings}`))})`);
    });
  }
});

// Our projection + filter on their file equals DuckDB's SELECT ... WHERE.
// [columns, pystore expression, SQL predicate]
const FILTERS = [
  [['seq', 'i32'], 'i32 > 100', 'i32 > 100'],
  [['seq', 's_dict'], "s_dict == 'AAPL' or s_dict in ('IBM', '')", "s_dict = 'AAPL' OR s_dict IN ('IBM', '')"],
  [['seq', 's'], "s = '' or s is null", "s = '' OR s IS NULL"],
  [['i8', 'f64'], 'f64 < 0.5 and i8 != 0', 'f64 < 0.5 AND i8 <> 0'],
  [['seq', 'ts'], "ts >= '2000-01-01' and ts < '2010-01-01'", "ts >= TIMESTAMP '2000-01-01' AND ts < TIMESTAMP '2010-01-01'"],
  [['seq', 'ts_ns'], "ts_ns < '1969-12-31T23:59:59.999999999'", "ts_ns < TIMESTAMP_NS '1969-12-31 23:59:59.999999999'"],
  [['seq', 'tstz'], "tstz >= '2000-01-01T00:00:00Z'", "tstz >= TIMESTAMPTZ '2000-01-01 00:00:00+00'"],
  [['seq', 'd'], "d < '1970-01-01'", "d < DATE '1970-01-01'"],
  [['seq', 'u64', 'b'], 'u64 >= 9223372036854775808 and b = true', 'u64 >= 9223372036854775808 AND b = true'],
  [['seq', 'i64'], 'i64 in (-9223372036854775808, 9223372036854775807, 10)', 'i64 IN (-9223372036854775808, 9223372036854775807, 10)'],
  [['seq'], 'not (seq >= 10) or seq = 2999', 'NOT (seq >= 10) OR seq = 2999'],
  [['seq', 'f32'], 'f32 is not null and f32 <= -1000', 'f32 IS NOT NULL AND f32 <= -1000'],
];

describe('pystore projection and filter on a DuckDB-written file = DuckDB SELECT ... WHERE', () => {
  for (const variant of ['default', 'v2_zstd_small_row_groups']) {
    for (const [cols, expr, sql] of FILTERS) {
      test(`${variant}: SELECT ${cols.join(', ')} WHERE ${expr}`, async () => {
        const { files } = await setup();
        const file = files[variant];
        const duck = await duckQuery(`SELECT ${cols.join(', ')} FROM read_parquet(${sqlStr(file)}) WHERE ${sql} ORDER BY seq`.replace('ORDER BY seq', cols.includes('seq') ? 'ORDER BY seq' : ''));
        const ours = dumpOurs(file, { columns: cols, where: expr });
        const p = new Problems();
        compareWithDuck(p, ours, duck.columns, await fileSchema(file));
        p.throwIfAny(`${path.basename(file)}: --columns ${cols.join(',')} --where "${expr}"`);
      });
    }
  }
});

// A store item written by pystore (several parts: a write cut into parts, an
// append after the range, an overlapping append that rewrites parts) read
// directly by DuckDB (read_parquet('<item>/*.parquet')) and Polars
// (scanParquet('<item>/*.parquet')): both must return exactly the rows our
// reader returns, ordered by the index.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  runTool, normalizeDump, tempDir, duckQuery, sqlStr, fileSchema, compareWithDuck,
  pl, polarsDtype, polarsValues, polarsUnit, convertUnit, diffValues, Problems,
} from './common.mjs';

const { dir, cleanup } = tempDir('store');
after(cleanup);

const itemDir = runTool(['store-write', dir]).trim();
const ours = normalizeDump(JSON.parse(runTool(['store-dump', dir, 's/c/ITEM'])));
const glob = path.join(itemDir, '*.parquet');

test('the item has several part files', () => {
  const parts = readdirSync(itemDir).filter((f) => f.endsWith('.parquet'));
  assert.ok(parts.length >= 3, `only ${parts.length} parts: ${parts.join(', ')}`);
  assert.equal(ours.index, 'Date');
  assert.ok(ours.num_rows > 10);
});

test('DuckDB read_parquet(<item>/*.parquet) returns our rows', async () => {
  const p = new Problems();
  const { columns } = await duckQuery(`SELECT * FROM read_parquet(${sqlStr(glob)}) ORDER BY "Date"`);
  const first = readdirSync(itemDir).find((f) => f.endsWith('.parquet'));
  compareWithDuck(p, ours, columns, await fileSchema(path.join(itemDir, first)));
  p.throwIfAny('DuckDB vs pystore');
});

test('Polars scanParquet(<item>/*.parquet) returns our rows', () => {
  const p = new Problems();
  const df = pl.scanParquet(glob).sort('Date').collectSync();
  p.check(JSON.stringify(df.columns) === JSON.stringify(ours.columns.map((c) => c.name)),
    `Polars columns ${JSON.stringify(df.columns)}`);
  p.check(df.height === ours.num_rows, `Polars rows ${df.height}, pystore ${ours.num_rows}`);
  for (const oc of ours.columns) {
    if (!df.columns.includes(oc.name)) continue;
    const dtype = polarsDtype(df, oc.name);
    let got = polarsValues(df, oc.name, dtype);
    const u = polarsUnit(dtype);
    if (u) {
      p.check(u.tz === oc.tz, `column ${oc.name}: Polars tz ${u.tz}, pystore ${oc.tz}`);
      got = got.map((v) => convertUnit(v, u.unit, oc.unit, true));
    }
    p.add(diffValues(got, oc.values, `column ${oc.name} (Polars ${dtype})`));
  }
  p.throwIfAny('Polars vs pystore');
});

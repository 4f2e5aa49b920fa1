// peers.mjs: the benchmark workloads of bench/bench.c, run through DuckDB
// (@duckdb/node-api) and Polars (nodejs-polars).
//
//   node peers.mjs run DIR [--repeat N] [--engines duckdb,polars] [--workloads a,b]
//       For every workload and engine, N times, spawn a fresh
//       `node peers.mjs child ENGINE WORKLOAD DIR` and print one JSON line
//       per (workload, engine) in the format of `bench run`:
//       {"workload", "engine", "seconds" (best), "times", "rows",
//        "file_bytes", "decoded_bytes", "peak_rss" (max over runs),
//        "base_rss", "threads"}
//   node peers.mjs child ENGINE WORKLOAD DIR
//       Run one workload once in this process and print one JSON object.
//
// DIR is what `bench gen DIR` made: ref_*.parquet (written by pystore,
// snappy) and meta.json (row counts, filter bounds, columns to read).
//
// What is timed (performance.now() around the operation only):
//  - writes: the data is first loaded from the reference file into memory
//    (DuckDB: CREATE TABLE t AS SELECT * FROM read_parquet(ref); Polars:
//    readParquet(ref)), untimed; then DuckDB `COPY (SELECT * FROM t) TO
//    'f' (FORMAT parquet, CODEC '...')` / Polars df.writeParquet(f, {compression}).
//  - reads: every engine reads the same reference file. DuckDB:
//    connection.run(SELECT ...) which returns a fully materialised result
//    (DuckDB's own columnar chunks in native memory), then every chunk is
//    fetched (getChunk) and its rows counted; values are NOT converted to JS
//    objects (that would measure the JS bindings, not the reader). Polars:
//    pl.readParquet(f, {columns}) / pl.scanParquet(f).filter(..).collect(),
//    which materialise a native DataFrame.
// Peak RSS: process.resourceUsage().maxRSS of the child at the end (the same
// number as ru_maxrss); base_rss is the same just before the timed call.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, statSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import path from 'node:path';

const SELF = fileURLToPath(import.meta.url);
// Store / seed-table workloads (bench store-setup writes DIR/store.json with
// the item directories; an item directory is a plain Parquet dataset, read as
// 'item/*.parquet'). "Append" for a peer = writing the new rows as a new file
// in a dataset directory (DIR/peer_ds/).
const STORE_WORKLOADS = ['seed.batch10', 'seed.read1m', 'seed.read3of20', 'seed.filter10', 'seed.filter_ts10'];
const BIG_WORKLOADS = ['seed.stream10m', 'store.append1k', 'store.read_range1pct'];
const WORKLOADS = [
  'w1m.write_snappy', 'w1m.write_zstd', 'w1m.read_all', 'w1m.read_cols', 'w1m.read_ts10', 'w1m.read_c0gt',
  'w100k.write_snappy', 'w100k.write_zstd', 'w100k.read_all', 'w100k.read_cols', 'w100k.read_ts10', 'w100k.read_c0gt',
  'ohlcv.write', 'ohlcv.read_all', 'ohlcv.read_sym',
];

function die(msg) {
  process.stderr.write(`peers: ${msg}\n`);
  process.exit(1);
}

const sqlStr = (s) => `'${String(s).replace(/'/g, "''")}'`;
// Peak RSS of the timed call: the high-water mark is reset (/proc/self/clear_refs "5")
// just before it and VmHWM read just after; base = VmRSS just before.
let hwmReset = false;
function procStatus(key) {
  const m = readFileSync("/proc/self/status", "utf8").match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) * 1024 : 0;
}
function startPeak() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    hwmReset = true;
  } catch {
    hwmReset = false;
  }
  return procStatus("VmRSS");
}
const peakRss = () => procStatus("VmHWM");

async function storeChild(engine, workload, dir) {
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  const st = JSON.parse(readFileSync(path.join(dir, 'store.json'), 'utf8'));
  const abs = (p) => (path.isAbsolute(p) ? p : path.resolve(p));
  const seedGlob = path.join(abs(st.seed_item), '*.parquet');
  const bigGlob = path.join(abs(st.big_item), '*.parquet');
  const ds = path.join(dir, 'peer_ds');
  mkdirSync(ds, { recursive: true });
  const w100k = path.join(dir, meta.datasets.w100k.ref);
  const op = workload;
  // reads: [glob, kind, lo, hi]
  const reads = {
    'seed.read1m': [seedGlob, 'all'],
    'seed.read3of20': [seedGlob, 'cols'],
    'seed.filter10': [seedGlob, 'c0gt'],
    'seed.filter_ts10': [seedGlob, 'range', st.ts10_lo_iso, st.ts10_hi_iso, false],
    'store.read_range1pct': [bigGlob, 'range', st.range1_lo_iso, st.range1_hi_iso, true],
  };
  let seconds, rows, threads, fileBytes = null, base;
  if (engine === 'duckdb') {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    threads = Number((await conn.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjects()[0].t);
    if (reads[op]) {
      const [g, kind, lo, hi, incl] = reads[op];
      const src = `read_parquet(${sqlStr(g)})`;
      let sql;
      if (kind === 'all') sql = `SELECT * FROM ${src}`;
      else if (kind === 'cols') sql = `SELECT ts, c3, c11, c19 FROM ${src}`;
      else if (kind === 'c0gt') sql = `SELECT * FROM ${src} WHERE c0 > 0.9`;
      else sql = `SELECT * FROM ${src} WHERE ts >= TIMESTAMP_NS ${sqlStr(lo)} AND ts ${incl ? '<=' : '<'} TIMESTAMP_NS ${sqlStr(hi)}`;
      base = startPeak();
      const t0 = performance.now();
      const res = await conn.run(sql);
      rows = 0;
      for (let i = 0; i < res.chunkCount; i++) rows += res.getChunk(i).rowCount;
      seconds = (performance.now() - t0) / 1e3;
    } else if (op === 'seed.batch10' || op === 'store.append1k') {
      const n = op === 'seed.batch10' ? 10 : 1;
      await conn.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${sqlStr(w100k)})${op === 'store.append1k' ? ' LIMIT ' + st.append1k_rows : ''}`);
      base = startPeak();
      const t0 = performance.now();
      for (let k = 0; k < n; k++)
        await conn.run(`COPY (SELECT * FROM t) TO ${sqlStr(path.join(ds, `duckdb_${op}_${k}.parquet`))} (FORMAT parquet, CODEC 'snappy')`);
      seconds = (performance.now() - t0) / 1e3;
      rows = n * Number((await conn.runAndReadAll('SELECT count(*) AS n FROM t')).getRowObjects()[0].n);
      fileBytes = statSync(path.join(ds, `duckdb_${op}_0.parquet`)).size * n;
    } else if (op === 'seed.stream10m') {
      // DuckDB generates the rows (random()) and streams them to one file:
      // the closest equivalent of a streaming append of generated batches.
      const cols = Array.from({ length: 20 }, (_, i) => `random() AS c${i}`).join(', ');
      const out = path.join(ds, 'duckdb_stream10m.parquet');
      base = startPeak();
      const t0 = performance.now();
      await conn.run(
        `COPY (SELECT (TIMESTAMP '2024-01-01' + to_seconds(i))::TIMESTAMP_NS AS ts, ${cols} FROM range(${st.big_rows}) r(i)) ` +
          `TO ${sqlStr(out)} (FORMAT parquet, CODEC 'snappy')`,
      );
      seconds = (performance.now() - t0) / 1e3;
      rows = st.big_rows;
      fileBytes = statSync(out).size;
      rmSync(out, { force: true });
    } else die(`unknown workload ${workload}`);
    return { seconds, rows, file_bytes: fileBytes, base_rss: base, peak_rss: peakRss(), hwm_reset: hwmReset, threads };
  }
  if (engine === 'polars') {
    const plmod = await import('nodejs-polars');
    const pl = plmod.default ?? plmod;
    threads = Number(process.env.POLARS_MAX_THREADS || cpus().length);
    if (reads[op]) {
      const [g, kind, lo, hi, incl] = reads[op];
      let df;
      base = startPeak();
      const t0 = performance.now();
      const lf = pl.scanParquet(g);
      if (kind === 'all') df = await lf.collect();
      else if (kind === 'cols') df = await lf.select('ts', 'c3', 'c11', 'c19').collect();
      else if (kind === 'c0gt') df = await lf.filter(pl.col('c0').gt(0.9)).collect();
      else {
        const a = pl.lit(new Date(lo + 'Z')), b = pl.lit(new Date(hi + 'Z'));
        df = await lf.filter(pl.col('ts').gtEq(a).and(incl ? pl.col('ts').ltEq(b) : pl.col('ts').lt(b))).collect();
      }
      seconds = (performance.now() - t0) / 1e3;
      rows = df.height;
    } else if (op === 'seed.batch10' || op === 'store.append1k') {
      const n = op === 'seed.batch10' ? 10 : 1;
      let df = pl.readParquet(w100k);
      if (op === 'store.append1k') df = df.head(st.append1k_rows);
      base = startPeak();
      const t0 = performance.now();
      for (let k = 0; k < n; k++) df.writeParquet(path.join(ds, `polars_${op}_${k}.parquet`), { compression: 'snappy' });
      seconds = (performance.now() - t0) / 1e3;
      rows = n * df.height;
      fileBytes = statSync(path.join(ds, `polars_${op}_0.parquet`)).size * n;
    } else return null; // no Polars equivalent (seed.stream10m)
    return { seconds, rows, file_bytes: fileBytes, base_rss: base, peak_rss: peakRss(), hwm_reset: hwmReset, threads };
  }
  die(`unknown engine ${engine}`);
}

async function child(engine, workload, dir) {
  if (STORE_WORKLOADS.includes(workload) || BIG_WORKLOADS.includes(workload)) return storeChild(engine, workload, dir);
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  const [dsName, op] = workload.split('.');
  const ds = meta.datasets[dsName];
  if (!ds || !op) die(`unknown workload ${workload}`);
  const ref = path.join(dir, ds.ref);
  const isWrite = op.startsWith('write');
  const codec = op === 'write_zstd' ? 'zstd' : 'snappy';
  const out = path.join(dir, `out_${engine}_${dsName}_${op}.parquet`);
  let seconds, rows, threads, fileBytes;

  if (engine === 'duckdb') {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    threads = Number((await conn.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjects()[0].t);
    if (isWrite) {
      await conn.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${sqlStr(ref)})`);
      const base = startPeak();
      const t0 = performance.now();
      await conn.run(`COPY (SELECT * FROM t) TO ${sqlStr(out)} (FORMAT parquet, CODEC '${codec}')`);
      seconds = (performance.now() - t0) / 1e3;
      rows = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM t')).getRowObjects()[0].n);
      fileBytes = statSync(out).size;
      return { seconds, rows, file_bytes: fileBytes, base_rss: base, peak_rss: peakRss(), hwm_reset: hwmReset, threads };
    }
    let sql;
    const src = `read_parquet(${sqlStr(ref)})`;
    if (op === 'read_all') sql = `SELECT * FROM ${src}`;
    else if (op === 'read_cols') sql = `SELECT ts, ${ds.read_cols.join(', ')} FROM ${src}`;
    else if (op === 'read_ts10')
      sql = `SELECT * FROM ${src} WHERE ts >= TIMESTAMP_NS ${sqlStr(ds.ts_lo_iso)} AND ts < TIMESTAMP_NS ${sqlStr(ds.ts_hi_iso)}`;
    else if (op === 'read_c0gt') sql = `SELECT * FROM ${src} WHERE c0 > 0.9`;
    else if (op === 'read_sym') sql = `SELECT * FROM ${src} WHERE symbol = ${sqlStr(ds.symbol)}`;
    else die(`unknown workload ${workload}`);
    const base = startPeak();
    const t0 = performance.now();
    const res = await conn.run(sql); // materialised result
    const nchunks = res.chunkCount;
    rows = 0;
    for (let i = 0; i < nchunks; i++) rows += res.getChunk(i).rowCount;
    seconds = (performance.now() - t0) / 1e3;
    if (rows !== res.rowCount) die(`duckdb: ${rows} rows in chunks, ${res.rowCount} in result`);
    return { seconds, rows, file_bytes: statSync(ref).size, base_rss: base, peak_rss: peakRss(), hwm_reset: hwmReset, threads };
  }

  if (engine === 'polars') {
    const plmod = await import('nodejs-polars');
    const pl = plmod.default ?? plmod;
    threads = Number(process.env.POLARS_MAX_THREADS || cpus().length);
    if (isWrite) {
      const df = pl.readParquet(ref);
      const base = startPeak();
      const t0 = performance.now();
      df.writeParquet(out, { compression: codec });
      seconds = (performance.now() - t0) / 1e3;
      return { seconds, rows: df.height, file_bytes: statSync(out).size, base_rss: base, peak_rss: peakRss(), hwm_reset: hwmReset, threads };
    }
    let df;
    const base = startPeak();
    const t0 = performance.now();
    if (op === 'read_all') df = pl.readParquet(ref);
    else if (op === 'read_cols') df = pl.readParquet(ref, { columns: ['ts', ...ds.read_cols] });
    else if (op === 'read_ts10') {
      const lo = pl.lit(new Date(ds.ts_lo_iso + 'Z')), hi = pl.lit(new Date(ds.ts_hi_iso + 'Z'));
      df = await pl.scanParquet(ref).filter(pl.col('ts').gtEq(lo).and(pl.col('ts').lt(hi))).collect();
    } else if (op === 'read_c0gt') df = await pl.scanParquet(ref).filter(pl.col('c0').gt(0.9)).collect();
    else if (op === 'read_sym') df = await pl.scanParquet(ref).filter(pl.col('symbol').eq(pl.lit(ds.symbol))).collect();
    else die(`unknown workload ${workload}`);
    seconds = (performance.now() - t0) / 1e3;
    return { seconds, rows: df.height, file_bytes: statSync(ref).size, base_rss: base, peak_rss: peakRss(), hwm_reset: hwmReset, threads };
  }
  die(`unknown engine ${engine}`);
}

const p_none = (engine, wl) => engine === 'polars' && wl === 'seed.stream10m';
function runAll(dir, repeat, engines, workloads) {
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  for (const wl of workloads) {
    const [dsName] = wl.split('.');
    for (const engine of engines) {
      const results = [];
      for (let r = 0; r < repeat; r++) {
        const p = spawnSync(process.execPath, [SELF, 'child', engine, wl, dir], {
          encoding: 'utf8',
          env: { ...process.env, POLARS_MAX_THREADS: String(cpus().length) },
          maxBuffer: 1 << 20,
        });
        if (p.status !== 0) {
          process.stderr.write(`peers: ${engine} ${wl} failed (status ${p.status}):\n${p.stderr}\n`);
          break;
        }
        const line = p.stdout.trim().split('\n').pop();
        const rec = JSON.parse(line);
        if (rec === null) break; // engine has no equivalent
        results.push(rec);
      }
      if (!results.length && p_none(engine, wl)) continue;
      if (!results.length) {
        console.log(JSON.stringify({ workload: wl, engine, error: 'failed' }));
        continue;
      }
      const times = results.map((x) => x.seconds);
      const best = results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      console.log(JSON.stringify({
        workload: wl,
        engine,
        seconds: best.seconds,
        times,
        rows: best.rows,
        file_bytes: best.file_bytes,
        decoded_bytes: meta.datasets[dsName] && wl.split('.')[1].startsWith('write') ? meta.datasets[dsName].decoded_bytes : null,
        peak_rss: Math.max(...results.map((x) => x.peak_rss)),
        base_rss: Math.max(...results.map((x) => x.base_rss)),
        hwm_reset: results.every((x) => x.hwm_reset),
        threads: best.threads,
      }));
    }
  }
}

const [, , cmd, ...args] = process.argv;
if (cmd === 'child') {
  const [engine, wl, dir] = args;
  if (!dir || !existsSync(path.join(dir, 'meta.json'))) die('usage: peers.mjs child ENGINE WORKLOAD DIR');
  const res = await child(engine, wl, dir);
  process.stdout.write(JSON.stringify(res) + '\n');
  process.exit(0);
} else if (cmd === 'run') {
  const dir = args[0];
  if (!dir || !existsSync(path.join(dir, 'meta.json'))) die('usage: peers.mjs run DIR [--repeat N] (run `bench gen DIR` first)');
  let repeat = 3, engines = ['duckdb', 'polars'], workloads = WORKLOADS;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '--repeat') repeat = Math.max(1, parseInt(args[++i], 10) || 1);
    else if (args[i] === '--engines') engines = args[++i].split(',');
    else if (args[i] === '--workloads') workloads = args[++i].split(',');
    else die(`unknown option ${args[i]}`);
  }
  runAll(dir, repeat, engines, workloads);
} else {
  die('usage: node peers.mjs run DIR [--repeat N] [--engines duckdb,polars] [--workloads a,b] | child ENGINE WORKLOAD DIR');
}

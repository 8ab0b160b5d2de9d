// sparse-stream dashboard: follows the run through server-sent events (api/events), draws the metrics
// with uPlot, shows the dictionary and reconstructions, and sends the controls (api/lambda, ...) with the
// run's token. No build step: plain browser JavaScript.
(function () {
  'use strict';

  const TOKEN_KEY = 'sparse-stream-token';
  const COLUMNS = ['seq', 'epoch', 'lambda', 'energy', 'reconstruction', 'sparsityTerm', 'hinge', 'encoderTerm',
    'psnr', 'sparsity', 'minStd', 'meanStd', 'dead', 'fistaSteps', 'samplesPerSecond', 'staleness'];
  const IMAGE_REFRESH_MS = 3000;
  const USAGE_BINS = 20;

  const S = { cols: emptyColumns(), epochs: [], lambdaChanges: [], status: null, ended: false };
  const charts = {};
  let renderQueued = false;
  let shownImageVersion = -1;
  let imagesLoading = false;

  const $ = (id) => document.getElementById(id);

  function emptyColumns() {
    const c = {};
    for (const k of COLUMNS) c[k] = [];
    return c;
  }

  // ------------------------------------------------------------------ token
  // The token arrives in the address's fragment (#token=...), which browsers never send to a server; it is
  // kept for this tab only and removed from the address bar.
  (function takeTokenFromAddress() {
    const m = /(?:^#|&)token=([0-9a-fA-F]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, m[1]);
      history.replaceState(null, '', location.pathname + location.search);
    }
  })();

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  }

  function showTokenRow(show) {
    $('token-row').hidden = !show;
  }

  // ------------------------------------------------------------------ data

  /** Appends the rows of an update; false when it does not follow on from what we hold. */
  function apply(u) {
    const b = u.batches;
    const have = S.cols.seq.length;
    if (b.from > have || u.epochs.from > S.epochs.length || u.lambdaChanges.from > S.lambdaChanges.length) {
      return false;
    }
    if (b.from < have) {
      for (const k of COLUMNS) S.cols[k].length = b.from;
    }
    for (const k of COLUMNS) {
      const src = b[k];
      const dst = S.cols[k];
      for (let i = 0; i < src.length; i++) dst.push(src[i]);
    }
    S.epochs.length = u.epochs.from;
    for (const r of u.epochs.rows) S.epochs.push(r);
    S.lambdaChanges.length = u.lambdaChanges.from;
    for (const r of u.lambdaChanges.rows) S.lambdaChanges.push(r);
    S.status = u.status;
    queueRender();
    return true;
  }

  async function reload() {
    const r = await fetch('api/metrics', { cache: 'no-store' });
    if (r.ok) {
      S.cols = emptyColumns();
      S.epochs = [];
      S.lambdaChanges = [];
      apply(await r.json());
    }
  }

  function connect() {
    const es = new EventSource('api/events');
    es.onopen = () => setConnection('live');
    es.addEventListener('update', (e) => {
      if (!apply(JSON.parse(e.data))) reload();
    });
    es.addEventListener('end', (e) => {
      S.ended = true;
      S.status = JSON.parse(e.data);
      es.close();
      setConnection('run ended');
      refreshImages(true);
      queueRender();
    });
    es.onerror = () => {
      if (!S.ended) setConnection('reconnecting…');
    };
  }

  function setConnection(text) {
    $('connection').textContent = text;
  }

  // ------------------------------------------------------------------ charts

  const COLORS = ['#2b59c3', '#d92d20', '#079455', '#dc6803', '#7a5af8', '#101828'];

  function lineSeries(label, i, extra) {
    return Object.assign({ label: label, stroke: COLORS[i % COLORS.length], width: 1.25, points: { show: false } },
      extra || {});
  }

  function validationSeries(label, i) {
    return { label: label, stroke: COLORS[i % COLORS.length], width: 2, dash: [6, 4], spanGaps: true,
      points: { show: true, size: 7, fill: COLORS[i % COLORS.length] } };
  }

  function makeChart(id, series, axes, scales) {
    const el = $('chart-' + id);
    const opts = {
      width: Math.max(300, el.clientWidth),
      height: 220,
      scales: Object.assign({ x: { time: false } }, scales || {}),
      axes: axes || [{ label: 'epoch' }, { size: 64 }],
      series: [{ label: 'epoch', value: (u, v) => v == null ? '–' : v.toFixed(2) }].concat(series),
      legend: { live: true },
    };
    charts[id] = new uPlot(opts, [[]].concat(series.map(() => [])), el);
    return charts[id];
  }

  function createCharts() {
    makeChart('energy', [lineSeries('energy', 5), lineSeries('reconstruction', 0), lineSeries('λ‖z‖₁', 2),
      lineSeries('hinge', 1), lineSeries('encoder', 4), validationSeries('validation', 3)]);
    makeChart('psnr', [lineSeries('train', 0), validationSeries('validation', 3)]);
    makeChart('sparsity', [lineSeries('train', 0), validationSeries('validation', 3)]);
    makeChart('steps', [lineSeries('mean steps', 4)]);
    makeChart('throughput', [lineSeries('samples/s', 2)]);
    makeChart('lambda', [lineSeries('λ', 0, { paths: uPlot.paths.stepped({ align: 1 }) }),
      { label: 'changed', stroke: COLORS[1], paths: () => null, points: { show: true, size: 9, fill: COLORS[1] } }]);
    makeChart('health', [lineSeries('min std', 1), lineSeries('mean std', 0),
      lineSeries('dead', 5, { scale: 'dead' })],
      [{ label: 'epoch' }, { label: 'std', size: 64 }, { scale: 'dead', side: 1, label: 'dead', grid: { show: false } }],
      { dead: { range: (u, lo, hi) => [0, Math.max(1, hi)] } });
    const usage = $('chart-usage');
    charts.usage = new uPlot({
      width: Math.max(300, usage.clientWidth), height: 220,
      scales: { x: { time: false, range: [0, 100] } },
      axes: [{ label: '% of samples using the component' }, { label: 'components' }],
      series: [{ label: 'usage %' }, { label: 'components', fill: 'rgba(43,89,195,0.5)', stroke: COLORS[0],
        paths: uPlot.paths.bars({ size: [0.95, 100] }), points: { show: false } }],
    }, [[], []], usage);
  }

  function resizeCharts() {
    for (const id in charts) {
      const el = $('chart-' + id);
      charts[id].setSize({ width: Math.max(300, el.clientWidth), height: 220 });
    }
  }

  function queueRender() {
    if (!renderQueued) {
      renderQueued = true;
      requestAnimationFrame(() => {
        renderQueued = false;
        render();
      });
    }
  }

  function render() {
    const st = S.status;
    if (!st) return;
    renderStatus(st);
    const c = S.cols;
    const perEpoch = st.batchesPerEpoch > 0 ? st.batchesPerEpoch : 1;
    const x = c.seq.map((s) => (s + 1) / perEpoch);
    const epochAt = new Map();
    for (const e of S.epochs) epochAt.set(e.lastSeq, e);
    const perEpochValue = (f) => c.seq.map((s) => {
      const e = epochAt.get(s);
      return e ? f(e) : null;
    });
    const pct = (a) => a.map((v) => v == null ? null : 100 * v);
    charts.energy.setData([x, c.energy, c.reconstruction, c.sparsityTerm, c.hinge, c.encoderTerm,
      perEpochValue((e) => e.valEnergy)]);
    charts.psnr.setData([x, c.psnr, perEpochValue((e) => e.val.psnr)]);
    charts.sparsity.setData([x, pct(c.sparsity), perEpochValue((e) => e.val.sparsity == null ? null : 100 * e.val.sparsity)]);
    charts.steps.setData([x, c.fistaSteps]);
    charts.throughput.setData([x, c.samplesPerSecond]);
    const index = new Map();
    c.seq.forEach((s, i) => index.set(s, i));
    const marks = c.seq.map(() => null);
    for (const ch of S.lambdaChanges) {
      const i = index.get(ch.fromSeq);
      if (i !== undefined) marks[i] = ch.lambda;
    }
    charts.lambda.setData([x, c.lambda, marks]);
    charts.health.setData([x, c.minStd, c.meanStd, c.dead]);
    renderUsage(st.usage);
  }

  function renderUsage(usage) {
    if (!usage) return;
    const counts = new Array(USAGE_BINS).fill(0);
    let unused = 0;
    for (const f of usage.fractions) {
      counts[Math.min(USAGE_BINS - 1, Math.floor(f * USAGE_BINS))]++;
      if (f === 0) unused++;
    }
    const centres = counts.map((_, i) => (i + 0.5) * 100 / USAGE_BINS);
    charts.usage.setData([centres, counts]);
    $('usage-samples').textContent = 'latest ' + usage.samples + ' training samples; ' + unused + ' of '
      + usage.fractions.length + ' components unused';
  }

  // ------------------------------------------------------------------ status

  function fmt(v, digits) {
    return v == null || Number.isNaN(v) ? '–' : Number(v).toFixed(digits);
  }

  function duration(seconds) {
    if (seconds == null) return '–';
    const s = Math.round(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + ' h ' : '') + (h > 0 || m > 0 ? m + ' min ' : '') + (s % 60) + ' s';
  }

  // A cluster's members and their changes (absent for a single-node run). Built with text nodes only:
  // addresses and event texts come from other machines.
  function renderCluster(cluster) {
    $('cluster').hidden = !cluster;
    if (!cluster) return;
    const body = $('cluster-nodes');
    body.replaceChildren(...cluster.nodes.map((n) => {
      const tr = document.createElement('tr');
      if (!n.reachable) tr.className = 'unreachable';
      for (const v of [n.address, n.roles.join(', '), n.reachable ? n.status : n.status + ', unreachable', n.workers]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.appendChild(td);
      }
      return tr;
    }));
    const t = cluster.traffic;
    const mb = (b) => (b / 1e6).toFixed(1) + ' MB';
    $('cluster-traffic').textContent = 'Sent to worker nodes: weights ' + mb(t.weightsSentBytes) + ' in '
      + t.weightsSentMessages + ' messages, batches ' + mb(t.batchesSentBytes) + '; codes back ' + mb(t.codesReceivedBytes)
      + '.';
    const list = $('cluster-events');
    list.replaceChildren(...cluster.events.slice().reverse().map((e) => {
      const li = document.createElement('li');
      const t = document.createElement('span');
      t.className = 'time';
      t.textContent = new Date(e.time).toLocaleTimeString();
      li.append(t, e.text);
      return li;
    }));
  }

  function renderStatus(st) {
    $('title-model').textContent = st.model;
    const badge = $('status-state');
    badge.textContent = st.state;
    badge.dataset.state = st.state;
    $('status-epoch').textContent = st.epoch + ' / ' + st.epochs;
    $('status-batch').textContent = st.batchInEpoch + ' / ' + st.batchesPerEpoch + ' (' + st.appliedBatches + ' applied)';
    $('status-eta').textContent = st.state === 'paused' ? 'paused' : duration(st.etaSeconds);
    $('status-elapsed').textContent = duration(st.elapsedSeconds);
    $('status-lambda').textContent = st.lambda;
    $('status-best').textContent = st.bestEpoch == null ? '–'
      : 'epoch ' + st.bestEpoch + ' (energy ' + fmt(st.bestValEnergy, 2) + ')';
    $('status-version').textContent = st.weightsVersion == null ? '–' : st.weightsVersion;
    $('status-staleness').textContent = st.staleness + ' (K = ' + st.run.maxStaleness + ')';
    $('status-workers').textContent = (st.workers == null ? st.run.workers : st.workers) + ' / '
      + (st.inFlight == null ? '–' : st.inFlight);
    const snap = st.lastSnapshot;
    $('status-snapshot').textContent = snap == null ? 'none yet'
      : new Date(snap.millis).toLocaleTimeString() + ' (' + snap.reason + ')';
    $('status-data').textContent = st.run.dataset + ', ' + st.run.trainSamples + ' training samples';
    $('status-dir').textContent = st.run.runDir;
    const config = JSON.stringify(st.config, null, 2);
    if ($('status-config').textContent !== config) $('status-config').textContent = config;
    $('status-message').textContent = st.message || '';
    $('pause').textContent = st.paused ? 'Resume' : 'Pause';
    const finished = ['completed', 'stopped', 'failed'].includes(st.state);
    for (const id of ['lambda-set', 'snapshot', 'pause', 'stop']) $(id).disabled = finished;
    renderCluster(st.cluster);
    refreshImages(false);
  }

  // ------------------------------------------------------------------ pictures

  function refreshImages(force) {
    const st = S.status;
    if (!st || st.weightsVersion == null || imagesLoading) return;
    if (!force && st.weightsVersion === shownImageVersion) return;
    if (!force && Date.now() - (refreshImages.last || 0) < IMAGE_REFRESH_MS) return;
    refreshImages.last = Date.now();
    imagesLoading = true;
    const v = st.weightsVersion;
    let pending = 2;
    const done = () => {
      if (--pending === 0) {
        imagesLoading = false;
        shownImageVersion = v;
        $('dictionary-version').textContent = '(weight version ' + v + ')';
      }
    };
    for (const id of ['dictionary', 'reconstructions']) {
      const img = new Image();
      img.onload = () => {
        $(id).src = img.src;
        done();
      };
      img.onerror = done;
      img.src = 'api/' + id + '.png?v=' + v;
    }
  }

  // ------------------------------------------------------------------ controls

  function say(kind, text) {
    const m = $('message');
    m.className = 'message ' + kind;
    m.textContent = text;
  }

  async function control(path, body) {
    const t = token();
    if (!t) {
      showTokenRow(true);
      say('error', 'no token: paste the one train printed (it is also in the run folder, control.token)');
      return;
    }
    try {
      const r = await fetch('api/' + path, {
        method: 'POST',
        headers: { 'Authorization': 'Bearer ' + t, 'Content-Type': 'application/json' },
        body: body || '',
      });
      let text;
      try {
        text = (await r.json()).message;
      } catch (e) {
        text = r.statusText;
      }
      say(r.ok ? 'ok' : 'error', r.ok ? text : r.status + ': ' + text);
      if (r.status === 401) showTokenRow(true);
    } catch (e) {
      say('error', 'the run did not answer (' + e.message + ')');
    }
  }

  function wireControls() {
    showTokenRow(!token());
    $('token-save').onclick = () => {
      const t = $('token-input').value.trim();
      if (t) {
        sessionStorage.setItem(TOKEN_KEY, t);
        $('token-input').value = '';
        showTokenRow(false);
        say('ok', 'token set for this tab');
      }
    };
    $('lambda-set').onclick = () => {
      const text = $('lambda-input').value.trim();
      const v = Number(text);
      if (text === '' || !Number.isFinite(v)) {
        say('error', '"' + text + '" is not a number');
        return;
      }
      control('lambda', JSON.stringify({ lambda: v }));
    };
    $('lambda-input').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') $('lambda-set').click();
    });
    $('snapshot').onclick = () => control('snapshot');
    $('pause').onclick = () => control(S.status && S.status.paused ? 'resume' : 'pause');
    $('stop').onclick = () => {
      $('stop-confirm-box').hidden = false;
    };
    $('stop-cancel').onclick = () => {
      $('stop-confirm-box').hidden = true;
    };
    $('stop-confirm').onclick = () => {
      $('stop-confirm-box').hidden = true;
      control('stop');
    };
  }

  // ------------------------------------------------------------------ start

  createCharts();
  wireControls();
  window.addEventListener('resize', resizeCharts);
  connect();
  // For the browser test and for people poking at the page from the console.
  window.sparseStream = { state: S, charts: charts, points: () => S.cols.seq.length };
})();

// The fathom report's script (embedded into every report at build time). It reads the JSON block
// #fathom-data, which fathom computed (src/report/*.cpp), and draws each section with the
// helpers of figures.js and Chart.js. Errors are not caught: a page that fails to draw says so
// on the console. Every figure is an element with class "fathom-figure" and a data-figure id;
// data-drawn="true" is set once it is drawn, and body's data-ready="true" once all are.
/* global FathomFigures */
'use strict';

(function () {
  const data = JSON.parse(document.getElementById('fathom-data').textContent);
  const { color, el, section, figure, drawn, chart, fmt, short, minOf, maxOf, table, epochMarkers,
    regionPainter, diverging } = FathomFigures;

  // --- The network ---
  function networkSection() {
    const net = data.network;
    const s = section('Network', net.input_dim + ' inputs → ' + net.output_dim + ' outputs, ' +
      net.parameters + ' parameters; task: ' + net.task);
    const rows = [['input', '', String(net.input_dim), '', '']];
    net.layers.forEach((l) => rows.push([l.name, l.type, String(l.units),
      l.type === 'dense' ? l.activation + (l.use_bias ? '' : ' (no bias)') : l.describe, String(l.parameters)]));
    table(s, ['layer', 'type', 'units', 'activation', 'parameters'], rows);
    const facts = [];
    if (net.loss) facts.push(['loss', net.loss]);
    if (net.optimizer) {
      const settings = Object.entries(net.optimizer.config).map(([k, v]) => k + ' ' + v).join(', ');
      facts.push(['optimizer', net.optimizer.name + (settings ? ' (' + settings + ')' : '')]);
      facts.push(['learning rate now', short(net.optimizer.learning_rate)]);
      facts.push(['updates made', String(net.optimizer.iterations)]);
    }
    if (net.metrics && net.metrics.length) facts.push(['metrics', net.metrics.join(', ')]);
    if (net.class_names.length) facts.push(['classes', net.class_names.join(', ')]);
    if (net.target_names.length) facts.push(['targets', net.target_names.join(', ')]);
    if (net.target_scaling !== 'none') facts.push(['target scaling', net.target_scaling]);
    el('div', s).style.height = '10px';
    table(s, ['setting', 'value'], facts);
  }

  // --- Learning curves and the learning rate ---
  function curvesSection() {
    const h = data.history;
    const epochs = h.epochs.map((e) => e + 1);  // shown counted from 1, as the progress lines count
    if (epochs.length === 0) {
      section('Learning curves', 'The model has no training history.');
      return;
    }
    const notes = [];
    const lines = [];
    if (h.best_epoch >= 0) {
      notes.push('best epoch ' + (h.best_epoch + 1) + ' (lowest ' + h.best_key + ')');
      lines.push({ value: h.best_epoch + 1, color: '#1b7837', dash: [], label: 'best' });
    }
    if (h.stopped_epoch >= 0) {
      notes.push('early stopping stopped after epoch ' + (h.stopped_epoch + 1));
      lines.push({ value: h.stopped_epoch + 1, color: '#b2182b', dash: [5, 4], label: 'stopped' });
    }
    if (h.restored_epoch >= 0) notes.push('weights restored from epoch ' + (h.restored_epoch + 1));
    const s = section('Learning curves', epochs.length + ' epochs' + (notes.length ? '; ' + notes.join('; ') : ''));
    const grid = el('div', s, null, 'grid');
    const keys = Object.keys(h.series).filter((k) => k !== 'lr' && !k.startsWith('val_'));
    keys.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a.localeCompare(b)));
    keys.forEach((key) => {
      const datasets = [];
      const add = (name, label, i) => {
        if (!h.series[name]) return;
        datasets.push({
          label: label, data: h.series[name].map((v, j) => ({ x: epochs[j], y: v })),
          borderColor: color(i), backgroundColor: color(i), pointRadius: epochs.length > 60 ? 0 : 2,
          borderWidth: 2,
        });
      };
      add(key, 'training', 0);
      add('val_' + key, 'validation', 1);
      chart(figure(grid, key, key), {
        type: 'line',
        data: { datasets: datasets },
        options: {
          parsing: false,
          scales: { x: { type: 'linear', title: { display: true, text: 'epoch' } }, y: { title: { display: true, text: key } } },
        },
        plugins: [epochMarkers(lines)],
      });
    });
    if (h.series.lr) {
      chart(figure(grid, 'lr', 'learning rate'), {
        type: 'line',
        data: { datasets: [{ label: 'learning rate', data: h.series.lr.map((v, j) => ({ x: epochs[j], y: v })),
          borderColor: color(3), backgroundColor: color(3), pointRadius: 0, borderWidth: 2, stepped: true }] },
        options: { parsing: false, scales: { x: { type: 'linear', title: { display: true, text: 'epoch' } },
          y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
      });
    }
  }

  // --- Data: scores, confusion matrix, scatter, decision regions ---
  function confusionFigure(parent, c) {
    const fig = figure(parent, 'confusion', 'confusion matrix (rows: true class, columns: predicted; ' +
      'shade: share of the true class)');
    if (c.class_names.length > 5) fig.classList.add('wide');  // a row of the grid to itself
    const t = el('table', fig, null, 'confusion');
    const hr = el('tr', el('thead', t));
    el('th', hr, 'true \\ predicted', 'name');
    c.class_names.forEach((n) => el('th', hr, n, 'name'));
    const body = el('tbody', t);
    c.counts.forEach((row, i) => {
      const tr = el('tr', body);
      el('th', tr, c.class_names[i], 'name');
      const total = row.reduce((a, b) => a + b, 0);
      row.forEach((count) => {
        const share = total > 0 ? count / total : 0;
        const td = el('td', tr, String(count), 'cell');
        td.style.background = 'rgba(33, 102, 172, ' + (0.06 + 0.94 * share).toFixed(3) + ')';
        td.style.color = share > 0.5 ? '#fff' : 'var(--ink)';
      });
    });
    drawn(fig);
  }

  function scoresTable(parent, c) {
    const fig = figure(parent, 'scores', 'per class (accuracy ' + fmt(c.accuracy) + ')');
    const rows = c.class_names.map((n, i) => [n, fmt(c.precision[i], 3), fmt(c.recall[i], 3), fmt(c.f1[i], 3),
      String(c.support[i])]);
    rows.push(['macro avg', fmt(c.macro.precision, 3), fmt(c.macro.recall, 3), fmt(c.macro.f1, 3),
      String(c.support.reduce((a, b) => a + b, 0))]);
    table(fig, ['class', 'precision', 'recall', 'f1', 'support'], rows);
    drawn(fig);
  }

  function regressionFigures(parent, outputs) {
    outputs.forEach((o, k) => {
      const points = o.true.map((t, i) => ({ x: t, y: o.predicted[i] }));
      const lo = Math.min(minOf(o.true), minOf(o.predicted));
      const hi = Math.max(maxOf(o.true), maxOf(o.predicted));
      chart(figure(parent, 'scatter-' + k, o.name + ': predicted against true (R² ' + fmt(o.r2, 3) +
        ', MAE ' + short(o.mae) + ')'), {
        type: 'scatter',
        data: { datasets: [
          { label: 'samples', data: points, backgroundColor: 'rgba(33, 102, 172, 0.55)', pointRadius: 2.5 },
          { label: 'predicted = true', data: [{ x: lo, y: lo }, { x: hi, y: hi }], type: 'line',
            borderColor: '#b2182b', borderWidth: 1.5, pointRadius: 0 },
        ] },
        options: { parsing: false, scales: { x: { title: { display: true, text: 'true ' + o.name } },
          y: { title: { display: true, text: 'predicted' } } } },
      });
      const residuals = o.true.map((t, i) => ({ x: o.predicted[i], y: t - o.predicted[i] }));
      const plo = minOf(o.predicted);
      const phi = maxOf(o.predicted);
      chart(figure(parent, 'residuals-' + k, o.name + ': residuals (true − predicted)'), {
        type: 'scatter',
        data: { datasets: [
          { label: 'residual', data: residuals, backgroundColor: 'rgba(214, 96, 77, 0.55)', pointRadius: 2.5 },
          { label: 'zero', data: [{ x: plo, y: 0 }, { x: phi, y: 0 }], type: 'line', borderColor: '#4d4d4d',
            borderWidth: 1, pointRadius: 0 },
        ] },
        options: { parsing: false, scales: { x: { title: { display: true, text: 'predicted ' + o.name } },
          y: { title: { display: true, text: 'residual' } } } },
      });
    });
  }

  function decisionRegions(parent, r, classNames) {
    const names = (i) => (classNames[i] !== undefined ? classNames[i] : 'class ' + i);
    const byClass = {};
    r.points.class.forEach((c, i) => {
      (byClass[c] = byClass[c] || []).push({ x: r.points.x[i], y: r.points.y[i] });
    });
    const datasets = Object.keys(byClass).map((c) => ({
      label: names(Number(c)), data: byClass[c], backgroundColor: color(Number(c)), borderColor: '#fff',
      borderWidth: 1, pointRadius: r.points.x.length <= 50 ? 6 : r.points.x.length <= 1000 ? 4 : 2,
    }));
    const fig = figure(parent, 'decision-regions', 'decision regions (background: predicted class; ' +
      'points: the data, by true class)');
    chart(fig, {
      type: 'scatter',
      data: { datasets: datasets },
      options: {
        parsing: false,
        scales: {
          x: { min: r.x_range[0], max: r.x_range[1], title: { display: true, text: r.x_name } },
          y: { min: r.y_range[0], max: r.y_range[1], title: { display: true, text: r.y_name } },
        },
      },
      plugins: [regionPainter(r)],
    });
    fig.querySelector('.chart-box').style.height = '380px';
  }

  function dataSection() {
    const d = data.data;
    if (!d) return;
    const s = section('On data', d.description + (d.labelled ? '' : ' (no targets: nothing to score)'));
    const grid = el('div', s, null, 'grid');
    if (d.classification) {
      confusionFigure(grid, d.classification);
      scoresTable(grid, d.classification);
    }
    if (d.labels) {
      const fig = figure(grid, 'labels', 'per label');
      table(fig, ['label', 'precision', 'recall', 'f1', 'support'],
        d.labels.map((l) => [l.name, fmt(l.precision), fmt(l.recall), fmt(l.f1), String(l.support)]));
      drawn(fig);
    }
    if (d.regression) regressionFigures(grid, d.regression);
    if (d.decision_regions) {
      const names = d.classification ? d.classification.class_names : data.network.class_names;
      decisionRegions(grid, d.decision_regions, names);
    }
  }

  // --- Weights ---
  function histogramsSection() {
    const s = section('Weights and biases', 'Histograms of each tensor of the trained network.');
    const grid = el('div', s, null, 'grid small');
    data.histograms.forEach((h) => {
      const labels = h.counts.map((_, i) => short((h.edges[i] + h.edges[i + 1]) / 2));
      chart(figure(grid, 'hist-' + h.name, h.name + ' (' + h.count + (h.count === 1 ? ' value)' : ' values)')), {
        type: 'bar',
        data: { labels: labels, datasets: [{ label: h.name, data: h.counts, backgroundColor: color(0),
          barPercentage: 1, categoryPercentage: 1 }] },
        options: { plugins: { legend: { display: false } }, scales: { x: { ticks: { maxTicksLimit: 6 } } } },
      });
    });
  }


  function weightImages() {
    const w = data.weight_images;
    if (!w) return;
    const s = section('First-layer weights as images', w.tiles.length + ' units of ' + w.layer + ', each a ' +
      w.height + '×' + w.width + ' picture of its input weights (blue negative, red positive, ±' +
      short(w.scale) + ')');
    const fig = figure(s, 'weights-images', null);
    const tiles = el('div', fig, null, 'tiles');
    tiles.style.setProperty('--tile', Math.max(60, Math.min(140, 3 * w.width)) + 'px');
    const scale = w.scale > 0 ? w.scale : 1;
    w.tiles.forEach((values, u) => {
      const tile = el('div', tiles, null, 'tile');
      const canvas = el('canvas', tile);
      canvas.width = w.width;
      canvas.height = w.height;
      const ctx = canvas.getContext('2d');
      const img = ctx.createImageData(w.width, w.height);
      values.forEach((v, p) => {
        const rgb = diverging(v / scale);
        img.data[4 * p] = rgb[0];
        img.data[4 * p + 1] = rgb[1];
        img.data[4 * p + 2] = rgb[2];
        img.data[4 * p + 3] = 255;
      });
      ctx.putImageData(img, 0, 0);
      el('div', tile, 'unit ' + (u + 1));
    });
    drawn(fig);
  }

  function networkDiagram() {
    const d = data.diagram;
    if (!d) return;
    const s = section('Network diagram', 'Edges coloured by the sign of the weight (blue negative, red ' +
      'positive), their width by its size (largest |w| = ' + short(d.max_abs) + ').');
    const fig = figure(s, 'network', null);
    fig.classList.add('diagram');
    const NS = 'http://www.w3.org/2000/svg';
    const most = Math.max(...d.sizes);
    const gap = Math.max(16, Math.min(44, 640 / most));
    const width = 900;
    const height = Math.max(180, gap * most + 60);
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    fig.appendChild(svg);
    const columnX = (l) => 110 + (width - 220) * (d.sizes.length === 1 ? 0 : l / (d.sizes.length - 1));
    const nodeY = (l, i) => height / 2 + (i - (d.sizes[l] - 1) / 2) * gap;
    const max = d.max_abs > 0 ? d.max_abs : 1;
    const add = (tag, attrs, parent) => {
      const node = document.createElementNS(NS, tag);
      Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
      (parent || svg).appendChild(node);
      return node;
    };
    d.layers.forEach((layer, l) => {
      layer.weights.forEach((row, j) => row.forEach((w, i) => {
        add('line', { x1: columnX(l), y1: nodeY(l, i), x2: columnX(l + 1), y2: nodeY(l + 1, j),
          stroke: w < 0 ? '#2166ac' : '#b2182b', 'stroke-width': (0.25 + 3.5 * Math.abs(w) / max).toFixed(2),
          'stroke-opacity': 0.65 });
      }));
    });
    const radius = Math.max(4, Math.min(11, gap / 2.6));
    const features = data.network.feature_names;
    d.sizes.forEach((n, l) => {
      for (let i = 0; i < n; i++) {
        add('circle', { cx: columnX(l), cy: nodeY(l, i), r: radius, fill: l === 0 ? '#fff' : '#f0f4f8',
          stroke: '#1f2933', 'stroke-width': 1.2 });
        if (l === 0 && features[i] !== undefined) {
          const label = add('text', { x: columnX(0) - radius - 6, y: nodeY(0, i) + 4, 'text-anchor': 'end',
            'font-size': 12, fill: '#1f2933' });
          label.textContent = features[i];
        }
      }
      const caption = add('text', { x: columnX(l), y: height - 8, 'text-anchor': 'middle', 'font-size': 12,
        fill: '#616e7c' });
      caption.textContent = l === 0 ? 'inputs' : d.layers[l - 1].name + ' (' + d.layers[l - 1].activation + ')';
    });
    drawn(fig);
  }

  networkSection();
  curvesSection();
  dataSection();
  histogramsSection();
  weightImages();
  networkDiagram();
  document.body.dataset.ready = 'true';
}());

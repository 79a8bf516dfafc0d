// The fathom report's figure helpers (embedded into every report at build time, before
// report.js, which draws the sections with them): elements written as text only, a figure
// wrapper that marks itself drawn, Chart.js with animations off, two small Chart.js plugins
// (epoch markers, decision-region background) and the colours. Names from the data (classes,
// features, files) are only ever written as text (textContent, SVG text, canvas labels), never
// parsed as HTML.
/* global Chart */
/* exported FathomFigures */
'use strict';

const FathomFigures = (function () {
  // Drawing happens synchronously, so that the page is complete when the scripts end.
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;

  const COLORS = ['#2166ac', '#d6604d', '#1b7837', '#762a83', '#e08214', '#35978f', '#c51b7d',
    '#8c510a', '#4d4d4d', '#5aae61'];
  const color = (i) => COLORS[i % COLORS.length];

  // --- DOM helpers: text only ---
  function el(tag, parent, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    if (parent) parent.appendChild(node);
    return node;
  }
  function section(title, note) {
    const s = el('section', document.getElementById('report'));
    el('h2', s, title);
    if (note) el('p', s, note, 'note');
    return s;
  }
  function figure(parent, id, title) {
    const fig = el('div', parent, null, 'fathom-figure');
    fig.dataset.figure = id;
    if (title) el('h3', fig, title);
    return fig;
  }
  function drawn(fig) {
    fig.dataset.drawn = 'true';
  }
  function chart(fig, config) {
    const box = el('div', fig, null, 'chart-box');
    const canvas = el('canvas', box);
    config.options = config.options || {};
    config.options.animation = false;
    config.options.responsive = true;
    const c = new Chart(canvas, config);
    drawn(fig);
    return c;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
    return Number(v).toFixed(digits === undefined ? 4 : digits);
  }
  function short(v) {
    if (v === null || v === undefined) return 'n/a';
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  }
  // Not Math.min(...values): a spread of 60,000 arguments overflows some engines' stacks.
  const minOf = (values) => values.reduce((a, b) => (b < a ? b : a), Infinity);
  const maxOf = (values) => values.reduce((a, b) => (b > a ? b : a), -Infinity);
  function table(parent, head, rows, className) {
    const t = el('table', parent, null, className);
    const hr = el('tr', el('thead', t));
    head.forEach((h, i) => el('th', hr, h, i === 0 ? 'name' : ''));
    const body = el('tbody', t);
    rows.forEach((r) => {
      const tr = el('tr', body);
      r.forEach((cell, i) => el('td', tr, cell, i === 0 ? 'name' : ''));
    });
    return t;
  }

  // Vertical lines at given epochs (best epoch, early stop), drawn over the chart area. (Plugins
  // take their data by closure, not through Chart.js's option resolver, which wraps objects.)
  const epochMarkers = (lines) => ({
    id: 'fathomMarkers',
    afterDatasetsDraw(c) {
      const x = c.scales.x;
      const area = c.chartArea;
      const ctx = c.ctx;
      lines.forEach((m, i) => {
        const px = x.getPixelForValue(m.value);
        if (px < area.left - 1 || px > area.right + 1) return;
        ctx.save();
        ctx.strokeStyle = m.color;
        ctx.lineWidth = 1.5;
        ctx.setLineDash(m.dash);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.fillStyle = m.color;
        ctx.font = '11px ' + Chart.defaults.font.family;
        // The label on the side with room: left of a line near the right edge.
        const right = px > area.right - 50;
        ctx.textAlign = right ? 'right' : 'left';
        ctx.fillText(m.label, right ? px - 4 : px + 4, area.top + 12 + 13 * i);
        ctx.restore();
      });
    },
  });

  // The grid of predicted classes painted under the points, in the chart's own coordinates.
  const regionPainter = (r) => ({
    id: 'fathomRegions',
    beforeDatasetsDraw(c) {
      const side = r.side;
      const image = document.createElement('canvas');
      image.width = side;
      image.height = side;
      const ictx = image.getContext('2d');
      const pixels = ictx.createImageData(side, side);
      for (let j = 0; j < side; j++) {
        for (let i = 0; i < side; i++) {
          const rgb = hexRgb(color(r.classes[j * side + i]));
          const at = ((side - 1 - j) * side + i) * 4;  // image rows run top down, the grid bottom up
          pixels.data[at] = Math.round(255 - 0.3 * (255 - rgb[0]));
          pixels.data[at + 1] = Math.round(255 - 0.3 * (255 - rgb[1]));
          pixels.data[at + 2] = Math.round(255 - 0.3 * (255 - rgb[2]));
          pixels.data[at + 3] = 255;
        }
      }
      ictx.putImageData(pixels, 0, 0);
      const x = c.scales.x;
      const y = c.scales.y;
      const left = x.getPixelForValue(r.x_range[0]);
      const right = x.getPixelForValue(r.x_range[1]);
      const top = y.getPixelForValue(r.y_range[1]);
      const bottom = y.getPixelForValue(r.y_range[0]);
      const ctx = c.ctx;
      ctx.save();
      ctx.beginPath();
      ctx.rect(c.chartArea.left, c.chartArea.top, c.chartArea.right - c.chartArea.left,
        c.chartArea.bottom - c.chartArea.top);
      ctx.clip();
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(image, left, top, right - left, bottom - top);
      ctx.restore();
    },
  });
  function hexRgb(hex) {
    return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  // Diverging colour map, symmetric around 0: blue (negative), white (0), red (positive).
  function diverging(v) {
    const t = Math.max(-1, Math.min(1, v));
    const end = t < 0 ? [33, 102, 172] : [178, 24, 43];
    const a = Math.abs(t);
    return end.map((c) => Math.round(255 + (c - 255) * a));
  }

  return { color, el, section, figure, drawn, chart, fmt, short, minOf, maxOf, table, epochMarkers,
    regionPainter, diverging };
}());

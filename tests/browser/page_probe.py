"""The scripts check_page.py runs inside the page, as JavaScript expressions."""

# Resolves after two animation frames: whatever the page drew or logged on its last frame has
# happened by then (Chart.js draws on a frame after a resize).
SETTLE = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"

# Describes every figure of the page and the page's Content-Security-Policy. A canvas is drawn
# onto a scratch 2D canvas and read back there, so WebGL canvases are checked the same way; the
# page's own canvases are never tainted (a file:// page draws only what its script made), so
# getImageData is allowed. "Blank" means no pixel that is both visible and not white.
PROBE = r"""
(() => {
  const inked = canvas => {
    const scratch = document.createElement("canvas");
    scratch.width = canvas.width;
    scratch.height = canvas.height;
    const context = scratch.getContext("2d", {willReadFrequently: true});
    context.drawImage(canvas, 0, 0);
    const pixels = context.getImageData(0, 0, scratch.width, scratch.height).data;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] !== 0 && (pixels[i] !== 255 || pixels[i + 1] !== 255 || pixels[i + 2] !== 255))
        return true;
    }
    return false;
  };
  const figures = Array.from(document.querySelectorAll(".fathom-figure"), figure => {
    const box = figure.getBoundingClientRect();
    const canvases = Array.from(figure.querySelectorAll("canvas"), canvas => {
      const found = {width: canvas.width, height: canvas.height, blank: null, error: null};
      if (canvas.width > 0 && canvas.height > 0) {
        try { found.blank = !inked(canvas); } catch (e) { found.error = String(e); }
      }
      return found;
    });
    const images = Array.from(figure.querySelectorAll("img"), image => ({
      src: image.src.slice(0, 60), loaded: image.complete && image.naturalWidth > 0}));
    return {id: figure.dataset.figure ?? null, drawn: figure.dataset.drawn === "true",
            width: Math.round(box.width), height: Math.round(box.height), canvases, images};
  });
  const csp = Array.from(document.querySelectorAll("meta[http-equiv]"))
    .filter(meta => meta.httpEquiv.toLowerCase() === "content-security-policy")
    .map(meta => meta.content);
  return {figures, csp};
})()
"""
